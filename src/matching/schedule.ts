/**
 * A schedule under construction: which slot each pair meets in (or none), with the counters that
 * make "can this pair meet in this slot?" a constant-time-ish question. Every solver builds its
 * answer through `place`/`remove`, which keep the schedule feasible by construction.
 */
import type { MatchingProblem } from './problem.ts';

export const UNSCHEDULED = -1;

export class Schedule {
  readonly problem: MatchingProblem;
  /** Slot of each pair, or UNSCHEDULED. */
  readonly slotOfPair: Int32Array;
  readonly requestMeetings: Int32Array;
  readonly providerMeetings: Int32Array;
  /** partyMeetingsOverlapping[party * slotCount + s]: the party's meetings overlapping slot s. */
  readonly partyMeetingsOverlapping: Int32Array;
  /** Meetings in progress in each moment (maximal set of overlapping slots). */
  readonly momentMeetings: Int32Array;
  /** Pairs meeting in each slot. */
  readonly pairsInSlot: Set<number>[];
  /** Scheduled pairs of each party. */
  readonly meetingsOfParty: Set<number>[];
  /** Running sum of the scheduled scores (see exactObjective). */
  objective = 0;

  constructor(problem: MatchingProblem) {
    this.problem = problem;
    this.slotOfPair = new Int32Array(problem.pairs.length).fill(UNSCHEDULED);
    this.requestMeetings = new Int32Array(problem.requestLimit.length);
    this.providerMeetings = new Int32Array(problem.providerLimit.length);
    this.partyMeetingsOverlapping = new Int32Array(problem.partyNames.length * problem.slots.length);
    this.momentMeetings = new Int32Array(problem.moments.length);
    this.pairsInSlot = problem.slots.map(() => new Set<number>());
    this.meetingsOfParty = problem.partyNames.map(() => new Set<number>());
  }

  isScheduled(pair: number): boolean {
    return this.slotOfPair[pair] !== UNSCHEDULED;
  }

  /** Whether the request and the provider of `pair` can take one more meeting. */
  hasQuota(pair: number): boolean {
    const { request, provider } = this.problem.pairs[pair]!;
    return (
      this.requestMeetings[request]! < this.problem.requestLimit[request]! &&
      this.providerMeetings[provider]! < this.problem.providerLimit[provider]!
    );
  }

  /** Whether the party has no meeting overlapping slot s (busy time is already out of candidates). */
  isPartyAvailable(party: number, s: number): boolean {
    return this.partyMeetingsOverlapping[party * this.problem.slots.length + s] === 0;
  }

  /** Whether one more meeting fits in slot s without exceeding the rooms at any moment. */
  hasRoom(s: number): boolean {
    const rooms = this.problem.roomCount;
    for (const m of this.problem.slotMoments[s]!) if (this.momentMeetings[m]! >= rooms) return false;
    return true;
  }

  /** Whether `pair` (currently unscheduled) can meet in candidate slot s, ignoring quotas. */
  fitsInSlot(pair: number, s: number): boolean {
    for (const party of this.problem.pairs[pair]!.parties) if (!this.isPartyAvailable(party, s)) return false;
    return this.hasRoom(s);
  }

  place(pair: number, s: number): void {
    const { problem } = this;
    const p = problem.pairs[pair]!;
    if (this.slotOfPair[pair] !== UNSCHEDULED) throw new Error(`pair ${pair} is already scheduled`);
    this.slotOfPair[pair] = s;
    this.requestMeetings[p.request]!++;
    this.providerMeetings[p.provider]!++;
    const slotCount = problem.slots.length;
    for (const party of p.parties) {
      for (const o of problem.overlappingSlots[s]!) this.partyMeetingsOverlapping[party * slotCount + o]!++;
      this.meetingsOfParty[party]!.add(pair);
    }
    for (const m of problem.slotMoments[s]!) this.momentMeetings[m]!++;
    this.pairsInSlot[s]!.add(pair);
    this.objective += p.score;
  }

  remove(pair: number): number {
    const { problem } = this;
    const p = problem.pairs[pair]!;
    const s = this.slotOfPair[pair]!;
    if (s === UNSCHEDULED) throw new Error(`pair ${pair} is not scheduled`);
    this.slotOfPair[pair] = UNSCHEDULED;
    this.requestMeetings[p.request]!--;
    this.providerMeetings[p.provider]!--;
    const slotCount = problem.slots.length;
    for (const party of p.parties) {
      for (const o of problem.overlappingSlots[s]!) this.partyMeetingsOverlapping[party * slotCount + o]!--;
      this.meetingsOfParty[party]!.delete(pair);
    }
    for (const m of problem.slotMoments[s]!) this.momentMeetings[m]!--;
    this.pairsInSlot[s]!.delete(pair);
    this.objective -= p.score;
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

/** Sum in a fixed order so that equal schedules give bit-identical objectives. */
export function sumScores(scores: readonly number[]): number {
  let total = 0;
  for (const score of scores) total += score;
  return total;
}

/**
 * Places pairs in the given order wherever they fit (first fitting candidate slot), skipping
 * those that do not. Used to make any schedule maximal: after it, no unscheduled pair fits.
 */
export function fillGreedily(schedule: Schedule, pairOrder: readonly number[]): void {
  for (const pair of pairOrder) {
    if (schedule.isScheduled(pair) || !schedule.hasQuota(pair)) continue;
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
