import { Router } from 'express';
import type { AppContext } from '../../context.ts';
import { magicLinkBody, nextPathField } from '../../auth/auth.schemas.ts';
import { isSignInLinkValid, requestSignInLink, signInWithToken, signOut } from '../../auth/auth.service.ts';
import { parseInput } from '../../shared/parse.ts';
import { AppError } from '../../shared/errors.ts';
import { bodyOf, handleForm, str } from '../forms.ts';
import { clearSessionCookie, setSessionCookie } from '../middleware/authenticate.ts';
import { chosenLocale } from '../middleware/locale.ts';
import { t } from '../../i18n/i18n.ts';
import { renderPage } from './render.ts';

function safeNext(value: unknown): string | undefined {
  return nextPathField.safeParse(str(value)).data;
}

export function authPages(ctx: AppContext): Router {
  const router = Router();

  router.get('/login', (req, res) => {
    renderPage(req, res, 'login.njk', { title: t(req.locale, 'Sign in'), values: { next: safeNext(req.query.next) } });
  });

  router.post('/login', async (req, res) => {
    const values = { email: str(bodyOf(req).email), next: safeNext(bodyOf(req).next) };
    await handleForm(
      res,
      async () => {
        const input = parseInput(magicLinkBody, { email: values.email, ...(values.next ? { next: values.next } : {}) });
        await requestSignInLink(ctx, { email: input.email, ip: req.ip ?? 'unknown', next: input.next, locale: req.locale });
        renderPage(req, res, 'login-sent.njk', { title: t(req.locale, 'Check your email'), email: input.email, devMailbox: res.app.locals.devMailbox === true });
      },
      (status, errors, formError) => renderPage(req, res, 'login.njk', { title: t(req.locale, 'Sign in'), values, errors, formError }, status),
    );
  });

  // The emailed link opens this page; only its button (a POST) uses the token, so a mail scanner
  // that follows links does not burn it.
  router.get('/auth/callback', async (req, res) => {
    const token = str(req.query.token);
    const valid = token.length >= 20 && token.length <= 100 && (await isSignInLinkValid(ctx, token));
    res.setHeader('Referrer-Policy', 'no-referrer');
    renderPage(req, res, 'auth-callback.njk', { title: t(req.locale, 'Sign in'), token, valid }, valid ? 200 : 410);
  });

  router.post('/auth/callback', async (req, res) => {
    const token = str(bodyOf(req).token);
    try {
      // The browser's language becomes a new person's (that of their emails); a language chosen with the switch, anyone's.
      const session = await signInWithToken(ctx, { token, ip: req.ip ?? 'unknown', kind: 'browser', locale: { value: req.locale, chosen: chosenLocale(req) !== null } });
      if (req.sessionToken) await signOut(ctx, req.sessionToken);
      setSessionCookie(ctx, res, session.sessionToken, session.expiresInDays);
      res.redirect(303, session.nextPath ?? (session.user.organization_id || ctx.config.ORGANIZER_EMAILS.includes(session.user.email) ? '/' : '/account/organization'));
    } catch (error) {
      if (error instanceof AppError && error.status === 401) return renderPage(req, res, 'auth-callback.njk', { title: t(req.locale, 'Sign in'), valid: false }, 401);
      throw error;
    }
  });

  router.post('/logout', async (req, res) => {
    if (req.sessionToken) await signOut(ctx, req.sessionToken);
    clearSessionCookie(ctx, res);
    res.redirect(303, '/');
  });

  return router;
}
