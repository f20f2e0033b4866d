import http from 'node:http';
import type { AppContext } from '../src/context.ts';
import { healthAnswer, isHealthPath, type HealthState } from '../src/platform/readiness.ts';

export interface WorkerHealth {
  close(): Promise<void>;
  /** From now on both paths answer 503 `draining` (the worker is stopping). */
  drain(): void;
}

/**
 * A worker's health port (WORKER_HEALTH_PORT), for an orchestrator's probes: /healthz and /readyz
 * answer as a web process's do (`healthAnswer`), and also 503 while the queue workers are not taking
 * jobs (as they start). Nothing else is served. Node's http module: the worker loads no express for it.
 */
export async function startWorkerHealthServer(ctx: AppContext, takingJobs: () => boolean, port: number): Promise<WorkerHealth> {
  const state: HealthState = { draining: false, takingJobs };
  const answer = (res: http.ServerResponse, status: number, body: Record<string, string>) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }).end(JSON.stringify(body));
  };
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0]!;
    if (req.method !== 'GET' && req.method !== 'HEAD') return answer(res, 405, { status: 'method not allowed' });
    if (!isHealthPath(path)) return answer(res, 404, { status: 'not found' });
    healthAnswer(ctx, path, state).then(
      ({ status, body }) => answer(res, status, body),
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
      state.draining = true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
