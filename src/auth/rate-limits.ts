import { RateLimiterMemory, RateLimiterPostgres, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { AppContext } from '../context.ts';
import { AppError } from '../shared/errors.ts';

type LimiterName = 'signInLinkPerEmail' | 'signInLinkPerIp' | 'tokenExchangePerIp';

const limits: Record<LimiterName, { points: number; duration: number }> = {
  signInLinkPerEmail: { points: 5, duration: 15 * 60 },
  signInLinkPerIp: { points: 30, duration: 15 * 60 },
  tokenExchangePerIp: { points: 30, duration: 15 * 60 },
};

/** The table of the counters on the Postgres backend; rate-limiter-flexible makes it (IF NOT EXISTS) at first use. */
const RATE_LIMITS_TABLE = 'rate_limits';

interface Limiter {
  limiter: RateLimiterAbstract;
  /** On Postgres, the counters' table being made: the first attempt waits for it instead of finding no table. */
  ready: Promise<void>;
}

const limiters = new WeakMap<AppContext, Map<LimiterName, Limiter>>();

/**
 * Where the counters live follows the queues (config.queueBackend): in Redis beside the jobs, or in a
 * table of the service's database. Either way, while the store is away the limit still holds, per
 * process (the insurance limiter in memory).
 */
function limiter(ctx: AppContext, name: LimiterName): Limiter {
  let byName = limiters.get(ctx);
  if (!byName) limiters.set(ctx, (byName = new Map()));
  let found = byName.get(name);
  if (!found) {
    const insuranceLimiter = new RateLimiterMemory(limits[name]);
    if (ctx.redis) {
      found = { limiter: new RateLimiterRedis({ storeClient: ctx.redis, keyPrefix: `${ctx.config.REDIS_PREFIX}rl-${name}`, ...limits[name], insuranceLimiter }), ready: Promise.resolve() };
    } else {
      let made!: (error?: Error) => void;
      const ready = new Promise<void>((resolve) => (made = () => resolve()));
      const store = new RateLimiterPostgres({ storeClient: ctx.pool, storeType: 'pool', tableName: RATE_LIMITS_TABLE, keyPrefix: `rl-${name}`, ...limits[name], insuranceLimiter }, made);
      found = { limiter: store, ready };
    }
    byName.set(name, found);
  }
  return found;
}

/** Counts one attempt; over the limit, a 429 that says when to try again. */
export async function consumeRateLimit(ctx: AppContext, name: LimiterName, key: string): Promise<void> {
  try {
    const { limiter: counting, ready } = limiter(ctx, name);
    await ready;
    await counting.consume(key);
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes) {
      const minutes = Math.max(1, Math.ceil(rejection.msBeforeNext / 60000));
      const error = new AppError(429, 'rate-limited', 'Too many attempts', `Too many attempts. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`);
      (error as AppError & { retryAfterSeconds?: number }).retryAfterSeconds = Math.ceil(rejection.msBeforeNext / 1000);
      throw error;
    }
    throw rejection;
  }
}
