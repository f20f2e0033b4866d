import { languageName } from '../shared/reference-data.ts';
import { formatInZone } from '../shared/time.ts';
import { t } from './i18n.ts';

const displayNames = new Map<string, Intl.DisplayNames>();

/**
 * A language's name in the reader's language ("fr" -> "French", "francés", "français"). English keeps
 * the ISO 639-1 names the site always showed; French and Spanish come from the runtime's ICU data.
 */
export function languageNameIn(code: string, locale: string): string {
  if (locale === 'en') return languageName(code);
  let names = displayNames.get(locale);
  if (!names) {
    names = new Intl.DisplayNames([locale], { type: 'language', fallback: 'none' });
    displayNames.set(locale, names);
  }
  try {
    return names.of(code) ?? languageName(code);
  } catch {
    return languageName(code);
  }
}

/**
 * "Tue 26 Jun 2007, 17:00 (UTC+02:00, Europe/Brussels); Tue 26 Jun 2007, 11:00 (UTC-04:00,
 * America/New_York) your time": an instant in the marketplace's zone, and in the reader's when it differs.
 */
export function formatInZones(instant: Date, timeZone: string, readerTimeZone: string | null | undefined, locale: string): string {
  const there = formatInZone(instant, timeZone, locale);
  return readerTimeZone && readerTimeZone !== timeZone ? `${there}; ${t(locale, '{{time}} your time', { time: formatInZone(instant, readerTimeZone, locale) })}` : there;
}
