/**
 * Matchings that leave the timetable out, solved as linear programs (both are network-flow
 * problems, so the LP optimum is the true optimum and its vertex is 0/1):
 *
 * - `matchIgnoringTime`: the best set of pairs within maxMatches and capacity alone. These are the
 *   pairs "the matching would choose"; those of them without a meeting are reported as unscheduled.
 *   (With pairs that serve several requests, `alsoRequests`, it is no longer a network: the few
 *   pairs its vertex leaves fractional are then settled by score. The relaxation below stays a
 *   linear program, whose optimum is still a bound, only a looser one.)
 * - `matchWithTimeBudgets`: the same, but only pairs with a common free slot, and no party or the whole
 *   event given more meetings than it has non-overlapping free slots (for the event: summed over
 *   the rooms, each counting only the slots it is free for). Its optimum
 *   is an upper bound on any schedule's objective, and its pairs are a good set to schedule first.
 *
 * The models are built with typed arrays, in one pass over the pairs: at 50,000 offers, building
 * them took longer than HiGHS took to solve them. Rows come in a fixed order (requests, providers,
 * parties by first appearance, the event), and that order is kept on purpose: another row set with
 * the same optimum (e.g. without the rows the others imply) leads HiGHS to another optimal vertex
 * among the many that tied scores allow, and with it another order for the heuristic's third start,
 * which ended lower on some generated instances and higher on others.
 */
import type { Highs } from 'highs';
import { solvePacking, type PackingRow } from './highs.ts';
import { maxDisjointSlots, NO_LIMIT, pairHasAnyQuota, type MatchingProblem } from './problem.ts';

/** Columns: the pairs both of whose sides can take a meeting and that `keep` accepts, in pair order. */
interface Columns {
  /** Column of each pair, or -1. */
  columnOfPair: Int32Array;
  /** Pair of each column. */
  pairOfColumn: number[];
}

function columnsFor(problem: MatchingProblem, keep: (pair: number) => boolean): Columns {
  const columnOfPair = new Int32Array(problem.pairs.length).fill(-1);
  const pairOfColumn: number[] = [];
  problem.pairs.forEach((pair, i) => {
    if (pairHasAnyQuota(problem, pair) && keep(i)) {
      columnOfPair[i] = pairOfColumn.length;
      pairOfColumn.push(i);
    }
  });
  return { columnOfPair, pairOfColumn };
}

/** One row per request (or provider) with more columns than its limit: at most its limit of them. */
function limitRows(
  { columnOfPair }: Columns,
  pairsOf: readonly (readonly number[])[],
  limits: readonly number[],
): PackingRow[] {
  const rows: PackingRow[] = [];
  pairsOf.forEach((ofOne, i) => {
    const columns: number[] = [];
    for (const pair of ofOne) if (columnOfPair[pair]! >= 0) columns.push(columnOfPair[pair]!);
    if (columns.length > limits[i]!) rows.push({ columns, upper: limits[i]! });
  });
  return rows;
}

const gainsOf = (problem: MatchingProblem, { pairOfColumn }: Columns) => pairOfColumn.map((pair) => problem.pairs[pair]!.score);

/**
 * The pairs of a best matching within maxMatches and capacity, ignoring time and rooms: the LP's
 * vertex, whole. A pair serving several requests (`alsoRequests`) or with several providers sits in
 * several rows, so the problem is no longer a network and a few of the vertex's values may be
 * fractional (8 of 22,120 at fifty times a forum); those pairs are then taken by score where every
 * request and provider they use has room left. That matching is within the fractional pairs' share
 * of the LP's bound of the best one; the 0/1 model that would close the gap took HiGHS's MIP 0.25-1.1 s
 * and 54 MB more of the optimizer thread's memory at that size (BENCHMARKS.md), for a report
 * (`unscheduled`) that only names pairs the matching would choose.
 */
export function matchIgnoringTime(highs: Highs, problem: MatchingProblem): Set<number> {
  const columns = columnsFor(problem, () => true);
  const outcome = solvePacking(highs, {
    gains: gainsOf(problem, columns),
    rows: [
      ...limitRows(columns, problem.pairsOfRequest, problem.requestLimit),
      ...limitRows(columns, problem.pairsOfProvider, problem.providerLimit),
    ],
    binary: false,
  });
  if (!outcome.values) throw new Error('the time-free matching LP found no solution');
  const values = outcome.values;
  const chosen = new Set<number>();
  const fractional: number[] = [];
  columns.pairOfColumn.forEach((pair, column) => {
    const value = values[column]!;
    if (value > 1 - WHOLE) chosen.add(pair);
    else if (value > WHOLE) fractional.push(pair);
  });
  if (fractional.length === 0) return chosen;
  const requestsLeft = [...problem.requestLimit];
  const providersLeft = [...problem.providerLimit];
  const take = (pair: number) => {
    for (const r of problem.pairs[pair]!.requests) requestsLeft[r]!--;
    for (const p of problem.pairs[pair]!.providers) providersLeft[p]!--;
  };
  for (const pair of chosen) take(pair);
  fractional.sort((a, b) => problem.pairs[b]!.score - problem.pairs[a]!.score || a - b);
  for (const pair of fractional) {
    const { requests, providers } = problem.pairs[pair]!;
    if (requests.every((r) => requestsLeft[r]! > 0) && providers.every((p) => providersLeft[p]! > 0)) {
      take(pair);
      chosen.add(pair);
    }
  }
  return chosen;
}

/** A value this close to 0 or 1 counts as whole (HiGHS's primal feasibility tolerance is 1e-7). */
const WHOLE = 1e-6;

export interface TimeAwareMatching {
  /** Upper bound on the objective of any schedule, if the LP was solved to optimality. */
  bound?: number;
  /** LP value of each pair in [0, 1] (nearly always 0 or 1): how much the relaxation wants it. */
  pairValues: Float64Array;
}

/**
 * A party's row: its pairs (those of its requests and of its providers, in pair order) may take no
 * more meetings than it has non-overlapping slots that some of them can use, and with a daily cap
 * (version 2 `rules`), no more on a day than its cap less its fixed meetings that day: the sum over
 * the days of the smaller of the two. Only when it has more pairs than that. (The run limit,
 * `maxConsecutive`, is not counted: the bound stays one, looser where runs bind.)
 */
function partyRows(problem: MatchingProblem, { pairOfColumn }: Columns): PackingRow[] {
  const partyCount = problem.partyNames.length;
  // Parties in order of first appearance among the pairs, and the columns of each.
  const order: number[] = [];
  const columnsOfParty: number[][] = new Array<number[]>(partyCount);
  const usable = new Uint8Array(partyCount * problem.slots.length);
  for (let column = 0; column < pairOfColumn.length; column++) {
    const { parties, candidateSlots } = problem.pairs[pairOfColumn[column]!]!;
    for (const party of parties) {
      let columns = columnsOfParty[party];
      if (!columns) {
        order.push(party);
        columnsOfParty[party] = columns = [];
      }
      columns.push(column);
      const at = party * problem.slots.length;
      for (const s of candidateSlots) usable[at + s] = 1;
    }
  }
  const rows: PackingRow[] = [];
  const inner = innerSlots(problem);
  for (const party of order) {
    const columns = columnsOfParty[party]!;
    const at = party * problem.slots.length;
    const cap = problem.limits?.dailyCap[party] ?? NO_LIMIT;
    const isUsable = (s: number) => usable[at + s] === 1;
    const most = cap >= NO_LIMIT ? maxDisjointSlots(problem, isUsable) : mostWithDailyCap(problem, party, cap, isUsable);
    // Without a daily cap (which counts meetings, not time), a long meeting weighs the usable slots it covers.
    const weights = cap >= NO_LIMIT && inner ? columns.map((column) => weightOf(problem, inner, pairOfColumn[column]!, isUsable)) : undefined;
    const load = weights ? weights.reduce((sum, w) => sum + w, 0) : columns.length;
    if (load > most) rows.push({ columns, upper: most, ...(weights && weights.some((w) => w > 1) ? { weights } : {}) });
  }
  return rows;
}

/**
 * For each slot, the slots inside it (itself included), by end; undefined when no slot holds another
 * (slots of one length, or none nested). A meeting in slot s keeps its room, and its parties, from
 * every slot inside s, so it weighs as many of them as can be disjoint: a valid coefficient for a row
 * whose limit counts disjoint slots (its rooms' capacity, a party's time), and a tighter one for the
 * long slots of joint meetings.
 */
function innerSlots(problem: MatchingProblem): (readonly number[])[] | undefined {
  const { slots } = problem;
  let nested = false;
  const inner = slots.map((outer, s) => {
    const inside = problem.overlappingSlots[s]!.filter((t) => slots[t]!.start >= outer.start && slots[t]!.end <= outer.end).sort((a, b) => slots[a]!.end - slots[b]!.end || a - b);
    if (inside.length > 1) nested = true;
    return inside;
  });
  return nested ? inner : undefined;
}

/** The fewest disjoint slots (among those `usable` accepts) inside any candidate slot of the pair: at least 1, its own. */
function weightOf(problem: MatchingProblem, inner: (readonly number[])[], pair: number, usable: (s: number) => boolean = () => true): number {
  let fewest = Infinity;
  for (const s of problem.pairs[pair]!.candidateSlots) {
    let count = 0;
    let freeFrom = -Infinity;
    for (const t of inner[s]!) {
      const slot = problem.slots[t]!;
      if (slot.start >= freeFrom && (t === s || usable(t))) {
        count++;
        freeFrom = slot.end;
      }
    }
    fewest = Math.min(fewest, Math.max(1, count));
    if (fewest === 1) break;
  }
  return Number.isFinite(fewest) ? fewest : 1;
}

/** Σ over days of min(the cap less the party's fixed meetings that day, its non-overlapping usable slots that day). */
function mostWithDailyCap(problem: MatchingProblem, party: number, cap: number, usable: (slot: number) => boolean): number {
  const { dayOfSlot, dayCount, fixedDayMeetings } = problem.limits!;
  let most = 0;
  for (let day = 0; day < dayCount; day++) {
    const left = Math.max(0, cap - fixedDayMeetings[party * dayCount + day]!);
    if (left > 0) most += Math.min(left, maxDisjointSlots(problem, (s) => dayOfSlot[s] === day && usable(s)));
  }
  return most;
}

/** The time-aware relaxation (see the file comment): its bound and the pairs it picks. */
export function matchWithTimeBudgets(highs: Highs, problem: MatchingProblem): TimeAwareMatching {
  const pairValues = new Float64Array(problem.pairs.length);
  if (problem.roomCount === 0) return { bound: 0, pairValues };
  const columns = columnsFor(problem, (pair) => problem.pairs[pair]!.candidateSlots.length > 0);
  const columnCount = columns.pairOfColumn.length;

  // A room group's rooms are free at the same slots of their component, and slots of different
  // components never overlap, so summing over groups is summing over rooms.
  const eventMost = problem.roomGroups.reduce((sum, group) => {
    const free = new Set(group.slots);
    return sum + group.rooms.length * maxDisjointSlots(problem, (s) => free.has(s));
  }, 0);
  // A long meeting (a joint one) weighs the slots it keeps its room from (innerSlots).
  const inner = innerSlots(problem);
  const eventWeights = inner ? columns.pairOfColumn.map((pair) => weightOf(problem, inner, pair)) : undefined;
  const eventLoad = eventWeights ? eventWeights.reduce((sum, w) => sum + w, 0) : columnCount;
  const eventRow = eventLoad > eventMost ? [{ columns: columns.pairOfColumn.map((_, column) => column), upper: eventMost, ...(eventWeights ? { weights: eventWeights } : {}) }] : [];

  const outcome = solvePacking(highs, {
    gains: gainsOf(problem, columns),
    rows: [
      ...limitRows(columns, problem.pairsOfRequest, problem.requestLimit),
      ...limitRows(columns, problem.pairsOfProvider, problem.providerLimit),
      ...partyRows(problem, columns),
      ...eventRow,
    ],
    binary: false,
  });
  if (outcome.values) columns.pairOfColumn.forEach((pair, column) => (pairValues[pair] = outcome.values![column]!));
  return { ...(outcome.status === 'optimal' && outcome.bound !== undefined ? { bound: outcome.bound } : {}), pairValues };
}
