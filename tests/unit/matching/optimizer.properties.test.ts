import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseInstance, type Instance } from '../../../src/matching/instance.schema.ts';
import { solveGreedy, solveMatching } from '../../../src/matching/optimizer.ts';
import { generateInstance } from '../../../src/matching/generate.ts';
import { loadHighs } from '../../../src/matching/highs.ts';
import { solveExactly } from '../../../src/matching/milp.ts';
import { compileProblem } from '../../../src/matching/problem.ts';
import { contestedInstanceArb, roomsOnlyInstanceArb, smallInstanceArb } from './arbitrary-instance.ts';
import { bruteForceBest, bruteForceOptimum, findViolations, servedRequesters, type InstanceLike } from './feasibility-checker.ts';

/** The unscheduled reasons of version 1; version 2 adds its limits' two. */
const reasonsOfVersion1 = [
  'no common free slot',
  'request already has maxMatches meetings',
  'provider already at capacity',
  'no room free at any common free slot',
  'a party is in another meeting at every common free slot',
];

const TOLERANCE = 1e-9;

function validated(json: InstanceLike): Instance {
  const parsed = parseInstance(json);
  if (!parsed.ok) throw new Error(`generated instance is invalid: ${parsed.message}`);
  return parsed.instance;
}

describe('every schedule keeps every rule', () => {
  it('the optimizer, the heuristic and the greedy baseline are feasible and add up their scores', async () => {
    await fc.assert(
      fc.asyncProperty(smallInstanceArb({ maxSlots: 6, maxRequests: 6, maxProviders: 4, maxOffers: 14 }), async (json) => {
        const instance = validated(json);
        for (const result of [
          await solveMatching(instance),
          await solveMatching(instance, { method: 'heuristic' }),
          await solveGreedy(instance),
        ]) {
          expect(findViolations(json, result)).toEqual([]);
          expect(result.stats.offers).toBe(json.offers.length);
        }
      }),
      { numRuns: 150 },
    );
  }, 120_000);

  it('the optimizer never scores below the greedy baseline, and the heuristic neither', async () => {
    await fc.assert(
      fc.asyncProperty(smallInstanceArb({ maxSlots: 6, maxRequests: 6, maxProviders: 4, maxOffers: 14 }), async (json) => {
        const instance = validated(json);
        const greedy = await solveGreedy(instance);
        const exact = await solveMatching(instance, { method: 'milp' });
        const heuristic = await solveMatching(instance, { method: 'heuristic' });
        expect(exact.objective).toBeGreaterThanOrEqual(greedy.objective - TOLERANCE);
        expect(heuristic.objective).toBeGreaterThanOrEqual(greedy.objective - TOLERANCE);
        expect(exact.objective).toBeGreaterThanOrEqual(heuristic.objective - TOLERANCE);
        for (const result of [exact, heuristic]) {
          if (result.stats.bound !== undefined) expect(result.objective).toBeLessThanOrEqual(result.stats.bound + 1e-6);
        }
      }),
      { numRuns: 100 },
    );
  }, 120_000);

  it('the exact model and the optimizer find the optimum that enumerating every schedule finds', async () => {
    await fc.assert(
      fc.asyncProperty(smallInstanceArb({ maxSlots: 3, maxRequests: 4, maxProviders: 3, maxOffers: 6 }), async (json) => {
        const instance = validated(json);
        const optimum = bruteForceOptimum(json);
        expect((await solveMatching(instance)).objective).toBeCloseTo(optimum, 9);
        // The exact model on its own (no heuristic start to hide behind): its optimum and bound.
        const exact = solveExactly(await loadHighs(), compileProblem(instance), { timeLimitSeconds: 10, mipGap: 0 });
        expect(exact.provenOptimal).toBe(true);
        expect(exact.schedule?.exactObjective() ?? 0).toBeCloseTo(optimum, 9);
        expect(exact.bound ?? 0).toBeCloseTo(optimum, 6);
      }),
      { numRuns: 120 },
    );
  }, 120_000);

  it('unscheduled lists only offered pairs without a meeting, each with a known reason', async () => {
    const reasons = reasonsOfVersion1;
    await fc.assert(
      fc.asyncProperty(smallInstanceArb({ maxSlots: 5, maxRequests: 5, maxProviders: 3, maxOffers: 12 }), async (json) => {
        const result = await solveMatching(validated(json));
        for (const u of result.unscheduled) expect(reasons).toContain(u.reason);
        const pairs = result.unscheduled.map((u) => `${u.request}/${u.provider}`);
        expect(new Set(pairs).size).toBe(pairs.length);
      }),
      { numRuns: 60 },
    );
  }, 60_000);

  it('on generated event-sized instances, exact and heuristic are feasible and beat the greedy', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
          offers: fc.integer({ min: 20, max: 160 }),
          tightness: fc.constantFrom('tight' as const, 'loose' as const),
          overlappingSlots: fc.boolean(),
        }),
        async (options) => {
          const instance = generateInstance(options);
          const json = JSON.parse(JSON.stringify(instance)) as InstanceLike;
          const greedy = await solveGreedy(validated(json));
          const exact = await solveMatching(validated(json), { method: 'milp' });
          const heuristic = await solveMatching(validated(json), { method: 'heuristic' });
          for (const result of [greedy, exact, heuristic]) expect(findViolations(json, result)).toEqual([]);
          expect(exact.stats.gap).toBeLessThan(1e-6);
          expect(exact.objective).toBeGreaterThanOrEqual(heuristic.objective - TOLERANCE);
          expect(heuristic.objective).toBeGreaterThanOrEqual(greedy.objective - TOLERANCE);
        },
      ),
      { numRuns: 25 },
    );
  }, 120_000);
});

describe('with rooms busy at random times (meetings kept from an earlier run)', () => {
  const roomBusyArb = (limits: Omit<Parameters<typeof smallInstanceArb>[0], 'roomBusy'>) =>
    smallInstanceArb({ ...limits, roomBusy: true });

  it('the optimizer, the heuristic and the greedy baseline are feasible and add up their scores', async () => {
    await fc.assert(
      fc.asyncProperty(roomBusyArb({ maxSlots: 6, maxRequests: 6, maxProviders: 4, maxOffers: 14 }), async (json) => {
        const instance = validated(json);
        for (const result of [
          await solveMatching(instance),
          await solveMatching(instance, { method: 'heuristic' }),
          await solveGreedy(instance),
        ]) {
          // findViolations checks room busy time, double-booked rooms, and objective = sum of scores.
          expect(findViolations(json, result)).toEqual([]);
          expect(result.objective).toBeCloseTo(result.meetings.reduce((sum, m) => sum + m.score, 0), 9);
        }
      }),
      { numRuns: 150 },
    );
  }, 120_000);

  it('the optimizer never scores below the greedy baseline, and the heuristic neither', async () => {
    await fc.assert(
      fc.asyncProperty(roomBusyArb({ maxSlots: 6, maxRequests: 6, maxProviders: 4, maxOffers: 14 }), async (json) => {
        const instance = validated(json);
        const greedy = await solveGreedy(instance);
        const exact = await solveMatching(instance, { method: 'milp' });
        const heuristic = await solveMatching(instance, { method: 'heuristic' });
        expect(exact.objective).toBeGreaterThanOrEqual(greedy.objective - TOLERANCE);
        expect(heuristic.objective).toBeGreaterThanOrEqual(greedy.objective - TOLERANCE);
        expect(exact.objective).toBeGreaterThanOrEqual(heuristic.objective - TOLERANCE);
        for (const result of [exact, heuristic]) {
          if (result.stats.bound !== undefined) expect(result.objective).toBeLessThanOrEqual(result.stats.bound + 1e-6);
        }
      }),
      { numRuns: 100 },
    );
  }, 120_000);

  it('the exact model and the optimizer find the optimum that enumerating every schedule finds', async () => {
    await fc.assert(
      // Slots and busy times packed into a short span, so that slots overlap in chains and rooms
      // are free for different slots of a chain (where counting free rooms per moment goes wrong).
      fc.asyncProperty(roomBusyArb({ maxSlots: 4, maxRequests: 4, maxProviders: 3, maxOffers: 6, span: 5 }), async (json) => {
        const instance = validated(json);
        const optimum = bruteForceOptimum(json);
        expect((await solveMatching(instance)).objective).toBeCloseTo(optimum, 9);
        const exact = solveExactly(await loadHighs(), compileProblem(instance), { timeLimitSeconds: 10, mipGap: 0 });
        expect(exact.provenOptimal).toBe(true);
        expect(exact.schedule?.exactObjective() ?? 0).toBeCloseTo(optimum, 9);
        expect(exact.bound ?? 0).toBeCloseTo(optimum, 6);
      }),
      { numRuns: 150 },
    );
  }, 120_000);

  it('where only rooms bind, the exact model finds the optimum that enumerating every schedule finds', async () => {
    await fc.assert(
      fc.asyncProperty(roomsOnlyInstanceArb({ maxSlots: 4, maxRooms: 3, maxOffers: 6 }), async (json) => {
        const instance = validated(json);
        const optimum = bruteForceOptimum(json);
        const exact = solveExactly(await loadHighs(), compileProblem(instance), { timeLimitSeconds: 10, mipGap: 0 });
        expect(exact.provenOptimal).toBe(true);
        expect(exact.schedule?.exactObjective() ?? 0).toBeCloseTo(optimum, 9);
        expect(exact.bound ?? 0).toBeCloseTo(optimum, 6);
        const result = await solveMatching(instance);
        expect(findViolations(json, result)).toEqual([]);
        expect(result.objective).toBeCloseTo(optimum, 9);
      }),
      { numRuns: 150 },
    );
  }, 120_000);

  it('on generated event-sized instances with busy rooms, exact and heuristic are feasible and beat the greedy', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
          offers: fc.integer({ min: 20, max: 160 }),
          tightness: fc.constantFrom('tight' as const, 'loose' as const),
          overlappingSlots: fc.boolean(),
          busyRooms: fc.constantFrom(0.3, 0.7, 1),
        }),
        async (options) => {
          const instance = generateInstance(options);
          const json = JSON.parse(JSON.stringify(instance)) as InstanceLike;
          const greedy = await solveGreedy(validated(json));
          const exact = await solveMatching(validated(json), { method: 'milp' });
          const heuristic = await solveMatching(validated(json), { method: 'heuristic' });
          for (const result of [greedy, exact, heuristic]) expect(findViolations(json, result)).toEqual([]);
          expect(exact.stats.gap).toBeLessThan(1e-6);
          expect(exact.objective).toBeGreaterThanOrEqual(heuristic.objective - TOLERANCE);
          expect(heuristic.objective).toBeGreaterThanOrEqual(greedy.objective - TOLERANCE);
        },
      ),
      { numRuns: 25 },
    );
  }, 120_000);
});

describe('with meeting limits and fairness (marketplace-matching/2: daily caps, breaks after runs, per-party overrides)', () => {
  const withRules = (limits: Omit<Parameters<typeof smallInstanceArb>[0], 'rules'>) => smallInstanceArb({ ...limits, rules: true });

  /**
   * Expects result `a` to be at least as good as `b`: with fairness, more requesters served, or as
   * many and a score at least as high; else the score.
   */
  const expectAtLeast = (json: InstanceLike, a: { meetings: { request: string }[]; objective: number }, b: typeof a) => {
    if (json.rules?.fairness) {
      const [servedA, servedB] = [servedRequesters(json, a.meetings), servedRequesters(json, b.meetings)];
      expect(servedA).toBeGreaterThanOrEqual(servedB);
      if (servedA > servedB) return;
    }
    expect(a.objective).toBeGreaterThanOrEqual(b.objective - TOLERANCE);
  };

  it('the optimizer, the heuristic and the greedy baseline keep every limit (checked independently)', async () => {
    await fc.assert(
      fc.asyncProperty(withRules({ maxSlots: 7, maxRequests: 6, maxProviders: 4, maxOffers: 16 }), async (json) => {
        const instance = validated(json);
        for (const result of [
          await solveMatching(instance),
          await solveMatching(instance, { method: 'heuristic' }),
          await solveGreedy(instance),
        ]) {
          expect(findViolations(json, result)).toEqual([]);
          expect(result.format).toBe('marketplace-matching-result/2');
        }
      }),
      { numRuns: 150 },
    );
  }, 120_000);

  it('the exact model and the optimizer find the optimum that enumerating every schedule finds', async () => {
    await fc.assert(
      // Few quarters, so that slots touch in chains and runs bind.
      fc.asyncProperty(withRules({ maxSlots: 4, maxRequests: 4, maxProviders: 3, maxOffers: 6, span: 6 }), async (json) => {
        const instance = validated(json);
        const best = bruteForceBest(json);
        const result = await solveMatching(instance);
        expect(result.objective).toBeCloseTo(best.score, 9);
        if (json.rules?.fairness) expect(servedRequesters(json, result.meetings)).toBe(best.served);
        const exact = solveExactly(await loadHighs(), compileProblem(instance), { timeLimitSeconds: 10, mipGap: 0 });
        expect(exact.provenOptimal).toBe(true);
        expect(exact.schedule?.exactObjective() ?? 0).toBeCloseTo(best.score, 9);
        expect(exact.bound ?? 0).toBeCloseTo(best.score, 6);
      }),
      { numRuns: 150 },
    );
  }, 120_000);

  it('the optimizer is never worse than the greedy baseline, nor the heuristic (with fairness: requesters served first), and both stay under their bound', async () => {
    await fc.assert(
      fc.asyncProperty(withRules({ maxSlots: 7, maxRequests: 6, maxProviders: 4, maxOffers: 16 }), async (json) => {
        const instance = validated(json);
        const greedy = await solveGreedy(instance);
        const exact = await solveMatching(instance, { method: 'milp' });
        const heuristic = await solveMatching(instance, { method: 'heuristic' });
        expectAtLeast(json, exact, greedy);
        expectAtLeast(json, heuristic, greedy);
        expectAtLeast(json, exact, heuristic);
        for (const result of [exact, heuristic]) {
          if (result.stats.bound !== undefined) expect(result.objective).toBeLessThanOrEqual(result.stats.bound + 1e-6);
        }
      }),
      { numRuns: 100 },
    );
  }, 120_000);

  it('with fairness where it binds, every solver is feasible and the exact model serves as many requesters, then scores, as enumeration', async () => {
    let starvedByScores = 0;
    await fc.assert(
      fc.asyncProperty(contestedInstanceArb(), async (json) => {
        const instance = validated(json);
        const best = bruteForceBest(json);
        const unfair = bruteForceBest({ ...json, rules: { ...json.rules, fairness: false } });
        if (unfair.served < best.served) starvedByScores++;
        const exact = await solveMatching(instance, { method: 'milp' });
        expect(servedRequesters(json, exact.meetings)).toBe(best.served);
        expect(exact.objective).toBeCloseTo(best.score, 9);
        const heuristic = await solveMatching(instance, { method: 'heuristic' });
        const greedy = await solveGreedy(instance);
        for (const result of [exact, heuristic, greedy]) expect(findViolations(json, result)).toEqual([]);
        expectAtLeast(json, exact, heuristic);
        expectAtLeast(json, heuristic, greedy);
      }),
      { numRuns: 150 },
    );
    // The arbitrary is meant to make fairness bind; without such cases this test would prove little.
    expect(starvedByScores).toBeGreaterThan(10);
  }, 120_000);

  it('unscheduled pairs carry a known reason, the limits among them', async () => {
    const reasons = [...reasonsOfVersion1, 'daily cap reached', 'no break', 'no common free slot of the length it needs'];
    await fc.assert(
      fc.asyncProperty(withRules({ maxSlots: 6, maxRequests: 5, maxProviders: 3, maxOffers: 12 }), async (json) => {
        const result = await solveMatching(validated(json));
        for (const u of result.unscheduled) expect(reasons).toContain(u.reason);
      }),
      { numRuns: 60 },
    );
  }, 60_000);

  it('on generated event-sized instances with limits, exact and heuristic keep them and beat the greedy', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
          offers: fc.integer({ min: 20, max: 160 }),
          tightness: fc.constantFrom('tight' as const, 'loose' as const),
          overlappingSlots: fc.boolean(),
          maxMeetingsPerDay: fc.integer({ min: 1, max: 4 }),
          maxConsecutive: fc.integer({ min: 1, max: 3 }),
          fairness: fc.boolean(),
        }),
        async ({ maxMeetingsPerDay, maxConsecutive, fairness, ...options }) => {
          const generated = generateInstance(options);
          const json = JSON.parse(
            JSON.stringify({
              ...generated,
              format: 'marketplace-matching/2',
              rules: { maxMeetingsPerDay, maxConsecutive, timeZone: 'Europe/Brussels', fairness },
            }),
          ) as InstanceLike;
          const greedy = await solveGreedy(validated(json));
          const exact = await solveMatching(validated(json), { method: 'milp' });
          const heuristic = await solveMatching(validated(json), { method: 'heuristic' });
          for (const result of [greedy, exact, heuristic]) expect(findViolations(json, result)).toEqual([]);
          // The exact solve proves its answer optimal within its 30 s, except on a rare hard instance on a
          // busy machine (seen once: 118 s for the 25 runs, a gap of 2.7%); it then says it stopped.
          if (!exact.stats.stoppedOnTimeLimit) {
            expect(exact.stats.gap).toBeLessThan(1e-6);
            expectAtLeast(json, exact, heuristic);
          } else expect(exact.stats.gap).toBeGreaterThan(0);
          expectAtLeast(json, heuristic, greedy);
        },
      ),
      { numRuns: 25 },
    );
  }, 120_000);
});
