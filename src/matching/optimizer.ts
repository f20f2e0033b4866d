/**
 * Matches requests with providers and schedules their meetings (docs/design.md, "The matching
 * problem"). Pure: no I/O, and the clock only through the optional `now` the caller injects,
 * used for `stats.seconds` alone (HiGHS keeps its own time limit).
 *
 * - Up to `maxExactVariables` (pair, slot) variables: the exact MILP with HiGHS (milp.ts),
 *   started from the heuristic's schedule and stopped at `timeLimitSeconds` or `mipGap`.
 * - Above that: the heuristic alone (least-damage greedy + local search) with a time-aware
 *   flow bound (time-free-matching.ts).
 *
 * Either way the answer is at least as good as `solveGreedy`'s, since the heuristic's starting
 * points include the greedy schedule and every later step only keeps improvements.
 *
 * `unscheduled` lists the pairs of a best time-free matching (maxMatches and capacity only) that
 * got no meeting, with the reason found in the final schedule.
 *
 * Rooms may be busy at times (`rooms[].busy`, our extension of the format, used to keep existing
 * meetings on a re-run; docs/matching-format.md, which also collects how the optimizer reads the
 * public format where it is ambiguous). problem.ts turns them into room groups that every solver
 * and the room assignment respect.
 */
import type { Instance, MatchingResult, SolveMethod, SolveStats } from './instance.schema.ts';
import { scheduleGreedily, scheduleLeastDamage } from './greedy.ts';
import { loadHighs } from './highs.ts';
import { improveSchedule, type LocalSearchOptions } from './local-search.ts';
import { countExactVariables, solveExactly } from './milp.ts';
import { compileProblem, type MatchingProblem } from './problem.ts';
import { buildResult } from './result.ts';
import { fillGreedily, pairsByScore, type Schedule } from './schedule.ts';
import { matchIgnoringTime, matchWithTimeBudgets, type TimeAwareMatching } from './time-free-matching.ts';

/** Where a solve stands, for a caller that shows it (a matching run writes it to its row). */
export interface SolveProgress {
  phase: 'relaxation' | 'heuristic' | 'exact' | 'done';
  objective?: number;
  bound?: number;
  /** (bound - objective) / bound: how far the schedule so far may be from the best. */
  gap?: number;
  seconds: number;
}

export interface SolveOptions {
  /** `auto` picks the MILP for models up to `maxExactVariables`, the heuristic above. */
  method?: 'auto' | 'milp' | 'heuristic';
  maxExactVariables?: number;
  /**
   * Time limit of the whole solve, in seconds, measured with `now`: the local search stops when it is
   * spent, and the exact MILP gets what is left, stopping with the best schedule found (never worse
   * than the heuristic's). Without `now`, only HiGHS's own limit applies (to each model it solves).
   */
  timeLimitSeconds?: number;
  /** Relative gap at which HiGHS may stop. */
  mipGap?: number;
  /** Passes of the local search over the unscheduled pairs. */
  localSearchPasses?: number;
  /** Milliseconds from any fixed origin (e.g. performance.now): stats.seconds and the time limit. */
  now?: () => number;
  /** Called at each phase boundary and after each local-search pass. */
  onProgress?: (progress: SolveProgress) => void;
}

export const DEFAULT_SOLVE_OPTIONS = {
  method: 'auto',
  maxExactVariables: 40_000,
  timeLimitSeconds: 30,
  mipGap: 1e-7,
  localSearchPasses: 8,
} as const satisfies SolveOptions;

function elapsedSeconds(now: (() => number) | undefined, startedAt: number | undefined): number {
  return now && startedAt !== undefined ? Math.max(0, (now() - startedAt) / 1000) : 0;
}

function better(a: Schedule, b: Schedule): Schedule {
  return b.exactObjective() > a.exactObjective() ? b : a;
}

/**
 * Best of three starts, improved by local search: the greedy; least-damage by score; and
 * least-damage taking first the pairs of the time-aware relaxation (which sees the exchanges
 * between requests and providers that a greedy by score misses), then the rest by score.
 */
function scheduleHeuristically(
  problem: MatchingProblem,
  relaxation: TimeAwareMatching,
  passes: number,
  search: Pick<LocalSearchOptions, 'shouldStop' | 'onPass'>,
): { schedule: Schedule; complete: boolean } {
  const byScore = pairsByScore(problem);
  const relaxationFirst = [...byScore].sort(
    (a, b) => Number(relaxation.pairValues[b]! > 0.5) - Number(relaxation.pairValues[a]! > 0.5),
  );
  const starts = [scheduleGreedily(problem), scheduleLeastDamage(problem, byScore), scheduleLeastDamage(problem, relaxationFirst)];
  const best = starts.reduce(better);
  const complete = improveSchedule(best, { maxPasses: passes, ...search });
  return { schedule: best, complete };
}

function gapOf(objective: number, bound: number): number {
  const tight = Math.max(bound, objective);
  return tight > 0 ? (tight - objective) / tight : 0;
}

function withBound(stats: SolveStats, objective: number, bound: number | undefined): SolveStats {
  if (bound === undefined) return stats;
  const tight = Math.max(bound, objective);
  return { ...stats, bound: tight, gap: tight > 0 ? (tight - objective) / tight : 0 };
}

export async function solveMatching(instance: Instance, options: SolveOptions = {}): Promise<MatchingResult> {
  const settings = { ...DEFAULT_SOLVE_OPTIONS, ...options };
  const startedAt = settings.now?.();
  const elapsed = () => elapsedSeconds(settings.now, startedAt);
  // Without a clock only HiGHS's own limit applies; with one, the limit covers the whole solve.
  const remaining = () => (settings.now ? settings.timeLimitSeconds - elapsed() : settings.timeLimitSeconds);
  const report = (phase: SolveProgress['phase'], objective?: number, bound?: number) =>
    settings.onProgress?.({
      phase,
      seconds: elapsed(),
      ...(objective !== undefined ? { objective } : {}),
      ...(bound !== undefined ? { bound } : {}),
      ...(objective !== undefined && bound !== undefined ? { gap: gapOf(objective, bound) } : {}),
    });
  const problem = compileProblem(instance);
  const highs = await loadHighs();

  const relaxation = matchWithTimeBudgets(highs, problem);
  report('relaxation', undefined, relaxation.bound);
  const heuristic = scheduleHeuristically(problem, relaxation, settings.localSearchPasses, {
    shouldStop: () => remaining() <= 0,
    onPass: (objective) => report('heuristic', objective, relaxation.bound),
  });
  let schedule = heuristic.schedule;
  let stoppedOnTimeLimit = !heuristic.complete;
  let bound = relaxation.bound;
  report('heuristic', schedule.exactObjective(), bound);

  // The heuristic's schedule may already be proven optimal by the relaxation's bound: then the exact
  // model has nothing to add (a re-run that keeps most meetings often ends here).
  const provenByBound = bound !== undefined && bound - schedule.exactObjective() <= settings.mipGap * Math.max(1, bound) + 1e-9;
  const useExact =
    !provenByBound &&
    (settings.method === 'milp' || (settings.method === 'auto' && countExactVariables(problem) <= settings.maxExactVariables));
  let method: SolveMethod = 'flow+local-search';
  if (useExact && remaining() > 0.05) {
    method = 'milp-highs';
    const exact = solveExactly(highs, problem, {
      timeLimitSeconds: Math.max(0.05, remaining()),
      mipGap: settings.mipGap,
      start: schedule,
    });
    if (exact.schedule) {
      fillGreedily(exact.schedule, pairsByScore(problem)); // only adds anything if HiGHS stopped early
      schedule = better(schedule, exact.schedule);
    }
    if (exact.bound !== undefined) bound = Math.min(exact.bound, bound ?? Infinity);
    if (!exact.provenOptimal) stoppedOnTimeLimit = true;
    report('exact', schedule.exactObjective(), bound);
  } else if (useExact) {
    stoppedOnTimeLimit = true;
  }

  const chosen = matchIgnoringTime(highs, problem);
  const objective = schedule.exactObjective();
  const stats = withBound({ offers: instance.offers.length, seconds: 0, method, ...(stoppedOnTimeLimit ? { stoppedOnTimeLimit } : {}) }, objective, bound);
  const result = buildResult(schedule, chosen, stats);
  result.stats.seconds = elapsedSeconds(settings.now, startedAt);
  report('done', objective, result.stats.bound);
  return result;
}

/** Baseline: pairs by descending score, each in the first slot (and room) that still fits. */
export async function solveGreedy(
  instance: Instance,
  options: Pick<SolveOptions, 'now'> = {},
): Promise<MatchingResult> {
  const startedAt = options.now?.();
  const problem = compileProblem(instance);
  const schedule = scheduleGreedily(problem);
  const chosen = matchIgnoringTime(await loadHighs(), problem);
  const result = buildResult(schedule, chosen, { offers: instance.offers.length, seconds: 0, method: 'greedy' });
  result.stats.seconds = elapsedSeconds(options.now, startedAt);
  return result;
}
