import { describe, expect, it } from 'vitest';
import { ProcessCache } from '../../src/shared/process-cache.ts';

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('the process cache', () => {
  it('keeps a value for its TTL and shares one load between concurrent misses', async () => {
    const cache = new ProcessCache(60);
    let loads = 0;
    const gate = deferred<string>();
    const load = () => {
      loads++;
      return gate.promise;
    };
    const all = Promise.all([cache.get('k', load), cache.get('k', load), cache.get('k', load)]);
    gate.resolve('page');
    expect(await all).toEqual(['page', 'page', 'page']);
    expect(await cache.get('k', load)).toBe('page');
    expect(loads).toBe(1);
    expect({ hits: cache.hits, misses: cache.misses }).toEqual({ hits: 1, misses: 3 });
  });

  it('a load that began before a clear is returned to its callers but not kept', async () => {
    const cache = new ProcessCache(60);
    const before = deferred<string>();
    const pending = cache.get('k', () => before.promise);
    cache.clear();
    before.resolve('old');
    expect(await pending).toBe('old');
    expect(await cache.get('k', async () => 'new')).toBe('new');
  });

  it('a failed load is not kept: the next call loads again', async () => {
    const cache = new ProcessCache(60);
    await expect(cache.get('k', async () => Promise.reject(new Error('not found')))).rejects.toThrow('not found');
    expect(await cache.get('k', async () => 'found')).toBe('found');
  });

  it('keeps only what `keep` accepts (an unknown session token is not remembered)', async () => {
    const cache = new ProcessCache(60);
    let loads = 0;
    const load = async () => (++loads > 1 ? 'signed in' : null);
    expect(await cache.get('token', load, { keep: (v) => v !== null })).toBeNull();
    expect(await cache.get('token', load, { keep: (v) => v !== null })).toBe('signed in');
    expect(await cache.get('token', load, { keep: (v) => v !== null })).toBe('signed in');
    expect(loads).toBe(2);
  });

  it('with a TTL of 0 every call loads', async () => {
    const cache = new ProcessCache(0);
    let loads = 0;
    await cache.get('k', async () => ++loads);
    await cache.get('k', async () => ++loads);
    expect(loads).toBe(2);
  });

  it('a stale public entry is answered at once while one load refreshes it; a failed refresh keeps answering it', async () => {
    let clock = 0;
    const cache = new ProcessCache(30, { staleWhileLoading: true, now: () => clock });
    expect(await cache.get('page', async () => 'first')).toBe('first');
    clock = 30_000; // past the TTL, whatever the jitter
    const refresh = deferred<string>();
    let loads = 0;
    const load = () => {
      loads++;
      return refresh.promise;
    };
    // Three visitors meanwhile: all answered from the stale copy, one load for them.
    expect(await Promise.all([cache.get('page', load), cache.get('page', load), cache.get('page', load)])).toEqual(['first', 'first', 'first']);
    expect(loads).toBe(1);
    refresh.resolve('second');
    await refresh.promise;
    expect(await cache.get('page', load)).toBe('second');
    expect(loads).toBe(1);
    // The next refresh fails: nobody sees the failure, the copy stays, and the one after succeeds.
    clock = 60_000;
    expect(await cache.get('page', async () => Promise.reject(new Error('database away')))).toBe('second');
    await new Promise((resolve) => setImmediate(resolve));
    expect(await cache.get('page', async () => 'third')).toBe('second');
    await new Promise((resolve) => setImmediate(resolve));
    expect(await cache.get('page', async () => 'fourth')).toBe('third');
  });

  it('who a token belongs to is never answered stale: past its TTL it is loaded again and waited for', async () => {
    let clock = 0;
    const cache = new ProcessCache(10, { now: () => clock });
    expect(await cache.get('token', async () => 'member')).toBe('member');
    clock = 10_000;
    expect(await cache.get('token', async () => 'signed out')).toBe('signed out');
  });

  it('entries loaded together turn stale at different times, in the last quarter of the TTL', async () => {
    let clock = 0;
    const cache = new ProcessCache(100, { now: () => clock });
    const keys = Array.from({ length: 40 }, (_, i) => `page-${i}`);
    for (const key of keys) await cache.get(key, async () => 'old');
    const staleAt = (key: string) => cache.get(key, async () => 'new');
    clock = 74_999;
    expect(new Set(await Promise.all(keys.map(staleAt)))).toEqual(new Set(['old']));
    clock = 87_500;
    const halfway = await Promise.all(keys.map(staleAt));
    expect(halfway.filter((v) => v === 'new').length).toBeGreaterThan(5);
    expect(halfway.filter((v) => v === 'old').length).toBeGreaterThan(5);
    clock = 100_000;
    expect(new Set(await Promise.all(keys.map(staleAt)))).toEqual(new Set(['new']));
  });
});
