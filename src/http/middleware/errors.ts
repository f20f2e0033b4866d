import type { ErrorRequestHandler, Request, Response } from 'express';
import { AppError } from '../../shared/errors.ts';

export function isApiRequest(req: Request): boolean {
  return req.originalUrl.startsWith('/api/');
}

/** Errors that come from outside the domain (body parser, Postgres constraints) as AppErrors. */
function toAppError(error: unknown): AppError | null {
  if (error instanceof AppError) return error;
  const e = error as { type?: string; status?: number; code?: string; constraint?: string };
  if (e.type === 'entity.too.large') return new AppError(413, 'payload-too-large', 'Body too large', 'The request body is larger than this endpoint accepts.');
  if (e.type === 'entity.parse.failed') return new AppError(400, 'malformed-body', 'Malformed body', 'The body is not valid JSON.');
  if (e.type === 'charset.unsupported' || e.type === 'encoding.unsupported') return new AppError(415, 'unsupported-media-type', 'Unsupported encoding', 'Send UTF-8.');
  if (e.status === 400 && e.type) return new AppError(400, 'malformed-body', 'Malformed body', 'The request body could not be read.');
  // A uniqueness race the service did not foresee: a conflict, never a 500.
  if (e.code === '23505') return new AppError(409, 'already-exists', 'Conflict', 'This record already exists (it was probably just created by another request).');
  if (e.code === '22P02' || e.code === '22007' || e.code === '22008') return new AppError(400, 'bad-value', 'Bad value', 'A value in the request has the wrong format.');
  if (e.code === 'ECONNREFUSED' || e.code === '57P01' || e.code === '57P03' || e.code === '08006') {
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

/** The last handler: problem+json for the API, a plain page for people; never a stack trace. */
export const errorHandler: ErrorRequestHandler = (error, req, res, _next) => {
  const known = toAppError(error);
  const appError = known ?? new AppError(500, 'internal', 'Something went wrong', 'Something went wrong on our side. It has been logged; try again.');
  if (!known) req.log?.error({ err: error }, 'unhandled error');
  if (res.headersSent) return res.end();
  if (isApiRequest(req)) return sendProblem(res, appError);
  if (appError.status === 401) return res.redirect(303, `/login?next=${encodeURIComponent(req.originalUrl)}`);
  res.status(appError.status).render('error.njk', { title: appError.title, error: appError, actor: req.actor });
};
