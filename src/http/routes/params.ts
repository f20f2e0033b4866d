import { slugField } from '../../marketplaces/marketplaces.schemas.ts';
import { notFound } from '../../shared/errors.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/** An id from the path; anything that is not one is a 404 for that record (never a database error). */
export function idParam(value: unknown, what: string): string {
  if (!isUuid(value)) throw notFound(what);
  return value;
}

/** A marketplace slug from the path. */
export function slugParam(value: unknown): string {
  const parsed = slugField.safeParse(value);
  if (!parsed.success) throw notFound('The marketplace');
  return parsed.data;
}
