import { Router } from 'express';
import type { AppContext } from '../../context.ts';
import { requireActor } from '../../auth/actor.ts';
import { parseInput } from '../../shared/parse.ts';
import { interestsBody } from '../../interests/interests.schemas.ts';
import { getMyInterests, isValidUnsubscribeToken, setMyInterests, unsubscribeFromDigest } from '../../interests/interests.service.ts';
import { requestCategories, requestCategoryLabels } from '../../requests/requests.schemas.ts';
import { bodyOf, countryCodeFromText, handleForm, list, splitList, str, type FormValues } from '../forms.ts';
import { renderPage } from './render.ts';
import { t } from '../../i18n/i18n.ts';

const timeZones = Intl.supportedValuesOf('timeZone').map((z) => ({ value: z, label: z }));

export function accountPages(ctx: AppContext): Router {
  const router = Router();

  const show = (req: Parameters<typeof renderPage>[0], res: Parameters<typeof renderPage>[1], values: FormValues, errors: Record<string, string> = {}, formError?: string, status = 200, notice?: string) =>
    renderPage(
      req,
      res,
      'preferences.njk',
      { title: t(req.locale, 'Preferences'), values, errors, formError, notice, timeZones, categories: requestCategories.map((value) => ({ value, label: t(req.locale, requestCategoryLabels[value]) })) },
      status,
    );

  router.get('/account/preferences', async (req, res) => {
    const interests = await getMyInterests(ctx, req.actor);
    show(
      req,
      res,
      { categories: interests.categories, themes: interests.themes.join(', '), countries: interests.countries.join(', '), digest: interests.digest ? 'true' : '', timeZone: interests.timeZone ?? '' },
      {},
      undefined,
      200,
      str(req.query.notice) === 'saved' ? t(req.locale, 'Your preferences are saved.') : undefined,
    );
  });

  router.post('/account/preferences', async (req, res) => {
    requireActor(req.actor);
    const values = bodyOf(req);
    values.categories = list(values.categories);
    await handleForm(
      res,
      async () => {
        const input = parseInput(interestsBody, {
          categories: list(values.categories),
          themes: splitList(values.themes),
          countries: splitList(values.countries).map(countryCodeFromText),
          digest: str(values.digest) === 'true',
          timeZone: str(values.timeZone) || null,
        });
        await setMyInterests(ctx, req.actor, input);
        res.redirect(303, '/account/preferences?notice=saved');
      },
      (status, errors, formError) => show(req, res, values, errors, formError, status),
    );
  });

  // The link in every digest: a page whose button unsubscribes; mail providers POST to it directly (RFC 8058).
  router.get('/unsubscribe/:token', (req, res) => {
    const valid = isValidUnsubscribeToken(ctx, String(req.params.token));
    renderPage(req, res, 'unsubscribe.njk', { title: t(req.locale, 'Unsubscribe'), token: req.params.token, valid, done: false }, valid ? 200 : 404);
  });
  router.post('/unsubscribe/:token', async (req, res) => {
    const done = await unsubscribeFromDigest(ctx, String(req.params.token));
    renderPage(req, res, 'unsubscribe.njk', { title: t(req.locale, 'Unsubscribe'), valid: done, done }, done ? 200 : 404);
  });

  return router;
}
