import countries from 'i18n-iso-countries';
import en from 'i18n-iso-countries/langs/en.json' with { type: 'json' };
import fr from 'i18n-iso-countries/langs/fr.json' with { type: 'json' };
import es from 'i18n-iso-countries/langs/es.json' with { type: 'json' };
import ISO6391 from 'iso-639-1';

countries.registerLocale(en);
countries.registerLocale(fr);
countries.registerLocale(es);

/** ISO 3166-1 alpha-2, upper case. */
export function isCountryCode(code: string): boolean {
  return /^[A-Z]{2}$/.test(code) && countries.isValid(code);
}

export function countryName(code: string, locale = 'en'): string {
  return countries.getName(code, locale) ?? code;
}

const countriesByLocale = new Map<string, ReadonlyArray<{ code: string; name: string }>>();

/** Every country, named and sorted in the locale: built once per locale (forms show it on every view). */
export function allCountries(locale = 'en'): ReadonlyArray<{ code: string; name: string }> {
  let list = countriesByLocale.get(locale);
  if (!list) {
    list = Object.entries(countries.getNames(locale, { select: 'official' }))
      .map(([code, name]) => ({ code, name }))
      .sort((a, b) => a.name.localeCompare(b.name, locale));
    countriesByLocale.set(locale, list);
  }
  return list;
}

/** Text as country names are compared: no accents or case, words separated by one space. */
function comparable(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

let countryNames: Array<{ name: string; code: string }> | undefined;

/**
 * The country a search names, by any of its names in English, French or Spanish (official or common:
 * "Mexico", "Mexique", "México", "Côte d'Ivoire", "Ivory Coast"), as whole words, the longest name first
 * ("Papua New Guinea" before "Guinea"), with the search's other words (`rest`, empty when it was only
 * the name). Names shorter than four letters ("US", "UAE") are left out: they are also words. Only for
 * searches of plain words: one with quotes or a minus keeps its own meaning.
 */
export function countryNamedIn(search: string): { code: string; rest: string } | undefined {
  if (/["\u201c\u201d]|(^|\s)-\S/.test(search)) return undefined;
  countryNames ??= (['en', 'fr', 'es'] as const)
    .flatMap((locale) => Object.entries(countries.getNames(locale, { select: 'all' })).flatMap(([code, names]) => (names as string[]).map((name) => ({ name: comparable(name), code }))))
    .filter((c) => c.name.length >= 4)
    .sort((a, b) => b.name.length - a.name.length);
  const words = ` ${comparable(search)} `;
  for (const { name, code } of countryNames) {
    const at = words.indexOf(` ${name} `);
    if (at >= 0) return { code, rest: `${words.slice(0, at)} ${words.slice(at + name.length + 2)}`.trim().replace(/\s+/g, ' ') };
  }
  return undefined;
}

/** ISO 639-1, lower case. */
export function isLanguageCode(code: string): boolean {
  return /^[a-z]{2}$/.test(code) && ISO6391.validate(code);
}

export function languageName(code: string): string {
  return ISO6391.getName(code) || code;
}

/** The languages offered first in forms: the forum's working languages and other common ones. */
export const commonLanguages = ['en', 'fr', 'es', 'ar', 'ru', 'zh', 'pt'];
