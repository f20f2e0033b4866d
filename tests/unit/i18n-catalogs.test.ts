import { describe, expect, it } from 'vitest';
import en from '../../src/i18n/locales/en.json' with { type: 'json' };
import fr from '../../src/i18n/locales/fr.json' with { type: 'json' };
import es from '../../src/i18n/locales/es.json' with { type: 'json' };
import { negotiateLocale, t, translateWithI18next } from '../../src/i18n/i18n.ts';
import { requestCategoryLabels } from '../../src/requests/requests.schemas.ts';
import { organizationKindLabels } from '../../src/organizations/organizations.schemas.ts';
import { fundingLabels, modalityLabels } from '../../src/responses/responses.schemas.ts';
import { translationKeysInSources } from '../helpers/translation-keys.ts';

const catalogs: Record<string, Record<string, string>> = { fr, es };
const placeholders = (text: string) => [...text.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();
const isPlural = (key: string) => key.includes('{{count}}');

/** Keys written in the sources as t("...") or N_("..."), and the labels the filters translate. */
function usedKeys(): Map<string, string[]> {
  const keys = translationKeysInSources('src');
  for (const labels of [requestCategoryLabels, organizationKindLabels, modalityLabels, fundingLabels]) {
    for (const label of Object.values(labels)) keys.set(label, [...(keys.get(label) ?? []), 'a *.schemas.ts label map']);
  }
  return keys;
}

describe('translation catalogs', () => {
  const keys = usedKeys();

  it('finds the keys in the views and the code (the scan itself works)', () => {
    expect(keys.size).toBeGreaterThan(300);
    expect(keys.get('There is a problem')).toEqual(['src/http/views/macros.njk']);
    expect(keys.has('Your sign-in link for Forum Marketplace')).toBe(true);
    expect(keys.has('is required')).toBe(true);
    expect(keys.has('submitted')).toBe(true);
  });

  for (const [locale, catalog] of Object.entries(catalogs)) {
    it(`every key used in the sources has a ${locale} translation (a new untranslated string fails here)`, () => {
      const missing: string[] = [];
      for (const [key, files] of keys) {
        if (!catalog[key]?.trim()) missing.push(`${JSON.stringify(key)} (${[...new Set(files)].join(', ')})`);
        if (isPlural(key) && !catalog[`${key}_one`]?.trim()) missing.push(`${JSON.stringify(`${key}_one`)} (the singular of a plural key)`);
      }
      expect(missing, `add these keys to src/i18n/locales/${locale}.json`).toEqual([]);
    });

    it(`${locale}: each translation keeps its key's {{placeholders}} and no key is left over`, () => {
      const problems: string[] = [];
      for (const [key, text] of Object.entries(catalog)) {
        const base = key.replace(/_(zero|one|two|few|many|other)$/, '');
        if (!keys.has(base)) problems.push(`not used any more: ${JSON.stringify(key)}`);
        if (JSON.stringify(placeholders(text)) !== JSON.stringify(placeholders(base))) problems.push(`placeholders differ: ${JSON.stringify(key)} -> ${JSON.stringify(text)}`);
      }
      expect(problems).toEqual([]);
    });
  }

  it('t interpolates every key as i18next does, in every language; a value that looks like a placeholder stays as written', () => {
    const differ: string[] = [];
    for (const key of keys.keys()) {
      const names = placeholders(key);
      if (names.length === 0 || names.includes('count')) continue;
      for (const locale of ['en', 'fr', 'es', 'xx']) {
        const vars = Object.fromEntries(names.map((name, i) => [name, i === 0 ? `<b>"${name}" & $1` : i]));
        const partial = Object.fromEntries(names.slice(1).map((name) => [name, 'v']));
        for (const v of [vars, partial]) if (t(locale, key, v) !== translateWithI18next(locale, key, v)) differ.push(`${locale} ${JSON.stringify(key)} ${JSON.stringify(v)}: ${t(locale, key, v)}`);
      }
    }
    expect(differ).toEqual([]);
    // Plural keys: t keeps the form i18next chose per plural category (and for 0), in each language and
    // for a language it falls back from; counts from Postgres come as strings.
    const plurals: string[] = [];
    for (const key of keys.keys()) {
      const names = placeholders(key);
      if (!names.includes('count')) continue;
      for (const locale of ['en', 'fr', 'es', 'xx']) {
        for (const count of [0, 1, 2, 3, 5, 11, 21, 100, 1.5, 1_000_000, -1, '7', '1', 'many']) {
          const vars = Object.fromEntries(names.map((name, i) => [name, name === 'count' ? count : i === 0 ? `<b>"${name}" {{count}}` : i]));
          if (t(locale, key, vars) !== translateWithI18next(locale, key, vars)) plurals.push(`${locale} ${JSON.stringify(key)} ${JSON.stringify(vars)}: ${t(locale, key, vars)} / ${translateWithI18next(locale, key, vars)}`);
        }
      }
    }
    expect(plurals).toEqual([]);
    // i18next would replace the value's "{{weight}}" too ("1 of {{weight}}"): an organization's name can hold anything.
    expect(t('en', '{{points}} of {{weight}}', { points: '{{weight}}', weight: 1 })).toBe('{{weight}} of 1');
  });

  it('English plural singulars belong to plural keys in use', () => {
    for (const [key, text] of Object.entries(en as Record<string, string>)) {
      expect(key.endsWith('_one') && keys.has(key.slice(0, -4)) && isPlural(key), key).toBe(true);
      expect(placeholders(text)).toEqual(placeholders(key.slice(0, -4)));
    }
  });

  it('plurals follow each language: 0 and 1 are singular in French, only 1 in Spanish and English', () => {
    expect(t('en', '{{count}} responses so far.', { count: 1 })).toBe('1 response so far.');
    expect(t('en', '{{count}} responses so far.', { count: 3 })).toBe('3 responses so far.');
    expect(t('fr', '{{count}} responses so far.', { count: 0 })).toBe('0 réponse à ce jour.');
    expect(t('fr', '{{count}} responses so far.', { count: 2 })).toBe('2 réponses à ce jour.');
    expect(t('es', '{{count}} responses so far.', { count: 0 })).toBe('0 respuestas hasta ahora.');
    expect(t('es', '{{count}} responses so far.', { count: 1 })).toBe('1 respuesta hasta ahora.');
    expect(t('es', '{{count}} responses so far.', { count: 1_000_000 })).toBe('1000000 respuestas hasta ahora.');
  });

  it('a value is inserted as it is, never read as a key or a template', () => {
    expect(t('fr', 'Offer: {{offer}}', { offer: '{{offer}} $t(Sign in) <b>' })).toBe('Offre\u00a0: {{offer}} $t(Sign in) <b>');
    expect(t('de', 'Sign in')).toBe('Sign in');
  });

  it('Accept-Language chooses among en, fr and es by quality', () => {
    expect(negotiateLocale('fr-FR,fr;q=0.9')).toBe('fr');
    expect(negotiateLocale('de-DE,es;q=0.8,fr;q=0.5')).toBe('es');
    expect(negotiateLocale('fr;q=0.2, es-MX;q=0.7')).toBe('es');
    expect(negotiateLocale('de, *;q=0.1')).toBe('en');
    expect(negotiateLocale('fr;q=0')).toBe('en');
    expect(negotiateLocale(undefined)).toBe('en');
  });
});
