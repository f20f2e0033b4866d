import { Router } from 'express';
import type { AppContext } from '../../context.ts';
import { HEALTH_PATHS, healthAnswer, type HealthState } from '../../platform/readiness.ts';

/** What the process says of itself: draining once it was asked to stop (the balancer should stop sending). */
export type Lifecycle = HealthState;

/**
 * /healthz: the process answers. /readyz: Postgres and the queue backend answer too (`redis` only when
 * the queues run on Redis). Both answer 503 `draining` once the process is stopping, while it still
 * serves what comes for SHUTDOWN_DRAIN_SECONDS (src/platform/readiness.ts, shared with the workers).
 */
export function healthRoutes(ctx: AppContext, lifecycle: Lifecycle = { draining: false }): Router {
  const router = Router();
  // A route each, so that the metrics count each under its own path.
  for (const path of HEALTH_PATHS) {
    router.get(path, async (_req, res) => {
      const { status, body } = await healthAnswer(ctx, path, lifecycle);
      res.status(status).json(body);
    });
  }
  return router;
}
