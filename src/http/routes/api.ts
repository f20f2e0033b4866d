import express, { Router, type RequestHandler } from 'express';
import type { AppContext } from '../../context.ts';
import { AppError } from '../../shared/errors.ts';
import { authenticateApi } from '../middleware/authenticate.ts';
import { refuseDeepBodies } from '../middleware/hostile-input.ts';
import { apiOperations } from '../api-operations.ts';
import { expressPath, runOperation } from '../operation.ts';

/** Bodies are JSON: anything else with a body is refused with 415. */
const requireJson: RequestHandler = (req, _res, next) => {
  const hasBody = Number(req.get('content-length') ?? 0) > 0 || req.get('transfer-encoding') !== undefined;
  if (['POST', 'PUT', 'PATCH'].includes(req.method) && hasBody && !req.is('application/json')) {
    return next(new AppError(415, 'unsupported-media-type', 'Unsupported media type', 'Send the body as application/json.'));
  }
  next();
};

/**
 * The JSON API: every route is one of the declared operations (src/http/api-operations.ts), mounted
 * here with the same gate, validation and answer check; nothing else declares an API route.
 */
export function apiRouter(ctx: AppContext, compress: RequestHandler): Router {
  const api = Router();
  api.use(requireJson);
  // Never inflated (compressed bodies are refused before this) and never nested past MAX_NESTING when a route sees it.
  const parseJson = express.json({ limit: '100kb', strict: true, inflate: false });
  api.use((req, res, next) => (req.method === 'GET' || req.method === 'HEAD' ? next() : parseJson(req, res, next)), refuseDeepBodies);
  api.use(authenticateApi(ctx));
  for (const op of apiOperations) {
    const run: RequestHandler = (req, res) => runOperation(ctx, op, req, res, compress);
    if (op.precompressed) api[op.method](expressPath(op.path), run);
    else api[op.method](expressPath(op.path), compress, run);
  }
  api.use(compress, (req, _res, next) => next(new AppError(404, 'not-found', 'Not found', `There is no ${req.method} ${req.path} in this API.`)));
  return api;
}
