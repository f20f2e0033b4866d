import cluster from 'node:cluster';
import type { Config } from './config/config.ts';
import { closeContext, startContextOrExit } from './boot.ts';

/**
 * `npm run web` with WEB_PROCESSES > 1: one Node thread is the limit of a web process, so the
 * primary runs the migrations once and starts that many web processes sharing the port (node:cluster
 * hands connections round-robin). A process that dies is replaced after a second. SIGTERM reaches
 * every process, each finishes its requests, then the primary exits.
 */
export async function runWebCluster(config: Config): Promise<void> {
  const ctx = await startContextOrExit(config, 'web-primary');
  await closeContext(ctx);

  let stopping = false;
  const alive = () => Object.values(cluster.workers ?? {}).filter((w) => w && !w.isDead());
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (alive().length === 0) process.exit(0);
      return;
    }
    console.error(`web process ${worker.process.pid} stopped (${signal ?? `exit code ${code}`}); starting another`);
    setTimeout(() => cluster.fork(), 1000).unref();
  });
  for (let i = 0; i < config.WEB_PROCESSES; i++) cluster.fork();

  const stop = () => {
    if (stopping) return;
    stopping = true;
    const workers = alive();
    if (workers.length === 0) process.exit(0);
    for (const worker of workers) worker!.process.kill('SIGTERM');
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
