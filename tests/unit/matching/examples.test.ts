import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseInstance } from '../../../src/matching/instance.schema.ts';
import { solveGreedy, solveMatching } from '../../../src/matching/optimizer.ts';
import { findViolations } from './feasibility-checker.ts';

// Copies of shared/examples (instances with proven optima), so the tests stand alone.
const EXAMPLES = join(import.meta.dirname, 'examples');
const optima: { file: string; offers: number; optimalObjective: number }[] = JSON.parse(
  readFileSync(`${EXAMPLES}/optima.json`, 'utf8'),
);

describe.each(optima)('example $file', ({ file, offers, optimalObjective }) => {
  const json = JSON.parse(readFileSync(`${EXAMPLES}/${file}`, 'utf8'));

  it(`reaches the proven optimum ${optimalObjective} with a feasible schedule`, async () => {
    const parsed = parseInstance(json);
    if (!parsed.ok) throw new Error(parsed.message);
    const result = await solveMatching(parsed.instance);

    expect(findViolations(json, result)).toEqual([]);
    // Proven either by the exact model or, when the heuristic already meets the relaxation's bound, by that bound.
    expect(result.stats.offers).toBe(offers);
    expect(['milp-highs', 'flow+local-search']).toContain(result.stats.method);
    // The optima are given to 3 decimals.
    expect(Math.abs(result.objective - optimalObjective)).toBeLessThan(5e-4);
    expect(result.stats.gap).toBeLessThan(1e-6);
  });

  it('the heuristic alone is feasible and never above the optimum', async () => {
    const parsed = parseInstance(json);
    if (!parsed.ok) throw new Error(parsed.message);
    const heuristic = await solveMatching(parsed.instance, { method: 'heuristic' });
    const greedy = await solveGreedy(parsed.instance);

    expect(findViolations(json, heuristic)).toEqual([]);
    expect(findViolations(json, greedy)).toEqual([]);
    expect(heuristic.objective).toBeLessThanOrEqual(optimalObjective + 5e-4);
    expect(heuristic.objective).toBeGreaterThanOrEqual(greedy.objective - 1e-9);
    expect(heuristic.stats.bound).toBeGreaterThanOrEqual(optimalObjective - 5e-4);
  });
});
