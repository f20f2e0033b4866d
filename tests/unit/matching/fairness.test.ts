import { describe, expect, it } from 'vitest';
import { T, validated } from './solve.ts';
import { solveGreedy, solveMatching } from '../../../src/matching/optimizer.ts';
import { bruteForceBest, findViolations, servedRequesters, type InstanceLike } from './feasibility-checker.ts';

// rules.fairness (marketplace-matching/2, docs/matching-format.md): the most requesting
// governments get a meeting first, then the best scores.


/** Meetings per requesting party. */
function perGovernment(json: InstanceLike, meetings: readonly { request: string }[]): Record<string, number> {
  const partyOf = new Map(json.requests.map((r) => [r.id, r.party ?? r.id]));
  const counts: Record<string, number> = {};
  for (const m of meetings) counts[partyOf.get(m.request)!] = (counts[partyOf.get(m.request)!] ?? 0) + 1;
  return counts;
}

/** gov-a asks three times with high scores, gov-b once with a lower one; ILO has three meetings to give. */
const contested: InstanceLike = {
  format: 'marketplace-matching/2',
  slots: ['09:00', '10:00', '11:00'].map((start) => ({ id: start, start: T(start), end: T(`${start.slice(0, 2)}:30`) })),
  rooms: [{ id: 'room-a' }],
  requests: [
    { id: 'a1', maxMatches: 1, party: 'gov-a' },
    { id: 'a2', maxMatches: 1, party: 'gov-a' },
    { id: 'a3', maxMatches: 1, party: 'gov-a' },
    { id: 'b1', maxMatches: 1, party: 'gov-b' },
  ],
  providers: [{ id: 'ilo', capacity: 3 }],
  offers: [
    { request: 'a1', provider: 'ilo', score: 0.9 },
    { request: 'a2', provider: 'ilo', score: 0.8 },
    { request: 'a3', provider: 'ilo', score: 0.7 },
    { request: 'b1', provider: 'ilo', score: 0.5 },
  ],
};

describe('fairness: every requesting government gets a meeting, where it can, before any gets a third', () => {
  it('plain score maximization gives gov-a three meetings and gov-b none; the fair run gives gov-b one, in every solver', async () => {
    const plain = await solveMatching(validated(contested), { method: 'milp' });
    expect(perGovernment(contested, plain.meetings)).toEqual({ 'gov-a': 3 });
    expect(plain.objective).toBeCloseTo(2.4, 12);

    const fair: InstanceLike = { ...contested, rules: { fairness: true } };
    expect(bruteForceBest(fair)).toEqual({ served: 2, score: expect.closeTo(0.9 + 0.8 + 0.5, 12) });
    for (const result of [
      await solveMatching(validated(fair), { method: 'milp' }),
      await solveMatching(validated(fair), { method: 'heuristic' }),
      await solveGreedy(validated(fair)),
    ]) {
      expect(findViolations(fair, result)).toEqual([]);
      expect(perGovernment(fair, result.meetings)).toEqual({ 'gov-a': 2, 'gov-b': 1 });
      expect(result.objective).toBeCloseTo(2.2, 12);
      expect(result.unscheduled).toEqual([{ request: 'a3', provider: 'ilo', reason: 'provider already at capacity' }]);
    }
  });

  it('lets a government have its third meeting when the one without a meeting could not have one anyway', async () => {
    // gov-c's only offer is with a provider busy all morning: no schedule can serve it.
    const json: InstanceLike = {
      ...contested,
      rules: { fairness: true },
      slots: [...contested.slots, { id: '12:00', start: T('12:00'), end: T('12:30') }],
      requests: [...contested.requests, { id: 'c1', maxMatches: 1, party: 'gov-c' }],
      providers: [
        { id: 'ilo', capacity: 4 },
        { id: 'fao', capacity: 1, busy: [[T('08:00'), T('13:00')]] },
      ],
      offers: [...contested.offers, { request: 'c1', provider: 'fao', score: 0.99 }],
    };
    for (const result of [await solveMatching(validated(json)), await solveMatching(validated(json), { method: 'heuristic' }), await solveGreedy(validated(json))]) {
      expect(perGovernment(json, result.meetings)).toEqual({ 'gov-a': 3, 'gov-b': 1 });
      expect(servedRequesters(json, result.meetings)).toBe(2);
    }
  });

  it('weighs a first meeting above any score, even a low one against a high one', async () => {
    // gov-b's meeting scores 0.01, gov-a's third 0.7: the fair run still prefers gov-b's.
    const json: InstanceLike = {
      ...contested,
      rules: { fairness: true },
      offers: contested.offers.map((o) => (o.request === 'b1' ? { ...o, score: 0.01 } : o)),
    };
    const result = await solveMatching(validated(json), { method: 'milp' });
    expect(perGovernment(json, result.meetings)).toEqual({ 'gov-a': 2, 'gov-b': 1 });
    expect(result.stats.gap).toBeLessThan(1e-6);
  });
});
