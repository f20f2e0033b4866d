/**
 * Turns a schedule into the public result: concrete rooms, meetings in time order, and the
 * pairs the time-free matching chose that got no meeting, each with the reason.
 */
import {
  INSTANCE_FORMAT_WITH_RULES,
  RESULT_FORMAT,
  RESULT_FORMAT_WITH_RULES,
  type MatchingResult,
  type Meeting,
  type SolveStats,
  type UnscheduledPair,
} from './instance.schema.ts';
import { DAILY_CAP_REACHED, LIMIT_OK, sumScores, type Schedule } from './schedule.ts';

export const UNSCHEDULED_REASONS = {
  noCommonFreeSlot: 'no common free slot',
  noLongSlot: 'no common free slot of the length it needs',
  requestFull: 'request already has maxMatches meetings',
  providerFull: 'provider already at capacity',
  noRoom: 'no room free at any common free slot',
  partiesBooked: 'a party is in another meeting at every common free slot',
  dailyCap: 'daily cap reached',
  noBreak: 'no break',
} as const;

/**
 * Gives each meeting a room of its room group (problem.ts), so only a room free for the whole
 * slot. Meetings are taken by start time and each gets the group's first room free by then; since
 * at no moment does a group run more meetings than it has rooms, this never runs out (interval
 * graphs are colourable with as many colours as their largest clique).
 */
export function assignRooms(schedule: Schedule): Meeting[] {
  const { problem } = schedule;
  const { instance } = problem;
  const meetings = schedule
    .scheduledPairs()
    .map((pair) => ({ pair, slot: schedule.slotOfPair[pair]! }))
    .sort((a, b) => a.slot - b.slot || a.pair - b.pair); // slots are indexed by start time
  const roomFreeFrom = instance.rooms.map(() => -Infinity);
  return meetings.map(({ pair, slot }) => {
    const { start, end, id } = problem.slots[slot]!;
    const room = problem.roomGroups[schedule.groupOfPair[pair]!]?.rooms.find((r) => roomFreeFrom[r]! <= start);
    if (room === undefined) throw new Error(`no room left for slot ${id}; the schedule breaks the room constraint`);
    roomFreeFrom[room] = end;
    const { request, requests, provider, providers, score } = problem.pairs[pair]!;
    return {
      request: instance.requests[request]!.id,
      ...alsoRequestsOf(problem, requests),
      provider: instance.providers[provider]!.id,
      ...alsoProvidersOf(problem, providers),
      slot: id,
      room: instance.rooms[room]!.id,
      score,
    };
  });
}

/** `alsoRequests` of a result row: the other requests a pair serves, present only when there are some. */
function alsoRequestsOf(problem: Schedule['problem'], requests: readonly number[]): { alsoRequests?: string[] } {
  return requests.length > 1 ? { alsoRequests: requests.slice(1).map((r) => problem.instance.requests[r]!.id) } : {};
}

/** `alsoProviders` of a result row: the other providers in the meeting, present only when there are some. */
function alsoProvidersOf(problem: Schedule['problem'], providers: readonly number[]): { alsoProviders?: string[] } {
  return providers.length > 1 ? { alsoProviders: providers.slice(1).map((p) => problem.instance.providers[p]!.id) } : {};
}

function reasonUnscheduled(schedule: Schedule, pair: number): string {
  const { problem } = schedule;
  const { requests, freeAtSomeLength, providers, commonFreeSlots, candidateSlots, parties } = problem.pairs[pair]!;
  if (commonFreeSlots.length === 0) return freeAtSomeLength ? UNSCHEDULED_REASONS.noLongSlot : UNSCHEDULED_REASONS.noCommonFreeSlot;
  if (candidateSlots.length === 0) return UNSCHEDULED_REASONS.noRoom; // every room busy at every common free slot
  if (requests.some((request) => schedule.requestMeetings[request]! >= problem.requestLimit[request]!)) return UNSCHEDULED_REASONS.requestFull;
  if (providers.some((provider) => schedule.providerMeetings[provider]! >= problem.providerLimit[provider]!)) return UNSCHEDULED_REASONS.providerFull;
  // The candidate slots pass through the checks in order; the reason is the check that none passes.
  const partiesFree = candidateSlots.filter((s) => parties.every((party) => schedule.isPartyAvailable(party, s)));
  if (partiesFree.length === 0) return UNSCHEDULED_REASONS.partiesBooked;
  const limitsAt = partiesFree.map((s) => parties.map((party) => schedule.limitAt(party, s)));
  if (limitsAt.every((found) => found.includes(DAILY_CAP_REACHED))) return UNSCHEDULED_REASONS.dailyCap;
  if (limitsAt.every((found) => found.some((limit) => limit !== LIMIT_OK))) return UNSCHEDULED_REASONS.noBreak;
  return UNSCHEDULED_REASONS.noRoom;
}

export function buildResult(
  schedule: Schedule,
  chosenIgnoringTime: ReadonlySet<number>,
  stats: SolveStats,
): MatchingResult {
  const { problem } = schedule;
  const meetings = assignRooms(schedule);
  const unscheduled: UnscheduledPair[] = [...chosenIgnoringTime]
    .filter((pair) => !schedule.isScheduled(pair))
    .sort((a, b) => problem.pairs[b]!.score - problem.pairs[a]!.score || a - b)
    .map((pair) => ({
      request: problem.instance.requests[problem.pairs[pair]!.request]!.id,
      ...alsoRequestsOf(problem, problem.pairs[pair]!.requests),
      provider: problem.instance.providers[problem.pairs[pair]!.provider]!.id,
      ...alsoProvidersOf(problem, problem.pairs[pair]!.providers),
      reason: reasonUnscheduled(schedule, pair),
    }));
  return {
    // A version 2 instance gets a version 2 result: its schedule keeps the instance's rules, and its
    // reasons may say so (`daily cap reached`, `no break`), which a version 1 reader does not know.
    format: problem.instance.format === INSTANCE_FORMAT_WITH_RULES ? RESULT_FORMAT_WITH_RULES : RESULT_FORMAT,
    objective: sumScores(meetings.map((m) => m.score)),
    meetings,
    unscheduled,
    stats,
  };
}
