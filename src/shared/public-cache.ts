import { LRUCache } from 'lru-cache';
import type { AppContext } from '../context.ts';
import { createRedis } from '../queue/queues.ts';

/** What the cache may hold in all, counted in characters of its entries' estimated size. */
const MAX_SIZE = 32 * 1024 * 1024;

/**
 * Short-lived copies of what every visitor sees alike (a marketplace, a page of its open requests), so
 * a busy listing costs one query per key and TTL instead of one per visit. Concurrent misses of a key
 * share one load. A change made through this process clears it at once (`clear`), and a load that
 * began before the change is not kept; changes made by another process show within the TTL.
 */
export class PublicCache {
  private readonly entries: LRUCache<string, { value: unknown }>;
  private readonly loading = new Map<string, Promise<unknown>>();
  private generation = 0;
  hits = 0;
  misses = 0;

  constructor(readonly ttlSeconds: number) {
    this.entries = new LRUCache<string, { value: unknown }>({ max: 5000, maxSize: MAX_SIZE, ttl: Math.max(1, ttlSeconds) * 1000 });
  }

  /** The cached value of `key`, or `load()`'s, kept for the TTL; `size` estimates its weight. */
  async get<T>(key: string, load: () => Promise<T>, size: (value: T) => number = () => 1): Promise<T> {
    if (this.ttlSeconds === 0) return load();
    const found = this.entries.get(key);
    if (found) {
      this.hits++;
      return found.value as T;
    }
    this.misses++;
    let pending = this.loading.get(key) as Promise<T> | undefined;
    if (!pending) {
      const generation = this.generation;
      pending = load()
        .then((value) => {
          if (generation === this.generation) this.entries.set(key, { value }, { size: Math.max(1, Math.min(MAX_SIZE, size(value))) });
          return value;
        })
        .finally(() => {
          if (this.loading.get(key) === pending) this.loading.delete(key);
        });
      this.loading.set(key, pending);
    }
    return pending;
  }

  /** Forgets everything: called after a change to what the cache holds has committed. */
  clear(): void {
    this.generation++;
    this.entries.clear();
    this.loading.clear();
  }
}

/** The Redis channel on which processes announce a change to the public listing. */
function changesChannel(ctx: AppContext): string {
  return `${ctx.config.REDIS_PREFIX}:public-listing-changed`;
}

/**
 * After a change to what the public listing shows has committed: this process forgets its copies at
 * once, and tells the others (the web processes) through Redis. If Redis is away, they catch up
 * within PUBLIC_CACHE_SECONDS.
 */
export function publicListingChanged(ctx: AppContext): void {
  ctx.publicCache.clear();
  ctx.redis.publish(changesChannel(ctx), String(process.pid)).catch(() => {});
}

/** A web process listens for changes other processes commit (the worker closing requests). */
export async function listenForPublicListingChanges(ctx: AppContext): Promise<() => Promise<void>> {
  if (ctx.config.PUBLIC_CACHE_SECONDS === 0) return async () => {};
  const subscriber = createRedis(ctx.config.REDIS_URL, 'worker');
  subscriber.on('message', () => ctx.publicCache.clear());
  // After a reconnect, messages sent meanwhile are lost: forget everything to be safe.
  subscriber.on('ready', () => ctx.publicCache.clear());
  await subscriber.subscribe(changesChannel(ctx));
  return async () => {
    await subscriber.quit().catch(() => subscriber.disconnect());
  };
}
