/**
 * Matchings that leave the timetable out, solved as linear programs (both are network-flow
 * problems, so the LP optimum is the true optimum and its vertex is 0/1):
 *
 * - `matchIgnoringTime`: the best set of pairs within maxMatches and capacity alone. These are the
 *   pairs "the matching would choose"; those of them without a meeting are reported as unscheduled.
 * - `matchWithTimeBudgets`: the same, but only pairs with a common free slot, and no party or the whole
 *   event given more meetings than it has non-overlapping free slots (for the event: summed over
 *   the rooms, each counting only the slots it is free for). Its optimum
 *   is an upper bound on any schedule's objective, and its pairs are a good set to schedule first.
 */
import type { Highs } from 'highs';
import { solvePacking, type PackingRow } from './highs.ts';
import { maxDisjointSlots, type MatchingProblem } from './problem.ts';

function limitRows(
  columnOfPair: Map<number, number>,
  pairsOf: readonly (readonly number[])[],
  limits: readonly number[],
): PackingRow[] {
  return pairsOf.flatMap((ofOne, i) => {
    const columns = ofOne.flatMap((pair) => (columnOfPair.has(pair) ? [columnOfPair.get(pair)!] : []));
    return columns.length > limits[i]! ? [{ columns, upper: limits[i]! }] : [];
  });
}

function columnsFor(problem: MatchingProblem, keep: (pair: number) => boolean): Map<number, number> {
  const columnOfPair = new Map<number, number>();
  problem.pairs.forEach((pair, i) => {
    if (problem.requestLimit[pair.request]! > 0 && problem.providerLimit[pair.provider]! > 0 && keep(i)) {
      columnOfPair.set(i, columnOfPair.size);
    }
  });
  return columnOfPair;
}

/** The pairs of a best matching within maxMatches and capacity, ignoring time and rooms. */
export function matchIgnoringTime(highs: Highs, problem: MatchingProblem): Set<number> {
  const columnOfPair = columnsFor(problem, () => true);
  const pairs = [...columnOfPair.keys()];
  const outcome = solvePacking(highs, {
    gains: pairs.map((pair) => problem.pairs[pair]!.score),
    rows: [
      ...limitRows(columnOfPair, problem.pairsOfRequest, problem.requestLimit),
      ...limitRows(columnOfPair, problem.pairsOfProvider, problem.providerLimit),
    ],
    binary: false,
  });
  if (!outcome.values) throw new Error('the time-free matching LP found no solution');
  return new Set(pairs.filter((_, column) => outcome.values![column]! > 0.5));
}

export interface TimeAwareMatching {
  /** Upper bound on the objective of any schedule, if the LP was solved to optimality. */
  bound?: number;
  /** LP value of each pair in [0, 1] (nearly always 0 or 1): how much the relaxation wants it. */
  pairValues: Float64Array;
}

/** The time-aware relaxation (see the file comment): its bound and the pairs it picks. */
export function matchWithTimeBudgets(highs: Highs, problem: MatchingProblem): TimeAwareMatching {
  const pairValues = new Float64Array(problem.pairs.length);
  if (problem.roomCount === 0) return { bound: 0, pairValues };
  const columnOfPair = columnsFor(problem, (pair) => problem.pairs[pair]!.candidateSlots.length > 0);
  const pairs = [...columnOfPair.keys()];

  const pairsOfParty = new Map<number, number[]>();
  for (const pair of pairs) {
    for (const party of problem.pairs[pair]!.parties) {
      const list = pairsOfParty.get(party);
      if (list) list.push(pair);
      else pairsOfParty.set(party, [pair]);
    }
  }
  const partyRows: PackingRow[] = [];
  for (const [, partyPairs] of pairsOfParty) {
    const usable = new Set(partyPairs.flatMap((pair) => problem.pairs[pair]!.candidateSlots));
    const most = maxDisjointSlots(problem, (s) => usable.has(s));
    if (partyPairs.length > most) partyRows.push({ columns: partyPairs.map((p) => columnOfPair.get(p)!), upper: most });
  }
  // A room group's rooms are free at the same slots of their component, and slots of different
  // components never overlap, so summing over groups is summing over rooms.
  const eventMost = problem.roomGroups.reduce((sum, group) => {
    const free = new Set(group.slots);
    return sum + group.rooms.length * maxDisjointSlots(problem, (s) => free.has(s));
  }, 0);
  const eventRow = pairs.length > eventMost ? [{ columns: pairs.map((_, column) => column), upper: eventMost }] : [];

  const outcome = solvePacking(highs, {
    gains: pairs.map((pair) => problem.pairs[pair]!.score),
    rows: [
      ...limitRows(columnOfPair, problem.pairsOfRequest, problem.requestLimit),
      ...limitRows(columnOfPair, problem.pairsOfProvider, problem.providerLimit),
      ...partyRows,
      ...eventRow,
    ],
    binary: false,
  });
  if (outcome.values) pairs.forEach((pair, column) => (pairValues[pair] = outcome.values![column]!));
  return { ...(outcome.status === 'optimal' && outcome.bound !== undefined ? { bound: outcome.bound } : {}), pairValues };
}
