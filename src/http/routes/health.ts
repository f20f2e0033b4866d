import { Router } from 'express';
import type { AppContext } from '../../context.ts';
import { readiness } from '../../platform/readiness.ts';

/** What the process says of itself: draining once it was asked to stop (the balancer should stop sending). */
export interface Lifecycle {
  draining: boolean;
}

/**
 * /healthz: the process answers. /readyz: Postgres and the queue backend answer too (`redis` only when
 * the queues run on Redis). Both answer 503 `draining` once the process is stopping, while it still
 * serves what comes for SHUTDOWN_DRAIN_SECONDS.
 */
export function healthRoutes(ctx: AppContext, lifecycle: Lifecycle = { draining: false }): Router {
  const router = Router();
  router.get(['/healthz', '/readyz'], (_req, res, next) => {
    if (lifecycle.draining) return void res.status(503).json({ status: 'draining' });
    next();
  });
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const { ready, body } = await readiness(ctx);
    res.status(ready ? 200 : 503).json(body);
  });
  return router;
}

