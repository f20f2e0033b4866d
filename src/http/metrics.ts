import { createHash, timingSafeEqual } from 'node:crypto';
import { outboxStatuses } from '../email/outbox-status.ts';
import type { RequestHandler, Router } from 'express';
import { Router as createRouter } from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AppContext } from '../context.ts';
import { queueNames } from '../queue/registry.ts';
import { countOutboxByStatus, oldestUnsentOutboxAgeSeconds } from '../email/outbox-metrics.repository.ts';

/**
 * Prometheus metrics at /metrics: HTTP traffic, queue depths, the outbox (pending, oldest pending
 * age, sent, failed), the process caches' hits and misses, and the process. With METRICS_TOKEN set, a bearer token is required.
 */
export function createMetrics(ctx: AppContext): { middleware: RequestHandler; router: Router } {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({ name: 'http_requests_total', help: 'HTTP requests', labelNames: ['method', 'route', 'status'], registers: [registry] });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration',
    labelNames: ['method', 'route'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  new Gauge({
    name: 'queue_jobs',
    help: 'Jobs per queue and state',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      for (const name of queueNames) {
        const counts = await ctx.queues.queue(name).getJobCounts('waiting', 'active', 'delayed', 'failed').catch(() => null);
        if (counts) for (const [state, n] of Object.entries(counts)) this.set({ queue: name, state }, n);
      }
    },
  });
  new Gauge({
    name: 'outbox_emails',
    help: 'Emails in the outbox per status',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const rows = await countOutboxByStatus(ctx).catch(() => []);
      for (const status of outboxStatuses) this.set({ status }, Number(rows.find((r) => r.status === status)?.n ?? 0));
    },
  });
  new Gauge({
    name: 'outbox_oldest_pending_seconds',
    help: 'How long the oldest email not sent yet has been due (a confirmation waiting for its batch is not due yet)',
    registers: [registry],
    async collect() {
      this.set((await oldestUnsentOutboxAgeSeconds(ctx).catch(() => null)) ?? 0);
    },
  });

  new Gauge({
    name: 'process_cache_lookups',
    help: 'Lookups in this process\'s caches since it started, by cache and whether the copy was there',
    labelNames: ['cache', 'result'],
    registers: [registry],
    collect() {
      for (const cache of ['listing', 'actors'] as const) {
        this.set({ cache, result: 'hit' }, ctx.caches[cache].hits);
        this.set({ cache, result: 'miss' }, ctx.caches[cache].misses);
      }
    },
  });

  // One labelled child per route and status, looked up by a string: prom-client would otherwise hash
  // the label object on every request.
  const counters = new Map<string, { inc(): void }>();
  const timers = new Map<string, { observe(seconds: number): void }>();
  const middleware: RequestHandler = (req, res, next) => {
    const started = performance.now();
    res.on('finish', () => {
      // The matched route pattern, not the raw path: ids must not explode the label set.
      const route = req.operationRoute ?? (req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : res.statusCode === 404 ? 'unmatched' : req.baseUrl || 'other');
      const method = req.method;
      const status = String(res.statusCode);
      const timed = `${method} ${route}`;
      const counted = `${timed} ${status}`;
      let counter = counters.get(counted);
      if (!counter) counters.set(counted, (counter = requests.labels({ method, route, status })));
      let timer = timers.get(timed);
      if (!timer) timers.set(timed, (timer = duration.labels({ method, route })));
      counter.inc();
      timer.observe((performance.now() - started) / 1000);
    });
    next();
  };
  const router = createRouter();
  const expected = ctx.config.METRICS_TOKEN ? `Bearer ${ctx.config.METRICS_TOKEN}` : null;
  router.get('/metrics', async (req, res) => {
    if (expected && !sameSecret(req.get('authorization') ?? '', expected)) return res.status(401).type('text/plain').send('metrics need the bearer token\n');
    res.type(registry.contentType).send(await registry.metrics());
  });
  return { middleware, router };
}

/** Compares a presented secret with the expected one in constant time (digests of equal length). */
function sameSecret(presented: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(presented), digest(expected));
}
