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
    getCsrfTokenFromRequest: (req: Request) => unmaskCsrfToken((req.body as Record<string, unknown> | undefined)?._csrf),
    errorConfig: { statusCode: 403, message: 'invalid csrf token', code: 'EBADCSRFTOKEN' },
    // One-click unsubscribe (RFC 8058) comes from mail providers without our cookies; its signed token is the authorization,
    // as the emailed meeting-answer, meeting-outcome and assistance links' tokens are theirs.
    // Likewise the accept/decline link of a meeting invitation: its signed token authorizes it.
    skipCsrfProtection: (req: Request) => req.method === 'POST' && (/^\/unsubscribe\/[^/]+$/.test(req.path) || /^\/meetings\/[^/]+\/(answer|outcome)\/[^/]+\/[^/]+$/.test(req.path) || /^\/requests\/[^/]+\/assistance\/[^/]+$/.test(req.path)),
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

function xor(a: Buffer, b: Buffer): Buffer {
  const out = Buffer.alloc(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i]!;
  return out;
}

/**
 * The token as a page shows it: XOR-masked with a fresh random pad, so it differs in every answer
 * though the token stays the same. Compressed pages then leak nothing about it (BREACH), as in
 * Rails's and Django's masked tokens.
 */
export function maskCsrfToken(token: string): string {
  const plain = Buffer.from(token, 'utf8');
  const pad = randomBytes(plain.length);
  return `${pad.toString('base64url')}.${xor(plain, pad).toString('base64url')}`;
}

/** The token from a masked form field, or undefined when the field is missing or malformed. */
export function unmaskCsrfToken(field: unknown): string | undefined {
  if (typeof field !== 'string' || field.length > 1000) return undefined;
  const [pad, masked, extra] = field.split('.');
  if (!pad || !masked || extra !== undefined) return undefined;
  const padBytes = Buffer.from(pad, 'base64url');
  const maskedBytes = Buffer.from(masked, 'base64url');
  if (padBytes.length !== maskedBytes.length || padBytes.length === 0) return undefined;
  return xor(maskedBytes, padBytes).toString('utf8');
}
