/**
 * Constructive schedules: the baseline greedy (best score first, first slot that fits) and the
 * least-damage greedy the heuristic starts from (best score first, the fitting slot its parties
 * and the rooms need least for the pairs still waiting).
 */
import type { MatchingProblem } from './problem.ts';
import { Schedule, fillGreedily, pairsByScore } from './schedule.ts';

/**
 * Baseline: pairs by descending score (pairsByScore, if the caller has it), each in its earliest
 * slot that still fits. With fairness, a first pass gives each requesting party its first meeting
 * (in the same order), so that no second or third meeting takes the place of anyone's first.
 */
export function scheduleGreedily(problem: MatchingProblem, byScore: readonly number[] = pairsByScore(problem)): Schedule {
  const schedule = new Schedule(problem);
  if (problem.fairness) fillGreedily(schedule, byScore, true);
  fillGreedily(schedule, byScore);
  return schedule;
}

/**
 * Pairs in the given order; each goes to the fitting slot with the least demand from the pairs
 * still waiting: the waiting pairs of its parties that could use that time, plus the waiting
 * pairs per room free for that slot that could use it.
 */
export function scheduleLeastDamage(problem: MatchingProblem, pairOrder: readonly number[]): Schedule {
  const schedule = new Schedule(problem);
  const slotCount = problem.slots.length;
  // waitingByParty[party * slotCount + s]: waiting pairs of the party that could meet in s.
  const waitingByParty = new Float64Array(problem.partyNames.length * slotCount);
  const waitingBySlot = new Float64Array(slotCount);
  const waiting = new Uint8Array(problem.pairs.length);
  const forget = (pair: number) => {
    if (!waiting[pair]) return;
    waiting[pair] = 0;
    const { parties, candidateSlots } = problem.pairs[pair]!;
    for (const s of candidateSlots) {
      waitingBySlot[s]!--;
      for (const party of parties) waitingByParty[party * slotCount + s]!--;
    }
  };
  for (const pair of pairOrder) {
    waiting[pair] = 1;
    const { parties, candidateSlots } = problem.pairs[pair]!;
    for (const s of candidateSlots) {
      waitingBySlot[s]!++;
      for (const party of parties) waitingByParty[party * slotCount + s]!++;
    }
  }
  const roomsFor = problem.roomsFreeInSlot.map((rooms) => Math.max(1, rooms));

  for (const pair of pairOrder) {
    forget(pair);
    if (!schedule.hasQuota(pair)) continue;
    const { parties, candidateSlots } = problem.pairs[pair]!;
    let bestSlot = -1;
    let bestDamage = Infinity;
    for (const s of candidateSlots) {
      if (!schedule.fitsInSlot(pair, s)) continue;
      let damage = 0;
      for (const party of parties) {
        for (const o of problem.overlappingSlots[s]!) damage += waitingByParty[party * slotCount + o]!;
      }
      for (const o of problem.overlappingSlots[s]!) damage += waitingBySlot[o]! / roomsFor[o]!;
      if (damage < bestDamage) {
        bestDamage = damage;
        bestSlot = s;
      }
    }
    if (bestSlot < 0) continue;
    schedule.place(pair, bestSlot);
    // Pairs whose request or provider is now full will never be placed: stop counting them.
    const { requests, providers } = problem.pairs[pair]!;
    for (const request of requests) {
      if (schedule.requestMeetings[request] === problem.requestLimit[request]) problem.pairsOfRequest[request]!.forEach(forget);
    }
    for (const provider of providers) {
      if (schedule.providerMeetings[provider] === problem.providerLimit[provider]) problem.pairsOfProvider[provider]!.forEach(forget);
    }
  }
  return schedule;
}

/**
 * The order with each requesting party's first pair in it moved to the front (in the order's
 * order; none for a party a fixed meeting already serves), then the rest: how the least-damage start gives every requester a chance at a first
 * meeting before anyone's second (fairness).
 */
export function firstMeetingsFirst(problem: MatchingProblem, order: readonly number[]): number[] {
  const seen = new Set<number>();
  const first: number[] = [];
  const rest: number[] = [];
  for (const pair of order) {
    const party = problem.requestParty[problem.pairs[pair]!.request]!;
    if (seen.has(party) || problem.servedBefore[party]) rest.push(pair);
    else {
      seen.add(party);
      first.push(pair);
    }
  }
  return [...first, ...rest];
}
