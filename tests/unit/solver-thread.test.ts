import { describe, expect, it } from 'vitest';
import { generateInstance } from '../../src/matching/generate.ts';
import { closeSolverThread, RETIRE_AFTER_OFFERS, retireSolverThreadIfBig, solveInWorker, solverThreadId, warmSolverThread } from '../../src/meetings/solve-in-worker.ts';

// The optimizer's thread is started once and reused; one that does not answer in time is stopped, and
// the next solve starts a new one. (Real threads: the thread runs the real optimizer.)
describe('the optimizer thread', () => {
  const small = generateInstance({ offers: 40, tightness: 'loose', seed: 7 });

  it('answers solve after solve from the same thread, with the progress on the way', async () => {
    const phases: string[] = [];
    const first = await solveInWorker(small, { timeLimitSeconds: 5, onProgress: (p) => phases.push(p.phase) });
    const second = await solveInWorker(small, { timeLimitSeconds: 5 });
    expect(second.objective).toBe(first.objective);
    expect(first.meetings.length).toBeGreaterThan(0);
    expect(phases[0]).toBe('relaxation');
    expect(phases.at(-1)).toBe('done');
  });

  it('stops a thread that does not answer in time, and the next solve gets a new thread', async () => {
    const big = generateInstance({ offers: 20_000, tightness: 'tight', seed: 11 });
    await expect(solveInWorker(big, { timeLimitSeconds: 5, hungAfterSeconds: 0.05 })).rejects.toThrow(/did not answer within 0.05 s.*thread was stopped/);
    const after = await solveInWorker(small, { timeLimitSeconds: 5 });
    expect(after.meetings.length).toBeGreaterThan(0);
  });

  it('gives a big solve\'s memory back: the thread that solved it is stopped, the next solve starts another', async () => {
    await solveInWorker(small, { timeLimitSeconds: 5 });
    const reused = solverThreadId();
    await solveInWorker(small, { timeLimitSeconds: 5 });
    expect(solverThreadId()).toBe(reused);
    const big = generateInstance({ offers: RETIRE_AFTER_OFFERS, tightness: 'loose', seed: 3 });
    const result = await solveInWorker(big, { timeLimitSeconds: 5 });
    expect(result.meetings.length).toBeGreaterThan(0);
    expect(solverThreadId()).toBeNull();
    await solveInWorker(small, { timeLimitSeconds: 5 });
    expect(solverThreadId()).not.toBeNull();
    expect(solverThreadId()).not.toBe(reused);
  });

  it('solves of one run share the thread, a big one too; the run stops it when done', async () => {
    await solveInWorker(small, { timeLimitSeconds: 5, keepThread: true });
    const thread = solverThreadId();
    const big = generateInstance({ offers: RETIRE_AFTER_OFFERS, tightness: 'loose', seed: 4 });
    await solveInWorker(big, { timeLimitSeconds: 5, keepThread: true });
    expect(solverThreadId()).toBe(thread);
    await solveInWorker(small, { timeLimitSeconds: 5, keepThread: true });
    expect(solverThreadId()).toBe(thread);
    retireSolverThreadIfBig();
    expect(solverThreadId()).toBeNull();
    // A run of small solves keeps its thread.
    await solveInWorker(small, { timeLimitSeconds: 5, keepThread: true });
    const next = solverThreadId();
    retireSolverThreadIfBig();
    expect(solverThreadId()).toBe(next);
  });

  it('solves queued behind one another take turns', async () => {
    const results = await Promise.all([1, 2, 3].map(() => solveInWorker(small, { timeLimitSeconds: 5 })));
    expect(new Set(results.map((r) => r.objective)).size).toBe(1);
  });

  it('in a process that keeps a thread warm (a worker), a retired thread is replaced at once, before anybody solves', async () => {
    warmSolverThread();
    const warm = solverThreadId();
    expect(warm).not.toBeNull();
    await solveInWorker(generateInstance({ offers: RETIRE_AFTER_OFFERS, tightness: 'loose', seed: 5 }), { timeLimitSeconds: 5, keepThread: true });
    retireSolverThreadIfBig();
    expect(solverThreadId()).toBeNull();
    // Once the old thread has stopped, a new one starts (and loads HiGHS) with no solve waiting for it.
    await expect.poll(() => solverThreadId(), { timeout: 5000 }).not.toBeNull();
    expect(solverThreadId()).not.toBe(warm);
    await closeSolverThread();
    expect(solverThreadId()).toBeNull();
  });
});
