import { z } from 'zod';
import { DateTime } from 'luxon';
import { localToInstant } from './time.ts';

/**
 * A time as people and clients give it: an instant with an offset (`2007-06-20T17:00:00+02:00`), a
 * local date and time in the marketplace's zone (`2007-06-20T17:00` or `2007-06-20 17:00`), or a
 * local date alone (`2007-06-20`, which takes the field's default time, e.g. 17:00 close of business).
 */
export const timeInputField = z
  .string({ error: 'is required' })
  .trim()
  .superRefine((value, ctx) => {
    // An empty one (a form's date left blank) is missing, not badly written.
    if (parseTimeInput(value) === null) ctx.addIssue({ code: 'custom', message: value === '' ? 'is required' : 'must be a date (2007-06-20), a local date and time (2007-06-20T17:00) or an ISO 8601 time with an offset' });
  });

type ParsedTimeInput = { kind: 'instant'; instant: Date } | { kind: 'local'; date: string; time: string | null };

export function parseTimeInput(value: string): ParsedTimeInput | null {
  const local = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2})?))?$/.exec(value);
  if (local) {
    if (!DateTime.fromISO(local[1]!).isValid) return null;
    if (local[2] && !/^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$/.test(local[2])) return null;
    return { kind: 'local', date: local[1]!, time: local[2] ?? null };
  }
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})$/.test(value)) return null;
  const dt = DateTime.fromISO(value, { setZone: true });
  return dt.isValid ? { kind: 'instant', instant: dt.toJSDate() } : null;
}

/** The instant a time input means in a zone; null when the local time does not exist there (DST gap). */
export function resolveTimeInput(value: string, timeZone: string, defaultTime: string): Date | null {
  const parsed = parseTimeInput(value);
  if (!parsed) return null;
  if (parsed.kind === 'instant') return parsed.instant;
  return localToInstant(parsed.date, parsed.time ?? defaultTime, timeZone);
}

export const dateField = z
  .string({ error: 'is required' })
  .trim()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date such as 2007-07-09')
  .refine((v) => DateTime.fromISO(v).isValid, 'must be a real calendar date');

const CLOCK = /^([01]\d|2[0-3]):[0-5]\d$/;
const CLOCK_MESSAGE = 'must be a time such as 09:00';
export const clockField = z.string().trim().regex(CLOCK, CLOCK_MESSAGE);
/** A clock time a form may leave empty (''). */
export const optionalClockField = z
  .string()
  .trim()
  .refine((v) => v === '' || CLOCK.test(v), CLOCK_MESSAGE);
