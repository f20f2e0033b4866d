import { randomUUID } from 'node:crypto';
import type { Express, Request } from 'express';
import type { Logger } from 'pino';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LONG_SEGMENT = /[^/]{32}/;

/**
 * The path as logged: without the query string (a sign-in link carries its token there), and with every
 * segment of 32 characters or more that is not a UUID masked: meeting answer links and one-click
 * unsubscribe links carry their token in the path. (A slug that long is masked too.)
 */
export function loggedPath(url: string): string {
  const queryAt = url.indexOf('?');
  const path = queryAt === -1 ? url : url.slice(0, queryAt);
  // Most paths have no segment that long: they are logged as they are, without splitting them.
  if (!LONG_SEGMENT.test(path)) return path;
  return path
    .split('/')
    .map((segment) => (segment.length >= 32 && !UUID.test(segment) ? '[redacted]' : segment))
    .join('/');
}

const childLog = Symbol('request logger');

/**
 * A request id on every request and its log lines; the query string (it may carry a token) is never
 * logged. `req.log` is the request's own logger, made when something logs (most requests only log
 * their line below): a getter on the app's request prototype, not a property defined on each request,
 * which would cost every request and turn it into a slower kind of object for the code that follows.
 */
export function requestContext(app: Express, log: Logger): void {
  // The request line's fields are these five, none of them a secret (the path is masked above), so it
  // skips the redaction every other line goes through: matching 17 paths cost 9 µs a line, more than
  // the rest of the line (BENCHMARKS.md, issue 12). Lines logged through `req.log` are still redacted.
  const access = log.child({}, { redact: [] });
  Object.defineProperty(app.request, 'log', {
    configurable: true,
    get(this: Request & { [childLog]?: Logger }) {
      return (this[childLog] ??= log.child({ reqId: this.id }));
    },
  });
  app.use((req, res, next) => {
    const incoming = req.get('x-request-id');
    req.id = incoming && /^[A-Za-z0-9._-]{8,64}$/.test(incoming) ? incoming : randomUUID();
    req.actor = null;
    req.sessionToken = null;
    res.setHeader('X-Request-Id', req.id);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      access.info({ reqId: req.id, method: req.method, path: loggedPath(req.originalUrl), status: res.statusCode, ms: Math.round(ms * 10) / 10 }, 'request');
    });
    next();
  });
}
