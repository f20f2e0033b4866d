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

export interface TimeBudgetModel {
  /** Column j is pair pairOfColumn[j]. */
  pairOfColumn: number[];
  gains: number[];
  columnUpper: number[];
  /** Request, provider and shared party budgets. */
  rows: PackingRow[];
  /** The rooms' budget, when the others do not already imply it. */
  eventRow?: PackingRow;
}

/** The time-aware relaxation's LP (see the file comment); needs at least one room. */
export function buildTimeBudgetModel(problem: MatchingProblem): TimeBudgetModel {
  const requestCount = problem.requestLimit.length;
  const providerCount = problem.providerLimit.length;
  const slotCount = problem.slots.length;

  // x columns: the pairs that could meet.
  const columnOfPair = new Int32Array(problem.pairs.length).fill(-1);
  const pairOfColumn: number[] = [];
  problem.pairs.forEach((pair, i) => {
    if (pair.candidateSlots.length > 0 && problem.requestLimit[pair.request]! > 0 && problem.providerLimit[pair.provider]! > 0) {
      columnOfPair[i] = pairOfColumn.length;
      pairOfColumn.push(i);
    }
  });
  const columnsOfRequest = new Int32Array(requestCount);
  const columnsOfProvider = new Int32Array(providerCount);
  for (const pair of pairOfColumn) {
    columnsOfRequest[problem.pairs[pair]!.request]!++;
    columnsOfProvider[problem.pairs[pair]!.provider]!++;
  }

  // Each request and provider takes at most its limit; a party at most as many meetings as it has
  // non-overlapping usable slots. A party of one request (or one provider) folds its budget into
  // that one's row.
  const requestUpper = Float64Array.from(problem.requestLimit, (limit, r) => Math.min(limit, columnsOfRequest[r]!));
  const providerUpper = Float64Array.from(problem.providerLimit, (limit, p) => Math.min(limit, columnsOfProvider[p]!));
  const partyCount = problem.partyNames.length;
  const partyRequests: number[][] = Array.from({ length: partyCount }, () => []);
  const partyProviders: number[][] = Array.from({ length: partyCount }, () => []);
  for (let r = 0; r < requestCount; r++) if (columnsOfRequest[r]! > 0) partyRequests[problem.requestParty[r]!]!.push(r);
  for (let p = 0; p < providerCount; p++) if (columnsOfProvider[p]! > 0) partyProviders[problem.providerParty[p]!]!.push(p);
  const usable = new Uint8Array(slotCount);
  const mostOfParty = (party: number) => {
    usable.fill(0);
    const mark = (pairsOf: readonly number[]) => {
      for (const pair of pairsOf) if (columnOfPair[pair]! >= 0) for (const s of problem.pairs[pair]!.candidateSlots) usable[s] = 1;
    };
    for (const r of partyRequests[party]!) mark(problem.pairsOfRequest[r]!);
    for (const p of partyProviders[party]!) mark(problem.pairsOfProvider[p]!);
    return maxDisjointSlots(problem, (s) => usable[s] === 1);
  };
  /** Parties of several members whose budget may bind: [party, most]. */
  const sharedBudgets: [number, number][] = [];
  for (let party = 0; party < partyCount; party++) {
    const requests = partyRequests[party]!;
    const providers = partyProviders[party]!;
    const members = requests.length + providers.length;
    if (members === 0) continue;
    const most = mostOfParty(party);
    if (members === 1) {
      if (requests.length === 1) requestUpper[requests[0]!] = Math.min(requestUpper[requests[0]!]!, most);
      else providerUpper[providers[0]!] = Math.min(providerUpper[providers[0]!]!, most);
      continue;
    }
    let caps = 0;
    for (const r of requests) caps += requestUpper[r]!;
    for (const p of providers) caps += providerUpper[p]!;
    if (caps > most) sharedBudgets.push([party, most]);
  }
  // A room group's rooms are free at the same slots of their component, and slots of different
  // components never overlap, so summing over groups is summing over rooms.
  const eventMost = problem.roomGroups.reduce((sum, group) => {
    const free = new Set(group.slots);
    return sum + group.rooms.length * maxDisjointSlots(problem, (s) => free.has(s));
  }, 0);
  const mostMeetings = Math.min(
    pairOfColumn.length,
    requestUpper.reduce((a, b) => a + b, 0),
    providerUpper.reduce((a, b) => a + b, 0),
  );
  const eventBinds = mostMeetings > eventMost;

  const gains = pairOfColumn.map((pair) => problem.pairs[pair]!.score);
  const columnUpper: number[] = pairOfColumn.map(() => 1);
  const rows: PackingRow[] = [];
  const xColumnsOf = (pairsOf: readonly number[]) => {
    const columns: number[] = [];
    for (const pair of pairsOf) if (columnOfPair[pair]! >= 0) columns.push(columnOfPair[pair]!);
    return columns;
  };
  for (let p = 0; p < providerCount; p++) {
    if (columnsOfProvider[p]! > providerUpper[p]!) rows.push({ columns: xColumnsOf(problem.pairsOfProvider[p]!), upper: providerUpper[p]! });
  }
  for (let r = 0; r < requestCount; r++) {
    if (columnsOfRequest[r]! > requestUpper[r]!) rows.push({ columns: xColumnsOf(problem.pairsOfRequest[r]!), upper: requestUpper[r]! });
  }
  for (const [party, most] of sharedBudgets) {
    const columns = new Set<number>();
    for (const r of partyRequests[party]!) for (const c of xColumnsOf(problem.pairsOfRequest[r]!)) columns.add(c);
    for (const p of partyProviders[party]!) for (const c of xColumnsOf(problem.pairsOfProvider[p]!)) columns.add(c);
    rows.push({ columns: [...columns], upper: most });
  }
  const eventRow = eventBinds ? { columns: pairOfColumn.map((_, column) => column), upper: eventMost } : undefined;
  return { pairOfColumn, gains, columnUpper, rows, ...(eventRow ? { eventRow } : {}) };
}

/** The time-aware relaxation (see the file comment): its bound and the pairs it picks. */
export function matchWithTimeBudgets(highs: Highs, problem: MatchingProblem): TimeAwareMatching {
  const pairValues = new Float64Array(problem.pairs.length);
  if (problem.roomCount === 0) return { bound: 0, pairValues };
  const { pairOfColumn, gains, columnUpper, rows, eventRow } = buildTimeBudgetModel(problem);
  if (eventRow) rows.push(eventRow);
  const outcome = solvePacking(highs, { gains, columnUpper, rows, binary: false });
  if (outcome.values) pairOfColumn.forEach((pair, column) => (pairValues[pair] = outcome.values![column]!));
  return { ...(outcome.status === 'optimal' && outcome.bound !== undefined ? { bound: outcome.bound } : {}), pairValues };
}
