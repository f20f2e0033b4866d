import type { AppContext } from '../context.ts';
import { pingDatabase } from '../../db/database.ts';

/**
 * Whether Postgres and the queue backend answer within 2 s, and what to say (`redis` only when the
 * queues run on Redis): /readyz of a web process and of a worker's health port.
 */
export async function readiness(ctx: AppContext): Promise<{ ready: boolean; body: Record<string, string> }> {
  const timeout = <T>(p: Promise<T>) => Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), 2000).unref())]);
  const [postgres, queues] = await Promise.all([
    timeout(pingDatabase(ctx)).then(
      () => 'ok',
      () => 'unavailable',
    ),
    timeout(ctx.queues.ping()).then(
      () => 'ok',
      () => 'unavailable',
    ),
  ]);
  const ready = postgres === 'ok' && queues === 'ok';
  return { ready, body: { status: ready ? 'ready' : 'unavailable', postgres, ...(ctx.queues.backend === 'redis' ? { redis: queues } : { queues }) } };
}
