import { z } from 'zod';

/** Required text between min and max characters, trimmed; an empty one "is required". */
export const textField = (min: number, max: number) =>
  z
    .string({ error: 'is required' })
    .trim()
    .min(1, 'is required')
    .min(min, `must be at least ${min} characters`)
    .max(max, `must be at most ${max} characters`);

/** Text that ends up in a subject line or a heading: one line only. */
export const oneLine = /^[^\r\n\u2028\u2029]*$/;

/** A free-text search of a list: trimmed, at most 200 characters, no control characters. */
export const searchText = () =>
  z
    .string()
    .trim()
    .max(200, 'must be at most 200 characters')
    // eslint-disable-next-line no-control-regex -- refusing control characters is the point of this pattern
    .regex(/^[^\u0000-\u001f]*$/, 'must not contain control characters');

/** How many rows of a list a page holds: 1 to `max`, `byDefault` when not given. */
export const pageLimit = (max: number, byDefault: number) =>
  z.coerce.number({ error: 'must be a number' }).int().min(1, 'must be at least 1').max(max, `must be at most ${max}`).default(byDefault);

/** A page cursor, as a list's `nextCursor` gave it (cursor.ts). */
export const pageCursor = (max = 200) => z.string().max(max).regex(/^[A-Za-z0-9_-]*$/, 'is not a cursor from a previous page');

/** The query of a list that only pages: `limit` (1 to `max`, `byDefault` when not given) and `cursor`, nothing else. */
export const pageQuery = (max: number, byDefault: number) => z.object({ limit: pageLimit(max, byDefault), cursor: pageCursor().optional() }).strict();
