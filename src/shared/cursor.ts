import { invalid } from './errors.ts';

/**
 * A keyset page cursor: the values that place the last row shown in its list's order (a time and an
 * id, or a rank, a name and an id), opaque to clients.
 */
export function encodeKeyset(values: ReadonlyArray<string | number>): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

/** The values of a cursor as `read` checks them; a cursor that is not one of ours is named (422). */
export function decodeKeyset<T>(cursor: string | undefined, read: (values: unknown) => T | undefined): T | undefined {
  if (!cursor) return undefined;
  let values: T | undefined;
  try {
    values = read(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch {
    values = undefined;
  }
  if (values === undefined) throw invalid([{ path: 'cursor', message: 'is not a cursor from a previous page' }]);
  return values;
}

/** A page of `limit` rows from the `limit + 1` read, and the cursor after its last row when more follow. */
export function pageOf<R>(rows: R[], limit: number, cursorOf: (row: R) => string): { items: R[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last !== undefined ? cursorOf(last) : null };
}

/**
 * The (time, id) cursor of the lists in time order. The time is the row's own, to the microsecond as
 * Postgres keeps it (`cursorInstant`, cursor.repository.ts): a JavaScript Date keeps milliseconds, and
 * rows written in one transaction share their time to the microsecond, so a cursor cut to the
 * millisecond lands before all of them (the next page repeated this one) or after all of them (the next
 * page was empty).
 */
export function encodeCursor(time: string, id: string): string {
  return encodeKeyset([time, id]);
}

/** A UTC instant as ISO 8601, to the microsecond or less. */
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;
export const UUID_TEXT = /^[0-9a-f-]{36}$/;

/** A cursor's time, as `cursorInstant` wrote it. */
export function isCursorInstant(value: unknown): value is string {
  return typeof value === 'string' && INSTANT.test(value) && !Number.isNaN(new Date(value).getTime());
}

/** A cursor's id. */
export function isCursorId(value: unknown): value is string {
  return typeof value === 'string' && UUID_TEXT.test(value);
}

export function decodeCursor(cursor: string | undefined): { time: string; id: string } | undefined {
  return decodeKeyset(cursor, (values) => {
    const [time, id] = Array.isArray(values) ? (values as unknown[]) : [];
    return isCursorInstant(time) && isCursorId(id) ? { time, id } : undefined;
  });
}
