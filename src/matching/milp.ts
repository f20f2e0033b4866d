/**
 * The exact model, solved by HiGHS. One binary x[pair, slot] for each slot free of busy time
 * for both parties of the pair; rooms are interchangeable, so they are counted per moment rather
 * than chosen (concrete rooms are assigned afterwards, see assignRooms in result.ts):
 *
 *   maximize   sum score(pair) * x[pair, slot]
 *   subject to sum over slots of x[pair, .]                         <= 1            (each pair meets once)
 *              sum over pairs of a request of x                      <= maxMatches
 *              sum over pairs of a provider of x                     <= capacity
 *              for each party and moment: its x in the moment's slots <= 1            (one meeting at a time)
 *              for each moment: all x in the moment's slots          <= rooms
 *
 * A moment is a maximal set of mutually overlapping slots, so the last two rows are exactly
 * "no two overlapping meetings for a party" and "no more meetings at once than rooms".
 */
import type { Highs } from 'highs';
import { solvePacking, type PackingRow } from './highs.ts';
import type { MatchingProblem } from './problem.ts';
import { Schedule } from './schedule.ts';

export interface ExactModel {
  /** Column j is pair columnPair[j] in slot columnSlot[j]. */
  columnPair: Int32Array;
  columnSlot: Int32Array;
  gains: number[];
  rows: PackingRow[];
}

/** Pairs that could meet at all: some free common slot, quota on both sides, at least one room. */
function schedulablePairs(problem: MatchingProblem): number[] {
  if (problem.roomCount === 0) return [];
  return problem.pairs.flatMap((pair, i) =>
    pair.candidateSlots.length > 0 &&
    problem.requestLimit[pair.request]! > 0 &&
    problem.providerLimit[pair.provider]! > 0
      ? [i]
      : [],
  );
}

/** Number of binary variables the exact model would have. */
export function countExactVariables(problem: MatchingProblem): number {
  return schedulablePairs(problem).reduce((sum, i) => sum + problem.pairs[i]!.candidateSlots.length, 0);
}

export function buildExactModel(problem: MatchingProblem): ExactModel {
  const pairs = schedulablePairs(problem);
  const columnPair: number[] = [];
  const columnSlot: number[] = [];
  const columnsOfPair = new Map<number, number[]>();
  for (const pair of pairs) {
    const columns: number[] = [];
    for (const s of problem.pairs[pair]!.candidateSlots) {
      columns.push(columnPair.length);
      columnPair.push(pair);
      columnSlot.push(s);
    }
    columnsOfPair.set(pair, columns);
  }
  const rows: PackingRow[] = [];
  const addRow = (columns: number[], upper: number) => {
    if (columns.length > upper) rows.push({ columns, upper });
  };

  for (const columns of columnsOfPair.values()) addRow(columns, 1);

  const limitRows = (pairsOf: readonly (readonly number[])[], limits: readonly number[]) =>
    pairsOf.forEach((ofOne, i) => {
      const meetingPairs = ofOne.filter((pair) => columnsOfPair.has(pair));
      if (meetingPairs.length > limits[i]!) addRow(meetingPairs.flatMap((pair) => columnsOfPair.get(pair)!), limits[i]!);
    });
  limitRows(problem.pairsOfRequest, problem.requestLimit);
  limitRows(problem.pairsOfProvider, problem.providerLimit);

  // Columns by party and slot, then one row per party and moment (skipping repeats of a row).
  const slotCount = problem.slots.length;
  const columnsByPartySlot = new Map<number, number[]>();
  columnPair.forEach((pair, column) => {
    for (const party of problem.pairs[pair]!.parties) {
      const key = party * slotCount + columnSlot[column]!;
      const list = columnsByPartySlot.get(key);
      if (list) list.push(column);
      else columnsByPartySlot.set(key, [column]);
    }
  });
  const partiesWithColumns = new Set([...columnsByPartySlot.keys()].map((key) => Math.floor(key / slotCount)));
  for (const party of partiesWithColumns) {
    const seen = new Set<string>();
    for (const moment of problem.moments) {
      const slotsUsed = moment.filter((s) => columnsByPartySlot.has(party * slotCount + s));
      const key = slotsUsed.join(',');
      if (slotsUsed.length === 0 || seen.has(key)) continue;
      seen.add(key);
      addRow(slotsUsed.flatMap((s) => columnsByPartySlot.get(party * slotCount + s)!), 1);
    }
  }

  const columnsBySlot: number[][] = problem.slots.map(() => []);
  columnSlot.forEach((s, column) => columnsBySlot[s]!.push(column));
  for (const moment of problem.moments) addRow(moment.flatMap((s) => columnsBySlot[s]!), problem.roomCount);

  return {
    columnPair: Int32Array.from(columnPair),
    columnSlot: Int32Array.from(columnSlot),
    gains: columnPair.map((pair) => problem.pairs[pair]!.score),
    rows,
  };
}

export interface ExactOutcome {
  /** The best schedule HiGHS found, or undefined if it found none in time. */
  schedule?: Schedule;
  /** Proven upper bound on the optimum. */
  bound?: number;
  provenOptimal: boolean;
}

export function solveExactly(
  highs: Highs,
  problem: MatchingProblem,
  options: { timeLimitSeconds: number; mipGap: number; start?: Schedule },
): ExactOutcome {
  const model = buildExactModel(problem);
  const start = options.start
    ? Float64Array.from(model.columnPair, (pair, column) =>
        options.start!.slotOfPair[pair] === model.columnSlot[column] ? 1 : 0,
      )
    : undefined;
  const outcome = solvePacking(
    highs,
    { gains: model.gains, rows: model.rows, binary: true },
    { timeLimitSeconds: options.timeLimitSeconds, mipGap: options.mipGap, ...(start ? { start } : {}) },
  );
  const result: ExactOutcome = {
    provenOptimal: outcome.status === 'optimal',
    ...(outcome.bound !== undefined ? { bound: outcome.bound } : {}),
  };
  if (!outcome.values) return result;

  // Read the 0/1 solution back through the schedule, which refuses anything infeasible
  // (a value within HiGHS's tolerances that is not really 0 or 1 is read as rounded).
  const schedule = new Schedule(problem);
  outcome.values.forEach((value, column) => {
    const pair = model.columnPair[column]!;
    const s = model.columnSlot[column]!;
    if (value > 0.5 && !schedule.isScheduled(pair) && schedule.hasQuota(pair) && schedule.fitsInSlot(pair, s)) {
      schedule.place(pair, s);
    }
  });
  return { ...result, schedule };
}
