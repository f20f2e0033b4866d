import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MIN_SCORE,
  SCORE_WEIGHTS,
  explainScore,
  scoreResponse,
  type AgendaContext,
  type ProviderContext,
  type RequestCategory,
  type ScoreFactor,
  type ScoreResult,
  type ScoringRequest,
  type ScoringResponse,
} from '../../src/matching/score.ts';
import { explainReasons } from '../../src/matching/score-words.ts';

const categories: RequestCategory[] = ['training', 'advice', 'capacity_building', 'equipment', 'project_development', 'other'];
const factors: ScoreFactor[] = ['category', 'themes', 'languages', 'countries', 'funding', 'preference'];

const request = (over: Partial<ScoringRequest> = {}): ScoringRequest => ({
  category: 'training',
  themes: ['1.2', 'labour migration policy'],
  countries: ['BD'],
  languages: ['bn', 'en'],
  ...over,
});
const response = (over: Partial<ScoringResponse> = {}): ScoringResponse => ({
  offerCategories: ['training'],
  languages: ['en'],
  modality: 'in_person',
  funding: 'provider_covers',
  preferred: false,
  ...over,
});
const provider = (over: Partial<ProviderContext> = {}): ProviderContext => ({ sessionCodes: [], countries: [], ...over });

function partOf(result: ScoreResult, factor: ScoreFactor) {
  const part = result.parts.find((p) => p.factor === factor);
  if (!part) throw new Error(`no ${factor} part`);
  return part;
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;
const sumOfPoints = (result: ScoreResult) => round3(result.parts.reduce((s, p) => s + p.points, 0));

describe('category', () => {
  it('a response offering the requested category in a shared language scores above one offering a related category', () => {
    const exact = scoreResponse(request(), response({ offerCategories: ['training'] }), provider());
    const related = scoreResponse(request(), response({ offerCategories: ['capacity_building'] }), provider());
    expect(exact.score).toBeGreaterThan(related.score);
    expect(partOf(exact, 'category').explanation).toBe('Offers training, the category requested');
    expect(partOf(related, 'category').explanation).toBe('Offers capacity building, related to the requested training');
  });

  it('a related category scores above an unrelated one, which earns no category points', () => {
    const related = scoreResponse(request({ category: 'project_development' }), response({ offerCategories: ['equipment'] }), provider());
    const unrelated = scoreResponse(request({ category: 'project_development' }), response({ offerCategories: ['training', 'advice'] }), provider());
    expect(related.score).toBeGreaterThan(unrelated.score);
    expect(partOf(unrelated, 'category').points).toBe(0);
    expect(partOf(unrelated, 'category').explanation).toBe(
      'Offers training and advice, neither the requested project development nor a related category',
    );
  });

  it('a request for "other" matches an "other" offer fully and any other offer partly, above an unrelated category', () => {
    const other = scoreResponse(request({ category: 'other' }), response({ offerCategories: ['other'] }), provider());
    const anything = scoreResponse(request({ category: 'other' }), response({ offerCategories: ['equipment'] }), provider());
    const unrelated = scoreResponse(request({ category: 'equipment' }), response({ offerCategories: ['advice'] }), provider());
    expect(partOf(other, 'category').fit).toBe(1);
    expect(partOf(anything, 'category').fit).toBeGreaterThan(0);
    expect(partOf(anything, 'category').fit).toBeLessThan(1);
    expect(anything.score).toBeGreaterThan(unrelated.score);
  });

  it('the best of several offered categories counts', () => {
    const several = scoreResponse(request(), response({ offerCategories: ['equipment', 'capacity_building', 'training'] }), provider());
    expect(partOf(several, 'category').fit).toBe(1);
  });
});

describe('themes', () => {
  it("a provider holding a role in the request's session scores higher on themes", () => {
    const speaker = scoreResponse(request(), response(), provider({ sessionCodes: ['1.2'] }));
    const elsewhere = scoreResponse(request(), response(), provider({ sessionCodes: ['2.4'] }));
    expect(speaker.score).toBeGreaterThan(elsewhere.score);
    expect(partOf(speaker, 'themes').fit).toBe(1);
    expect(partOf(speaker, 'themes').explanation).toBe('Holds an agenda role in the requested session 1.2');
    expect(partOf(elsewhere, 'themes').fit).toBe(0);
    expect(partOf(elsewhere, 'themes').explanation).toBe('Holds no agenda role in the requested session 1.2');
  });

  it('the themes fit is the share of requested sessions with a role; free tags neither help nor hurt', () => {
    const result = scoreResponse(request({ themes: ['1.2', '3.1', 'diaspora', 'health'] }), response(), provider({ sessionCodes: ['3.1'] }));
    expect(partOf(result, 'themes').fit).toBe(0.5);
    expect(partOf(result, 'themes').explanation).toBe('Holds an agenda role in the requested session 3.1; no role in 1.2');
  });

  it('a role in another session of the same round table earns half credit, and says so', () => {
    const sibling = scoreResponse(request({ themes: ['3.1'] }), response(), provider({ sessionCodes: ['3.2'] }));
    const otherTable = scoreResponse(request({ themes: ['3.1'] }), response(), provider({ sessionCodes: ['2.1'] }));
    expect(partOf(sibling, 'themes').fit).toBe(0.5);
    expect(partOf(sibling, 'themes').explanation).toContain('same round table as the requested 3.1');
    expect(partOf(otherTable, 'themes').fit).toBe(0);
  });

  it('a request naming no agenda session counts themes as neutral for every provider', () => {
    const tagsOnly = scoreResponse(request({ themes: ['diaspora'] }), response(), provider({ sessionCodes: ['1.2'] }));
    const noThemes = scoreResponse(request({ themes: [] }), response(), provider());
    expect(partOf(tagsOnly, 'themes').fit).toBe(0.5);
    expect(partOf(tagsOnly, 'themes').explanation).toContain('diaspora is a free tag');
    expect(partOf(noThemes, 'themes').fit).toBe(0.5);
  });

  it('without the agenda, a role in a requested session named like CSD still counts', () => {
    const req = request({ themes: ['CSD', 'diaspora'] });
    const speaker = scoreResponse(req, response(), provider({ sessionCodes: ['CSD'] }));
    const noRole = scoreResponse(req, response(), provider({ sessionCodes: ['1.2'] }));
    expect(partOf(speaker, 'themes').fit).toBe(1);
    expect(speaker.score).toBeGreaterThan(noRole.score);
  });

  it("with the marketplace's agenda, a session such as CSD counts even against a provider holding no role in it", () => {
    const agenda: AgendaContext = { sessionCodes: ['CSD', '1.4'] };
    const req = request({ themes: ['1.4', 'CSD', 'MIDA'] });
    const both = scoreResponse(req, response(), provider({ sessionCodes: ['1.4', 'CSD'] }), agenda);
    const one = scoreResponse(req, response(), provider({ sessionCodes: ['1.4'] }), agenda);
    expect(partOf(both, 'themes').fit).toBe(1);
    expect(partOf(one, 'themes').fit).toBe(0.5);
    expect(both.score).toBeGreaterThan(one.score);
  });
});

describe('languages', () => {
  it('no common language lowers the score but keeps it above zero, and names both sides', () => {
    const shared = scoreResponse(request(), response({ languages: ['en'] }), provider());
    const none = scoreResponse(request(), response({ languages: ['fr'] }), provider());
    expect(none.score).toBeLessThan(shared.score);
    expect(none.score).toBeGreaterThan(0);
    expect(partOf(none, 'languages').points).toBe(0);
    expect(partOf(none, 'languages').explanation).toBe(
      'No common language: the request asks for Bengali (bn) or English (en), the response offers French (fr)',
    );
  });

  it('the explanation names the shared languages', () => {
    const result = scoreResponse(request({ languages: ['bn', 'en', 'fr'] }), response({ languages: ['fr', 'en'] }), provider());
    expect(partOf(result, 'languages').explanation).toBe('Can meet in English (en) or French (fr), languages of the request');
  });
});

describe('countries', () => {
  it("experience in a requested country scores above none recorded, which scores above experience only elsewhere", () => {
    const inCountry = scoreResponse(request(), response(), provider({ countries: ['KE', 'BD'] }));
    const unknown = scoreResponse(request(), response(), provider({ countries: [] }));
    const elsewhere = scoreResponse(request(), response(), provider({ countries: ['KE'] }));
    expect(inCountry.score).toBeGreaterThan(unknown.score);
    expect(unknown.score).toBeGreaterThan(elsewhere.score);
    expect(partOf(inCountry, 'countries').explanation).toBe('Has worked in or is based in Bangladesh, named in the request');
    expect(partOf(elsewhere, 'countries').explanation).toContain('Kenya');
  });
});

describe('funding and preference', () => {
  it('a provider covering the costs scores above shared costs, and shared costs above an offer needing funding', () => {
    const [covers, shared, needs] = (['provider_covers', 'shared', 'needs_funding'] as const).map(
      (funding) => scoreResponse(request(), response({ funding }), provider()).score,
    );
    expect(covers).toBeGreaterThan(shared!);
    expect(shared).toBeGreaterThan(needs!);
  });

  it('marking a response preferred raises its score and says so', () => {
    const plain = scoreResponse(request(), response({ preferred: false }), provider());
    const preferred = scoreResponse(request(), response({ preferred: true }), provider());
    expect(preferred.score).toBeCloseTo(plain.score + SCORE_WEIGHTS.preference, 9);
    expect(partOf(preferred, 'preference').explanation).toBe('The requester marked this response as preferred');
    expect(partOf(plain, 'preference').explanation).toBe('The requester did not mark this response as preferred');
  });

  it('a preferred mark does not outweigh offering only a related category', () => {
    const preferredRelated = scoreResponse(request(), response({ offerCategories: ['capacity_building'], preferred: true }), provider());
    const exact = scoreResponse(request(), response({ offerCategories: ['training'] }), provider());
    expect(exact.score).toBeGreaterThan(preferredRelated.score);
  });
});

describe('the score', () => {
  it("score equals the sum of the parts' points and lies in (0, 1]", () => {
    const result = scoreResponse(request(), response({ funding: 'shared' }), provider({ sessionCodes: ['1.2'], countries: ['BD'] }));
    expect(result.parts.map((p) => p.factor)).toEqual(factors);
    expect(result.score).toBe(sumOfPoints(result));
    expect(result.score).toBeGreaterThan(0);
    expect(result.score).toBeLessThanOrEqual(1);
  });

  it('the weights add up to 1', () => {
    expect(round3(Object.values(SCORE_WEIGHTS).reduce((a, b) => a + b, 0))).toBe(1);
  });

  it('a perfect response scores exactly 1', () => {
    const result = scoreResponse(request(), response({ preferred: true }), provider({ sessionCodes: ['1.2'], countries: ['BD'] }));
    expect(result.score).toBe(1);
  });

  it('the worst possible response still scores the minimum, so it stays matchable', () => {
    const result = scoreResponse(
      request({ category: 'equipment', themes: ['1.2'] }),
      response({ offerCategories: ['advice'], languages: ['fr'], funding: 'needs_funding' }),
      provider({ countries: ['KE'] }),
    );
    expect(result.score).toBe(MIN_SCORE);
    expect(result.score).toBe(sumOfPoints(result));
  });

  it('modality does not change the score', () => {
    const scores = (['in_person', 'remote', 'either'] as const).map((modality) => scoreResponse(request(), response({ modality }), provider()).score);
    expect(new Set(scores).size).toBe(1);
  });

  it('explainScore reads as one paragraph with the score and every explanation', () => {
    const result = scoreResponse(request(), response({ languages: ['fr'], preferred: true }), provider());
    const text = explainScore(result);
    expect(text.startsWith(`Score ${result.score} out of 1.`)).toBe(true);
    for (const p of result.parts) expect(text).toContain(`${p.explanation} (${p.points} of ${p.weight} points).`);
    expect(text).not.toContain('\n');
  });

  it('scoring leaves its inputs untouched and gives the same answer twice', () => {
    const req = Object.freeze(request({ themes: Object.freeze(['1.2', '1.2', 'x']) as string[] }));
    const res = Object.freeze(response());
    const prov = Object.freeze(provider({ sessionCodes: Object.freeze(['1.1']) as string[] }));
    expect(scoreResponse(req, res, prov)).toEqual(scoreResponse(req, res, prov));
  });
});

describe('explanations in the reader’s language', () => {
  it('French and Spanish say each factor in their own words, with the names in their language', () => {
    const result = scoreResponse(
      request({ category: 'training', languages: ['en', 'fr'], countries: ['BD'], themes: ['1.2', '3.1'] }),
      response({ offerCategories: ['capacity_building', 'advice'], languages: ['fr', 'en'], funding: 'shared', preferred: true }),
      provider({ sessionCodes: ['1.2', '3.2'], countries: ['BD', 'NP'] }),
    );
    const say = (locale: string) => result.parts.map((p) => explainReasons(p.reasons, locale));
    expect(say('en')).toEqual(result.parts.map((p) => p.explanation));
    expect(say('fr')).toEqual([
      'Propose « renforcement des capacités », proche de la catégorie demandée « formation »',
      'A un rôle à l’ordre du jour dans la session demandée 1.2; un rôle en 3.2 (même table ronde que la session demandée 3.1), compté pour moitié',
      'Peut se réunir en anglais (en) ou français (fr), langues de la demande',
      'A travaillé ou est établi dans les pays suivants, cités dans la demande : Bangladesh',
      'Les frais seraient partagés',
      'Le demandeur a marqué cette réponse comme préférée',
    ]);
    expect(say('es')[2]).toBe('Puede reunirse en inglés (en) o francés (fr), idiomas de la solicitud');
    expect(say('es')[0]).toBe('Ofrece «fortalecimiento de capacidades», relacionada con la categoría solicitada «formación»');
  });

  it('a long list ends with how many more, in each language', () => {
    const many = ['1.1', '1.2', '1.3', '1.4', '1.5', '1.6', '1.7'];
    const result = scoreResponse(request({ themes: many }), response(), provider({ sessionCodes: [] }), { sessionCodes: many });
    const themes = result.parts.find((p) => p.factor === 'themes')!;
    expect(themes.explanation).toBe('Holds no agenda role in the requested sessions 1.1, 1.2, 1.3, 1.4, 1.5 and 2 more');
    expect(explainReasons(themes.reasons, 'fr')).toBe('N’a aucun rôle à l’ordre du jour dans les sessions demandées 1.1, 1.2, 1.3, 1.4, 1.5 et 2 de plus');
  });
});

describe('properties over random requests and responses', () => {
  const themePool = ['1.1', '1.2', '1.3', '2.1', '3.1', 'CSD', 'diaspora', 'health', ' 1.2 '];
  const countryPool = ['BD', 'NP', 'KE', 'PH', 'MA', 'bd'];
  const languagePool = ['en', 'fr', 'es', 'bn', 'ar', 'EN', 'zz'];
  const pick = <T>(pool: T[], maxLength = 5) => fc.array(fc.constantFrom(...pool), { maxLength });
  const inputs = fc.record({
    request: fc.record({
      category: fc.constantFrom(...categories),
      themes: pick(themePool),
      countries: pick(countryPool),
      languages: pick(languagePool),
    }),
    response: fc.record({
      offerCategories: pick(categories, 6),
      languages: pick(languagePool),
      modality: fc.constantFrom('in_person' as const, 'remote' as const, 'either' as const),
      funding: fc.constantFrom('provider_covers' as const, 'needs_funding' as const, 'shared' as const),
      preferred: fc.boolean(),
    }),
    provider: fc.record({ sessionCodes: pick(themePool), countries: pick(countryPool) }),
    agenda: fc.option(fc.record({ sessionCodes: pick(['1.1', '1.2', '1.3', '2.1', '3.1', 'CSD'], 6) }), { nil: undefined }),
  });

  it('every score is finite, in (0, 1], the rounded sum of its points, with each fit in [0, 1]', () => {
    fc.assert(
      fc.property(inputs, ({ request: req, response: res, provider: prov, agenda }) => {
        const result = scoreResponse(req, res, prov, agenda);
        expect(Number.isFinite(result.score)).toBe(true);
        expect(result.score).toBeGreaterThan(0);
        expect(result.score).toBeGreaterThanOrEqual(MIN_SCORE);
        expect(result.score).toBeLessThanOrEqual(1);
        expect(result.score).toBe(sumOfPoints(result));
        expect(result.parts.map((p) => p.factor)).toEqual(factors);
        for (const p of result.parts) {
          expect(p.fit).toBeGreaterThanOrEqual(0);
          expect(p.fit).toBeLessThanOrEqual(1);
          expect(p.weight).toBe(SCORE_WEIGHTS[p.factor]);
          expect(p.points).toBe(round3(p.weight * p.fit));
          expect(p.explanation.trim()).not.toBe('');
          // Said in French and Spanish too: no English sentence left, no placeholder unfilled.
          for (const locale of ['fr', 'es']) {
            const said = explainReasons(p.reasons, locale);
            expect(said).not.toContain('{{');
            for (const reason of p.reasons) expect(said, `${locale}: ${reason.key}`).not.toContain(reason.key.split('{{')[0]!.trim() || '\u0000');
          }
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('marking a response preferred, or the provider gaining a role in a requested theme, never lowers the score', () => {
    fc.assert(
      fc.property(inputs, fc.nat(), ({ request: req, response: res, provider: prov, agenda }, i) => {
        const base = scoreResponse(req, res, prov, agenda).score;
        expect(scoreResponse(req, { ...res, preferred: true }, prov, agenda).score).toBeGreaterThanOrEqual(base);
        const theme = req.themes.length > 0 ? req.themes[i % req.themes.length]!.trim() : undefined;
        if (theme !== undefined) {
          const withRole = { ...prov, sessionCodes: [...prov.sessionCodes, theme] };
          expect(scoreResponse(req, res, withRole, agenda).score).toBeGreaterThanOrEqual(base);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
