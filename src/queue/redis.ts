import { Cluster, Redis } from 'ioredis';
import type { Config } from '../config/config.ts';

/**
 * Every Redis client of the service is made here, so one setting decides what they talk to: the
 * server at REDIS_URL, or the Redis Cluster of REDIS_CLUSTER_NODES (which replaces REDIS_URL when
 * set). On a cluster, every key of ours starts with REDIS_PREFIX, a hash tag (`{fm}`), so all of
 * them (every queue's, as BullMQ requires of one queue's keys, and the rate limits') live on one
 * hash slot: no command of ours crosses slots. The queues' traffic is then one master's; at the
 * service's rates (emails at EMAIL_RATE_PER_SECOND, a few jobs per request) that is far from a
 * limit, and the cluster still gives failover and a managed service's operations.
 */
export type RedisClient = Redis | Cluster;

/** What a client is for: workers wait forever (BullMQ needs no retry limit); others fail fast. */
export type RedisRole = 'producer' | 'worker' | 'commands';

export function createRedis(config: Pick<Config, 'REDIS_URL' | 'REDIS_CLUSTER_NODES'>, role: RedisRole): RedisClient {
  const maxRetriesPerRequest = role === 'worker' ? null : 1;
  // A producer fails fast while Redis is away: Postgres holds the work, a sweep enqueues it later.
  const enableOfflineQueue = role !== 'producer';
  const client: RedisClient = config.REDIS_CLUSTER_NODES
    ? new Cluster(
        config.REDIS_CLUSTER_NODES.map((node) => {
          const url = new URL(node);
          return { host: url.hostname, port: Number(url.port) };
        }),
        { enableOfflineQueue, slotsRefreshTimeout: 5000, redisOptions: { maxRetriesPerRequest, connectTimeout: 5000, ...clusterCredentials(config.REDIS_CLUSTER_NODES[0]!) } },
      )
    : new Redis(config.REDIS_URL, { maxRetriesPerRequest, enableOfflineQueue, connectTimeout: 5000, lazyConnect: false });
  return client.on('error', () => {
    // Reconnection is automatic; readiness and job failures report the outage.
  });
}

function clusterCredentials(node: string): { username?: string; password?: string; tls?: object } {
  const url = new URL(node);
  return {
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

/** The Redis a configuration names, as it may be printed (no password): `Redis redis://…` or `Redis Cluster host:port,…`. */
export function describeRedis(config: Pick<Config, 'REDIS_URL' | 'REDIS_CLUSTER_NODES'>): string {
  if (config.REDIS_CLUSTER_NODES) return `Redis Cluster ${config.REDIS_CLUSTER_NODES.map((n) => new URL(n).host).join(',')}`;
  const url = new URL(config.REDIS_URL);
  if (url.password) url.password = '***';
  return `Redis ${url.toString()}`;
}

/** Waits until a client is connected (a producer queues nothing meanwhile), or its first error. */
export async function redisReady(client: RedisClient): Promise<void> {
  if (client.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const settle = (error?: Error) => {
      client.off('ready', settle).off('error', settle);
      if (error) reject(error);
      else resolve();
    };
    client.on('ready', settle).on('error', settle);
  });
}

/** Keys matching a pattern, by SCAN (never KEYS): on a cluster, SCAN of every master. */
export async function scanKeys(client: RedisClient, pattern: string): Promise<string[]> {
  const nodes: Redis[] = client instanceof Cluster ? client.nodes('master') : [client];
  const keys: string[] = [];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, found] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      keys.push(...found);
    } while (cursor !== '0');
  }
  return keys;
}

/**
 * Unlinks the keys matching a pattern (SCAN, never KEYS or FLUSH); returns how many. One key per
 * UNLINK on a cluster, where keys of several slots may not share a command.
 */
export async function removeRedisKeys(client: RedisClient, pattern: string, keep: (key: string) => boolean = () => true): Promise<number> {
  const keys = (await scanKeys(client, pattern)).filter(keep);
  let removed = 0;
  const chunk = client instanceof Cluster ? 1 : 500;
  const pending: Array<Promise<number>> = [];
  for (let i = 0; i < keys.length; i += chunk) pending.push(client.unlink(...keys.slice(i, i + chunk)));
  for (const count of await Promise.all(pending)) removed += count;
  return removed;
}
