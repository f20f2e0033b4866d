import type { Request, Response } from 'express';
import { isValidTimeZone } from '../../shared/time.ts';

/** The reader's time zone: the one they chose, else the one their browser reported, else none. */
export function readerTimeZone(req: Request): string | null {
  if (req.actor?.timeZone) return req.actor.timeZone;
  const cookie = (req.cookies as Record<string, string | undefined> | undefined)?.tz;
  return cookie && cookie.length < 64 && isValidTimeZone(cookie) ? cookie : null;
}

/** Renders a page with what every page needs: the signed-in person, their time zone and a CSRF token for its forms. */
export function renderPage(req: Request, res: Response, view: string, data: Record<string, unknown> = {}, status = 200): void {
  const csrfToken = typeof req.csrfToken === 'function' ? req.csrfToken() : '';
  res.status(status).render(view, { actor: req.actor, csrfToken, readerTimeZone: readerTimeZone(req), ...data });
}
