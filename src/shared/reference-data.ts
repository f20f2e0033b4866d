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

/** ISO 639-1, lower case. */
export function isLanguageCode(code: string): boolean {
  return /^[a-z]{2}$/.test(code) && ISO6391.validate(code);
}

export function languageName(code: string): string {
  return ISO6391.getName(code) || code;
}

/** The languages offered first in forms: the forum's working languages and other common ones. */
export const commonLanguages = ['en', 'fr', 'es', 'ar', 'ru', 'zh', 'pt'];
