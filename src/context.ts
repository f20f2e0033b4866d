import type pg from 'pg';
import type { Redis } from 'ioredis';
import type { Config } from './config/config.ts';
import { createDatabase, destroyDatabase, type Db } from '../db/database.ts';
import { createRedis, JobQueues } from './queue/queues.ts';
import { createLogger, type Logger } from './logger.ts';
import { ProcessCache, type ProcessCaches } from './shared/process-cache.ts';

/** What every service needs: configuration, the database, the queues and a logger. */
export interface AppContext {
  config: Config;
  db: Db;
  pool: pg.Pool;
  redis: Redis;
  queues: JobQueues;
  log: Logger;
  /** Short-lived copies of the public listing and of sessions (PUBLIC_CACHE_SECONDS, SESSION_CACHE_SECONDS). */
  caches: ProcessCaches;
}

export function createContext(config: Config, name: string): AppContext {
  // eslint-disable-next-line no-restricted-syntax -- the context holds the handle it creates; services pass the context to repositories
  const { db, pool } = createDatabase(config.DATABASE_URL, config.DATABASE_POOL_SIZE);
  const redis = createRedis(config.REDIS_URL, 'producer');
  return {
    config,
    db,
    pool,
    redis,
    queues: new JobQueues(redis, config.REDIS_PREFIX),
    log: createLogger(config.LOG_LEVEL, name),
    caches: { listing: new ProcessCache(config.PUBLIC_CACHE_SECONDS), actors: new ProcessCache(config.SESSION_CACHE_SECONDS) },
  };
}

export async function closeContext(ctx: AppContext): Promise<void> {
  await ctx.queues.close().catch(() => {});
  await ctx.redis.quit().catch(() => ctx.redis.disconnect());
  await destroyDatabase(ctx);
}
