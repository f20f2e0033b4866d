/**
 * Turns a validated instance into the indexed form the solvers work on: times in milliseconds,
 * parties as numbers, offers merged per (request, provider) pair, and for each pair the slots
 * clear of both sides' busy intervals.
 *
 * Rules decided here:
 * - A party is `party ?? id`, one namespace for requests and providers. Parties share time: a
 *   party is in at most one meeting at any moment, across all its requests (or providers).
 * - Busy intervals belong to the request or provider that lists them: a meeting may not overlap
 *   the busy intervals of its own request or its own provider. (Two requests of one party with
 *   different busy lists keep them apart; this reading reproduces the proven optima of
 *   examples/optima.json, the union over the party does not.)
 * - Two slots conflict when their times overlap (half-open), whatever their ids.
 * - Rooms are interchangeable; a room holds at most one meeting at any moment. So the room
 *   constraint is "at most `rooms` meetings in progress at any instant", checked on the maximal
 *   sets of mutually overlapping slots (for an interval graph these are the sets of slots in
 *   progress at some slot start).
 * - Repeated offers for one pair are one pair scored with the highest score.
 */
import { parseInstant, type Instance } from './instance.schema.ts';

export interface Pair {
  /** Index into instance.requests. */
  request: number;
  /** Index into instance.providers. */
  provider: number;
  score: number;
  /** Party indices of the pair: the request's, and the provider's unless it is the same party. */
  parties: readonly number[];
  /** Slots (indices, by start time) clear of the request's and the provider's busy intervals. */
  candidateSlots: readonly number[];
}

export interface MatchingProblem {
  instance: Instance;
  /** Slot indices sorted by start, then end, then instance order. `slots[i]` below are in this order. */
  slots: readonly { index: number; id: string; start: number; end: number }[];
  roomCount: number;
  /** For each slot, the slots whose time overlaps it, itself included. */
  overlappingSlots: readonly (readonly number[])[];
  /** Maximal sets of mutually overlapping slots ("moments"); each is a clique of the overlap graph. */
  moments: readonly (readonly number[])[];
  /** For each slot, the moments it belongs to. */
  slotMoments: readonly (readonly number[])[];
  partyNames: readonly string[];
  requestParty: readonly number[];
  providerParty: readonly number[];
  requestLimit: readonly number[];
  providerLimit: readonly number[];
  pairs: readonly Pair[];
  /** Pair indices of each request / provider. */
  pairsOfRequest: readonly (readonly number[])[];
  pairsOfProvider: readonly (readonly number[])[];
}

function overlaps(aStart: number, aEnd: number, bStart: number, bEnd: number): boolean {
  return aStart < bEnd && bStart < aEnd;
}

function instantOf(text: string): number {
  const ms = parseInstant(text);
  if (ms === undefined) throw new Error(`invalid instant ${text}; validate the instance with parseInstance first`);
  return ms;
}

export function compileProblem(instance: Instance): MatchingProblem {
  const slots = instance.slots
    .map((slot, index) => ({ index, id: slot.id, start: instantOf(slot.start), end: instantOf(slot.end) }))
    .sort((a, b) => a.start - b.start || a.end - b.end || a.index - b.index);

  const overlappingSlots = slots.map((a) =>
    slots.flatMap((b, j) => (overlaps(a.start, a.end, b.start, b.end) ? [j] : [])),
  );
  const moments = findMoments(slots);
  const slotMoments: number[][] = slots.map(() => []);
  moments.forEach((moment, m) => moment.forEach((s) => slotMoments[s]!.push(m)));

  const partyIndex = new Map<string, number>();
  const partyOf = (name: string) => {
    let index = partyIndex.get(name);
    if (index === undefined) partyIndex.set(name, (index = partyIndex.size));
    return index;
  };
  const requestParty = instance.requests.map((r) => partyOf(r.party ?? r.id));
  const providerParty = instance.providers.map((p) => partyOf(p.party ?? p.id));
  const partyNames = [...partyIndex.keys()];

  const freeSlotsOf = (busy: readonly (readonly [string, string])[]) => {
    const intervals = busy.map(([start, end]) => [instantOf(start), instantOf(end)] as const);
    return slots.map((slot) => intervals.every(([start, end]) => !overlaps(slot.start, slot.end, start, end)));
  };
  const requestFreeSlots = instance.requests.map((r) => freeSlotsOf(r.busy));
  const providerFreeSlots = instance.providers.map((p) => freeSlotsOf(p.busy));

  const requestIndex = new Map(instance.requests.map((r, i) => [r.id, i]));
  const providerIndex = new Map(instance.providers.map((p, i) => [p.id, i]));
  const pairByKey = new Map<string, Pair>();
  for (const offer of instance.offers) {
    const request = requestIndex.get(offer.request)!;
    const provider = providerIndex.get(offer.provider)!;
    const key = `${request}:${provider}`;
    const known = pairByKey.get(key);
    if (known) {
      known.score = Math.max(known.score, offer.score);
      continue;
    }
    const rp = requestParty[request]!;
    const pp = providerParty[provider]!;
    const parties = rp === pp ? [rp] : [rp, pp];
    const candidateSlots = slots.flatMap((_, s) =>
      requestFreeSlots[request]![s] && providerFreeSlots[provider]![s] ? [s] : [],
    );
    pairByKey.set(key, { request, provider, score: offer.score, parties, candidateSlots });
  }

  const pairs = [...pairByKey.values()];
  const pairsOfRequest: number[][] = instance.requests.map(() => []);
  const pairsOfProvider: number[][] = instance.providers.map(() => []);
  pairs.forEach((pair, i) => {
    pairsOfRequest[pair.request]!.push(i);
    pairsOfProvider[pair.provider]!.push(i);
  });

  return {
    instance,
    slots,
    roomCount: instance.rooms.length,
    overlappingSlots,
    moments,
    slotMoments,
    partyNames,
    requestParty,
    providerParty,
    requestLimit: instance.requests.map((r) => r.maxMatches),
    providerLimit: instance.providers.map((p) => p.capacity),
    pairs,
    pairsOfRequest,
    pairsOfProvider,
  };
}

/**
 * The maximal cliques of the slot overlap graph. Every clique of an interval graph is the set of
 * intervals in progress at some interval's start; the set at start t is maximal unless all of
 * its slots are still in progress at the next start.
 */
function findMoments(slots: readonly { start: number; end: number }[]): number[][] {
  const starts = [...new Set(slots.map((s) => s.start))].sort((a, b) => a - b);
  const moments: number[][] = [];
  starts.forEach((t, i) => {
    const inProgress = slots.flatMap((slot, s) => (slot.start <= t && t < slot.end ? [s] : []));
    const earliestEnd = Math.min(...inProgress.map((s) => slots[s]!.end));
    const next = starts[i + 1];
    if (next === undefined || earliestEnd <= next) moments.push(inProgress);
  });
  return moments;
}

/** Largest number of pairwise non-overlapping slots among `usable` ones (earliest-end-first). */
export function maxDisjointSlots(problem: MatchingProblem, usable: (slot: number) => boolean): number {
  const order = problem.slots
    .map((slot, s) => ({ s, end: slot.end, start: slot.start }))
    .filter(({ s }) => usable(s))
    .sort((a, b) => a.end - b.end);
  let count = 0;
  let freeFrom = -Infinity;
  for (const { start, end } of order) {
    if (start >= freeFrom) {
      count++;
      freeFrom = end;
    }
  }
  return count;
}
