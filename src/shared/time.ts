import { DateTime, IANAZone } from 'luxon';

export function isValidTimeZone(zone: string): boolean {
  return IANAZone.isValidZone(zone);
}

/** "Wed 20 Jun 2007, 17:00 (UTC+02:00, Europe/Brussels)" */
export function formatInZone(instant: Date, timeZone: string, locale = 'en'): string {
  const key = `${instant.getTime()}|${timeZone}|${locale}`;
  let text = formatted.get(key);
  if (text === undefined) {
    const dt = DateTime.fromJSDate(instant, { zone: timeZone }).setLocale(locale);
    text = `${dt.toFormat('ccc d LLL yyyy, HH:mm')} (UTC${dt.toFormat('ZZ')}, ${timeZone})`;
    if (formatted.size >= FORMATTED_CAP) formatted.clear();
    formatted.set(key, text);
  }
  return text;
}

/**
 * Instants already formatted, by instant, zone and language: luxon takes some 15 µs, and a mass close
 * formats one matching time for each of ten thousand requesters. Bounded: cleared when full.
 */
const formatted = new Map<string, string>();
const FORMATTED_CAP = 10_000;

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
  const key = `${instant.getTime()}|${timeZone}`;
  let text = isoFormatted.get(key);
  if (text === undefined) {
    text = DateTime.fromJSDate(instant, { zone: timeZone }).toISO({ suppressMilliseconds: true })!;
    if (isoFormatted.size >= ISO_FORMATTED_CAP) isoFormatted.clear();
    isoFormatted.set(key, text);
  }
  return text;
}

/**
 * Instants already written in ISO form, by instant and zone: luxon works out the zone's offset through
 * Intl for each (some 20 µs), and a page of the listing writes two per request each time the cache
 * loads it again (BENCHMARKS.md, issue 12). Bounded: cleared when full.
 */
const isoFormatted = new Map<string, string>();
const ISO_FORMATTED_CAP = 20_000;

/** The same wall-clock time `days` calendar days earlier in the zone (across a change of its offset too). */
export function daysEarlierInZone(instant: Date, days: number, timeZone: string): Date {
  const key = `${instant.getTime()}|${days}|${timeZone}`;
  let ms = shifted.get(key);
  if (ms === undefined) {
    ms = DateTime.fromJSDate(instant, { zone: timeZone }).minus({ days }).toMillis();
    if (shifted.size >= SHIFTED_CAP) shifted.clear();
    shifted.set(key, ms);
  }
  return new Date(ms);
}

/** Days already counted back, by instant, days and zone (luxon, as above); bounded, cleared when full. */
const shifted = new Map<string, number>();
const SHIFTED_CAP = 10_000;

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
