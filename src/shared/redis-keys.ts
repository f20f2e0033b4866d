import type { Redis } from 'ioredis';

/** Unlinks the keys matching a pattern (SCAN, never KEYS or FLUSH); returns how many. */
export async function removeRedisKeys(redis: Redis, pattern: string, keep: (key: string) => boolean = () => true): Promise<number> {
  let cursor = '0';
  let removed = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    const ours = keys.filter(keep);
    if (ours.length) removed += await redis.unlink(...ours);
  } while (cursor !== '0');
  return removed;
}
