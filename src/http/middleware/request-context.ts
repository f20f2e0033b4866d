import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The path as logged: without the query string (a sign-in link carries its token there), and with every
 * segment of 32 characters or more that is not a UUID masked: meeting answer links and one-click
 * unsubscribe links carry their token in the path. (A slug that long is masked too.)
 */
export function loggedPath(url: string): string {
  const path = url.split('?')[0]!;
  return path
    .split('/')
    .map((segment) => (segment.length >= 32 && !UUID.test(segment) ? '[redacted]' : segment))
    .join('/');
}

/** A request id on every request and its log lines; the query string (it may carry a token) is never logged. */
export function requestContext(log: Logger): RequestHandler {
  return (req, res, next) => {
    const incoming = req.get('x-request-id');
    req.id = incoming && /^[A-Za-z0-9._-]{8,64}$/.test(incoming) ? incoming : randomUUID();
    // The request's own logger is made when something logs (most requests only log their line below).
    let child: Logger | undefined;
    Object.defineProperty(req, 'log', { get: () => (child ??= log.child({ reqId: req.id })), configurable: true });
    req.actor = null;
    req.sessionToken = null;
    res.setHeader('X-Request-Id', req.id);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      log.info({ reqId: req.id, method: req.method, path: loggedPath(req.originalUrl), status: res.statusCode, ms: Math.round(ms * 10) / 10 }, 'request');
    });
    next();
  };
}
