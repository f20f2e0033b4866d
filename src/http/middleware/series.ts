import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * Middleware that apply to every request of a mount, run one after another as one middleware, with
 * the contract express's router gives them: `next()` goes on, `next(error)` and a rejected promise go
 * to the error handler. The router would also match a path per layer and re-enter its dispatch loop
 * for each; for the API's fixed pipeline that was a tenth of what a cached answer cost (BENCHMARKS.md, issue 12).
 */
export function series(...handlers: RequestHandler[]): RequestHandler {
  return (req: Request, res: Response, done: NextFunction) => {
    let index = 0;
    const next = (error?: unknown): void => {
      if (error !== undefined && error !== null) return done(error);
      const handler = handlers[index++];
      if (!handler) return done();
      try {
        const returned = handler(req, res, next) as unknown;
        if (returned instanceof Promise) returned.then(undefined, (rejected: unknown) => done(rejected ?? new Error('a middleware rejected without a reason')));
      } catch (thrown) {
        done(thrown);
      }
    };
    next();
  };
}
