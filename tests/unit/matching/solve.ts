import { expect } from 'vitest';
import { parseInstance, type Instance, type MatchingResult } from '../../../src/matching/instance.schema.ts';
import { loadHighs } from '../../../src/matching/highs.ts';
import { solveExactly } from '../../../src/matching/milp.ts';
import { solveGreedy, solveMatching } from '../../../src/matching/optimizer.ts';
import { compileProblem } from '../../../src/matching/problem.ts';
import { bruteForceBest, findViolations, type InstanceLike } from './feasibility-checker.ts';

/** What the matching tests share: a test instance validated, solved by every method, or solved to proven optimality. */

/** The instance as the optimizer takes it, or the parser's message as an error. */
export function validated(json: InstanceLike): Instance {
  const parsed = parseInstance(json);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.instance;
}

/** The exact model, the heuristic and the greedy baseline, in that order. */
export async function everyMethod(instance: Instance): Promise<MatchingResult[]> {
  return [await solveMatching(instance, { method: 'milp' }), await solveMatching(instance, { method: 'heuristic' }), await solveGreedy(instance)];
}

/** The exact model alone, to gap 0: the optimum it proves; with `enumerate`, enumeration must find the same. */
export async function provenOptimum(json: InstanceLike, options: { enumerate?: boolean } = {}): Promise<number> {
  const exact = solveExactly(await loadHighs(), compileProblem(validated(json)), { timeLimitSeconds: 10, mipGap: 0 });
  expect(exact.provenOptimal).toBe(true);
  const optimum = exact.schedule!.exactObjective();
  if (options.enumerate) expect(bruteForceBest(json).score).toBeCloseTo(optimum, 12);
  return optimum;
}

/** A time on the test forum's day (10 July 2007, UTC+2), or on another `date`. */
export const T = (hhmm: string, date = '2007-07-10') => `${date}T${hhmm}:00+02:00`;

/** One provider, four requesters of their own, four half-hour slots back to back from 9:00 (version 2). */
export const iloMorning: InstanceLike = {
  format: 'marketplace-matching/2',
  slots: ['09:00', '09:30', '10:00', '10:30'].map((start, i, all) => ({
    id: `s${start.replace(':', '')}`,
    start: T(start),
    end: T(all[i + 1] ?? '11:00'),
  })),
  rooms: [{ id: 'room-a' }],
  requests: ['r1', 'r2', 'r3', 'r4'].map((id) => ({ id, maxMatches: 1 })),
  providers: [{ id: 'ilo', capacity: 4 }],
  offers: [
    { request: 'r1', provider: 'ilo', score: 0.9 },
    { request: 'r2', provider: 'ilo', score: 0.8 },
    { request: 'r3', provider: 'ilo', score: 0.7 },
    { request: 'r4', provider: 'ilo', score: 0.6 },
  ],
};

/** The morning over two days: two slots on the first, one on the next; r1-r3 free on the first day only, r4 on both. */
export const iloTwoDays: InstanceLike = {
  ...iloMorning,
  slots: [...iloMorning.slots.slice(0, 2), { id: 'next-day', start: T('09:00', '2007-07-11'), end: T('09:30', '2007-07-11') }],
  requests: [
    ...['r1', 'r2', 'r3'].map((id) => ({ id, maxMatches: 1, busy: [[T('00:00', '2007-07-11'), T('23:00', '2007-07-11')]] as [string, string][] })),
    { id: 'r4', maxMatches: 1 },
  ],
};

/** Every method, on the two days with ilo held to one more meeting on the first: r1 then, r4 the next day, r2 left out by the cap. */
export async function expectOneMeetingOnTheFirstDay(json: InstanceLike): Promise<void> {
  for (const result of await everyMethod(validated(json))) {
    expect(findViolations(json, result)).toEqual([]);
    expect(result.meetings.map((m) => [m.request, m.slot])).toEqual([
      ['r1', 's0900'],
      ['r4', 'next-day'],
    ]);
    expect(result.unscheduled).toContainEqual({ request: 'r2', provider: 'ilo', reason: 'daily cap reached' });
  }
}
