import type pg from 'pg';
import type { Config } from './config/config.ts';
import { createDatabase, destroyDatabase, type Db } from '../db/database.ts';
import { JobQueues } from './queue/queues.ts';
import { createRedis, type RedisClient } from './queue/redis.ts';
import { createLogger, type Logger } from './logger.ts';
import { announcementsSent, ProcessCache, type ProcessCaches } from './shared/process-cache.ts';
import type { EmbeddedPostgres } from './platform/embedded-postgres.ts';

/** What every service needs: configuration, the database, the queues and a logger. */
export interface AppContext {
  config: Config;
  db: Db;
  pool: pg.Pool;
  /** The Redis connection of the Redis queue backend; null when the queues run on Postgres (config.queueBackend). */
  redis: RedisClient | null;
  queues: JobQueues;
  log: Logger;
  /** Short-lived copies of the public listing and of sessions (PUBLIC_CACHE_SECONDS, SESSION_CACHE_SECONDS). */
  caches: ProcessCaches;
  /** The embedded Postgres this process started (startContextOrExit), stopped last by closeContext. */
  embedded?: EmbeddedPostgres | null;
}

export function createContext(config: Config, name: string): AppContext {
  // eslint-disable-next-line no-restricted-syntax -- the context holds the handle it creates; services pass the context to repositories
  const { db, pool } = createDatabase(config.DATABASE_URL, config.DATABASE_POOL_SIZE, `forum-marketplace ${name} ${process.pid}`);
  const redis = config.queueBackend === 'redis' ? createRedis(config, 'producer') : null;
  return {
    config,
    db,
    pool,
    redis,
    queues: new JobQueues(config, redis),
    log: createLogger(config.LOG_LEVEL, name),
    caches: { listing: new ProcessCache(config.PUBLIC_CACHE_SECONDS, { staleWhileLoading: true }), actors: new ProcessCache(config.SESSION_CACHE_SECONDS) },
  };
}

export async function closeContext(ctx: AppContext): Promise<void> {
  // A change committed just before the stop is still announced to the other processes.
  await announcementsSent(ctx);
  await ctx.queues.close().catch(() => {});
  await ctx.redis?.quit().catch(() => ctx.redis?.disconnect());
  await destroyDatabase(ctx);
  await ctx.embedded?.stop();
}
