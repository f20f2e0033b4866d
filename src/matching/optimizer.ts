/**
 * Matches requests with providers and schedules their meetings (docs/design.md, "The matching
 * problem"). Pure: no I/O, and the clock only through the optional `now` the caller injects.
 *
 * In order, cheapest first:
 * 1. the time-aware relaxation (time-free-matching.ts): an upper bound on the objective, and the
 *    pairs it picks; then the time-free matching the `unscheduled` report needs (both LPs, about
 *    0.35 s and 0.2 s at 50,000 offers, always run to the end: they give the gap and that report);
 * 2. the heuristic: the least-damage schedule that takes the relaxation's pairs first; if it meets
 *    the bound it is optimal and the solve goes to 4; else the greedy and the least-damage by score
 *    too, the best of the three improved by local search;
 * 3. up to `maxExactVariables` (pair, slot) variables, the exact MILP with HiGHS (milp.ts), started
 *    from the heuristic's schedule, unless that schedule already meets the bound;
 * 4. the result (rooms, unscheduled pairs with reasons).
 *
 * The time limit (`timeLimitSeconds`) covers the whole solve when a clock (`now`) is given: the
 * local search stops when it is spent, and the MILP gets what is left, stopped by its own limit
 * and by the clock, with the best schedule found, never worse than the heuristic's (HiGHS starts
 * from it). `stats.stoppedOnTimeLimit` then says so, and `stats.gap` how far the answer may be from
 * the best. Without `now` (the CLI, tests) the solve is reproducible: the local search runs its
 * passes, and only HiGHS's own limit, on its own clock, bounds the MILP.
 *
 * Either way the answer is at least as good as `solveGreedy`'s, since the heuristic's starting
 * points include the greedy schedule and every later step only keeps improvements.
 *
 * `unscheduled` lists the pairs of a best time-free matching (maxMatches and capacity only; with
 * joint pairs, near the best: time-free-matching.ts) that got no meeting, with the reason found in
 * the final schedule.
 *
 * Rooms may be busy at times (`rooms[].busy`, our extension of the format, used to keep existing
 * meetings on a re-run; docs/matching-format.md, which also collects how the optimizer reads the
 * public format where it is ambiguous). problem.ts turns them into room groups that every solver
 * and the room assignment respect. Version 2 instances may limit each party's meetings per day and
 * back to back (`rules`, docs/matching-format.md): problem.ts indexes the limits, the schedule
 * checks them for the greedy and the local search, and milp.ts adds their rows. The relaxations
 * leave them out, so their bounds stay valid but are looser. With `rules.fairness`, schedules are
 * compared first by the requesters they serve, then by score (problem.ts): the heuristic's starts
 * give first meetings first, its moves and `better` compare that way, and the exact model weighs
 * each requester served above any score (milp.ts). The bound stays one on the score. Fixed meetings
 * (`fixedMeetings`, kept from an earlier run) are indexed there too: busy time for their parties,
 * counted in their limits, and their requesters served from the start.
 */
import type { Instance, MatchingResult, SolveMethod, SolveStats } from './instance.schema.ts';
import { firstMeetingsFirst, scheduleGreedily, scheduleLeastDamage } from './greedy.ts';
import { loadHighs } from './highs.ts';
import { improveSchedule, type LocalSearchOptions } from './local-search.ts';
import { countExactVariables, solveExactly } from './milp.ts';
import { compileProblem, servableRequesters, type MatchingProblem } from './problem.ts';
import { buildResult } from './result.ts';
import { fillGreedily, isBetter, pairsByScore, type Schedule } from './schedule.ts';
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
   * Time limit of the whole solve, in seconds, measured with `now`: the local search stops when it
   * is spent, and the exact MILP gets what is left, stopping with the best schedule found (never
   * worse than the heuristic's). The two LPs of the start always run to the end (they give the
   * bound and the unscheduled pairs). Without `now`, only HiGHS's own limit applies (to the MILP).
   */
  timeLimitSeconds?: number;
  /** Relative gap at which HiGHS may stop. */
  mipGap?: number;
  /** Passes of the local search over the unscheduled pairs. */
  localSearchPasses?: number;
  /**
   * Milliseconds from any fixed origin (e.g. performance.now): the one clock of the solve, for
   * stats.seconds, the time limit and the pace of progress reports.
   */
  now?: () => number;
  /**
   * Called at each phase boundary (relaxation, heuristic, exact, done; seconds never decrease, and
   * the last call is `done` with the final objective, bound and gap) and, with a clock, during the
   * local search and the MILP at most every PROGRESS_EVERY_MS (without one, after each local
   * search pass). It must not throw; it runs inside the solve (and inside HiGHS during the MILP).
   */
  onProgress?: (progress: SolveProgress) => void;
}

export const DEFAULT_SOLVE_OPTIONS = {
  method: 'auto',
  maxExactVariables: 40_000,
  timeLimitSeconds: 30,
  mipGap: 1e-7,
  localSearchPasses: 8,
} as const satisfies SolveOptions;

/**
 * What building an exact model and HiGHS's setup before its first checkpoint (where the clock can
 * stop it) take per variable, roughly: 0.35 s for the 34,923 variables of a re-run, up to 1.3 s for
 * 120,000 (bench machine, 2 shared cores). The MILP is not started with less time left than that.
 */
const EXACT_SETUP_SECONDS_PER_VARIABLE = 1e-5;

/** Least time between two progress reports within a phase, by the caller's clock. */
export const PROGRESS_EVERY_MS = 250;

function elapsedSeconds(now: (() => number) | undefined, startedAt: number | undefined): number {
  return now && startedAt !== undefined ? Math.max(0, (now() - startedAt) / 1000) : 0;
}

/** The better of two schedules (with fairness, the one serving more requesters first); a on a tie. */
function better(a: Schedule, b: Schedule): Schedule {
  return isBetter(b, a) ? b : a;
}

/** Whether the schedule serves every requester that could meet: always, without fairness. */
function servesAllItCould(schedule: Schedule): boolean {
  return !schedule.problem.fairness || schedule.served >= servableRequesters(schedule.problem);
}

/** Whether `objective` meets the upper bound `bound` (up to rounding): nothing could do better. */
function meetsBound(objective: number, bound: number | undefined): boolean {
  return bound !== undefined && objective >= bound - 1e-9 * Math.max(1, Math.abs(bound));
}

/**
 * The least-damage schedule that takes the pairs of the time-aware relaxation first (it sees the
 * exchanges between requests and providers that a greedy by score misses), then the rest by score;
 * if it meets the relaxation's bound, nothing can beat it. Else the best of it, the greedy and
 * least-damage by score, improved by local search.
 */
function scheduleHeuristically(
  problem: MatchingProblem,
  relaxation: TimeAwareMatching,
  passes: number,
  search: Pick<LocalSearchOptions, 'shouldStop' | 'onPass' | 'onCheckpoint'>,
): { schedule: Schedule; complete: boolean } {
  const byScore = pairsByScore(problem);
  const fair = (order: number[]) => (problem.fairness ? firstMeetingsFirst(problem, order) : order);
  const picked = (pair: number) => relaxation.pairValues[pair]! > 0.5;
  const relaxationFirst = [...byScore.filter(picked), ...byScore.filter((pair) => !picked(pair))];
  const fromRelaxation = scheduleLeastDamage(problem, fair(relaxationFirst));
  if (meetsBound(fromRelaxation.exactObjective(), relaxation.bound) && servesAllItCould(fromRelaxation)) {
    return { schedule: fromRelaxation, complete: true };
  }
  // On ties the earlier start wins, in this order.
  const starts = [scheduleGreedily(problem, byScore), scheduleLeastDamage(problem, fair(byScore)), fromRelaxation];
  const best = starts.reduce(better);
  const complete = improveSchedule(best, {
    maxPasses: passes,
    order: byScore,
    ...(relaxation.bound !== undefined ? { bound: relaxation.bound } : {}),
    ...search,
  });
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
  const clock = settings.now;
  const startedAt = clock?.();
  const elapsed = () => elapsedSeconds(clock, startedAt);
  // With a clock the limit covers the whole solve; without one only HiGHS's own limit applies.
  const remaining = () => (clock ? settings.timeLimitSeconds - elapsed() : settings.timeLimitSeconds);
  const timeIsUp = clock ? () => remaining() <= 0 : () => false;

  let lastReportAt = -Infinity;
  const report = (phase: SolveProgress['phase'], objective?: number, bound?: number, gap?: number) => {
    if (!settings.onProgress) return;
    const seconds = elapsed();
    lastReportAt = seconds;
    settings.onProgress({
      phase,
      seconds,
      ...(objective !== undefined ? { objective } : {}),
      ...(bound !== undefined ? { bound: Math.max(bound, objective ?? bound) } : {}),
      ...(gap !== undefined ? { gap } : objective !== undefined && bound !== undefined ? { gap: gapOf(objective, bound) } : {}),
    });
  };
  /** A report within a phase: only with a clock, and not within PROGRESS_EVERY_MS of the last one. */
  const reportNowAndThen = (phase: SolveProgress['phase'], objective?: number, bound?: number) => {
    if (settings.onProgress && clock && (elapsed() - lastReportAt) * 1000 >= PROGRESS_EVERY_MS) report(phase, objective, bound);
  };

  const problem = compileProblem(instance);
  const highs = await loadHighs();

  const relaxation = matchWithTimeBudgets(highs, problem);
  let bound = relaxation.bound;
  report('relaxation', undefined, bound);
  // Needed only for the result, but solved now, so that what the time limit leaves for the local
  // search and the MILP is what is really left.
  const chosen = matchIgnoringTime(highs, problem);

  const heuristic = scheduleHeuristically(problem, relaxation, settings.localSearchPasses, {
    shouldStop: timeIsUp,
    ...(clock
      ? { onCheckpoint: (objective: number) => reportNowAndThen('heuristic', objective, bound) }
      : { onPass: (objective: number) => report('heuristic', objective, bound) }),
  });
  let schedule = heuristic.schedule;
  let stoppedOnTimeLimit = !heuristic.complete;
  const heuristicObjective = schedule.exactObjective();
  report('heuristic', heuristicObjective, bound);

  // The heuristic's schedule may already be proven optimal by the relaxation's bound: then the exact
  // model has nothing to add (a re-run that keeps most meetings often ends here).
  const provenByBound =
    bound !== undefined && bound - heuristicObjective <= settings.mipGap * Math.max(1, bound) + 1e-9 && servesAllItCould(schedule);
  const variables = provenByBound || settings.method === 'heuristic' ? 0 : countExactVariables(problem);
  const useExact = !provenByBound && (settings.method === 'milp' || (settings.method === 'auto' && variables <= settings.maxExactVariables));
  let method: SolveMethod = 'flow+local-search';
  // Building the exact model and HiGHS's work before its first checkpoint cannot be interrupted:
  // start it only if the time left covers them.
  if (useExact && remaining() > Math.max(0.05, variables * EXACT_SETUP_SECONDS_PER_VARIABLE)) {
    method = 'milp-highs';
    const relaxationBound = bound;
    const exact = solveExactly(highs, problem, {
      // Asked again once the model is built, so that building it counts too.
      timeLimitSeconds: () => remaining(),
      mipGap: settings.mipGap,
      start: schedule,
      ...(clock ? { shouldStop: timeIsUp } : {}),
      ...(clock && settings.onProgress
        ? {
            onMipProgress: (objective: number | undefined, mipBound: number | undefined) => {
              const tightest = Math.min(mipBound ?? Infinity, relaxationBound ?? Infinity);
              reportNowAndThen(
                'exact',
                Math.max(objective ?? heuristicObjective, heuristicObjective),
                Number.isFinite(tightest) ? tightest : undefined,
              );
            },
          }
        : {}),
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

  const result = buildResult(schedule, chosen, {
    offers: instance.offers.length,
    seconds: 0,
    method,
    ...(stoppedOnTimeLimit ? { stoppedOnTimeLimit } : {}),
  });
  // The gap of the schedule's objective (summed in pair order; result.objective sums the meetings in
  // time order, which may differ in the last bit).
  result.stats = withBound(result.stats, schedule.exactObjective(), bound);
  result.stats.seconds = elapsed();
  report('done', result.objective, result.stats.bound, result.stats.gap);
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
