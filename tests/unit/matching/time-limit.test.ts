import { describe, expect, it } from 'vitest';
import { generateInstance } from '../../../src/matching/generate.ts';
import { solveGreedy, solveMatching, type SolveProgress } from '../../../src/matching/optimizer.ts';
import { findViolations } from './feasibility-checker.ts';

// The time limit covers the whole solve, measured on the injected clock (so these tests need no real time).
describe('the time limit and the progress of a solve', () => {
  const instance = generateInstance({ offers: 3000, tightness: 'tight', seed: 3 });

  /** A clock that moves `step` milliseconds each time it is read. */
  const clock = (step: number) => {
    let t = 0;
    return () => (t += step);
  };

  it('stops at the limit with a feasible schedule no worse than the greedy, and says so', async () => {
    const stopped = await solveMatching(instance, { method: 'milp', timeLimitSeconds: 0.5, now: clock(1000) });
    expect(stopped.stats.stoppedOnTimeLimit).toBe(true);
    expect(findViolations(instance, stopped)).toEqual([]);
    expect(stopped.objective).toBeGreaterThanOrEqual((await solveGreedy(instance)).objective - 1e-9);
    expect(stopped.stats.gap).toBeGreaterThanOrEqual(0);
  });

  it('a clock with time to spare solves as without a limit, and does not say it stopped', async () => {
    const unhurried = await solveMatching(instance, { timeLimitSeconds: 30, now: clock(0) });
    const plain = await solveMatching(instance);
    expect(unhurried.objective).toBe(plain.objective);
    expect(unhurried.stats.stoppedOnTimeLimit).toBeUndefined();
  });

  it('reports its progress phase by phase, in time order, ending with done and the final objective', async () => {
    const seen: SolveProgress[] = [];
    const result = await solveMatching(instance, { timeLimitSeconds: 3600, now: clock(1), onProgress: (p) => seen.push(p) });
    expect(seen[0]!.phase).toBe('relaxation');
    expect(seen.map((p) => p.phase)).toContain('heuristic');
    expect(seen.at(-1)!.phase).toBe('done');
    expect(seen.at(-1)!.objective).toBeCloseTo(result.objective, 6);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.seconds).toBeGreaterThanOrEqual(seen[i - 1]!.seconds);
    for (const p of seen) if (p.gap !== undefined) expect(p.gap).toBeGreaterThanOrEqual(0);
  });

  it('skips the exact model when the heuristic already meets the bound', async () => {
    const easy = generateInstance({ offers: 1000, tightness: 'loose', seed: 20070710 });
    const result = await solveMatching(easy);
    expect(result.stats.gap).toBe(0);
    expect(result.stats.method).toBe('flow+local-search');
  });
});
