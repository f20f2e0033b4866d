import type { z } from 'zod';
import { AppError, invalid, invalidFromZod } from './errors.ts';

/** The deepest nesting a body may have: ours nest three levels (a marketplace's sessions); 64 leaves room for any client. */
export const MAX_NESTING = 64;

export const tooDeep = () => new AppError(400, 'body-too-deep', 'Body too deep', `The body nests deeper than ${MAX_NESTING} levels.`);

/**
 * Whether objects and arrays in this value nest deeper than `limit` (`{}` is one level). Walked with an
 * explicit stack, never by recursion: a 100 kB body of `[[[[…` nests 50,000 levels, which overflows the
 * call stack of any recursive walk (ours, zod's, a logger's), so this check runs before them.
 */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  const stack: Array<{ value: object; depth: number }> = [];
  if (value !== null && typeof value === 'object') stack.push({ value, depth: 1 });
  while (stack.length > 0) {
    const { value: container, depth } = stack.pop()!;
    if (depth > limit) return true;
    for (const inner of Array.isArray(container) ? container : Object.values(container)) {
      if (inner !== null && typeof inner === 'object') stack.push({ value: inner as object, depth: depth + 1 });
    }
  }
  return false;
}

/**
 * The path of the first string (in document order) holding a NUL character (Postgres cannot store it in
 * text). An explicit stack, like `nestsDeeperThan`, so that no body can overflow it.
 */
function findNul(value: unknown): string | null {
  const stack: Array<{ value: unknown; path: string[] }> = [{ value, path: [] }];
  while (stack.length > 0) {
    const { value: current, path } = stack.pop()!;
    if (typeof current === 'string') {
      if (current.includes('\u0000')) return path.join('.') || '(body)';
    } else if (current !== null && typeof current === 'object') {
      const entries: Array<[string, unknown]> = Array.isArray(current) ? current.map((inner, i) => [String(i), inner]) : Object.entries(current);
      // Pushed last to first, so the first entry is looked at first.
      for (let i = entries.length - 1; i >= 0; i--) stack.push({ value: entries[i]![1], path: [...path, entries[i]![0]] });
    }
  }
  return null;
}

/**
 * The common case, a query string or form of plain strings, without the walks' allocations: the first
 * key whose value holds a NUL, or null; undefined when some value is not a string (walk it then).
 */
function flatNul(input: unknown): string | null | undefined {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return undefined;
  let found: string | null = null;
  for (const key in input) {
    if (!Object.hasOwn(input, key)) continue;
    const value = (input as Record<string, unknown>)[key];
    if (typeof value !== 'string') return undefined;
    if (found === null && value.includes('\u0000')) found = key;
  }
  return found;
}

/** Validates untrusted input at a boundary; a failure becomes a 422 that names the fields (400 for a body nested too deep). */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const flat = flatNul(input);
  // The API refuses such a body before any route sees it (refuseDeepBodies); this covers every other caller, so zod never walks one.
  if (flat === undefined && nestsDeeperThan(input, MAX_NESTING)) throw tooDeep();
  const nul = flat === undefined ? findNul(input) : flat;
  if (nul) throw invalid([{ path: nul, message: 'must not contain the NUL character' }]);
  const result = schema.safeParse(input);
  if (!result.success) throw invalidFromZod(result.error);
  return result.data;
}
