import http from 'node:http';
import type { AppContext } from '../src/context.ts';
import { readiness } from '../src/platform/readiness.ts';

export interface WorkerHealth {
  close(): Promise<void>;
  /** From now on both paths answer 503 `draining` (the worker is stopping). */
  drain(): void;
}

/**
 * A worker's health port (WORKER_HEALTH_PORT), for an orchestrator's probes: `/healthz` answers while the
 * process's event loop does and its queue workers take jobs (503 while they start); `/readyz` also asks Postgres and the queue
 * backend, as a web process's does. Both answer 503 once the worker is stopping. Nothing else is served.
 */
export async function startWorkerHealthServer(ctx: AppContext, takingJobs: () => boolean, port: number): Promise<WorkerHealth> {
  let draining = false;
  const answer = (res: http.ServerResponse, status: number, body: Record<string, string>) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }).end(JSON.stringify(body));
  };
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return answer(res, 405, { status: 'method not allowed' });
    if (path !== '/healthz' && path !== '/readyz') return answer(res, 404, { status: 'not found' });
    if (draining) return answer(res, 503, { status: 'draining' });
    if (!takingJobs()) return answer(res, 503, { status: 'not taking jobs' });
    if (path === '/healthz') return answer(res, 200, { status: 'ok' });
    readiness(ctx).then(
      ({ ready, body }) => answer(res, ready ? 200 : 503, body),
      () => answer(res, 503, { status: 'unavailable' }),
    );
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => resolve());
  });
  return {
    drain: () => {
      draining = true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
