import { STATUS_CODES } from 'node:http';
import type { ErrorRequestHandler, Request, Response } from 'express';
import { AppError } from '../../shared/errors.ts';
import { N_, translateKnown } from '../../i18n/i18n.ts';
import { renderPage } from '../routes/render.ts';
import { localeOf } from './locale.ts';
import { malformedPath } from './hostile-input.ts';
import { escapeHtml } from '../../shared/html.ts';

/**
 * The services' problems (titles and fixed details) that people meet on pages, marked for translation:
 * the error page and forms show them in the reader's language (`translateKnown`); the API keeps English.
 * A detail made with values (a name, a date) stays English.
 */
export const pageProblemTexts = [
  N_('Page not found'),
  N_('There is no page at this address.'),
  N_('Not found'),
  N_('Sign-in required'),
  N_('Sign in to continue.'),
  N_('Not allowed'),
  N_('Conflict'),
  N_('Invalid input'),
  N_('Some fields need attention.'),
  N_('Form expired'),
  N_('This form has expired or did not come from this site. Go back, reload the page and submit again.'),
  N_('Something went wrong'),
  N_('Something went wrong on our side. It has been logged; try again.'),
  N_('Service unavailable'),
  N_('The database or queue is not reachable right now. Try again in a minute; nothing you submitted before was lost.'),
  N_('Bad value'),
  N_('A value in the request has the wrong format.'),
  N_('Link not valid'),
  N_('This meeting link is not valid.'),
  N_('Choose an answer'),
  N_('Choose accept or decline.'),
  N_('Sign-in link not valid'),
  N_('This sign-in link was already used or has expired. Ask for a new one.'),
  N_('This sign-in link was already used or has expired, so it was not sent again. The person can ask for a new link on the sign-in page.'),
  N_('Deadline passed'),
  N_('Too many attempts'),
  N_('Only the forum secretariat (organizers) can do this.'),
  N_('Name your organization first (Account → Organization).'),
  N_('Name your organization first.'),
  N_('Only government organizations post requests for assistance.'),
  N_('An organization cannot respond to its own request.'),
  N_('Your membership is waiting for approval.'),
  N_('Your organization is waiting for verification by the forum secretariat. You can browse, but not post yet.'),
  N_('Your organization is waiting for verification by the forum secretariat. You can browse, but not respond yet.'),
  N_('Only the two parties of a meeting answer it.'),
  N_('Only a verified organization declares its unavailability.'),
  N_('This person is not waiting to join this organization.'),
  N_('Matching is busy'),
  N_('Runs of this marketplace were starting one after another while this one was being queued. Ask again in a moment.'),
  N_('Malformed address'),
  N_('The address has a malformed percent-encoding (a "%" not followed by two hexadecimal digits, or bytes that are not UTF-8). Check the link, or copy it again.'),
];

export function isApiRequest(req: Request): boolean {
  return req.originalUrl.startsWith('/api/');
}

/** Errors that come from outside the domain (body parser, router, static files, Postgres constraints) as AppErrors. */
function toAppError(error: unknown): AppError | null {
  if (error instanceof AppError) return error;
  const e = error as { type?: string; status?: number; code?: string; constraint?: string; expose?: boolean };
  if (e.type === 'entity.too.large') return new AppError(413, 'payload-too-large', 'Body too large', 'The request body is larger than this endpoint accepts.');
  if (e.type === 'entity.parse.failed') return new AppError(400, 'malformed-body', 'Malformed body', 'The body is not valid JSON.');
  if (e.type === 'charset.unsupported') return new AppError(415, 'unsupported-media-type', 'Unsupported encoding', 'Send UTF-8.');
  // refuseCompressedBodies answers first; this is body-parser's own refusal (inflate: false), worded the same.
  if (e.type === 'encoding.unsupported') return new AppError(415, 'unsupported-content-encoding', 'Unsupported encoding', 'Request bodies are accepted uncompressed only. Send the body again without a Content-Encoding header.');
  if (e.type === 'parameters.too.many') return new AppError(413, 'too-many-fields', 'Too many fields', 'The form has more fields than any form on this site.');
  // The router's URIError for a path parameter that does not decode (refuseMalformedAddresses answers first).
  if (error instanceof URIError) return malformedPath();
  if (e.status === 400 && e.type) return new AppError(400, 'malformed-body', 'Malformed body', 'The request body could not be read.');
  if (e.status === 416) return new AppError(416, 'range-not-satisfiable', 'Range not satisfiable', 'The requested byte range is outside the file.');
  // Any other client error from express's own parts (http-errors marks them `expose`): its status, our words, never its message.
  if (e.expose === true && typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
    return new AppError(e.status, 'bad-request', STATUS_CODES[e.status] ?? 'Bad request', 'The request could not be read.');
  }
  // A uniqueness race the service did not foresee: a conflict, never a 500.
  if (e.code === '23505') return new AppError(409, 'already-exists', 'Conflict', 'This record already exists (it was probably just created by another request).');
  if (e.code === '22P02' || e.code === '22007' || e.code === '22008') return new AppError(400, 'bad-value', 'Bad value', 'A value in the request has the wrong format.');
  if (e.code === '22021' || e.code === '22P05' || e.code === '54000') return new AppError(400, 'bad-value', 'Bad value', 'The text contains a character that cannot be stored (such as NUL).');
  const lostConnection = /Connection terminated|not queryable|terminating connection|ECONNRESET|Connection is closed|Stream isn't writeable/i.test((error as Error)?.message ?? '');
  if (lostConnection || ['ECONNREFUSED', 'ECONNRESET', '57P01', '57P02', '57P03', '08000', '08003', '08006'].includes(e.code ?? '')) {
    return new AppError(503, 'unavailable', 'Service unavailable', 'The database or queue is not reachable right now. Try again in a minute; nothing you submitted before was lost.');
  }
  return null;
}

export function sendProblem(res: Response, error: AppError): void {
  const retryAfter = (error as AppError & { retryAfterSeconds?: number }).retryAfterSeconds;
  if (retryAfter) res.setHeader('Retry-After', String(retryAfter));
  res
    .status(error.status)
    .type('application/problem+json')
    .send(
      JSON.stringify({
        type: `https://forum-marketplace.dev/problems/${error.type}`,
        title: error.title,
        status: error.status,
        detail: error.detail ?? error.title,
        ...(error.errors ? { errors: error.errors } : {}),
      }),
    );
}

/**
 * Headers the failed handler may have set for what it meant to send (a static file's type and range, a
 * CSV's attachment, its cache lifetime): the error answer is something else, and a 416 page must not go
 * out as text/css. A 416 keeps its Content-Range, which says the file's length (RFC 9110 §15.5.17).
 */
function forgetRepresentation(res: Response, status: number): void {
  for (const name of ['Content-Type', 'Content-Length', 'Content-Disposition', 'ETag', 'Last-Modified', 'Cache-Control', 'Accept-Ranges']) res.removeHeader(name);
  if (status !== 416) res.removeHeader('Content-Range');
}

/** The last handler: problem+json for the API, a plain page for people; never a stack trace. */
export const errorHandler: ErrorRequestHandler = (error, req, res, _next) => {
  const known = toAppError(error);
  const appError = known ?? new AppError(500, 'internal', 'Something went wrong', 'Something went wrong on our side. It has been logged; try again.');
  if (!known) req.log?.error({ err: error }, 'unhandled error');
  if (res.headersSent) return res.end();
  forgetRepresentation(res, appError.status);
  if (isApiRequest(req)) return sendProblem(res, appError);
  if (appError.status === 401) return res.redirect(303, `/login?next=${encodeURIComponent(req.originalUrl)}`);
  const title = translateKnown(localeOf(req), appError.title);
  try {
    renderPage(req, res, 'error.njk', { title, error: appError }, appError.status);
  } catch (renderError) {
    // No CSRF token to be had (the error came before the session was read): the page without forms' tokens.
    req.log?.warn({ err: renderError }, 'error page without CSRF token');
    req.csrfToken = undefined;
    try {
      renderPage(req, res, 'error.njk', { title, error: appError }, appError.status);
    } catch (secondError) {
      // The page itself cannot be made: a bare one, rather than express's default handler (which prints the stack outside production).
      req.log?.error({ err: secondError }, 'error page could not be rendered');
      res.status(appError.status).type('html').send(`<!doctype html><title>${escapeHtml(title)}</title><h1>${escapeHtml(title)}</h1><p>${escapeHtml(appError.detail ?? '')}</p>`);
    }
  }
};

