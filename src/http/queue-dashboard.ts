import type { RequestHandler, Router } from 'express';
import { Router as createRouter } from 'express';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { AppContext } from '../context.ts';
import { requireOrganizer } from '../auth/actor.ts';
import { queueNames } from '../queue/registry.ts';

const BASE = '/organizer/queues';

/** The BullMQ dashboard (bull-board), for organizers only. */
export function queueDashboard(ctx: AppContext): Router {
  const adapter = new ExpressAdapter();
  adapter.setBasePath(BASE);
  createBullBoard({ queues: queueNames.map((name) => new BullMQAdapter(ctx.queues.queue(name))), serverAdapter: adapter });
  const organizersOnly: RequestHandler = (req, res, next) => {
    requireOrganizer(req.actor);
    // The dashboard's own stylesheet is inline; its scripts are files, so scripts stay 'self' only.
    res.setHeader('Content-Security-Policy', "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'");
    next();
  };
  const router = createRouter();
  router.use(BASE, organizersOnly, adapter.getRouter() as Router);
  return router;
}
