import i18next from 'i18next';
import en from './locales/en.json' with { type: 'json' };
import fr from './locales/fr.json' with { type: 'json' };
import es from './locales/es.json' with { type: 'json' };

/**
 * The forum's working languages. Keys are the English source strings (gettext style), so English needs
 * no catalog: a key without a translation reads as itself. `en.json` holds only the singular forms of
 * plural keys ("{{count}} responses" -> "{{count}} response"), which English cannot take from the key.
 */
export const supportedLocales = ['en', 'fr', 'es'] as const;
export type Locale = (typeof supportedLocales)[number];

/** Each language's name in itself, for the language switch. */
export const localeNames: Record<Locale, string> = { en: 'English', fr: 'Français', es: 'Español' };

export function isSupportedLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (supportedLocales as readonly string[]).includes(value);
}

const i18n = i18next.createInstance();
void i18n.init({
  resources: { en: { translation: en }, fr: { translation: fr }, es: { translation: es } },
  lng: 'en',
  fallbackLng: 'en',
  supportedLngs: [...supportedLocales],
  initAsync: false,
  keySeparator: false,
  nsSeparator: false,
  returnNull: false,
  returnEmptyString: false,
  showSupportNotice: false,
  // Nunjucks autoescapes what t returns (values included); emails' text parts are plain text.
  interpolation: { escapeValue: false, skipOnVariables: true },
});

export type TranslationVars = Record<string, string | number>;

/**
 * Translations of keys by locale and key, before interpolation: i18next resolves a key and interpolates
 * in a few microseconds, and a mass close asks for the same dozen sentences some hundred thousand
 * times. A key whose placeholders are all plain `{{name}}` is interpolated here (`simple`); anything
 * else goes through i18next. A plural key is kept per form: i18next's choice depends on the count only
 * through its plural category in the language and in the fallback (English), and through whether it is
 * 0 (`key_zero`), so that is the memo key, and the form's text is i18next's own. Keys are the code's
 * literals, so this stays small; the cap guards against a caller passing arbitrary text.
 */
const templates = new Map<string, { text: string; simple: boolean }>();
const TEMPLATES_CAP = 5000;
const PLACEHOLDER = /\{\{(\w+)\}\}/g;

const pluralRules = new Map<string, Intl.PluralRules>();
function pluralForm(lng: string, count: number): string {
  let rules = pluralRules.get(lng);
  if (!rules) pluralRules.set(lng, (rules = new Intl.PluralRules(lng)));
  return rules.select(count);
}

/** The text of `key` in `lng` before interpolation, in the form i18next chooses for `count` when there is one. */
function templateOf(lng: string, key: string, count?: number): { text: string; simple: boolean } {
  const memoKey = count === undefined ? `${lng}\u0000${key}` : `${lng}\u0000${key}\u0000${pluralForm(lng, count)}\u0000${pluralForm('en', count)}\u0000${count === 0}`;
  let template = templates.get(memoKey);
  if (template === undefined) {
    const text = i18n.t(key, { lng, ...(count === undefined ? {} : { count }), skipInterpolation: true, nest: false }) as string;
    // Simple: every "{{" opens a plain placeholder (no formats, no nesting, no escaping options).
    template = { text, simple: (text.match(/\{\{/g)?.length ?? 0) === (text.match(PLACEHOLDER)?.length ?? 0) };
    if (templates.size >= TEMPLATES_CAP) templates.clear();
    templates.set(memoKey, template);
  }
  return template;
}

/** Counts from Postgres (bigint) arrive as strings. */
function countOf(vars: TranslationVars | undefined): number | undefined {
  const count = vars?.count;
  return typeof count === 'string' && /^\d+$/.test(count) ? Number(count) : typeof count === 'number' ? count : undefined;
}

/**
 * The text of `key` in `locale`, with `{{name}}` replaced by `vars.name`. A `count` var chooses the
 * plural form (`key_one`, `key_other`, ... in the catalogs; the key itself is the general plural).
 */
export function t(locale: string, key: string, vars?: TranslationVars): string {
  const lng = isSupportedLocale(locale) ? locale : 'en';
  if (vars === undefined) return templateOf(lng, key).text;
  const count = countOf(vars);
  // A count that is not a finite number goes through i18next, as does a template with more than plain placeholders.
  if ('count' in vars && !Number.isFinite(count)) return translateWithI18next(lng, key, vars);
  const template = templateOf(lng, key, count);
  // As i18next with skipOnVariables: one pass, so a value's own "{{x}}" stays as written; a
  // placeholder without a value stays too.
  if (template.simple) return template.text.replace(PLACEHOLDER, (whole, name: string) => (Object.hasOwn(vars, name) ? String(vars[name]) : whole));
  return translateWithI18next(lng, key, vars);
}

/** `t` through i18next itself, for what `t` does not interpolate alone (and for the test that compares the two). */
export function translateWithI18next(locale: string, key: string, vars?: TranslationVars): string {
  const lng = isSupportedLocale(locale) ? locale : 'en';
  const count = countOf(vars);
  return i18n.t(key, {
    lng,
    replace: vars ?? {},
    ...(typeof count === 'number' ? { count } : {}),
    // Values never turn into nested translations.
    nest: false,
  }) as string;
}

/**
 * For text made elsewhere (a service's error detail, a stored reason): its translation when the
 * catalog has that exact sentence, else the text as it is, never interpolated.
 */
export function translateKnown(locale: string, text: string): string {
  const lng = isSupportedLocale(locale) ? locale : 'en';
  if (lng === 'en' || !i18n.exists(text, { lng, fallbackLng: false })) return text;
  return i18n.t(text, { lng, skipInterpolation: true, nest: false }) as string;
}

/** Marks a string for translation where it is defined, without translating it (gettext's N_). */
export function N_<const S extends string>(key: S): S {
  return key;
}

/**
 * The best of en, fr, es for an Accept-Language header ("fr-FR,fr;q=0.9,en;q=0.8" -> fr); en when
 * none fits.
 */
export function negotiateLocale(acceptLanguage: string | undefined | null): Locale {
  if (!acceptLanguage) return 'en';
  const ranges = acceptLanguage
    .slice(0, 500)
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      const q = qParam ? Number(qParam.slice(2)) : 1;
      return { language: tag.trim().toLowerCase().split('-')[0]!, q: Number.isFinite(q) ? q : 0, index };
    })
    .filter((r) => r.q > 0 && r.language)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const range of ranges) if (isSupportedLocale(range.language)) return range.language;
  return 'en';
}
