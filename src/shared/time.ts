import { LRUCache } from 'lru-cache';
import { DateTime, IANAZone } from 'luxon';

export function isValidTimeZone(zone: string): boolean {
  return IANAZone.isValidZone(zone);
}

/** "Wed 20 Jun 2007, 17:00 (UTC+02:00, Europe/Brussels)" */
export function formatInZone(instant: Date, timeZone: string, locale = 'en'): string {
  return formatted.memo(`${instant.getTime()}|${timeZone}|${locale}`, { context: { instant, timeZone, locale } });
}

/*
 * Answers already worked out, by their arguments, in bounded caches (lru-cache's memo): luxon works out
 * a zone's offset through Intl each time (15-20 µs). A mass close formats one matching time for each of
 * ten thousand requesters, and a page of the listing writes two ISO times a request each time the cache
 * loads it again (BENCHMARKS.md, issue 12).
 */
const formatted = new LRUCache<string, string, { instant: Date; timeZone: string; locale: string }>({
  max: 10_000,
  memoMethod: (_key, _stale, { context: { instant, timeZone, locale } }) => {
    const dt = DateTime.fromJSDate(instant, { zone: timeZone }).setLocale(locale);
    return `${dt.toFormat('ccc d LLL yyyy, HH:mm')} (UTC${dt.toFormat('ZZ')}, ${timeZone})`;
  },
});
const isoFormatted = new LRUCache<string, string, { instant: Date; timeZone: string }>({
  max: 20_000,
  memoMethod: (_key, _stale, { context: { instant, timeZone } }) => DateTime.fromJSDate(instant, { zone: timeZone }).toISO({ suppressMilliseconds: true })!,
});
const shifted = new LRUCache<string, number, { instant: Date; days: number; timeZone: string }>({
  max: 10_000,
  memoMethod: (_key, _stale, { context: { instant, days, timeZone } }) => DateTime.fromJSDate(instant, { zone: timeZone }).minus({ days }).toMillis(),
});

/** "Mon 9 Jul 2007" (fr "lun. 9 juil. 2007"): a calendar date (yyyy-mm-dd), which has no zone. */
export function formatDate(isoDate: string, locale = 'en'): string {
  const dt = DateTime.fromISO(isoDate, { zone: 'UTC' }).setLocale(locale);
  return dt.isValid ? dt.toFormat('ccc d LLL yyyy') : isoDate;
}

/** "in 3 days", "2 hours ago": relative to the instant given as now. */
export function formatRelative(instant: Date, now: Date, locale = 'en'): string {
  return DateTime.fromJSDate(instant).setLocale(locale).toRelative({ base: DateTime.fromJSDate(now) }) ?? '';
}

/** ISO 8601 with the zone's offset, as the API shows times. */
export function isoInZone(instant: Date, timeZone: string): string {
  return isoFormatted.memo(`${instant.getTime()}|${timeZone}`, { context: { instant, timeZone } });
}

/** The same wall-clock time `days` calendar days earlier in the zone (across a change of its offset too). */
export function daysEarlierInZone(instant: Date, days: number, timeZone: string): Date {
  return new Date(shifted.memo(`${instant.getTime()}|${days}|${timeZone}`, { context: { instant, days, timeZone } }));
}

/**
 * Turns a local wall-clock date and time in a zone ("2007-06-20", "17:00", "Europe/Brussels") into an
 * instant. Returns null for a time that does not exist in that zone (the hour skipped by DST).
 */
export function localToInstant(date: string, time: string, timeZone: string): Date | null {
  const dt = DateTime.fromISO(`${date}T${time}`, { zone: timeZone });
  if (!dt.isValid) return null;
  const roundTrip = dt.toFormat(time.length > 5 ? 'HH:mm:ss' : 'HH:mm');
  if (roundTrip !== time) return null;
  return dt.toJSDate();
}

/** The local date and time of an instant in a zone, for filling forms. */
export function instantToLocal(instant: Date, timeZone: string): { date: string; time: string } {
  const dt = DateTime.fromJSDate(instant, { zone: timeZone });
  return { date: dt.toFormat('yyyy-LL-dd'), time: dt.toFormat('HH:mm') };
}
