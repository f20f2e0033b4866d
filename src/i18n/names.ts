import { languageName } from '../shared/reference-data.ts';

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
