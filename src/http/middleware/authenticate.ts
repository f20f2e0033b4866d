import type { RequestHandler, Response } from 'express';
import type { AppContext } from '../../context.ts';
import { resolveSession } from '../../auth/auth.service.ts';
import { unauthorized } from '../../shared/errors.ts';

export function sessionCookieName(ctx: AppContext): string {
  return ctx.config.BASE_URL.startsWith('https://') ? '__Host-fm_session' : 'fm_session';
}

export function setSessionCookie(ctx: AppContext, res: Response, token: string, days: number): void {
  res.cookie(sessionCookieName(ctx), token, {
    httpOnly: true,
    sameSite: 'lax',
    secure: ctx.config.BASE_URL.startsWith('https://'),
    path: '/',
    maxAge: days * 24 * 3600 * 1000,
  });
}

export function clearSessionCookie(ctx: AppContext, res: Response): void {
  res.clearCookie(sessionCookieName(ctx), { path: '/', httpOnly: true, sameSite: 'lax', secure: ctx.config.BASE_URL.startsWith('https://') });
}

/** Pages sign in with the session cookie. */
export function authenticateBrowser(ctx: AppContext): RequestHandler {
  return async (req, _res, next) => {
    const token = (req.cookies as Record<string, string | undefined>)[sessionCookieName(ctx)];
    if (token) {
      req.sessionToken = token;
      req.actor = await resolveSession(ctx, token, 'browser');
    }
    next();
  };
}

/** The API signs in with a bearer token only, so it needs no CSRF protection. */
export function authenticateApi(ctx: AppContext): RequestHandler {
  return async (req, _res, next) => {
    const header = req.get('authorization');
    const match = header ? /^Bearer\s+([A-Za-z0-9_-]{20,100})$/.exec(header) : null;
    if (header && !match) return next(unauthorized('The Authorization header must be "Bearer <access token>".'));
    if (match) {
      req.sessionToken = match[1]!;
      req.actor = await resolveSession(ctx, match[1]!, 'api');
      if (!req.actor) return next(unauthorized('The access token is not valid or has expired. Sign in again.'));
    }
    next();
  };
}
