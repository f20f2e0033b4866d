/**
 * How well a response fits a request: the score a matching run maximizes (docs/design.md, "The
 * matching problem"). Scoring and optimizing are separate: this file turns one request and one
 * response into a number and explains it; the optimizer (optimizer.ts) only sees the numbers.
 * Pure: no I/O, no clock, the same answer for the same inputs.
 *
 * The score is the sum of six factors. Each factor has a weight, a fit between 0 and 1, and earns
 * `weight × fit` points. The weights add up to 1, so a score lies between 0.01 and 1:
 *
 * | factor     | weight | fit                                                                        |
 * |------------|--------|----------------------------------------------------------------------------|
 * | category   | 0.35   | 1 if the response offers the requested category; 0.5 if it offers a        |
 * |            |        | related one (training, advice and project development are each related to  |
 * |            |        | capacity building; project development is also related to equipment);     |
 * |            |        | 0.3 when one side is "other" and the other is not; 0 otherwise.            |
 * | themes     | 0.2    | Share of the request's agenda sessions in which the provider's             |
 * |            |        | organization holds a role (speaker, rapporteur...): a role in the session  |
 * |            |        | itself counts 1, a role only in another session of the same round table    |
 * |            |        | (3.2 for 3.1) counts 0.5. Free tags such as "diaspora" are not counted;    |
 * |            |        | a request without agenda sessions gets a neutral 0.5.                      |
 * | languages  | 0.2    | 1 if the request and the response share a language, so the meeting needs  |
 * |            |        | no interpreter; 0 otherwise.                                               |
 * | countries  | 0.1    | 1 if the provider has worked in or is based in a country of the request;  |
 * |            |        | 0 if it lists only other countries; a neutral 0.5 if it lists none (or the |
 * |            |        | request names none).                                                       |
 * | funding    | 0.05   | 1 if the provider covers the costs, 0.6 if costs are shared, 0.2 if the    |
 * |            |        | offer needs funding.                                                       |
 * | preference | 0.1    | 1 if the requester marked the response preferred before the run, else 0.   |
 *
 * What this means in practice:
 * - The right category in a shared language matters most (0.55 of the 1).
 * - The requester's preferred mark adds 0.1: it decides between responses that are otherwise close,
 *   but does not outweigh a missing category or language.
 * - Every submitted response stays matchable: the score is never below `MIN_SCORE` (0.01), the
 *   points funding alone earns at worst (0.05 × 0.2). A response with no common language or an
 *   unrelated category is ranked low, not excluded; organizers see why in the explanation.
 * - The offered modality (in person, remote) is not scored: requests do not state one, and the
 *   meetings a run schedules take place at the forum either way.
 * - Points and the score are rounded to 3 decimals, so scores compare stably across runs; the score
 *   is exactly the (rounded) sum of the points shown.
 *
 * Which themes are agenda sessions: the marketplace's session codes when the caller passes them
 * (`agenda`), otherwise themes shaped like a session number (`1.2`, `3`); either way also any code
 * in which the provider holds a role (so `CSD` counts for a provider speaking at the Civil Society
 * Day). Passing the agenda is better: it also counts `CSD` against providers without that role.
 */
import type { Funding, Modality, RequestCategory } from '../../db/types.ts';
import { countryName, languageName } from '../shared/reference-data.ts';

export type { Funding, Modality, RequestCategory };

export interface ScoringRequest {
  category: RequestCategory;
  /** Agenda session codes ('1.2', 'CSD') and free tags ('diaspora'). */
  themes: readonly string[];
  /** ISO 3166-1 alpha-2. */
  countries: readonly string[];
  /** ISO 639-1. */
  languages: readonly string[];
}

export interface ScoringResponse {
  offerCategories: readonly RequestCategory[];
  /** ISO 639-1. */
  languages: readonly string[];
  /** Not scored (see the top of this file). */
  modality: Modality;
  funding: Funding;
  /** The requester marked this response preferred before the run. */
  preferred: boolean;
  /** The requester marked it "must meet" (it is also preferred); the run gives it priority (matching-instance.ts). */
  mustMeet?: boolean;
}

export interface ProviderContext {
  /** Agenda sessions in which the provider's organization holds a role: the expertise signal. */
  sessionCodes: readonly string[];
  /** ISO 3166-1 alpha-2 countries where the provider has worked or is based; may be empty. */
  countries: readonly string[];
}

/** The marketplace's agenda: tells session codes ('CSD', '1.2') from free tags among the themes. */
export interface AgendaContext {
  sessionCodes: readonly string[];
}

export type ScoreFactor = 'category' | 'themes' | 'languages' | 'countries' | 'funding' | 'preference';

export interface ScorePart {
  factor: ScoreFactor;
  weight: number;
  /** 0..1 */
  fit: number;
  /** weight × fit, rounded to 3 decimals. */
  points: number;
  /** One plain-English sentence, without a final period, for organizers and the requester. */
  explanation: string;
}

export interface ScoreResult {
  /** Sum of the parts' points, rounded to 3 decimals, in [MIN_SCORE, 1]. */
  score: number;
  parts: ScorePart[];
}

/** The factors' weights; they add up to 1. */
export const SCORE_WEIGHTS = {
  category: 0.35,
  themes: 0.2,
  languages: 0.2,
  countries: 0.1,
  funding: 0.05,
  preference: 0.1,
} as const satisfies Record<ScoreFactor, number>;

/** No submitted response scores below this, so the optimizer (which needs scores > 0) can match any. */
export const MIN_SCORE = 0.01;

/** Fit of a related (not the requested) category. */
export const RELATED_CATEGORY_FIT = 0.5;
/** Fit when exactly one of the requested and the offered categories is "other". */
export const OTHER_CATEGORY_FIT = 0.3;
/** Fit when nothing can be said for or against (no agenda session requested, no country listed). */
export const NEUTRAL_FIT = 0.5;
/** Fit of a requested session in which the provider holds no role but has one in the same round table. */
export const SAME_ROUND_TABLE_FIT = 0.5;

/** Unordered pairs of categories that are close enough to count partially. */
const RELATED_CATEGORIES: ReadonlyArray<readonly [RequestCategory, RequestCategory]> = [
  ['training', 'capacity_building'],
  ['advice', 'capacity_building'],
  ['project_development', 'capacity_building'],
  ['project_development', 'equipment'],
];

export const FUNDING_FIT = {
  provider_covers: 1,
  shared: 0.6,
  needs_funding: 0.2,
} as const satisfies Record<Funding, number>;

const categoryWords: Record<RequestCategory, string> = {
  training: 'training',
  advice: 'advice',
  capacity_building: 'capacity building',
  equipment: 'equipment',
  project_development: 'project development',
  other: 'an initiative of another kind',
};

const fundingWords: Record<Funding, string> = {
  provider_covers: 'The provider covers the costs',
  shared: 'The costs would be shared',
  needs_funding: 'The offer needs funding to go ahead',
};

/** A theme shaped like a numbered agenda session: '1', '1.2', '2.4.1'. */
const NUMBERED_SESSION = /^\d+(\.\d+)*$/;

export function scoreResponse(
  request: ScoringRequest,
  response: ScoringResponse,
  provider: ProviderContext,
  agenda?: AgendaContext,
): ScoreResult {
  const parts: ScorePart[] = [
    part('category', categoryFit(request.category, response.offerCategories)),
    part('themes', themesFit(request.themes, provider.sessionCodes, agenda)),
    part('languages', languagesFit(request.languages, response.languages)),
    part('countries', countriesFit(request.countries, provider.countries)),
    part('funding', { fit: FUNDING_FIT[response.funding], explanation: fundingWords[response.funding] }),
    part(
      'preference',
      response.mustMeet
        ? { fit: 1, explanation: 'The requester marked this response "must meet": the run schedules it ahead of offers without that mark' }
        : response.preferred
        ? { fit: 1, explanation: 'The requester marked this response as preferred' }
        : { fit: 0, explanation: 'The requester did not mark this response as preferred' },
    ),
  ];
  const total = round3(parts.reduce((sum, p) => sum + p.points, 0));
  return { score: Math.max(MIN_SCORE, total), parts };
}

/** One readable paragraph: the score, then each factor with the points it earned out of its weight. */
export function explainScore(result: ScoreResult): string {
  const total = round3(result.parts.reduce((sum, p) => sum + p.points, 0));
  const floor = result.score > total ? ` (raised from ${total} to the minimum ${MIN_SCORE}, so the response stays matchable)` : '';
  const lines = result.parts.map((p) => `${p.explanation} (${p.points} of ${p.weight} points).`);
  return [`Score ${result.score} out of 1${floor}.`, ...lines].join(' ');
}

interface Fit {
  fit: number;
  explanation: string;
}

function part(factor: ScoreFactor, { fit, explanation }: Fit): ScorePart {
  const weight = SCORE_WEIGHTS[factor];
  const safeFit = Number.isFinite(fit) ? round3(Math.min(1, Math.max(0, fit))) : 0;
  return { factor, weight, fit: safeFit, points: round3(weight * safeFit), explanation };
}

function categoryFit(requested: RequestCategory, offered: readonly RequestCategory[]): Fit {
  const offers = unique(offered);
  const wanted = categoryWords[requested];
  if (offers.includes(requested)) {
    return { fit: 1, explanation: `Offers ${wanted}, the category requested` };
  }
  const related = offers.filter((c) => RELATED_CATEGORIES.some(([a, b]) => (a === requested && b === c) || (b === requested && a === c)));
  if (related.length > 0) {
    return { fit: RELATED_CATEGORY_FIT, explanation: `Offers ${listAnd(related.map((c) => categoryWords[c]))}, related to the requested ${wanted}` };
  }
  if (requested === 'other' && offers.length > 0) {
    return {
      fit: OTHER_CATEGORY_FIT,
      explanation: `The request asks for ${wanted}; the response offers ${listAnd(offers.map((c) => categoryWords[c]))}, which may fit`,
    };
  }
  if (offers.includes('other')) {
    return { fit: OTHER_CATEGORY_FIT, explanation: `Offers ${categoryWords.other} rather than the requested ${wanted}, which may fit` };
  }
  if (offers.length === 0) return { fit: 0, explanation: `Offers no category; the request asks for ${wanted}` };
  return {
    fit: 0,
    explanation: `Offers ${listAnd(offers.map((c) => categoryWords[c]))}, neither the requested ${wanted} nor a related category`,
  };
}

function themesFit(themes: readonly string[], roles: readonly string[], agenda: AgendaContext | undefined): Fit {
  const held = new Set(roles.map((r) => r.trim()));
  const agendaCodes = agenda ? new Set(agenda.sessionCodes.map((c) => c.trim())) : undefined;
  const isSession = (t: string) => held.has(t) || (agendaCodes ? agendaCodes.has(t) : NUMBERED_SESSION.test(t));
  const all = unique(themes.map((t) => t.trim()).filter((t) => t !== ''));
  const sessions = all.filter(isSession);
  if (sessions.length === 0) {
    return {
      fit: NEUTRAL_FIT,
      explanation:
        all.length === 0
          ? 'The request names no theme, so themes count as neutral'
          : `The request names no agenda session (${listAnd(all)} ${all.length === 1 ? 'is a free tag' : 'are free tags'}), so themes count as neutral`,
    };
  }

  const direct: string[] = [];
  const near: Array<{ theme: string; roles: string[] }> = [];
  const none: string[] = [];
  for (const theme of sessions) {
    if (held.has(theme)) {
      direct.push(theme);
      continue;
    }
    const table = roundTable(theme);
    const neighbours = table === undefined ? [] : [...held].filter((r) => r !== theme && roundTable(r) === table).sort();
    if (neighbours.length > 0) near.push({ theme, roles: neighbours });
    else none.push(theme);
  }
  const fit = (direct.length + SAME_ROUND_TABLE_FIT * near.length) / sessions.length;

  if (direct.length === sessions.length) {
    return {
      fit,
      explanation:
        sessions.length === 1
          ? `Holds an agenda role in the requested session ${direct[0]}`
          : `Holds an agenda role in every requested session (${listAnd(direct)})`,
    };
  }
  if (direct.length === 0 && near.length === 0) {
    return { fit, explanation: `Holds no agenda role in the requested ${plural('session', sessions.length)} ${listAnd(sessions)}` };
  }
  const clauses: string[] = [];
  if (direct.length > 0) clauses.push(`Holds an agenda role in the requested ${plural('session', direct.length)} ${listAnd(direct)}`);
  if (near.length > 0) {
    const which = near.map((n) => `${listAnd(n.roles)} (same round table as the requested ${n.theme})`).join(', ');
    clauses.push(`${direct.length > 0 ? 'a' : 'Holds a'} role in ${which}, for half credit`);
  }
  if (none.length > 0) clauses.push(`no role in ${listAnd(none)}`);
  return { fit, explanation: clauses.join('; ') };
}

function languagesFit(requested: readonly string[], offered: readonly string[]): Fit {
  const wanted = unique(requested.map((l) => l.trim().toLowerCase()).filter((l) => l !== ''));
  const offers = unique(offered.map((l) => l.trim().toLowerCase()).filter((l) => l !== ''));
  const shared = wanted.filter((l) => offers.includes(l));
  if (shared.length > 0) {
    return {
      fit: 1,
      explanation: `Can meet in ${listOr(shared.map(languageLabel))}, ${shared.length === 1 ? 'a language' : 'languages'} of the request`,
    };
  }
  const asks = wanted.length > 0 ? listOr(wanted.map(languageLabel)) : 'no language';
  const gives = offers.length > 0 ? listOr(offers.map(languageLabel)) : 'no language';
  return { fit: 0, explanation: `No common language: the request asks for ${asks}, the response offers ${gives}` };
}

function countriesFit(requested: readonly string[], known: readonly string[]): Fit {
  const wanted = unique(requested.map((c) => c.trim().toUpperCase()).filter((c) => c !== ''));
  const experience = unique(known.map((c) => c.trim().toUpperCase()).filter((c) => c !== ''));
  if (experience.length === 0) {
    return { fit: NEUTRAL_FIT, explanation: 'The provider lists no country where it works, so countries count as neutral' };
  }
  if (wanted.length === 0) {
    return { fit: NEUTRAL_FIT, explanation: 'The request names no country, so countries count as neutral' };
  }
  const shared = wanted.filter((c) => experience.includes(c));
  if (shared.length > 0) {
    return {
      fit: 1,
      explanation: `Has worked in or is based in ${listAnd(shared.map(countryLabel))}, named in the request`,
    };
  }
  return {
    fit: 0,
    explanation: `Has worked in or is based in ${listAnd(experience.map(countryLabel))}, none of the request's countries (${listAnd(wanted.map(countryLabel))})`,
  };
}

/** The round table of a numbered session ('3' for '3.1'), or undefined for codes such as 'CSD'. */
function roundTable(code: string): string | undefined {
  if (!NUMBERED_SESSION.test(code)) return undefined;
  const dot = code.lastIndexOf('.');
  return dot > 0 ? code.slice(0, dot) : undefined;
}

function languageLabel(code: string): string {
  const name = languageName(code);
  return name === code ? code : `${name} (${code})`;
}

function countryLabel(code: string): string {
  return countryName(code);
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}

function plural(word: string, count: number): string {
  return count === 1 ? word : `${word}s`;
}

/** "a", "a and b", "a, b and c"; after five items, "… and 3 more". */
function listAnd(items: readonly string[]): string {
  return list(items, 'and');
}

function listOr(items: readonly string[]): string {
  return list(items, 'or');
}

function list(items: readonly string[], conjunction: 'and' | 'or'): string {
  const MAX = 5;
  const shown = items.length > MAX ? [...items.slice(0, MAX), `${items.length - MAX} more`] : [...items];
  if (shown.length <= 1) return shown[0] ?? '';
  return `${shown.slice(0, -1).join(', ')} ${conjunction} ${shown[shown.length - 1]}`;
}
