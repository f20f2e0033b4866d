import { LRUCache } from 'lru-cache';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import type { AppContext } from '../context.ts';
import { createRedis, redisReady } from '../queue/redis.ts';

/** What the cache may hold in all, counted in characters of its entries' estimated size. */
const MAX_SIZE = 32 * 1024 * 1024;

/** How much earlier than its TTL an entry may turn stale, at random: entries loaded together do not all expire together. */
const TTL_JITTER = 0.25;
/** How long past its TTL a stale entry may still be answered while it is loaded again (with `staleWhileLoading`). */
const STALE_WINDOW = 0.25;

export interface ProcessCacheOptions {
  /**
   * A stale entry (past its TTL, within another quarter of it) is answered at once while one load
   * refreshes it in the background; a failed refresh leaves it answered until it expires. Only for
   * what anyone may read anyway (the public listing), not for who a token belongs to.
   */
  staleWhileLoading?: boolean;
  /** Milliseconds from any fixed origin: when an entry turns stale (tests move it on). */
  now?: () => number;
}

/**
 * Short-lived copies kept by one process: what every visitor sees alike (a marketplace, a page of its
 * published requests) and who a session token belongs to. A busy page then costs one query per key
 * and TTL instead of one per visit. Concurrent misses of a key share one load. A committed change
 * clears the cache in every process (`cacheChanged`), and a load that began before it is not kept.
 * Each entry turns stale somewhere in the last quarter of its TTL, so that the keys loaded together
 * (every page after a restart or a change) are not all loaded again in the same second; with
 * `staleWhileLoading` a stale entry is answered while it loads again, so no visitor waits for it.
 */
export class ProcessCache {
  private readonly entries: LRUCache<string, { value: unknown; staleAt: number }>;
  private readonly loading = new Map<string, Promise<unknown>>();
  private readonly staleWhileLoading: boolean;
  private readonly now: () => number;
  private generation = 0;
  hits = 0;
  misses = 0;

  constructor(
    readonly ttlSeconds: number,
    options: ProcessCacheOptions = {},
  ) {
    this.staleWhileLoading = !!options.staleWhileLoading;
    this.now = options.now ?? (() => performance.now());
    // The LRU forgets an entry at the end of its stale window; before that, `staleAt` decides.
    const keptFor = Math.max(1, ttlSeconds) * 1000 * (this.staleWhileLoading ? 1 + STALE_WINDOW : 1);
    this.entries = new LRUCache({ max: 5000, maxSize: MAX_SIZE, ttl: keptFor });
  }

  /** The cached value of `key`, or `load()`'s, kept for the TTL if `keep` agrees; `size` estimates its weight. */
  async get<T>(key: string, load: () => Promise<T>, options: { size?: (value: T) => number; keep?: (value: T) => boolean } = {}): Promise<T> {
    if (this.ttlSeconds === 0) return load();
    const found = this.entries.get(key);
    if (found) {
      if (this.now() < found.staleAt) {
        this.hits++;
        return found.value as T;
      }
      if (this.staleWhileLoading) {
        this.hits++;
        // A failed refresh is not this visitor's: the stale entry stays until the LRU lets it go.
        this.load(key, load, options).catch(() => {});
        return found.value as T;
      }
    }
    this.misses++;
    return this.load(key, load, options);
  }

  /** One load per key at a time, kept if no clear came meanwhile and `keep` agrees. */
  private load<T>(key: string, load: () => Promise<T>, options: { size?: (value: T) => number; keep?: (value: T) => boolean }): Promise<T> {
    const pending = this.loading.get(key) as Promise<T> | undefined;
    if (pending) return pending;
    const { size = () => 1, keep = () => true } = options;
    const generation = this.generation;
    const loaded: Promise<T> = load()
      .then((value) => {
        if (generation === this.generation && keep(value)) {
          const staleAt = this.now() + this.ttlSeconds * 1000 * (1 - TTL_JITTER * Math.random());
          this.entries.set(key, { value, staleAt }, { size: Math.max(1, Math.min(MAX_SIZE, size(value))) });
        }
        return value;
      })
      .finally(() => {
        if (this.loading.get(key) === loaded) this.loading.delete(key);
      });
    this.loading.set(key, loaded);
    return loaded;
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

/** The channel on which processes announce a committed change to what a cache holds (Redis pub/sub, or Postgres NOTIFY). */
function changesChannel(ctx: AppContext): string {
  return `${ctx.config.REDIS_PREFIX}:cache-changed`;
}

/** Postgres's channel: one database per deployment (and per test file), so no prefix is needed. */
const NOTIFY_CHANNEL = 'fm_cache_changed';
/** How long a lost LISTEN connection waits before it tries again. */
const RELISTEN_DELAY_MS = 1000;

/**
 * After a change has committed (a request published or closed, a session revoked, an organization
 * verified): this process forgets its copies at once, and tells the others through the queue
 * backend's channel: Redis pub/sub, or Postgres NOTIFY when the queues run on Postgres. If the
 * channel is away, the others catch up within the cache's TTL.
 */
export function cacheChanged(ctx: AppContext, name: CacheName): void {
  ctx.caches[name].clear();
  const redis = ctx.redis;
  // A client still connecting (a cluster's refreshes its slots first) queues nothing: wait for it, up
  // to a few seconds, rather than lose the announcement. closeContext waits for these.
  const ready = !redis || redis.status === 'ready' ? Promise.resolve() : Promise.race([redisReady(redis), new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), ANNOUNCE_WAIT_MS).unref())]);
  const sent = redis ? ready.then(() => redis.publish(changesChannel(ctx), name)) : ctx.pool.query('SELECT pg_notify($1, $2)', [NOTIFY_CHANNEL, name]);
  const settled = sent.then(
    () => {},
    () => {},
  );
  let pending = announcing.get(ctx);
  if (!pending) announcing.set(ctx, (pending = new Set()));
  pending.add(settled);
  void settled.then(() => pending.delete(settled));
}

/** How long an announcement waits for a connecting client. */
const ANNOUNCE_WAIT_MS = 5000;
/** Announcements not yet sent, per process context. */
const announcing = new WeakMap<AppContext, Set<Promise<void>>>();

/** Waits for this process's announcements still on their way (before its connections close). */
export async function announcementsSent(ctx: AppContext): Promise<void> {
  await Promise.all([...(announcing.get(ctx) ?? [])]);
}

function forget(ctx: AppContext, name: string): void {
  if (name === 'listing' || name === 'actors') ctx.caches[name].clear();
}

/** A web process listens for the changes other processes commit (the worker closing requests). */
export async function listenForCacheChanges(ctx: AppContext): Promise<() => Promise<void>> {
  return ctx.redis ? listenOnRedis(ctx) : listenOnPostgres(ctx);
}

async function listenOnRedis(ctx: AppContext): Promise<() => Promise<void>> {
  const subscriber = createRedis(ctx.config, 'worker');
  subscriber.on('message', (_channel: string, name: string) => forget(ctx, name));
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

/**
 * LISTEN on a connection of its own (a pooled one would be handed to queries). When it drops, a new
 * one listens a second later, and everything is forgotten: notifications sent meanwhile are lost.
 */
async function listenOnPostgres(ctx: AppContext): Promise<() => Promise<void>> {
  let client: pg.Client | null = null;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString: ctx.config.DATABASE_URL, connectionTimeoutMillis: 5000, keepAlive: true });
    const lost = () => {
      if (stopped || client !== next) return;
      client = null;
      void next.end().catch(() => {});
      retry = setTimeout(() => void connect().catch(() => {}), RELISTEN_DELAY_MS);
      retry.unref();
    };
    next.on('error', lost);
    next.on('end', lost);
    next.on('notification', (message) => forget(ctx, message.payload ?? ''));
    client = next;
    try {
      await next.connect();
      await next.query(`LISTEN ${NOTIFY_CHANNEL}`);
      ctx.caches.listing.clear();
      ctx.caches.actors.clear();
    } catch (error) {
      lost();
      throw error;
    }
  };
  await connect();
  return async () => {
    stopped = true;
    clearTimeout(retry);
    await client?.end().catch(() => {});
  };
}
