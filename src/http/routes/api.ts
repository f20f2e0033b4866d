import express, { type RequestHandler } from 'express';
import FindMyWay, { type HTTPMethod, type Instance } from 'find-my-way';
import type { AppContext } from '../../context.ts';
import { AppError } from '../../shared/errors.ts';
import { authenticateApi } from '../middleware/authenticate.ts';
import { refuseDeepBodies } from '../middleware/hostile-input.ts';
import { series } from '../middleware/series.ts';
import { apiOperations } from '../api-operations.ts';
import { openApiHandler } from '../openapi.ts';
import { expressPath, runOperation, type Operation } from '../operation.ts';

/** Bodies are JSON: anything else with a body is refused with 415. */
const requireJson: RequestHandler = (req, _res, next) => {
  const hasBody = Number(req.get('content-length') ?? 0) > 0 || req.get('transfer-encoding') !== undefined;
  if (['POST', 'PUT', 'PATCH'].includes(req.method) && hasBody && !req.is('application/json')) {
    return next(new AppError(415, 'unsupported-media-type', 'Unsupported media type', 'Send the body as application/json.'));
  }
  next();
};

export interface ApiRoute {
  /** The operation answered there; null for the OpenAPI document itself. */
  operation: Operation | null;
  /** Its address as a route pattern (`/api/v1/requests/:id`), the label its metrics are counted under. */
  pattern: string;
  run: RequestHandler;
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/**
 * The API's routes: every declared operation (src/http/api-operations.ts) and GET /openapi.json, in a
 * radix tree (find-my-way, fastify's router) that finds one in a single lookup, where express's router
 * would test the 66 patterns in turn with a middleware call per miss. Paths match as express matched
 * them: case-insensitively, with or without a trailing slash.
 */
export function apiRoutes(ctx: AppContext, compress: RequestHandler): Instance<FindMyWay.HTTPVersion.V1> {
  const routes = FindMyWay({ caseSensitive: false, ignoreTrailingSlash: true, maxParamLength: 500 });
  const noop = () => {};
  for (const op of apiOperations) {
    // A precompressed operation answers its cached body itself: compression stands only before the others.
    const run = series(...(op.precompressed ? [] : [compress]), (req, res) => runOperation(ctx, op, req, res, compress));
    routes.on(op.method.toUpperCase() as HTTPMethod, expressPath(op.path), noop, { operation: op, pattern: `/api/v1${expressPath(op.path)}`, run } satisfies ApiRoute);
  }
  routes.on('GET', '/openapi.json', noop, { operation: null, pattern: '/api/v1/openapi.json', run: series(compress, openApiHandler()) } satisfies ApiRoute);
  return routes;
}

/**
 * The JSON API, mounted at /api/v1: `before` (the headers and guards the app puts first), then JSON
 * bodies, the bearer token and the operation the method and path name, as one middleware (`series`).
 * HEAD is answered as GET; OPTIONS with the methods the address has (204, `Allow`); anything else that
 * names no operation is a problem+json 404.
 */
export function apiRouter(ctx: AppContext, compress: RequestHandler, before: readonly RequestHandler[] = []): RequestHandler {
  const routes = apiRoutes(ctx, compress);
  // Never inflated (compressed bodies are refused before this) and never nested past MAX_NESTING when a route sees it.
  const parseJson = express.json({ limit: '100kb', strict: true, inflate: false });
  const notFound = series(compress, (req, _res, next) => next(new AppError(404, 'not-found', 'Not found', `There is no ${req.method} ${req.path} in this API.`)));
  const dispatch: RequestHandler = (req, res, next) => {
    const path = req.path;
    if (req.method === 'OPTIONS') {
      const allowed = METHODS.filter((method) => routes.find(method, path) !== null);
      if (allowed.length === 0) return notFound(req, res, next);
      return void res.set('Allow', (allowed.includes('GET') ? [...allowed, 'HEAD'] : allowed).join(', ')).status(204).end();
    }
    const found = routes.find((req.method === 'HEAD' ? 'GET' : req.method) as HTTPMethod, path);
    if (!found) return notFound(req, res, next);
    const route = found.store as ApiRoute;
    req.params = found.params as Record<string, string>;
    req.operationRoute = route.pattern;
    route.run(req, res, next);
  };
  return series(
    ...before,
    requireJson,
    (req, res, next) => (req.method === 'GET' || req.method === 'HEAD' ? next() : parseJson(req, res, next)),
    refuseDeepBodies,
    authenticateApi(ctx),
    dispatch,
  );
}
