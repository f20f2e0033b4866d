/**
 * Improves a feasible schedule by strictly improving moves, each of which keeps it feasible:
 *
 * - insert an unscheduled pair where it fits;
 * - insert it after moving one meeting that blocks it (a meeting of one of its parties at an
 *   overlapping time, or one holding the last room of a room group free for the slot) to another
 *   slot;
 * - insert it in place of a cheaper meeting that blocks it in a slot;
 * - when its request or provider is full, insert it in place of that side's cheapest meeting(s);
 * - with meeting limits, when only a party's daily cap or run keeps it out of a slot: take out one
 *   of that party's meetings of the day, put the pair in, then move the meeting taken out to
 *   another slot, or else fill the room it leaves with the best waiting pairs of its parties (one
 *   meeting traded for two, around a cap or a run); kept only if the schedule is then better.
 *
 * Work is bounded by passes over the unscheduled pairs, so runs are reproducible; a caller with a
 * clock may also stop it (`shouldStop`, asked every 256 pairs), and it ends once the schedule meets
 * a known upper bound. Candidate blockers are listed once per pass (and checked again before any
 * move); a move is tried by asking whether the pair would fit without the meetings it displaces
 * (Schedule.fitsInSlotWithout), and the schedule changes only for a move that is made. A pass over
 * 50,000 pairs takes 0.1-0.3 s.
 *
 * With fairness (problem.ts), a move improves when it serves more requesting parties, or as many
 * and raises the score: a blocker of any score may then make way for a requester's first meeting,
 * and no move takes a requester's last meeting for a better score. With meeting limits, every move
 * keeps them (the schedule checks them), and the last move above aims at the meetings that hold a
 * party's cap or run; it tries a few of them per pair (MAX_LIMIT_EXCHANGES) and refills from a few
 * waiting pairs (MAX_REFILL_TRIES), so exchanges of more meetings than that stay the exact model's.
 */
import { servableRequesters, type MatchingProblem } from './problem.ts';
import { LIMIT_OK, pairsByScore, servedChange, UNSCHEDULED, type Schedule } from './schedule.ts';

export interface LocalSearchOptions {
  /** Passes over the unscheduled pairs. */
  maxPasses?: number;
  /** Stop when a pass raises the objective by less than this fraction. */
  minPassGain?: number;
  /** Room-holding meetings tried per slot (bounds the work when slots hold many meetings). */
  maxRoomBlockersPerSlot?: number;
  /** An upper bound on the objective: the search ends when it is reached (no move could improve). */
  bound?: number;
  /** The pairs by descending score (pairsByScore), if the caller has them already. */
  order?: readonly number[];
  /** Asked between passes and every few hundred pairs: true stops the search (the time limit is spent). */
  shouldStop?: () => boolean;
  /** Called after each pass with the objective so far. */
  onPass?: (objective: number) => void;
  /** Called every few hundred pairs with the objective so far (e.g. to report progress now and then). */
  onCheckpoint?: (objective: number) => void;
}

/** Pairs tried between two questions to `shouldStop`. */
const STOP_CHECK_EVERY = 256;

const EPSILON = 1e-9;

/** Meetings of a party taken out, one at a time, to let one pair past the party's limits. */
const MAX_LIMIT_EXCHANGES = 4;
/** Waiting pairs tried to fill the room such a meeting leaves. */
const MAX_REFILL_TRIES = 24;

/** Improves the schedule in place; returns false when `shouldStop` cut it short. */
export function improveSchedule(schedule: Schedule, options: LocalSearchOptions = {}): boolean {
  const maxPasses = options.maxPasses ?? 8;
  const minPassGain = options.minPassGain ?? 1e-6;
  const shouldStop = options.shouldStop ?? (() => false);
  const { problem } = schedule;
  const order = options.order ?? pairsByScore(problem);
  // With fairness, the score bound proves nothing unless every requester that could meet does.
  const allServed = () => !problem.fairness || schedule.served >= servableRequesters(problem);
  const reached = (objective: number) =>
    options.bound !== undefined && objective >= options.bound - 1e-9 * Math.max(1, Math.abs(options.bound)) && allServed();
  const cheapestFirst = {
    ofRequest: cheapestFirstLists(problem, problem.pairsOfRequest),
    ofProvider: cheapestFirstLists(problem, problem.pairsOfProvider),
  };
  const canMove = new CanMoveAlone(schedule);
  // With limits: each party's pairs by descending score, for the exchanges around a cap or a run.
  const pairsOfParty = problem.limits ? partyPairLists(problem, order) : undefined;
  for (let pass = 0; pass < maxPasses; pass++) {
    if (shouldStop()) return false;
    const before = schedule.objective;
    const servedBefore = schedule.served;
    const moves = new ImprovingMoves(schedule, options.maxRoomBlockersPerSlot ?? 16, cheapestFirst, canMove, pairsOfParty);
    let tried = 0;
    for (const pair of order) {
      if (++tried % STOP_CHECK_EVERY === 0) {
        if (shouldStop()) return false;
        options.onCheckpoint?.(schedule.objective);
      }
      if (!schedule.isScheduled(pair)) moves.tryInsert(pair);
    }
    options.onPass?.(schedule.objective);
    const gained = schedule.served > servedBefore || schedule.objective - before > minPassGain * Math.max(1, Math.abs(before));
    if (!gained || reached(schedule.objective)) break;
  }
  return true;
}

/** The pairs of each party, in the given order. */
function partyPairLists(problem: MatchingProblem, order: readonly number[]): number[][] {
  const lists: number[][] = problem.partyNames.map(() => []);
  for (const pair of order) for (const party of problem.pairs[pair]!.parties) lists[party]!.push(pair);
  return lists;
}

/** Pair lists sorted by ascending score, per request and per provider. */
function cheapestFirstLists(problem: MatchingProblem, lists: readonly (readonly number[])[]): number[][] {
  return lists.map((pairs) => [...pairs].sort((a, b) => problem.pairs[a]!.score - problem.pairs[b]!.score));
}

class ImprovingMoves {
  private readonly problem: MatchingProblem;
  /** Per slot and room group, its meetings that could move to another slot, as of the start of the pass. */
  private readonly movableIn: SlotGroupLists;
  /** Per slot and room group, its meetings by ascending score, as of the start of the pass. */
  private readonly cheapestIn: SlotGroupLists;
  private readonly requestPairsCheapestFirst: readonly (readonly number[])[];
  private readonly providerPairsCheapestFirst: readonly (readonly number[])[];

  constructor(
    private readonly schedule: Schedule,
    private readonly maxRoomBlockersPerSlot: number,
    cheapestFirst: { ofRequest: readonly (readonly number[])[]; ofProvider: readonly (readonly number[])[] },
    private readonly canMove: CanMoveAlone,
    private readonly pairsOfParty: readonly (readonly number[])[] | undefined,
  ) {
    const problem = schedule.problem;
    this.problem = problem;
    this.movableIn = new SlotGroupLists(problem);
    this.cheapestIn = new SlotGroupLists(problem);
    for (const pair of schedule.scheduledPairs()) {
      const s = schedule.slotOfPair[pair]!;
      const group = schedule.groupOfPair[pair]!;
      this.cheapestIn.append(s, group, pair);
      const canMove = problem.pairs[pair]!.candidateSlots.some(
        (to) => !problem.overlappingSlots[s]!.includes(to) && schedule.fitsInSlot(pair, to),
      );
      if (canMove) this.movableIn.append(s, group, pair);
    }
    this.cheapestIn.sortEach((a, b) => this.score(a) - this.score(b));
    this.conflictOfSlot = new Int32Array(problem.slots.length);
    this.movableHolders = problem.slots.map(() => []);
    this.movableHoldersVersion = new Float64Array(problem.slots.length).fill(-1);
    this.requestPairsCheapestFirst = cheapestFirst.ofRequest;
    this.providerPairsCheapestFirst = cheapestFirst.ofProvider;
  }

  private score(pair: number): number {
    return this.problem.pairs[pair]!.score;
  }

  /** Applies a move that schedules `pair` and raises the objective; false if it finds none. */
  tryInsert(pair: number): boolean {
    if (!this.schedule.hasQuota(pair)) return this.tryInsteadOfQuotaHolders(pair);
    if (this.tryPlace(pair)) return true;
    this.findConflicts(pair);
    return this.tryPlaceAfterRelocating(pair) || this.tryInsteadOfBlocker(pair) || this.tryAroundLimits(pair);
  }

  /**
   * When only a party's daily cap or run keeps the pair out of a candidate slot (its parties free
   * then): takes out one of that party's meetings of the slot's day that the pair fits without,
   * puts the pair in, and moves the meeting taken out to another slot, or else fills with waiting
   * pairs of its parties. Keeps the result if it serves more requesters, or as many and scores
   * more (fairness as elsewhere); else puts everything back.
   */
  private tryAroundLimits(pair: number): boolean {
    const { schedule, problem } = this;
    const limits = problem.limits;
    if (!limits || !this.pairsOfParty) return false;
    const { parties, candidateSlots } = problem.pairs[pair]!;
    let exchanges = 0;
    for (let k = 0; k < candidateSlots.length; k++) {
      if (this.conflictOfSlot[k] !== NO_CONFLICT) continue;
      const s = candidateSlots[k]!;
      for (const party of parties) {
        if (schedule.limitAt(party, s) === LIMIT_OK) continue;
        const day = limits.dayOfSlot[s]!;
        // A copy: an exchange put back leaves the party's list in another order.
        for (const blocker of schedule.meetingsOfParty[party]!.filter((other) => limits.dayOfSlot[schedule.slotOfPair[other]!] === day)) {
          if (!schedule.fitsInSlotWithout(pair, s, blocker)) continue;
          if (this.tryExchange(pair, s, blocker)) return true;
          if (++exchanges === MAX_LIMIT_EXCHANGES) return false;
        }
      }
    }
    return false;
  }

  /** The exchange of tryAroundLimits for one meeting taken out; true if it is kept. */
  private tryExchange(pair: number, s: number, blocker: number): boolean {
    const { schedule, problem } = this;
    const objectiveBefore = schedule.objective;
    const servedBefore = schedule.served;
    // Schedule.served counts with or without fairness; only fairness puts it first.
    const better = () =>
      problem.fairness && schedule.served !== servedBefore
        ? schedule.served > servedBefore
        : schedule.objective > objectiveBefore + EPSILON;
    const counts = schedule.counts();
    const group = schedule.groupOfPair[blocker]!;
    const from = schedule.remove(blocker);
    schedule.place(pair, s);
    if (schedule.hasQuota(blocker)) {
      for (const to of problem.pairs[blocker]!.candidateSlots) {
        if (to !== from && schedule.fitsInSlot(blocker, to)) {
          schedule.place(blocker, to);
          if (better()) return true;
          schedule.remove(blocker);
          break;
        }
      }
    }
    const added: number[] = [];
    if (!better()) {
      let tries = 0;
      for (const party of problem.pairs[blocker]!.parties) {
        for (const other of this.pairsOfParty![party]!) {
          if (tries >= MAX_REFILL_TRIES) break;
          if (other === blocker || schedule.isScheduled(other) || !schedule.hasQuota(other)) continue;
          const to = problem.pairs[other]!.candidateSlots.find((slot) => schedule.fitsInSlot(other, slot));
          if (to !== undefined) {
            schedule.place(other, to);
            added.push(other);
            if (better()) return true;
          }
          tries++;
        }
      }
    }
    if (better()) return true;
    for (let i = added.length - 1; i >= 0; i--) schedule.remove(added[i]!);
    schedule.remove(pair);
    schedule.place(blocker, from, group);
    schedule.restoreCounts(counts);
    return false;
  }

  /**
   * For the pair being tried, per candidate slot (by index), its parties' meetings overlapping the
   * slot: NO_CONFLICT, SEVERAL_CONFLICTS, or the one meeting. Both searches below read it; they
   * leave the schedule as they found it unless they make a move.
   */
  private readonly conflictOfSlot: Int32Array;
  /** roomHolders(s, movableIn, Infinity) as of schedule version movableHoldersVersion[s]. */
  private readonly movableHolders: number[][];
  private readonly movableHoldersVersion: Float64Array;

  private tryPlace(pair: number): boolean {
    for (const s of this.problem.pairs[pair]!.candidateSlots) {
      if (this.schedule.fitsInSlot(pair, s)) {
        this.schedule.place(pair, s);
        return true;
      }
    }
    return false;
  }

  /** Fills conflictOfSlot for `pair`: its parties' meetings overlapping each of its candidate slots. */
  private findConflicts(pair: number): void {
    const { schedule, problem } = this;
    const { parties, candidateSlots } = problem.pairs[pair]!;
    candidateSlots.forEach((s, k) => {
      let found = NO_CONFLICT;
      for (const party of parties) {
        if (schedule.isPartyAvailable(party, s)) continue;
        for (const other of schedule.meetingsOfParty[party]!) {
          if (other === found || !schedule.slotsOverlap(schedule.slotOfPair[other]!, s)) continue;
          if (found !== NO_CONFLICT) {
            found = SEVERAL_CONFLICTS;
            break;
          }
          found = other;
        }
        if (found === SEVERAL_CONFLICTS) break;
      }
      this.conflictOfSlot[k] = found;
    });
  }

  /**
   * Meetings holding rooms that slot s could use: for each room group free for s, the group's
   * meetings in the moments of s where it is full, taken from `lists` (per slot and group) in
   * their order up to the first that scores `below` or more; at most maxRoomBlockersPerSlot.
   */
  private roomHolders(s: number, lists: SlotGroupLists, below: number): number[] {
    const { schedule, problem } = this;
    const holders: number[] = [];
    if (lists.cheapestAround(s) >= below) return holders;
    for (const { moment, group, slots, slotLists, cheapest } of lists.around(s)) {
      if (cheapest >= below) continue; // every list here breaks at once
      if (schedule.groupMomentMeetings[schedule.momentOffset[group]! + moment]! < problem.roomGroups[group]!.rooms.length) continue;
      for (let k = 0; k < slotLists.length; k++) {
        const o = slots[k]!;
        for (const other of slotLists[k]!) {
          if (this.score(other) >= below) break;
          if (schedule.slotOfPair[other] !== o || schedule.groupOfPair[other] !== group || holders.includes(other)) continue;
          holders.push(other);
          if (holders.length === this.maxRoomBlockersPerSlot) return holders;
        }
      }
    }
    return holders;
  }

  /**
   * Meetings worth trying to take out so that the pair being tried fits in its k-th candidate slot
   * s: its single party conflict if it has one (none if several), else (rooms full) meetings
   * holding the rooms (see roomHolders).
   */
  private blockersAt(k: number, s: number, lists: SlotGroupLists, below = Infinity): readonly number[] {
    const conflict = this.conflictOfSlot[k]!;
    if (conflict === SEVERAL_CONFLICTS) return NOTHING;
    if (conflict !== NO_CONFLICT) return [conflict];
    if (lists !== this.movableIn || below !== Infinity) return this.roomHolders(s, lists, below);
    // The same for every pair until the schedule changes.
    if (this.movableHoldersVersion[s] !== this.schedule.version) {
      this.movableHolders[s] = this.roomHolders(s, lists, below);
      this.movableHoldersVersion[s] = this.schedule.version;
    }
    return this.movableHolders[s]!;
  }

  /** Moves one blocking meeting to another slot that fits, then places `pair`. */
  private tryPlaceAfterRelocating(pair: number): boolean {
    const { schedule } = this;
    const candidateSlots = this.problem.pairs[pair]!.candidateSlots;
    for (let k = 0; k < candidateSlots.length; k++) {
      const s = candidateSlots[k]!;
      for (const blocker of this.blockersAt(k, s, this.movableIn)) {
        if (!this.canMove.ask(blocker) || !schedule.fitsInSlotWithout(pair, s, blocker)) continue;
        const counts = schedule.counts();
        const group = schedule.groupOfPair[blocker]!;
        const from = schedule.remove(blocker);
        schedule.place(pair, s);
        for (const to of this.problem.pairs[blocker]!.candidateSlots) {
          if (to !== from && schedule.fitsInSlot(blocker, to)) {
            schedule.place(blocker, to);
            return true;
          }
        }
        schedule.remove(pair);
        schedule.place(blocker, from, group);
        schedule.restoreCounts(counts);
      }
    }
    return false;
  }

  /**
   * Replaces the cheapest blocking meeting whose removal lets `pair` in, if it scores less (with
   * fairness: if that serves one more requester, whatever the scores, or as many and scores less).
   */
  private tryInsteadOfBlocker(pair: number): boolean {
    const { schedule } = this;
    const firstMeeting = servedChange(schedule, pair, NOTHING) > 0;
    const gainLimit = firstMeeting ? Infinity : this.score(pair) - EPSILON;
    let best: { blocker: number; slot: number; loss: number; served: number } | undefined;
    const candidateSlots = this.problem.pairs[pair]!.candidateSlots;
    for (let k = 0; k < candidateSlots.length; k++) {
      const s = candidateSlots[k]!;
      for (const blocker of this.blockersAt(k, s, this.cheapestIn, gainLimit)) {
        const loss = this.score(blocker);
        const served = servedChange(schedule, pair, [blocker]);
        if (served < 0 || (served === 0 && loss >= this.score(pair) - EPSILON)) continue;
        if (best && (served < best.served || (served === best.served && loss >= best.loss))) continue;
        if (schedule.fitsInSlotWithout(pair, s, blocker)) best = { blocker, slot: s, loss, served };
      }
    }
    if (!best) return false;
    schedule.remove(best.blocker);
    schedule.place(pair, best.slot);
    return true;
  }

  /**
   * When the pair's request or provider is full: drop that side's cheapest meeting (one per full
   * side) if the pair then fits somewhere and scores more than what was dropped.
   */
  private tryInsteadOfQuotaHolders(pair: number): boolean {
    const { schedule, problem } = this;
    const { requests, providers, candidateSlots } = problem.pairs[pair]!;
    const gain = this.score(pair);
    // With fairness, a requester's first meeting may displace meetings of any score.
    const below = servedChange(schedule, pair, NOTHING) > 0 ? Infinity : gain;
    // A pair serving several requests: this move frees one of them (more is the exact model's).
    const full = requests.filter((r) => schedule.requestMeetings[r]! >= problem.requestLimit[r]!);
    if (full.length > 1) return false;
    const request = full[0] ?? requests[0]!;
    const requestFull = full.length === 1;
    // Likewise one full provider of a joint meeting.
    const fullProviders = providers.filter((p) => schedule.providerMeetings[p]! >= problem.providerLimit[p]!);
    if (fullProviders.length > 1) return false;
    const provider = fullProviders[0] ?? providers[0]!;
    const providerFull = fullProviders.length === 1;
    const fromRequest = requestFull ? this.cheapestScheduled(this.requestPairsCheapestFirst[request]!, below) : NONE;
    if (fromRequest.length === 0) return false;
    const fromProvider = providerFull ? this.cheapestScheduled(this.providerPairsCheapestFirst[provider]!, below) : NONE;
    for (const a of fromRequest) {
      for (const b of fromProvider) {
        // -1 stands for "nothing dropped on this side".
        const first = a >= 0 ? a : b;
        const second = b >= 0 ? b : first;
        if (first < 0) return false; // neither side is full: not a quota move
        const loss = this.score(first) + (second !== first ? this.score(second) : 0);
        const served = servedChange(schedule, pair, second !== first ? [first, second] : [first]);
        if (served < 0 || (served === 0 && loss >= gain - EPSILON)) continue;
        // The quotas hold once the dropped meetings are gone (each full side drops one of its own).
        if (!schedule.hasQuotaWithout(pair, first, second)) continue;
        const s = candidateSlots.find((slot) => schedule.fitsInSlotWithout(pair, slot, first, second));
        if (s === undefined) continue;
        schedule.remove(first);
        if (second !== first) schedule.remove(second);
        schedule.place(pair, s);
        return true;
      }
    }
    return false;
  }

  /** Up to three scheduled pairs of `pairs` (cheapest first) that score less than `below`. */
  private cheapestScheduled(pairs: readonly number[], below: number): number[] {
    const found: number[] = [];
    for (const other of pairs) {
      if (found.length === 3 || this.score(other) >= below) break;
      if (this.schedule.isScheduled(other)) found.push(other);
    }
    return found;
  }
}

const NO_CONFLICT = -1;
const SEVERAL_CONFLICTS = -2;
const NOTHING: readonly number[] = [];

/** One "nothing dropped" choice for a side that is not full. */
const NONE: readonly number[] = [-1];


/** Where the meetings of one room group in one moment may be listed: its slots' non-empty lists. */
interface MomentGroupLists {
  moment: number;
  group: number;
  /** Slots of the moment whose list for the group is not empty, and those lists. */
  slots: number[];
  slotLists: (readonly number[])[];
  /** Lowest score in those lists. */
  cheapest: number;
}

/**
 * Meetings listed per slot and room group at the start of a pass. `around(s)` gives, for each moment
 * of slot s and each room group free for s (in that order), the lists of the moment's slots for
 * the group, leaving out moment-group pairs with nothing listed: no entry is ever added during a
 * pass, so those can never yield a meeting, and with many room groups (rooms busy at different
 * times) most of them are empty.
 */
class SlotGroupLists {
  private readonly lists: (number[] | undefined)[];
  private readonly groupCount: number;
  private readonly aroundSlot: (MomentGroupLists[] | undefined)[];
  private readonly cheapestOfSlot: Float64Array;

  constructor(private readonly problem: MatchingProblem) {
    this.groupCount = problem.roomGroups.length;
    this.lists = new Array<number[] | undefined>(problem.slots.length * this.groupCount);
    this.aroundSlot = new Array<MomentGroupLists[] | undefined>(problem.slots.length);
    this.cheapestOfSlot = new Float64Array(problem.slots.length);
  }

  /** The lowest score listed around slot s (see `around`). */
  cheapestAround(s: number): number {
    this.around(s);
    return this.cheapestOfSlot[s]!;
  }

  append(slot: number, group: number, pair: number): void {
    const key = slot * this.groupCount + group;
    const list = this.lists[key];
    if (list) list.push(pair);
    else this.lists[key] = [pair];
  }

  sortEach(compare: (a: number, b: number) => number): void {
    for (const list of this.lists) list?.sort(compare);
  }

  around(s: number): readonly MomentGroupLists[] {
    let found = this.aroundSlot[s];
    if (found) return found;
    const { problem } = this;
    found = [];
    for (const moment of problem.slotMoments[s]!) {
      for (const group of problem.slotRoomGroups[s]!) {
        const entry: MomentGroupLists = { moment, group, slots: [], slotLists: [], cheapest: Infinity };
        for (const o of problem.moments[moment]!) {
          const list = this.lists[o * this.groupCount + group];
          if (!list) continue;
          entry.slots.push(o);
          entry.slotLists.push(list);
          for (const pair of list) entry.cheapest = Math.min(entry.cheapest, problem.pairs[pair]!.score);
        }
        if (entry.slots.length > 0) found.push(entry);
      }
    }
    this.aroundSlot[s] = found;
    this.cheapestOfSlot[s] = found.reduce((low, entry) => Math.min(low, entry.cheapest), Infinity);
    return found;
  }
}

/**
 * Whether a scheduled pair would fit in another of its slots if it were alone to move: needed for
 * it to make way for another pair (which only takes more room), and far cheaper to ask than trying
 * the move; most party conflicts fail it. Answers are kept for the whole search with the pair's slot
 * and the schedule's removals (for a no) or placements (for a yes) when found: a no stays a no until
 * something is removed, a yes stays a yes until something is placed, unless the pair moves.
 */
class CanMoveAlone {
  private readonly answer: Uint8Array;
  private readonly slotThen: Int32Array;
  private readonly stamp: Float64Array;

  constructor(private readonly schedule: Schedule) {
    const pairCount = schedule.problem.pairs.length;
    this.answer = new Uint8Array(pairCount);
    this.slotThen = new Int32Array(pairCount).fill(UNSCHEDULED);
    this.stamp = new Float64Array(pairCount);
  }

  ask(pair: number): boolean {
    const { schedule } = this;
    const from = schedule.slotOfPair[pair]!;
    const yes = this.answer[pair] === 1;
    if (this.slotThen[pair] !== from || this.stamp[pair] !== (yes ? schedule.placements : schedule.removals)) {
      const movable = schedule.problem.pairs[pair]!.candidateSlots.some(
        (to) => to !== from && schedule.fitsInSlotWithout(pair, to, pair),
      );
      this.answer[pair] = movable ? 1 : 0;
      this.slotThen[pair] = from;
      this.stamp[pair] = movable ? schedule.placements : schedule.removals;
    }
    return this.answer[pair] === 1;
  }
}
