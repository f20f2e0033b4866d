import { expect } from 'vitest';
import { parseInstance, type Instance, type MatchingResult } from '../../../src/matching/instance.schema.ts';
import { loadHighs } from '../../../src/matching/highs.ts';
import { solveExactly } from '../../../src/matching/milp.ts';
import { solveGreedy, solveMatching } from '../../../src/matching/optimizer.ts';
import { compileProblem } from '../../../src/matching/problem.ts';
import { bruteForceBest, type InstanceLike } from './feasibility-checker.ts';

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
