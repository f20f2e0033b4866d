import { LRUCache } from 'lru-cache';
import type { AppContext } from '../context.ts';
import { createRedis } from '../queue/queues.ts';

/** What the cache may hold in all, counted in characters of its entries' estimated size. */
const MAX_SIZE = 32 * 1024 * 1024;

/**
 * Short-lived copies kept by one process: what every visitor sees alike (a marketplace, a page of its
 * published requests) and who a session token belongs to. A busy page then costs one query per key
 * and TTL instead of one per visit. Concurrent misses of a key share one load. A committed change
 * clears the cache in every process (`cacheChanged`), and a load that began before it is not kept.
 */
export class ProcessCache {
  private readonly entries: LRUCache<string, { value: unknown }>;
  private readonly loading = new Map<string, Promise<unknown>>();
  private generation = 0;
  hits = 0;
  misses = 0;

  constructor(readonly ttlSeconds: number) {
    this.entries = new LRUCache<string, { value: unknown }>({ max: 5000, maxSize: MAX_SIZE, ttl: Math.max(1, ttlSeconds) * 1000 });
  }

  /** The cached value of `key`, or `load()`'s, kept for the TTL if `keep` agrees; `size` estimates its weight. */
  async get<T>(key: string, load: () => Promise<T>, options: { size?: (value: T) => number; keep?: (value: T) => boolean } = {}): Promise<T> {
    const { size = () => 1, keep = () => true } = options;
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
          if (generation === this.generation && keep(value)) this.entries.set(key, { value }, { size: Math.max(1, Math.min(MAX_SIZE, size(value))) });
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

export type CacheName = 'listing' | 'actors';

export interface ProcessCaches {
  /** The public listing (PUBLIC_CACHE_SECONDS). */
  listing: ProcessCache;
  /** Signed-in people by session token (SESSION_CACHE_SECONDS). */
  actors: ProcessCache;
}

/** The Redis channel on which processes announce a committed change to what a cache holds. */
function changesChannel(ctx: AppContext): string {
  return `${ctx.config.REDIS_PREFIX}:cache-changed`;
}

/**
 * After a change has committed (a request published or closed, a session revoked, an organization
 * verified): this process forgets its copies at once, and tells the others through Redis. If Redis
 * is away, they catch up within the cache's TTL.
 */
export function cacheChanged(ctx: AppContext, name: CacheName): void {
  ctx.caches[name].clear();
  ctx.redis.publish(changesChannel(ctx), name).catch(() => {});
}

/** A web process listens for the changes other processes commit (the worker closing requests). */
export async function listenForCacheChanges(ctx: AppContext): Promise<() => Promise<void>> {
  const subscriber = createRedis(ctx.config.REDIS_URL, 'worker');
  subscriber.on('message', (_channel: string, name: string) => {
    if (name === 'listing' || name === 'actors') ctx.caches[name].clear();
  });
  // After a reconnect, messages sent meanwhile are lost: forget everything to be safe.
  subscriber.on('ready', () => {
    ctx.caches.listing.clear();
    ctx.caches.actors.clear();
  });
  await subscriber.subscribe(changesChannel(ctx));
  return async () => {
    await subscriber.quit().catch(() => subscriber.disconnect());
  };
}
