import type { Request, Response } from 'express';

/** Renders a page with what every page needs: the signed-in person and a CSRF token for its forms. */
export function renderPage(req: Request, res: Response, view: string, data: Record<string, unknown> = {}, status = 200): void {
  const csrfToken = typeof req.csrfToken === 'function' ? req.csrfToken() : '';
  res.status(status).render(view, { actor: req.actor, csrfToken, ...data });
}
