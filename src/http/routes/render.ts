import type { Request, Response } from 'express';
import { maskCsrfToken } from '../middleware/csrf.ts';
import { isValidTimeZone } from '../../shared/time.ts';
import { localeNames, supportedLocales, t, type Locale, type TranslationVars } from '../../i18n/i18n.ts';
import { localeOf } from '../middleware/locale.ts';

/** The reader's time zone: the one they chose, else the one their browser reported, else none. */
export function readerTimeZone(req: Request): string | null {
  if (req.actor?.timeZone) return req.actor.timeZone;
  const cookie = (req.cookies as Record<string, string | undefined> | undefined)?.tz;
  return cookie && cookie.length < 64 && isValidTimeZone(cookie) ? cookie : null;
}

/**
 * The page to switch language on: this one (its query kept, without `lang`); after a form post, the
 * form's page (the Referer, when it is on this site), since the post's address may have no page.
 */
function switchBase(req: Request): URL {
  const host = req.get('host');
  // A Host header that is not a host (refused with a 400 whose page this may be) must not make the page throw.
  const base = `http://${host && URL.canParse(`http://${host}`) ? host : 'localhost'}`;
  const here = URL.canParse(req.originalUrl, base) ? new URL(req.originalUrl, base) : new URL('/', base);
  if (req.method === 'GET' || req.method === 'HEAD') return here;
  const referer = req.get('referer');
  if (referer) {
    try {
      const from = new URL(referer);
      if (from.host === here.host) return new URL(`${from.pathname}${from.search}`, base);
    } catch {
      // not a URL: stay on this page's address
    }
  }
  return here;
}

/**
 * The query parameters a language link keeps: a page's filters and the sign-in link's token. Nothing
 * else is echoed back (e.g. a `next` an attacker put in a link to the sign-in page).
 */
const keptParameters = new Set(['q', 'category', 'theme', 'country', 'language', 'status', 'mine', 'cursor', 'notice', 'moved', 'token']);

/** "English · Français · Español": links to this page in each language. */
export function languageLinks(req: Request, current: Locale): Array<{ locale: Locale; name: string; href: string; current: boolean }> {
  const base = switchBase(req);
  const kept = [...new URLSearchParams(base.search)].filter(([name]) => keptParameters.has(name));
  return supportedLocales.map((locale) => {
    const params = new URLSearchParams(kept);
    params.set('lang', locale);
    return { locale, name: localeNames[locale], href: `${base.pathname}?${params.toString()}`, current: locale === current };
  });
}

/**
 * Renders a page with what every page needs: the signed-in person, their time zone, a CSRF token for
 * its forms, and its language (`locale`, `t` for the templates, the language switch).
 */
export function renderPage(req: Request, res: Response, view: string, data: Record<string, unknown> = {}, status = 200): void {
  const csrfToken = typeof req.csrfToken === 'function' ? maskCsrfToken(req.csrfToken()) : '';
  const locale = localeOf(req);
  // A page for a signed-in person, or reached by an emailed link's token, is stored by no cache (a shared
  // computer's, a proxy's): it shows their meetings, their calendar feed's address, their forms. Anyone
  // else's pages are revalidated (their ETag) rather than shown stale.
  res.set('Cache-Control', req.actor || 'token' in (req.params ?? {}) ? 'no-store' : 'no-cache');
  res.status(status).render(view, {
    actor: req.actor,
    csrfToken,
    readerTimeZone: readerTimeZone(req),
    locale,
    t: (key: string, vars?: TranslationVars) => t(locale, key, vars),
    languageLinks: languageLinks(req, locale),
    ...data,
  });
}
