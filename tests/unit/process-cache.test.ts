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
});
