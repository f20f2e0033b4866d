import cluster from 'node:cluster';
import type { Config } from './config/config.ts';
import { closeContext, startContextOrExit } from './boot.ts';

/**
 * `npm run web` with WEB_PROCESSES > 1: one Node thread is the limit of a web process, so the
 * primary runs the migrations once and starts that many web processes sharing the port (node:cluster
 * hands connections round-robin). A process that dies is replaced after a second. SIGTERM reaches
 * every process, each finishes its requests, then the primary exits.
 *
 * The primary chooses the services once: the web processes get its DATABASE_URL and QUEUE_BACKEND,
 * and an embedded Postgres it started runs until the last web process has stopped.
 */
export async function runWebCluster(config: Config): Promise<void> {
  const ctx = await startContextOrExit(config, 'web-primary', { email: 'sent by the worker (npm run worker)' });
  const embedded = ctx.embedded;
  ctx.embedded = null;
  await closeContext(ctx);
  const chosen = { DATABASE_URL: ctx.config.DATABASE_URL, QUEUE_BACKEND: ctx.config.queueBackend };
  const exit = () => void (embedded ? embedded.stop() : Promise.resolve()).finally(() => process.exit(0));

  let stopping = false;
  const alive = () => Object.values(cluster.workers ?? {}).filter((w) => w && !w.isDead());
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (alive().length === 0) exit();
      return;
    }
    console.error(`web process ${worker.process.pid} stopped (${signal ?? `exit code ${code}`}); starting another`);
    setTimeout(() => cluster.fork(chosen), 1000).unref();
  });
  // Said once, when every web process first listens (a replacement later says nothing here; its log line does).
  const listening = new Set<number>();
  cluster.on('listening', (worker) => {
    if (listening.size === config.WEB_PROCESSES) return;
    listening.add(worker.id);
    if (listening.size === config.WEB_PROCESSES) console.log(`Forum Marketplace is running at ${config.BASE_URL} (${config.WEB_PROCESSES} web processes)`);
  });
  for (let i = 0; i < config.WEB_PROCESSES; i++) cluster.fork(chosen);

  const stop = () => {
    if (stopping) return;
    stopping = true;
    const workers = alive();
    if (workers.length === 0) exit();
    for (const worker of workers) worker!.process.kill('SIGTERM');
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
