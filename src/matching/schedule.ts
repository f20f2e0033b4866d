/**
 * A schedule under construction: which slot each pair meets in (or none), with the counters that
 * make "can this pair meet in this slot?" a constant-time-ish question. Every solver builds its
 * answer through `place`/`remove`, which keep the schedule feasible by construction.
 *
 * Each meeting holds a room group (problem.ts), not yet a room: a group takes at most as many
 * meetings at once as it has rooms, which is what lets result.ts give each meeting a concrete room
 * of its group. With one group per component (no busy rooms, or slots that do not overlap) this
 * is exactly the room constraint; with several groups in a component of overlapping slots, the
 * group a meeting is given can matter, and `place` takes the first that fits, most constrained
 * first (the MILP decides groups exactly, see milp.ts).
 *
 * With meeting limits (problem.ts, `limits`) a party also may not pass its daily cap, nor its most
 * meetings back to back: `fitsInSlot` and `fitsInSlotWithout` check both, so every solver that
 * builds through them keeps the limits too. Fixed meetings (problem.ts) are there from the start:
 * in the day counts, in the runs `limitAt` walks, and in the requesters served; never removed.
 */
import { NO_LIMIT, type MatchingProblem } from './problem.ts';

export const UNSCHEDULED = -1;
const UNKNOWN = -2;

/** What a party's meeting limits say of one more meeting in a slot (see `limitAt`). */
export const LIMIT_OK = 0;
export const DAILY_CAP_REACHED = 1;
export const NO_BREAK = 2;

export class Schedule {
  readonly problem: MatchingProblem;
  /** Slot of each pair, or UNSCHEDULED. */
  readonly slotOfPair: Int32Array;
  readonly requestMeetings: Int32Array;
  readonly providerMeetings: Int32Array;
  /** partyMeetingsOverlapping[party * slotCount + s]: the party's meetings overlapping slot s. */
  readonly partyMeetingsOverlapping: Int32Array;
  /** Room group of each scheduled pair (meaningless for unscheduled ones). */
  readonly groupOfPair: Int32Array;
  /**
   * Meetings of each room group in progress in each moment of its component, at
   * groupMomentMeetings[momentOffset[group] + moment].
   */
  readonly groupMomentMeetings: Int32Array;
  readonly momentOffset: Int32Array;
  /** Scheduled pairs of each party, in no particular order. */
  readonly meetingsOfParty: number[][];
  /** With meeting limits only: partyDayMeetings[party * dayCount + day], the party's meetings that day. */
  readonly partyDayMeetings: Int32Array;
  /** With meeting limits only: pairAtPartySlot[party * slotCount + s], the party's meeting in slot s or UNSCHEDULED. */
  readonly pairAtPartySlot: Int32Array;
  /** overlaps[a * slotCount + b]: whether slots a and b overlap (a slot overlaps itself). */
  private readonly overlaps: Uint8Array;
  /** inMoment[s * momentCount + m]: whether slot s is in moment m. */
  private readonly inMoment: Uint8Array;
  /**
   * fittingGroup(s) as last computed, or UNKNOWN: a meeting placed or removed in slot s changes
   * the counters of the moments of s, so it forgets the slots that overlap s (those sharing a moment).
   */
  private readonly fittingGroupOfSlot: Int32Array;
  /** Running sum of the scheduled scores (see exactObjective). */
  objective = 0;
  /** Meetings of each party as a requester (the party of the pair's request). */
  readonly requesterMeetings: Int32Array;
  /** Requesting parties with at least one meeting as requester: what fairness maximizes first. */
  served = 0;
  /**
   * Calls to place and to remove so far, so that a caller can keep what it derived from the schedule
   * until it changes (`version`), or until it changes in the one direction that matters: a placement
   * only takes room and time, a removal only gives them back. One that undoes its own changes
   * exactly may put the earlier counts back (`counts`, `restoreCounts`), provided nothing derived in
   * between is kept (the next change will reuse those counts).
   */
  placements = 0;
  removals = 0;

  constructor(problem: MatchingProblem) {
    this.problem = problem;
    this.slotOfPair = new Int32Array(problem.pairs.length).fill(UNSCHEDULED);
    this.requestMeetings = new Int32Array(problem.requestLimit.length);
    this.providerMeetings = new Int32Array(problem.providerLimit.length);
    this.partyMeetingsOverlapping = new Int32Array(problem.partyNames.length * problem.slots.length);
    this.groupOfPair = new Int32Array(problem.pairs.length).fill(UNSCHEDULED);
    this.momentOffset = new Int32Array(problem.roomGroups.length);
    let counters = 0;
    problem.roomGroups.forEach((group, g) => {
      const { firstMoment, endMoment } = problem.components[group.component]!;
      this.momentOffset[g] = counters - firstMoment;
      counters += endMoment - firstMoment;
    });
    this.groupMomentMeetings = new Int32Array(counters);
    this.meetingsOfParty = problem.partyNames.map(() => []);
    this.requesterMeetings = new Int32Array(problem.partyNames.length);
    for (const { requester } of problem.fixedMeetings) if (this.requesterMeetings[requester]!++ === 0) this.served++;
    const slotCount = problem.slots.length;
    const { limits } = problem;
    this.partyDayMeetings = limits ? Int32Array.from(limits.fixedDayMeetings) : new Int32Array(0);
    this.pairAtPartySlot = new Int32Array(limits ? problem.partyNames.length * slotCount : 0).fill(UNSCHEDULED);
    this.overlaps = new Uint8Array(slotCount * slotCount);
    problem.overlappingSlots.forEach((others, a) => others.forEach((b) => (this.overlaps[a * slotCount + b] = 1)));
    this.fittingGroupOfSlot = new Int32Array(slotCount).fill(UNKNOWN);
    this.inMoment = new Uint8Array(slotCount * problem.moments.length);
    problem.slotMoments.forEach((moments, s) => moments.forEach((m) => (this.inMoment[s * problem.moments.length + m] = 1)));
  }

  /** Changes with every place and remove. */
  get version(): number {
    return this.placements + this.removals;
  }

  counts(): readonly [placements: number, removals: number] {
    return [this.placements, this.removals];
  }

  /** Puts back the counts from before changes that were then undone exactly (same slots, same room groups). */
  restoreCounts([placements, removals]: readonly [number, number]): void {
    this.placements = placements;
    this.removals = removals;
  }

  /** Whether slots a and b overlap in time (a slot overlaps itself). */
  slotsOverlap(a: number, b: number): boolean {
    return this.overlaps[a * this.problem.slots.length + b] === 1;
  }

  isScheduled(pair: number): boolean {
    return this.slotOfPair[pair] !== UNSCHEDULED;
  }

  /** Whether every request the pair serves and every provider in it can take one more meeting. */
  hasQuota(pair: number): boolean {
    const { requests, providers } = this.problem.pairs[pair]!;
    for (const request of requests) if (this.requestMeetings[request]! >= this.problem.requestLimit[request]!) return false;
    for (const provider of providers) if (this.providerMeetings[provider]! >= this.problem.providerLimit[provider]!) return false;
    return true;
  }

  /** What `hasQuota(pair)` would answer once the scheduled pairs `without` and `alsoWithout` were removed. */
  hasQuotaWithout(pair: number, without: number, alsoWithout = without): boolean {
    const { pairs, requestLimit, providerLimit } = this.problem;
    const gone = alsoWithout !== without ? [pairs[without]!, pairs[alsoWithout]!] : [pairs[without]!];
    const { requests, providers } = pairs[pair]!;
    for (const request of requests) {
      let meetings = this.requestMeetings[request]!;
      for (const other of gone) if (other.requests.includes(request)) meetings--;
      if (meetings >= requestLimit[request]!) return false;
    }
    for (const provider of providers) {
      let meetings = this.providerMeetings[provider]!;
      for (const other of gone) if (other.providers.includes(provider)) meetings--;
      if (meetings >= providerLimit[provider]!) return false;
    }
    return true;
  }

  /** Whether the party has no meeting overlapping slot s (busy time is already out of candidates). */
  isPartyAvailable(party: number, s: number): boolean {
    return this.partyMeetingsOverlapping[party * this.problem.slots.length + s] === 0;
  }

  /** Whether room group g (free for slot s) can take one more meeting in slot s at every moment of it. */
  groupHasRoom(g: number, s: number): boolean {
    const rooms = this.problem.roomGroups[g]!.rooms.length;
    const offset = this.momentOffset[g]!;
    for (const m of this.problem.slotMoments[s]!) if (this.groupMomentMeetings[offset + m]! >= rooms) return false;
    return true;
  }

  /** The first room group (most constrained first) that can take one more meeting in slot s, or -1. */
  fittingGroup(s: number): number {
    let found = this.fittingGroupOfSlot[s]!;
    if (found === UNKNOWN) {
      found = -1;
      for (const g of this.problem.slotRoomGroups[s]!) {
        if (this.groupHasRoom(g, s)) {
          found = g;
          break;
        }
      }
      this.fittingGroupOfSlot[s] = found;
    }
    return found;
  }

  /** Whether one more meeting fits in slot s: some room free for s has no meeting then. */
  hasRoom(s: number): boolean {
    return this.fittingGroup(s) >= 0;
  }

  /** Whether `pair` (currently unscheduled) can meet in candidate slot s, ignoring quotas. */
  fitsInSlot(pair: number, s: number): boolean {
    const { parties } = this.problem.pairs[pair]!;
    for (const party of parties) if (!this.isPartyAvailable(party, s)) return false;
    if (this.problem.limits) for (const party of parties) if (this.limitAt(party, s) !== LIMIT_OK) return false;
    return this.hasRoom(s);
  }

  /**
   * What the party's meeting limits say of one more meeting of it in slot s, as if the scheduled
   * meetings `without` and `alsoWithout` (pairs, or UNSCHEDULED for none) were not there:
   * LIMIT_OK, DAILY_CAP_REACHED (it has its cap of meetings that day), or NO_BREAK (it would make
   * a run of more than its most meetings back to back). LIMIT_OK without limits.
   */
  limitAt(party: number, s: number, without = UNSCHEDULED, alsoWithout = UNSCHEDULED): number {
    const { limits } = this.problem;
    if (!limits) return LIMIT_OK;
    // The hottest check of the heuristic and the local search: no closure and no array per call.
    const cap = limits.dailyCap[party]!;
    if (cap !== NO_LIMIT) {
      const day = limits.dayOfSlot[s]!;
      let meetings = this.partyDayMeetings[party * limits.dayCount + day]!;
      if (meetings >= cap) {
        if (this.meetsOnDay(without, party, day)) meetings--;
        if (alsoWithout !== without && this.meetsOnDay(alsoWithout, party, day)) meetings--;
        if (meetings >= cap) return DAILY_CAP_REACHED;
      }
    }
    const most = limits.maxConsecutive[party]!;
    if (most === NO_LIMIT) return LIMIT_OK;
    // A run of more than `most` needs `most` other meetings of the party (links with distinct ends):
    // most parties have fewer, and the walks below are then not needed.
    if (this.meetingsOfParty[party]!.length + (limits.fixedEndingAt[party]?.size ?? 0) < most) return LIMIT_OK;
    // A party's meetings never overlap, so at most one of them ends the instant a slot starts, and
    // one starts when it ends: the run through s is one chain, walked both ways. A link is a
    // scheduled meeting, or else a fixed one (`at` is then -1, and only its instant is known).
    const { slots } = this.problem;
    let run = 1;
    const fixedBefore = limits.fixedEndingAt[party];
    for (let at = s, instant = slots[s]!.start; run <= most; ) {
      const before = this.partyMeetingIn(at >= 0 ? limits.slotsEndingAtStart[at] : limits.slotsEndingAt.get(instant), party, without, alsoWithout);
      const fixedStart = before === UNSCHEDULED ? fixedBefore?.get(instant) : undefined;
      if (before === UNSCHEDULED && fixedStart === undefined) break;
      run++;
      at = before !== UNSCHEDULED ? before : -1;
      instant = before !== UNSCHEDULED ? slots[before]!.start : fixedStart!;
    }
    const fixedAfter = limits.fixedStartingAt[party];
    for (let at = s, instant = slots[s]!.end; run <= most; ) {
      const after = this.partyMeetingIn(at >= 0 ? limits.slotsStartingAtEnd[at] : limits.slotsStartingAt.get(instant), party, without, alsoWithout);
      const fixedEnd = after === UNSCHEDULED ? fixedAfter?.get(instant) : undefined;
      if (after === UNSCHEDULED && fixedEnd === undefined) break;
      run++;
      at = after !== UNSCHEDULED ? after : -1;
      instant = after !== UNSCHEDULED ? slots[after]!.end : fixedEnd!;
    }
    return run <= most ? LIMIT_OK : NO_BREAK;
  }

  /** Whether scheduled pair `pair` (or UNSCHEDULED) is a meeting of `party` on `day`. */
  private meetsOnDay(pair: number, party: number, day: number): boolean {
    if (pair === UNSCHEDULED) return false;
    const at = this.slotOfPair[pair]!;
    return at !== UNSCHEDULED && this.problem.limits!.dayOfSlot[at] === day && this.problem.pairs[pair]!.parties.includes(party);
  }

  /** The first of these slots in which the party meets (not counting `without` and `alsoWithout`), or UNSCHEDULED. */
  private partyMeetingIn(candidates: readonly number[] | undefined, party: number, without: number, alsoWithout: number): number {
    if (!candidates) return UNSCHEDULED;
    const offset = party * this.problem.slots.length;
    for (let i = 0; i < candidates.length; i++) {
      const t = candidates[i]!;
      const other = this.pairAtPartySlot[offset + t]!;
      if (other !== UNSCHEDULED && other !== without && other !== alsoWithout) return t;
    }
    return UNSCHEDULED;
  }

  /**
   * Whether `pair` (unscheduled) could meet in candidate slot s once the scheduled meetings
   * `without` and, if given, `alsoWithout` (another one, or the same) were removed: what
   * `fitsInSlot` would answer after `remove`, without changing anything.
   */
  fitsInSlotWithout(pair: number, s: number, without: number, alsoWithout = without): boolean {
    const { problem } = this;
    const slotCount = problem.slots.length;
    const a = this.slotOfPair[without]!;
    const b = this.slotOfPair[alsoWithout]!;
    const aParties = problem.pairs[without]!.parties;
    const bParties = problem.pairs[alsoWithout]!.parties;
    for (const party of problem.pairs[pair]!.parties) {
      let meetings = this.partyMeetingsOverlapping[party * slotCount + s]!;
      if (meetings === 0) continue;
      if (this.overlaps[a * slotCount + s] && aParties.includes(party)) meetings--;
      if (alsoWithout !== without && this.overlaps[b * slotCount + s] && bParties.includes(party)) meetings--;
      if (meetings > 0) return false;
    }
    if (problem.limits) {
      for (const party of problem.pairs[pair]!.parties) if (this.limitAt(party, s, without, alsoWithout) !== LIMIT_OK) return false;
    }
    const momentCount = problem.moments.length;
    const aGroup = this.groupOfPair[without]!;
    const bGroup = alsoWithout !== without ? this.groupOfPair[alsoWithout]! : -1;
    for (const g of problem.slotRoomGroups[s]!) {
      const rooms = problem.roomGroups[g]!.rooms.length;
      const offset = this.momentOffset[g]!;
      let fits = true;
      for (const m of problem.slotMoments[s]!) {
        let meetings = this.groupMomentMeetings[offset + m]!;
        if (meetings < rooms) continue;
        if (g === aGroup && this.inMoment[a * momentCount + m]) meetings--;
        if (g === bGroup && this.inMoment[b * momentCount + m]) meetings--;
        if (meetings >= rooms) {
          fits = false;
          break;
        }
      }
      if (fits) return true;
    }
    return false;
  }

  /**
   * Schedules `pair` in slot s, in room group `group` when given and able to take it, else in the
   * first group that can. The caller checks parties and quotas (fitsInSlot, hasQuota); rooms are
   * checked here, since a meeting without a room would break the result.
   */
  place(pair: number, s: number, group?: number): void {
    const { problem } = this;
    const p = problem.pairs[pair]!;
    if (this.slotOfPair[pair] !== UNSCHEDULED) throw new Error(`pair ${pair} is already scheduled`);
    const g =
      group !== undefined && problem.slotRoomGroups[s]!.includes(group) && this.groupHasRoom(group, s)
        ? group
        : this.fittingGroup(s);
    if (g < 0) throw new Error(`no room left in slot ${problem.slots[s]!.id} for pair ${pair}`);
    this.slotOfPair[pair] = s;
    this.groupOfPair[pair] = g;
    for (const request of p.requests) this.requestMeetings[request]!++;
    for (const provider of p.providers) this.providerMeetings[provider]!++;
    const slotCount = problem.slots.length;
    for (const party of p.parties) {
      for (const o of problem.overlappingSlots[s]!) this.partyMeetingsOverlapping[party * slotCount + o]!++;
      this.meetingsOfParty[party]!.push(pair);
    }
    if (problem.limits) {
      for (const party of p.parties) {
        this.partyDayMeetings[party * problem.limits.dayCount + problem.limits.dayOfSlot[s]!]!++;
        this.pairAtPartySlot[party * slotCount + s] = pair;
      }
    }
    const offset = this.momentOffset[g]!;
    for (const m of problem.slotMoments[s]!) this.groupMomentMeetings[offset + m]!++;
    for (const o of problem.overlappingSlots[s]!) this.fittingGroupOfSlot[o] = UNKNOWN;
    this.objective += p.score;
    if (this.requesterMeetings[problem.requestParty[p.request]!]!++ === 0) this.served++;
    this.placements++;
  }

  /** Unschedules `pair`; returns its slot (its group is still in groupOfPair until this call). */
  remove(pair: number): number {
    const { problem } = this;
    const p = problem.pairs[pair]!;
    const s = this.slotOfPair[pair]!;
    if (s === UNSCHEDULED) throw new Error(`pair ${pair} is not scheduled`);
    this.slotOfPair[pair] = UNSCHEDULED;
    for (const request of p.requests) this.requestMeetings[request]!--;
    for (const provider of p.providers) this.providerMeetings[provider]!--;
    const slotCount = problem.slots.length;
    for (const party of p.parties) {
      for (const o of problem.overlappingSlots[s]!) this.partyMeetingsOverlapping[party * slotCount + o]!--;
      const meetings = this.meetingsOfParty[party]!;
      const at = meetings.indexOf(pair);
      meetings[at] = meetings[meetings.length - 1]!;
      meetings.pop();
    }
    if (problem.limits) {
      for (const party of p.parties) {
        this.partyDayMeetings[party * problem.limits.dayCount + problem.limits.dayOfSlot[s]!]!--;
        this.pairAtPartySlot[party * slotCount + s] = UNSCHEDULED;
      }
    }
    const offset = this.momentOffset[this.groupOfPair[pair]!]!;
    for (const m of problem.slotMoments[s]!) this.groupMomentMeetings[offset + m]!--;
    for (const o of problem.overlappingSlots[s]!) this.fittingGroupOfSlot[o] = UNKNOWN;
    this.groupOfPair[pair] = UNSCHEDULED;
    this.objective -= p.score;
    if (--this.requesterMeetings[problem.requestParty[p.request]!]! === 0) this.served--;
    this.removals++;
    return s;
  }

  /** Scheduled pairs, in pair order. */
  scheduledPairs(): number[] {
    const pairs: number[] = [];
    this.slotOfPair.forEach((s, pair) => {
      if (s !== UNSCHEDULED) pairs.push(pair);
    });
    return pairs;
  }

  /** The objective recomputed from scratch (the running sum drifts by rounding after many moves). */
  exactObjective(): number {
    return sumScores(this.scheduledPairs().map((pair) => this.problem.pairs[pair]!.score));
  }
}

/**
 * Whether schedule `a` is better than `b`: a higher score, or with fairness (problem.ts) more
 * requesting parties served, and only on a tie a higher score.
 */
export function isBetter(a: Schedule, b: Schedule): boolean {
  if (a.problem.fairness && a.served !== b.served) return a.served > b.served;
  return a.exactObjective() > b.exactObjective();
}

/**
 * The change in served requesting parties if `pair` were scheduled once the scheduled pairs
 * `removed` were taken out: +1 if its requester would get its first meeting, -1 for each other
 * requester that would lose its last. 0 without fairness.
 */
export function servedChange(schedule: Schedule, pair: number, removed: readonly number[]): number {
  const { problem } = schedule;
  if (!problem.fairness) return 0;
  const requesterOf = (p: number) => problem.requestParty[problem.pairs[p]!.request]!;
  const left = new Map<number, number>();
  for (const other of removed) {
    const party = requesterOf(other);
    left.set(party, (left.get(party) ?? schedule.requesterMeetings[party]!) - 1);
  }
  let change = 0;
  for (const count of left.values()) if (count === 0) change--;
  const party = requesterOf(pair);
  if ((left.get(party) ?? schedule.requesterMeetings[party]!) === 0) change++;
  return change;
}

/** Sum in a fixed order so that equal schedules give bit-identical objectives. */
export function sumScores(scores: readonly number[]): number {
  let total = 0;
  for (const score of scores) total += score;
  return total;
}

/**
 * Places pairs in the given order wherever they fit (first fitting candidate slot), skipping
 * those that do not. Used to make any schedule maximal: after it, no unscheduled pair fits.
 * With `firstMeetingsOnly`, only pairs whose requesting party has no meeting yet (fairness).
 */
export function fillGreedily(schedule: Schedule, pairOrder: readonly number[], firstMeetingsOnly = false): void {
  const { problem } = schedule;
  for (const pair of pairOrder) {
    if (schedule.isScheduled(pair) || !schedule.hasQuota(pair)) continue;
    if (firstMeetingsOnly && schedule.requesterMeetings[problem.requestParty[problem.pairs[pair]!.request]!]! > 0) continue;
    for (const s of schedule.problem.pairs[pair]!.candidateSlots) {
      if (schedule.fitsInSlot(pair, s)) {
        schedule.place(pair, s);
        break;
      }
    }
  }
}

/** Pair indices by descending score; ties by instance order so runs are reproducible. */
export function pairsByScore(problem: MatchingProblem): number[] {
  return problem.pairs.map((_, i) => i).sort((a, b) => problem.pairs[b]!.score - problem.pairs[a]!.score || a - b);
}
