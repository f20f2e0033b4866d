import type pg from 'pg';
import type { Redis } from 'ioredis';
import type { Config } from './config/config.ts';
import { createDatabase, type Db } from '../db/database.ts';
import { createRedis, JobQueues } from './queue/queues.ts';
import { createLogger, type Logger } from './logger.ts';
import { PublicCache } from './shared/public-cache.ts';

/** What every service needs: configuration, the database, the queues and a logger. */
export interface AppContext {
  config: Config;
  db: Db;
  pool: pg.Pool;
  redis: Redis;
  queues: JobQueues;
  log: Logger;
  /** Short-lived copies of the public listing (see PUBLIC_CACHE_SECONDS). */
  publicCache: PublicCache;
}

export function createContext(config: Config, name: string): AppContext {
  const { db, pool } = createDatabase(config.DATABASE_URL, config.DATABASE_POOL_SIZE);
  const redis = createRedis(config.REDIS_URL, 'producer');
  return {
    config,
    db,
    pool,
    redis,
    queues: new JobQueues(redis, config.REDIS_PREFIX),
    log: createLogger(config.LOG_LEVEL, name),
    publicCache: new PublicCache(config.PUBLIC_CACHE_SECONDS),
  };
}

export async function closeContext(ctx: AppContext): Promise<void> {
  await ctx.queues.close().catch(() => {});
  await ctx.redis.quit().catch(() => ctx.redis.disconnect());
  await ctx.db.destroy();
}
