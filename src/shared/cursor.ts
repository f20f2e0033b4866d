import { invalid } from './errors.ts';

/**
 * A keyset page cursor: the (time, id) of the last row shown, opaque to clients. The time is the
 * row's own, to the microsecond as Postgres keeps it (`cursorInstant`, cursor.repository.ts): a JavaScript Date keeps
 * milliseconds, and rows written in one transaction share their time to the microsecond, so a cursor
 * cut to the millisecond lands before all of them (the next page repeated this one) or after all of
 * them (the next page was empty).
 */
export function encodeCursor(time: string, id: string): string {
  return Buffer.from(JSON.stringify([time, id])).toString('base64url');
}

/** A UTC instant as ISO 8601, to the microsecond or less. */
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;

export function decodeCursor(cursor: string | undefined): { time: string; id: string } | undefined {
  if (!cursor) return undefined;
  try {
    const [time, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    if (typeof time !== 'string' || !INSTANT.test(time) || Number.isNaN(new Date(time).getTime()) || typeof id !== 'string' || !/^[0-9a-f-]{36}$/.test(id)) throw new Error('bad cursor');
    return { time, id };
  } catch {
    throw invalid([{ path: 'cursor', message: 'is not a cursor from a previous page' }]);
  }
}
