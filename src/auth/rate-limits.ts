import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { AppContext } from '../context.ts';
import { AppError } from '../shared/errors.ts';

type LimiterName = 'signInLinkPerEmail' | 'signInLinkPerIp' | 'tokenExchangePerIp';

const limits: Record<LimiterName, { points: number; duration: number }> = {
  signInLinkPerEmail: { points: 5, duration: 15 * 60 },
  signInLinkPerIp: { points: 30, duration: 15 * 60 },
  tokenExchangePerIp: { points: 30, duration: 15 * 60 },
};

const limiters = new WeakMap<AppContext, Map<LimiterName, RateLimiterRedis>>();

function limiter(ctx: AppContext, name: LimiterName): RateLimiterRedis {
  let byName = limiters.get(ctx);
  if (!byName) limiters.set(ctx, (byName = new Map()));
  let found = byName.get(name);
  if (!found) {
    found = new RateLimiterRedis({
      storeClient: ctx.redis,
      keyPrefix: `${ctx.config.REDIS_PREFIX}rl-${name}`,
      ...limits[name],
      // While Redis is away the limit still holds, per process.
      insuranceLimiter: new RateLimiterMemory(limits[name]),
    });
    byName.set(name, found);
  }
  return found;
}

/** Counts one attempt; over the limit, a 429 that says when to try again. */
export async function consumeRateLimit(ctx: AppContext, name: LimiterName, key: string): Promise<void> {
  try {
    await limiter(ctx, name).consume(key);
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
