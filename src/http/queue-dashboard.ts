import type { RequestHandler, Router } from 'express';
import { Router as createRouter } from 'express';
import type { AppContext } from '../context.ts';
import { requireOrganizer } from '../auth/actor.ts';
import { queueNames } from '../queue/registry.ts';

const BASE = '/organizer/queues';

/**
 * The BullMQ dashboard (bull-board), for organizers only. bull-board is loaded, and its queues opened,
 * at the first organizer's visit: a web process that nobody opens it in does not hold it.
 */
export function queueDashboard(ctx: AppContext): Router {
  let dashboard: Promise<Router> | undefined;
  const organizersOnly: RequestHandler = (req, res, next) => {
    requireOrganizer(req.actor);
    // The dashboard's own stylesheet is inline; its scripts are files, so scripts stay 'self' only.
    res.setHeader('Content-Security-Policy', "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'");
    next();
  };
  const board: RequestHandler = (req, res, next) => {
    dashboard ??= loadDashboard(ctx);
    dashboard
      .then(
        (router) => router(req, res, next),
        (error: unknown) => {
          dashboard = undefined; // a failed load is tried again at the next visit
          throw error;
        },
      )
      .catch(next);
  };
  const router = createRouter();
  router.use(BASE, organizersOnly, board);
  return router;
}

async function loadDashboard(ctx: AppContext): Promise<Router> {
  const [{ createBullBoard }, { BullMQAdapter }, { ExpressAdapter }] = await Promise.all([import('@bull-board/api'), import('@bull-board/api/bullMQAdapter'), import('@bull-board/express')]);
  const adapter = new ExpressAdapter();
  adapter.setBasePath(BASE);
  createBullBoard({ queues: queueNames.map((name) => new BullMQAdapter(ctx.queues.queue(name))), serverAdapter: adapter });
  return adapter.getRouter() as Router;
}
