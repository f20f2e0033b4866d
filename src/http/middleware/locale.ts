import type { Request, RequestHandler, Response } from 'express';
import type { AppContext } from '../../context.ts';
import { setPreferredLocale } from '../../auth/auth.service.ts';
import { isSupportedLocale, negotiateLocale, type Locale } from '../../i18n/i18n.ts';

export const LOCALE_COOKIE = 'lang';
const ONE_YEAR_MS = 365 * 24 * 3600 * 1000;

/** The language the reader chose with the switch (the `lang` cookie), if any. */
export function chosenLocale(req: Request): Locale | null {
  const cookie = (req.cookies as Record<string, string | undefined> | undefined)?.[LOCALE_COOKIE];
  return isSupportedLocale(cookie) ? cookie : null;
}

/** The request's language, for code that may run before `resolveLocale` (the error handler). */
export function localeOf(req: Request): Locale {
  return req.locale ?? negotiateLocale(req.get('accept-language'));
}

function rememberLocale(ctx: AppContext, res: Response, locale: Locale): void {
  res.cookie(LOCALE_COOKIE, locale, { sameSite: 'lax', secure: ctx.config.BASE_URL.startsWith('https://'), httpOnly: true, path: '/', maxAge: ONE_YEAR_MS });
}

/**
 * The language of the pages, first that applies: `?lang=` (the switch: remembered in the `lang` cookie
 * and, for a signed-in person, in users.locale, the language of their emails), the `lang` cookie, the
 * signed-in person's users.locale, the browser's Accept-Language, English.
 */
export function resolveLocale(ctx: AppContext): RequestHandler {
  return async (req, res, next) => {
    const asked = req.query.lang;
    let locale: Locale;
    if (isSupportedLocale(asked)) {
      locale = asked;
      if (chosenLocale(req) !== asked) rememberLocale(ctx, res, asked);
      if (req.actor) await setPreferredLocale(ctx, req.actor, asked);
    } else {
      locale = chosenLocale(req) ?? (req.actor && isSupportedLocale(req.actor.locale) ? req.actor.locale : negotiateLocale(req.get('accept-language')));
    }
    req.locale = locale;
    res.setHeader('Content-Language', locale);
    res.vary('Accept-Language');
    res.vary('Cookie');
    next();
  };
}
