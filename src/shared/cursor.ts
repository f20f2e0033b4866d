import { invalid } from './errors.ts';

/** A keyset page cursor: the (time, id) of the last row shown, opaque to clients. */
export function encodeCursor(time: Date, id: string): string {
  return Buffer.from(JSON.stringify([time.toISOString(), id])).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): { time: Date; id: string } | undefined {
  if (!cursor) return undefined;
  try {
    const [time, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    const date = new Date(time);
    if (Number.isNaN(date.getTime()) || typeof id !== 'string' || !/^[0-9a-f-]{36}$/.test(id)) throw new Error('bad cursor');
    return { time: date, id };
  } catch {
    throw invalid([{ path: 'cursor', message: 'is not a cursor from a previous page' }]);
  }
}
