/**
 * A score's explanations in words, in the reader's language. Scoring (score.ts) says why a factor
 * earned its points as reasons: a message key (its English text, translated in src/i18n/locales) with
 * the codes it names (categories, sessions, languages, countries). This file turns them into a
 * sentence: the English one stored with each meeting and answered by the API, and the secretariat's
 * in French or Spanish on its pages. One wording, so the two cannot drift.
 */
import type { RequestCategory } from '../../db/types.ts';
import { N_, t, type TranslationVars } from '../i18n/i18n.ts';
import { languageNameIn } from '../i18n/names.ts';
import { countryName } from '../shared/reference-data.ts';

/** Codes a reason names, shown as a list ("English (en) or French (fr)"). */
export interface ReasonList {
  list: 'and' | 'or';
  kind: 'category' | 'language' | 'country' | 'code';
  items: readonly string[];
}

/** Reasons joined with commas inside another ("3.2 (same round table as the requested 3.1), 1.3 (…)"). */
export interface ReasonClauses {
  clauses: readonly ScoreReason[];
}

export type ReasonValue = ReasonList | ReasonClauses;

/** Why a factor earned its points: a message key and what it names. */
export interface ScoreReason {
  key: string;
  vars?: Record<string, ReasonValue>;
}

/** A category as a sentence names it ("offers capacity building"; in French and Spanish quoted), not as a label ("Capacity building"). */
const categoryInSentence: Record<RequestCategory, string> = {
  training: N_('training'),
  advice: N_('advice'),
  capacity_building: N_('capacity building'),
  equipment: N_('equipment'),
  project_development: N_('project development'),
  other: N_('an initiative of another kind'),
};

/** After this many items a list says "and 3 more". */
const LIST_MAX = 5;

/** A factor's reasons as one sentence in `locale`: its clauses joined with semicolons. */
export function explainReasons(reasons: readonly ScoreReason[], locale: string): string {
  return reasons.map((reason) => explainReason(reason, locale)).join('; ');
}

function explainReason(reason: ScoreReason, locale: string): string {
  const vars: TranslationVars = {};
  for (const [name, value] of Object.entries(reason.vars ?? {})) vars[name] = 'clauses' in value ? value.clauses.map((c) => explainReason(c, locale)).join(', ') : listIn(value, locale);
  return t(locale, reason.key, vars);
}

function nameOf(kind: ReasonList['kind'], code: string, locale: string): string {
  if (kind === 'category') return t(locale, categoryInSentence[code as RequestCategory] ?? code);
  if (kind === 'country') return countryName(code, locale);
  if (kind === 'language') {
    const name = languageNameIn(code, locale);
    return name === code ? code : `${name} (${code})`;
  }
  return code;
}

const listFormats = new Map<string, Intl.ListFormat>();

/**
 * "a", "a and b", "a, b and c", after five items "… and 3 more"; in French and Spanish as their own
 * lists say it ("a, b et c", "a, b o c"). English keeps its list without the serial comma.
 */
function listIn(value: ReasonList, locale: string): string {
  if (value.items.length === 0) return value.kind === 'language' ? t(locale, 'no language') : '';
  const names = value.items.slice(0, LIST_MAX).map((code) => nameOf(value.kind, code, locale));
  if (value.items.length > LIST_MAX) names.push(t(locale, '{{count}} more', { count: value.items.length - LIST_MAX }));
  if (locale !== 'fr' && locale !== 'es') {
    return names.length === 1 ? names[0]! : `${names.slice(0, -1).join(', ')} ${value.list} ${names[names.length - 1]}`;
  }
  const key = `${locale}:${value.list}`;
  let format = listFormats.get(key);
  if (!format) listFormats.set(key, (format = new Intl.ListFormat(locale, { type: value.list === 'and' ? 'conjunction' : 'disjunction' })));
  return format.format(names);
}
