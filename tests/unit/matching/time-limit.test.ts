import { describe, expect, it } from 'vitest';
import { generateInstance } from '../../../src/matching/generate.ts';
import { PROGRESS_EVERY_MS, solveGreedy, solveMatching, type SolveProgress } from '../../../src/matching/optimizer.ts';
import { findViolations } from './feasibility-checker.ts';

// The time limit covers the whole solve, measured on the injected clock (so these tests need no real time).
describe('the time limit and the progress of a solve', () => {
  const instance = generateInstance({ offers: 3000, tightness: 'tight', seed: 3 });

  /** A clock that moves `step` milliseconds each time it is read. */
  const clock = (step: number) => {
    let t = 0;
    return () => (t += step);
  };

  /** A clock that moves `before` ms a read until the solve reports `phase`, then 1 s a read; with the reports seen. */
  const clockThatSpeedsUpAfter = (phase: SolveProgress['phase'], before: number) => {
    let t = 0;
    let step = before;
    const seen: SolveProgress[] = [];
    return {
      seen,
      now: () => (t += step),
      onProgress: (p: SolveProgress) => {
        seen.push(p);
        if (p.phase === phase) step = 1000;
      },
    };
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

  it('a clock that runs out during the heuristic stops the local search there: the answer is feasible, no worse than the greedy, with its gap', async () => {
    // 1 ms a read until the relaxation is reported, then 1 s a read: the limit passes as the heuristic starts.
    const { now, onProgress, seen } = clockThatSpeedsUpAfter('relaxation', 1);
    const result = await solveMatching(instance, { timeLimitSeconds: 0.5, now, onProgress });
    expect(result.stats.stoppedOnTimeLimit).toBe(true);
    expect(result.stats.method).toBe('flow+local-search'); // no time left for the exact model
    // A search that ignored the limit would read the clock every 256 pairs of every pass, 1 s each time.
    expect(result.stats.seconds).toBeLessThan(0.5 + 10);
    expect(findViolations(instance, result)).toEqual([]);
    expect(result.objective).toBeGreaterThanOrEqual((await solveGreedy(instance)).objective - 1e-9);
    expect(result.stats.gap).toBeGreaterThan(0);
    expect(seen.at(-1)).toMatchObject({ phase: 'done', objective: result.objective, gap: result.stats.gap });
  });

  it('a clock that runs out during the exact model interrupts it with the best schedule so far, never worse than the heuristic', async () => {
    // The clock stands still until the heuristic is reported, then moves 1 s a read; the limit is 5 s.
    const { now, onProgress, seen } = clockThatSpeedsUpAfter('heuristic', 0);
    const result = await solveMatching(instance, { method: 'milp', timeLimitSeconds: 5, now, onProgress });
    const heuristic = seen.find((p) => p.phase === 'heuristic')!;
    expect(result.stats.method).toBe('milp-highs');
    expect(result.stats.stoppedOnTimeLimit).toBe(true);
    expect(result.stats.seconds).toBeLessThan(5 + 10);
    expect(result.objective).toBeGreaterThanOrEqual(heuristic.objective! - 1e-9);
    expect(result.stats.gap).toBeGreaterThan(0); // 3,000 offers are not solved at the MILP's first checkpoints
    expect(findViolations(instance, result)).toEqual([]);
    expect(seen.map((p) => p.phase)).toContain('exact');
  });

  it('with a clock, reports within a phase come at most every 250 ms of it, and the phases in order', async () => {
    const seen: SolveProgress[] = [];
    await solveMatching(instance, { method: 'heuristic', timeLimitSeconds: 3600, now: clock(40), onProgress: (p) => seen.push(p) });
    const phases = seen.map((p) => p.phase);
    expect(phases.filter((phase, i) => phase !== phases[i - 1])).toEqual(['relaxation', 'heuristic', 'done']);
    // Reports within the heuristic are the ones before its last (the phase boundary).
    const lastHeuristic = phases.lastIndexOf('heuristic');
    const within = seen.flatMap((p, i) => (p.phase === 'heuristic' && i < lastHeuristic ? [i] : []));
    expect(within.length).toBeGreaterThan(0);
    for (const i of within) expect(seen[i]!.seconds - seen[i - 1]!.seconds).toBeGreaterThanOrEqual(PROGRESS_EVERY_MS / 1000);
  });

  it('skips the exact model when the heuristic already meets the bound', async () => {
    const easy = generateInstance({ offers: 1000, tightness: 'loose', seed: 20070710 });
    const result = await solveMatching(easy);
    expect(result.stats.gap).toBe(0);
    expect(result.stats.method).toBe('flow+local-search');
  });
});
