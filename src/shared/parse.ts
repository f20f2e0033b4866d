import type { z } from 'zod';
import { invalidFromZod } from './errors.ts';

/** Validates untrusted input at a boundary; a failure becomes a 422 that names the fields. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw invalidFromZod(result.error);
  return result.data;
}
