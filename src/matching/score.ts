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
import { N_ } from '../i18n/i18n.ts';
import { explainReasons, type ReasonList, type ScoreReason } from './score-words.ts';

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
  /** The same in parts (score-words.ts), so a page can say it in its reader's language. */
  reasons: ScoreReason[];
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

const fundingReasons: Record<Funding, string> = {
  provider_covers: N_('The provider covers the costs'),
  shared: N_('The costs would be shared'),
  needs_funding: N_('The offer needs funding to go ahead'),
};

/** A theme shaped like a numbered agenda session: '1', '1.2', '2.4.1'. */
const NUMBERED_SESSION = /^\d+(\.\d+)*$/;

export function scoreResponse(
  request: ScoringRequest,
  response: ScoringResponse,
  provider: ProviderContext,
  agenda?: AgendaContext,
): ScoreResult {
  const parts = factorsOf(request, response, provider, agenda).map(([factor, fit]) => ({ ...part(factor, fit), explanation: explainReasons(fit.reasons, 'en') }));
  return { score: scoreOf(parts), parts };
}

/**
 * The score alone, as `scoreResponse` computes it, without saying its parts in words: what a run
 * computes for every pair it might schedule (the words of the few it schedules come from
 * `scoreResponse`). Rendering each part's sentence cost four times the scoring itself.
 */
export function scoreValue(request: ScoringRequest, response: ScoringResponse, provider: ProviderContext, agenda?: AgendaContext): number {
  return scoreOf(factorsOf(request, response, provider, agenda).map(([factor, fit]) => part(factor, fit)));
}

function scoreOf(parts: ReadonlyArray<{ points: number }>): number {
  return Math.max(MIN_SCORE, round3(parts.reduce((sum, p) => sum + p.points, 0)));
}

function factorsOf(request: ScoringRequest, response: ScoringResponse, provider: ProviderContext, agenda: AgendaContext | undefined): Array<[ScoreFactor, Fit]> {
  return [
    ['category', categoryFit(request.category, response.offerCategories)],
    ['themes', themesFit(request.themes, provider.sessionCodes, agenda)],
    ['languages', languagesFit(request.languages, response.languages)],
    ['countries', countriesFit(request.countries, provider.countries)],
    ['funding', { fit: FUNDING_FIT[response.funding], reasons: [{ key: fundingReasons[response.funding] }] }],
    [
      'preference',
      response.mustMeet
        ? { fit: 1, reasons: [{ key: N_('The requester marked this response "must meet": the run schedules it ahead of offers without that mark') }] }
        : response.preferred
          ? { fit: 1, reasons: [{ key: N_('The requester marked this response as preferred') }] }
          : { fit: 0, reasons: [{ key: N_('The requester did not mark this response as preferred') }] },
    ],
  ];
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
  reasons: ScoreReason[];
}

/** A factor's points, and why, without the words (`scoreResponse` adds them). */
function part(factor: ScoreFactor, { fit, reasons }: Fit): Omit<ScorePart, 'explanation'> {
  const weight = SCORE_WEIGHTS[factor];
  const safeFit = Number.isFinite(fit) ? round3(Math.min(1, Math.max(0, fit))) : 0;
  return { factor, weight, fit: safeFit, points: round3(weight * safeFit), reasons };
}

const categories = (items: readonly string[], list: 'and' | 'or' = 'and'): ReasonList => ({ list, kind: 'category', items });
const codes = (items: readonly string[]): ReasonList => ({ list: 'and', kind: 'code', items });
const languages = (items: readonly string[]): ReasonList => ({ list: 'or', kind: 'language', items });
const countries = (items: readonly string[]): ReasonList => ({ list: 'and', kind: 'country', items });

function categoryFit(requested: RequestCategory, offered: readonly RequestCategory[]): Fit {
  const offers = unique(offered);
  const wanted = categories([requested]);
  if (offers.includes(requested)) {
    return { fit: 1, reasons: [{ key: N_('Offers {{wanted}}, the category requested'), vars: { wanted } }] };
  }
  const related = offers.filter((c) => RELATED_CATEGORIES.some(([a, b]) => (a === requested && b === c) || (b === requested && a === c)));
  if (related.length > 0) {
    return { fit: RELATED_CATEGORY_FIT, reasons: [{ key: N_('Offers {{offered}}, related to the requested {{wanted}}'), vars: { offered: categories(related), wanted } }] };
  }
  if (requested === 'other' && offers.length > 0) {
    return { fit: OTHER_CATEGORY_FIT, reasons: [{ key: N_('The request asks for {{wanted}}; the response offers {{offered}}, which may fit'), vars: { wanted, offered: categories(offers) } }] };
  }
  if (offers.includes('other')) {
    return { fit: OTHER_CATEGORY_FIT, reasons: [{ key: N_('Offers {{offered}} rather than the requested {{wanted}}, which may fit'), vars: { offered: categories(['other']), wanted } }] };
  }
  if (offers.length === 0) return { fit: 0, reasons: [{ key: N_('Offers no category; the request asks for {{wanted}}'), vars: { wanted } }] };
  return { fit: 0, reasons: [{ key: N_('Offers {{offered}}, neither the requested {{wanted}} nor a related category'), vars: { offered: categories(offers), wanted } }] };
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
      reasons: [
        all.length === 0
          ? { key: N_('The request names no theme, so themes count as neutral') }
          : { key: all.length === 1 ? N_('The request names no agenda session ({{tags}} is a free tag), so themes count as neutral') : N_('The request names no agenda session ({{tags}} are free tags), so themes count as neutral'), vars: { tags: codes(all) } },
      ],
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
      reasons: [
        sessions.length === 1
          ? { key: N_('Holds an agenda role in the requested session {{sessions}}'), vars: { sessions: codes(direct) } }
          : { key: N_('Holds an agenda role in every requested session ({{sessions}})'), vars: { sessions: codes(direct) } },
      ],
    };
  }
  if (direct.length === 0 && near.length === 0) {
    return { fit, reasons: [{ key: sessions.length === 1 ? N_('Holds no agenda role in the requested session {{sessions}}') : N_('Holds no agenda role in the requested sessions {{sessions}}'), vars: { sessions: codes(sessions) } }] };
  }
  const reasons: ScoreReason[] = [];
  if (direct.length > 0) reasons.push({ key: direct.length === 1 ? N_('Holds an agenda role in the requested session {{sessions}}') : N_('Holds an agenda role in the requested sessions {{sessions}}'), vars: { sessions: codes(direct) } });
  if (near.length > 0) {
    const which = { clauses: near.map((n) => ({ key: N_('{{roles}} (same round table as the requested {{session}})'), vars: { roles: codes(n.roles), session: codes([n.theme]) } })) };
    reasons.push({ key: direct.length > 0 ? N_('a role in {{which}}, for half credit') : N_('Holds a role in {{which}}, for half credit'), vars: { which } });
  }
  if (none.length > 0) reasons.push({ key: N_('no role in {{sessions}}'), vars: { sessions: codes(none) } });
  return { fit, reasons };
}

function languagesFit(requested: readonly string[], offered: readonly string[]): Fit {
  const wanted = unique(requested.map((l) => l.trim().toLowerCase()).filter((l) => l !== ''));
  const offers = unique(offered.map((l) => l.trim().toLowerCase()).filter((l) => l !== ''));
  const shared = wanted.filter((l) => offers.includes(l));
  if (shared.length > 0) {
    return { fit: 1, reasons: [{ key: shared.length === 1 ? N_('Can meet in {{languages}}, a language of the request') : N_('Can meet in {{languages}}, languages of the request'), vars: { languages: languages(shared) } }] };
  }
  return { fit: 0, reasons: [{ key: N_('No common language: the request asks for {{asked}}, the response offers {{offered}}'), vars: { asked: languages(wanted), offered: languages(offers) } }] };
}

function countriesFit(requested: readonly string[], known: readonly string[]): Fit {
  const wanted = unique(requested.map((c) => c.trim().toUpperCase()).filter((c) => c !== ''));
  const experience = unique(known.map((c) => c.trim().toUpperCase()).filter((c) => c !== ''));
  if (experience.length === 0) {
    return { fit: NEUTRAL_FIT, reasons: [{ key: N_('The provider lists no country where it works, so countries count as neutral') }] };
  }
  if (wanted.length === 0) {
    return { fit: NEUTRAL_FIT, reasons: [{ key: N_('The request names no country, so countries count as neutral') }] };
  }
  const shared = wanted.filter((c) => experience.includes(c));
  if (shared.length > 0) {
    return { fit: 1, reasons: [{ key: N_('Has worked in or is based in {{countries}}, named in the request'), vars: { countries: countries(shared) } }] };
  }
  return { fit: 0, reasons: [{ key: N_("Has worked in or is based in {{countries}}, none of the request's countries ({{wanted}})"), vars: { countries: countries(experience), wanted: countries(wanted) } }] };
}

/** The round table of a numbered session ('3' for '3.1'), or undefined for codes such as 'CSD'. */
function roundTable(code: string): string | undefined {
  if (!NUMBERED_SESSION.test(code)) return undefined;
  const dot = code.lastIndexOf('.');
  return dot > 0 ? code.slice(0, dot) : undefined;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}
