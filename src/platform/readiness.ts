import type { AppContext } from '../context.ts';
import { pingDatabase } from '../../db/database.ts';

/**
 * Whether Postgres and the queue backend answer within 2 s, and what to say (`redis` only when the
 * queues run on Redis).
 */
export async function readiness(ctx: AppContext): Promise<{ ready: boolean; body: Record<string, string> }> {
  // The timer is cleared once the ping answers: a probe every few seconds leaves no timers behind.
  const timeout = <T>(p: Promise<T>) => {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), 2000).unref()));
    return Promise.race([p, expired]).finally(() => clearTimeout(timer));
  };
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

/** The paths a process's health is asked on: the web serves them among its routes, a worker alone on its port. */
export const HEALTH_PATHS = ['/healthz', '/readyz'] as const;
export type HealthPath = (typeof HEALTH_PATHS)[number];

export const isHealthPath = (path: string): path is HealthPath => (HEALTH_PATHS as readonly string[]).includes(path);

/** What a process says of itself: draining once it was asked to stop; a worker also whether its queue workers take jobs. */
export interface HealthState {
  draining: boolean;
  takingJobs?: () => boolean;
}

/**
 * The answer of a health path, for a web process's routes and a worker's health port alike: 503
 * `draining` once the process is stopping (and, for a worker, `not taking jobs` while its queue
 * workers start); then /healthz is 200 and /readyz asks Postgres and the queue backend.
 */
export async function healthAnswer(ctx: AppContext, path: HealthPath, state: HealthState): Promise<{ status: number; body: Record<string, string> }> {
  if (state.draining) return { status: 503, body: { status: 'draining' } };
  if (state.takingJobs && !state.takingJobs()) return { status: 503, body: { status: 'not taking jobs' } };
  if (path === '/healthz') return { status: 200, body: { status: 'ok' } };
  const { ready, body } = await readiness(ctx);
  return { status: ready ? 200 : 503, body };
}
