import { randomBytes } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { doubleCsrf } from 'csrf-csrf';
import type { AppContext } from '../../context.ts';
import { AppError } from '../../shared/errors.ts';

const ANON_COOKIE = 'fm_anon';

/**
 * CSRF protection for every form (double-submit cookie, HMAC-bound to the browser's session or, before
 * sign-in, to an anonymous id). `req.csrfToken()` gives the token for the hidden `_csrf` field.
 */
export function csrfProtection(ctx: AppContext): RequestHandler[] {
  const secure = ctx.config.BASE_URL.startsWith('https://');
  const { doubleCsrfProtection } = doubleCsrf({
    getSecret: () => ctx.config.SESSION_SECRET,
    getSessionIdentifier: (req: Request) => req.sessionToken ?? (req.cookies as Record<string, string>)[ANON_COOKIE] ?? '',
    cookieName: secure ? '__Host-fm_csrf' : 'fm_csrf',
    cookieOptions: { sameSite: 'lax', secure, httpOnly: true, path: '/' },
    getCsrfTokenFromRequest: (req: Request) => (req.body as Record<string, unknown> | undefined)?._csrf as string | undefined,
    errorConfig: { statusCode: 403, message: 'invalid csrf token', code: 'EBADCSRFTOKEN' },
    // One-click unsubscribe (RFC 8058) comes from mail providers without our cookies; its signed token is the authorization.
    // Likewise the accept/decline link of a meeting invitation: its signed token authorizes it.
    skipCsrfProtection: (req: Request) => req.method === 'POST' && (/^\/unsubscribe\/[^/]+$/.test(req.path) || /^\/meetings\/[^/]+\/answer\/[^/]+\/[^/]+$/.test(req.path)),
  });
  const anonymousId: RequestHandler = (req, res, next) => {
    const cookies = req.cookies as Record<string, string | undefined>;
    if (!req.sessionToken && !cookies[ANON_COOKIE]) {
      const id = randomBytes(18).toString('base64url');
      cookies[ANON_COOKIE] = id;
      res.cookie(ANON_COOKIE, id, { httpOnly: true, sameSite: 'lax', secure, path: '/' });
    }
    next();
  };
  const protect: RequestHandler = (req, res, next) => {
    doubleCsrfProtection(req, res, (error?: unknown) => {
      if (error) {
        return next(new AppError(403, 'csrf-failed', 'Form expired', 'This form has expired or did not come from this site. Go back, reload the page and submit again.'));
      }
      next();
    });
  };
  return [anonymousId, protect];
}
