/**
 * `fn` computed once per key and kept: `oncePerKey((key) => build(key))` gives a function of the key
 * that caches its answers (including null). For keys from a small set: the map is never emptied.
 */
export function oncePerKey<T>(fn: (key: string) => T): (key: string) => T {
  const known = new Map<string, T>();
  return (key) => {
    if (known.has(key)) return known.get(key) as T;
    const value = fn(key);
    known.set(key, value);
    return value;
  };
}
