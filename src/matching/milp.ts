/**
 * The exact model, solved by HiGHS. One binary x[pair, slot] for each slot free of busy time
 * for both parties of the pair and with a room free for the whole slot. Rooms free at the same
 * slots are interchangeable, so they are counted per room group and moment rather than chosen
 * (problem.ts; concrete rooms are assigned afterwards, see assignRooms in result.ts):
 *
 *   maximize   sum score(pair) * x[pair, slot]
 *   subject to sum over slots of x[pair, .]                         <= 1            (each pair meets once)
 *              sum over pairs of a request of x                      <= maxMatches
 *              sum over pairs of a provider of x                     <= capacity
 *              for each party and moment: its x in the moment's slots <= 1            (one meeting at a time)
 *   with meeting limits (version 2, problem.ts), for each party with a limit:
 *              for each day: its x in the day's slots                 <= its daily cap - its fixed meetings that day
 *              for each chain of maxConsecutive + 1 meetings, each starting the instant the one before
 *              ends, each a slot or a fixed meeting of the party, at least one a slot:
 *                            its x in the chain's slots               <= the chain's slots - 1
 *              (= maxConsecutive without fixed meetings; a fixed meeting needs no slot of the grid)
 *   and rooms, per component of the slot overlap graph:
 *   - one room group (no busy rooms, or a slot that overlaps no other):
 *              for each moment: all x in the moment's slots          <= |group|       (= rooms free in the slot)
 *   - several groups (overlapping slots whose free rooms differ): an integer y[slot, group] in
 *     [0, |group|] for each group free for the slot, the meetings of the slot that group hosts:
 *              for each slot: all x in the slot - sum of its y       <= 0
 *              for each group and moment: its y in the moment's slots <= |group|
 *
 * With fairness (problem.ts), a binary z[party] for each requesting party that could meet and that
 * no fixed meeting serves already, 1 only if it meets as a requester, weighed above every score
 * together:
 *
 *   maximize   W * sum of z + sum score(pair) * x[pair, slot],   W = 1 + sum of all scores
 *   subject to z[party] - sum of the x of the party's requests         <= 0
 *
 * so the optimum serves the most requesters and, among such schedules, scores most: exactly the
 * lexicographic order. The gap HiGHS may stop at is scaled so that it allows the same slack on the
 * score as without fairness, and the bound is turned back into one on the score.
 *
 * A moment is a maximal set of mutually overlapping slots, so the party rows are exactly "no two
 * overlapping meetings for a party" and the room rows "no more meetings of a group at once than
 * it has rooms", which is what assignRooms needs. Counting all rooms free in some slot of a moment
 * would not do once rooms are busy at different times: with slots A, B, C where B overlaps A and
 * C, room 1 free for A and B only and room 2 for B and C only, every moment has two rooms for its
 * two meetings, yet A, B and C cannot all meet (B would need room 1 next to A and room 2 next to C).
 */
import type { Highs } from 'highs';
import { solvePacking, type PackingOptions, type PackingRow } from './highs.ts';
import { NO_LIMIT, pairHasAnyQuota, type MatchingProblem } from './problem.ts';
import { Schedule } from './schedule.ts';

export interface ExactModel {
  /** Column j < columnPair.length is x: pair columnPair[j] in slot columnSlot[j]. */
  columnPair: Int32Array;
  columnSlot: Int32Array;
  /** Then the y columns: column columnPair.length + k is room group roomColumns[k].group in its slot. */
  roomColumns: { slot: number; group: number }[];
  gains: number[];
  columnUpper: number[];
  rows: PackingRow[];
  /** With fairness: the z columns (after x and y) and their requesting parties, and their weight W. */
  servedColumns: { column: number; party: number }[];
  servedWeight: number;
}

/** Pairs that could meet at all: some free common slot, quota on both sides, at least one room. */
function schedulablePairs(problem: MatchingProblem): number[] {
  if (problem.roomCount === 0) return [];
  return problem.pairs.flatMap((pair, i) =>
    pair.candidateSlots.length > 0 && pairHasAnyQuota(problem, pair) ? [i] : [],
  );
}

/** Number of binary variables the exact model would have. */
export function countExactVariables(problem: MatchingProblem): number {
  if (problem.roomCount === 0) return 0;
  let count = 0;
  for (const pair of problem.pairs) if (pairHasAnyQuota(problem, pair)) count += pair.candidateSlots.length;
  return count;
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

  if (problem.limits) {
    for (const party of partiesWithColumns) addLimitRows(problem, party, (s) => columnsByPartySlot.get(party * slotCount + s), addRow);
  }

  const columnsBySlot: number[][] = problem.slots.map(() => []);
  columnSlot.forEach((s, column) => columnsBySlot[s]!.push(column));
  const roomColumns = addRoomRows(problem, columnsBySlot, columnPair.length, rows, addRow);

  const xGains = columnPair.map((pair) => problem.pairs[pair]!.score);
  const servedColumns: { column: number; party: number }[] = [];
  // Above any sum of scores, so one more requester served outweighs them all.
  const servedWeight = 1 + pairs.reduce((sum, pair) => sum + problem.pairs[pair]!.score, 0);
  if (problem.fairness) {
    const requesterColumns = new Map<number, number[]>();
    columnPair.forEach((pair, column) => {
      const party = problem.requestParty[problem.pairs[pair]!.request]!;
      requesterColumns.set(party, [...(requesterColumns.get(party) ?? []), column]);
    });
    for (const [party, columns] of requesterColumns) {
      if (problem.servedBefore[party]) continue; // served whatever the schedule: a constant
      const column = columnPair.length + roomColumns.length + servedColumns.length;
      servedColumns.push({ column, party });
      rows.push({ columns: [column], minus: columns, upper: 0 });
    }
  }
  return {
    columnPair: Int32Array.from(columnPair),
    columnSlot: Int32Array.from(columnSlot),
    roomColumns,
    gains: [...xGains, ...roomColumns.map(() => 0), ...servedColumns.map(() => servedWeight)],
    columnUpper: [
      ...xGains.map(() => 1),
      ...roomColumns.map(({ group }) => problem.roomGroups[group]!.rooms.length),
      ...servedColumns.map(() => 1),
    ],
    rows,
    servedColumns,
    servedWeight,
  };
}

/**
 * The rows of one party's meeting limits (see the file comment): one per day, its cap less its
 * fixed meetings that day, and one per chain of maxConsecutive + 1 back-to-back meetings, each in a
 * slot where the party could meet or one of its fixed meetings, with at least one slot. A party is
 * in at most one meeting per slot (its moment rows), so "not all of the chain's slots" is exactly
 * "no run longer than maxConsecutive": every longer run through a new meeting holds such a chain
 * around it. Chains are found from each slot and fixed meeting forward; on a grid of back-to-back
 * slots there is one per slot, and a slot is followed by as many chains as there are slots (or
 * fixed meetings) starting when it ends (a handful, even with overlapping tracks).
 */
function addLimitRows(
  problem: MatchingProblem,
  party: number,
  columnsIn: (slot: number) => number[] | undefined,
  addRow: (columns: number[], upper: number) => void,
): void {
  const limits = problem.limits!;
  const cap = limits.dailyCap[party]!;
  if (cap !== NO_LIMIT) {
    const ofDay: number[][] = Array.from({ length: limits.dayCount }, () => []);
    problem.slots.forEach((_, s) => ofDay[limits.dayOfSlot[s]!]!.push(...(columnsIn(s) ?? [])));
    ofDay.forEach((columns, day) => addRow(columns, Math.max(0, cap - limits.fixedDayMeetings[party * limits.dayCount + day]!)));
  }
  const most = limits.maxConsecutive[party]!;
  if (most === NO_LIMIT) return;
  // The chain so far: its slots, and its length counting fixed meetings.
  const chainSlots: number[] = [];
  let length = 0;
  const fixedStartingAt = limits.fixedStartingAt[party];
  /** Adds a link (slot s, or a fixed meeting when s is -1) that ends at `end`, and goes on from it. */
  const extend = (s: number, end: number) => {
    if (s >= 0) chainSlots.push(s);
    length++;
    if (length === most + 1) {
      if (chainSlots.length > 0) addRow(chainSlots.flatMap((t) => columnsIn(t)!), chainSlots.length - 1);
    } else {
      for (const next of s >= 0 ? limits.slotsStartingAtEnd[s]! : (limits.slotsStartingAt.get(end) ?? [])) {
        if (columnsIn(next)) extend(next, problem.slots[next]!.end);
      }
      const fixedEnd = fixedStartingAt?.get(end);
      if (fixedEnd !== undefined) extend(-1, fixedEnd);
    }
    length--;
    if (s >= 0) chainSlots.pop();
  };
  problem.slots.forEach((slot, s) => {
    if (columnsIn(s)) extend(s, slot.end);
  });
  for (const end of fixedStartingAt?.values() ?? []) extend(-1, end);
}

/** The room rows of each component (see the file comment); returns the y columns it adds. */
function addRoomRows(
  problem: MatchingProblem,
  columnsBySlot: readonly (readonly number[])[],
  firstRoomColumn: number,
  rows: PackingRow[],
  addRow: (columns: number[], upper: number) => void,
): { slot: number; group: number }[] {
  const roomColumns: { slot: number; group: number }[] = [];
  for (const component of problem.components) {
    const moments = problem.moments.slice(component.firstMoment, component.endMoment);
    const used = component.slots.filter((s) => columnsBySlot[s]!.length > 0);
    const groups = new Set(used.flatMap((s) => problem.slotRoomGroups[s]!));
    if (groups.size <= 1) {
      // Every used slot has the same free rooms: count them per moment.
      const rooms = used.length > 0 ? problem.roomsFreeInSlot[used[0]!]! : 0;
      for (const moment of moments) addRow(moment.flatMap((s) => columnsBySlot[s]!), rooms);
      continue;
    }
    // columnOf.get(`${s}:${g}`): the y column of group g in slot s.
    const columnOf = new Map<string, number>();
    for (const s of used) {
      const ys: number[] = [];
      for (const group of problem.slotRoomGroups[s]!) {
        const column = firstRoomColumn + roomColumns.length;
        roomColumns.push({ slot: s, group });
        columnOf.set(`${s}:${group}`, column);
        ys.push(column);
      }
      rows.push({ columns: columnsBySlot[s]!, minus: ys, upper: 0 });
    }
    for (const group of groups) {
      const rooms = problem.roomGroups[group]!.rooms.length;
      for (const moment of moments) {
        const ys = moment.flatMap((s) => {
          const column = columnOf.get(`${s}:${group}`);
          return column === undefined ? [] : [column];
        });
        if (ys.length > 1) rows.push({ columns: ys, upper: rooms }); // one alone is held by its bound
      }
    }
  }
  return roomColumns;
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
  options: Pick<PackingOptions, 'timeLimitSeconds' | 'shouldStop' | 'onMipProgress'> & { mipGap: number; start?: Schedule },
): ExactOutcome {
  const model = buildExactModel(problem);
  const start = options.start ? startingValues(model, options.start) : undefined;
  // With fairness the objective is W * served + score: HiGHS's figures are turned back into scores
  // (served = floor(objective / W), as the score part is below W), and its relative gap is scaled
  // to allow the same slack on the score as without fairness.
  const weight = model.servedWeight;
  const fair = model.servedColumns.length > 0;
  const scoreBound = (bound: number | undefined, objective: number | undefined) =>
    bound === undefined || objective === undefined ? undefined : bound - weight * Math.floor(objective / weight + 1e-9);
  const scoreOf = (objective: number | undefined) => (objective === undefined ? undefined : objective - weight * Math.floor(objective / weight + 1e-9));
  const scoreScale = weight - 1;
  const mipGap = fair ? (options.mipGap * Math.max(1, scoreScale)) / (weight * model.servedColumns.length + scoreScale) : options.mipGap;
  const onMipProgress = options.onMipProgress;
  const outcome = solvePacking(
    highs,
    { gains: model.gains, columnUpper: model.columnUpper, rows: model.rows, binary: true },
    {
      ...(options.timeLimitSeconds !== undefined ? { timeLimitSeconds: options.timeLimitSeconds } : {}),
      mipGap,
      ...(start ? { start } : {}),
      ...(options.shouldStop ? { shouldStop: options.shouldStop } : {}),
      ...(onMipProgress
        ? {
            onMipProgress: fair
              ? (objective: number | undefined, bound: number | undefined) => onMipProgress(scoreOf(objective), scoreBound(bound, objective))
              : onMipProgress,
          }
        : {}),
    },
  );
  const bound = fair ? scoreBound(outcome.bound, outcome.objective) : outcome.bound;
  const result: ExactOutcome = {
    provenOptimal: outcome.status === 'optimal',
    ...(bound !== undefined ? { bound } : {}),
  };
  if (!outcome.values) return result;

  // Read the 0/1 solution back through the schedule, which refuses anything infeasible
  // (a value within HiGHS's tolerances that is not really integer is read as rounded). Each
  // meeting takes a room group the y values leave room in, so the groups are the model's.
  const values = outcome.values;
  const groupBudget = new Map<string, number>();
  model.roomColumns.forEach(({ slot, group }, k) => {
    const count = Math.round(values[model.columnPair.length + k]!);
    if (count > 0) groupBudget.set(`${slot}:${group}`, count);
  });
  const schedule = new Schedule(problem);
  model.columnPair.forEach((pair, column) => {
    const s = model.columnSlot[column]!;
    if (values[column]! > 0.5 && !schedule.isScheduled(pair) && schedule.hasQuota(pair) && schedule.fitsInSlot(pair, s)) {
      const group = problem.slotRoomGroups[s]!.find(
        (g) => (groupBudget.get(`${s}:${g}`) ?? 0) > 0 && schedule.groupHasRoom(g, s),
      );
      schedule.place(pair, s, group);
      const key = `${s}:${schedule.groupOfPair[pair]!}`;
      groupBudget.set(key, (groupBudget.get(key) ?? 0) - 1);
    }
  });
  return { ...result, schedule };
}

/** The columns of a schedule: x from its slots, y from the room groups its meetings hold. */
function startingValues(model: ExactModel, schedule: Schedule): Float64Array {
  const values = new Float64Array(model.gains.length);
  model.columnPair.forEach((pair, column) => {
    values[column] = schedule.slotOfPair[pair] === model.columnSlot[column] ? 1 : 0;
  });
  const held = new Map<string, number>();
  for (const pair of schedule.scheduledPairs()) {
    const key = `${schedule.slotOfPair[pair]!}:${schedule.groupOfPair[pair]!}`;
    held.set(key, (held.get(key) ?? 0) + 1);
  }
  model.roomColumns.forEach(({ slot, group }, k) => {
    values[model.columnPair.length + k] = held.get(`${slot}:${group}`) ?? 0;
  });
  for (const { column, party } of model.servedColumns) values[column] = schedule.requesterMeetings[party]! > 0 ? 1 : 0;
  return values;
}
