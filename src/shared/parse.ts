import type { z } from 'zod';
import { invalid, invalidFromZod } from './errors.ts';

/** The path of the first string holding a NUL character (Postgres cannot store it in text). */
function findNul(value: unknown, path: string[] = []): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path.join('.') || '(body)' : null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findNul(value[i], [...path, String(i)]);
      if (found) return found;
    }
    return null;
  }
  if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      const found = findNul(inner, [...path, key]);
      if (found) return found;
    }
  }
  return null;
}

/** Validates untrusted input at a boundary; a failure becomes a 422 that names the fields. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const nul = findNul(input);
  if (nul) throw invalid([{ path: nul, message: 'must not contain the NUL character' }]);
  const result = schema.safeParse(input);
  if (!result.success) throw invalidFromZod(result.error);
  return result.data;
}
