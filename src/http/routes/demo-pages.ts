import { Router } from 'express';
import type { AppContext } from '../../context.ts';
import { signInForDemo } from '../../auth/auth.service.ts';
import { listDemoPeople } from '../../demo/demo.service.ts';
import { notFound } from '../../shared/errors.ts';
import { setSessionCookie } from '../middleware/authenticate.ts';
import { renderPage } from './render.ts';
import { t } from '../../i18n/i18n.ts';

/** Demo mode only (never mounted otherwise): every demo person with a button that signs in as them. */
export function demoPages(ctx: AppContext): Router {
  const router = Router();
  router.get('/demo', async (req, res) => {
    renderPage(req, res, 'demo.njk', { title: t(req.locale, 'Demo: sign in as anyone'), people: await listDemoPeople(ctx) });
  });
  router.post('/demo/sign-in/:userId', async (req, res) => {
    const userId = String(req.params.userId);
    if (!/^[0-9a-f-]{36}$/.test(userId)) throw notFound('The person');
    const session = await signInForDemo(ctx, userId);
    setSessionCookie(ctx, res, session.sessionToken, session.expiresInDays);
    res.redirect(303, '/');
  });
  return router;
}
