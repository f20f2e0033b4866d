/**
 * Turns a validated instance into the indexed form the solvers work on: times in milliseconds,
 * parties as numbers, offers merged per (request, provider) pair, for each pair the slots clear
 * of both sides' busy intervals, and the rooms free for each slot.
 *
 * Rules decided here:
 * - A party is `party ?? id`, one namespace for requests and providers. Parties share time: a
 *   party is in at most one meeting at any moment, across all its requests (or providers).
 * - Busy intervals belong to the request or provider that lists them: a meeting may not overlap
 *   the busy intervals of its own request or its own provider. (Two requests of one party with
 *   different busy lists keep them apart; this reading reproduces the proven optima of
 *   examples/optima.json, the union over the party does not.)
 * - Two slots conflict when their times overlap (half-open), whatever their ids.
 * - A room holds at most one meeting at any moment, and none during its own busy intervals
 *   (`rooms[].busy`, our extension, docs/matching-format.md): a room busy at any moment of a slot
 *   cannot host that slot. Rooms free at the same slots are interchangeable, so within each
 *   connected component of the slot overlap graph the rooms fall into groups with the same free
 *   slots, and the room constraint is "at most |group| meetings of a group in progress at any
 *   instant", checked on the maximal sets of mutually overlapping slots ("moments"; for an
 *   interval graph these are the sets of slots in progress at some slot start). Each meeting is
 *   given a group; concrete rooms are assigned per group at the end (result.ts). Without busy
 *   rooms there is one group per component, all rooms, as before. Slots that overlap no other
 *   slot have a single group, the rooms free for them, so there the rule is just "at most
 *   `roomsFreeInSlot[s]` meetings".
 * - Repeated offers for one pair are one pair scored with the highest score. A pair is a request, the
 *   other requests the meeting also serves (`alsoRequests`, version 2, in any order) and a provider;
 *   an offer covering two requests and one covering only the first are two pairs. A pair's meeting
 *   may not overlap the busy intervals of any request it serves, and takes a slot at least as long
 *   as the longest `minMinutes` of its offers and at most as long as their shortest `maxMinutes`.
 * - Meeting limits (version 2, `rules`, docs/matching-format.md), per party: at most
 *   `maxMeetingsPerDay` meetings whose slots start on one day (the calendar date in
 *   `rules.timeZone`, else the date the slot's start is written with), and no more than
 *   `maxConsecutive` meetings back to back (each starting the instant the one before ends). A
 *   party's limit is the smallest its request and provider entries give, else the document's.
 * - Fairness (version 2, `rules.fairness`): schedules are compared first by the number of
 *   requesting parties (parties of requests) with at least one meeting as requester, then by score.
 * - Fixed meetings (version 2, `fixedMeetings`, e.g. kept from an earlier run) are meetings of their
 *   two parties that no solver moves: busy time for every entry of either party (no candidate slot
 *   overlaps one), counted in the party's meetings of their day and in its runs, and their
 *   requester counts as served. Their day is read as a slot's; one on a day without slots counts
 *   toward nothing. A party's fixed meetings are not expected to overlap one another; if they do,
 *   runs are walked through the earliest start (or latest end) at each instant, never fewer.
 */
import { INSTANCE_FORMAT_WITH_RULES, parseInstant, type Instance } from './instance.schema.ts';
import { instantToLocal } from '../shared/time.ts';

export interface Pair {
  /** Index into instance.requests: the offer's `request`. */
  request: number;
  /**
   * Every request the meeting serves: `request`, then the offer's `alsoRequests` (version 2, all of
   * one party). Each gives up one of its maxMatches to the meeting.
   */
  requests: readonly number[];
  /**
   * The shortest and longest slot (minutes) the meeting may take: the longest `minMinutes` and the
   * shortest `maxMinutes` of its offers (0 and Infinity when none says).
   */
  minMinutes: number;
  maxMinutes: number;
  /** Whether both sides have a common free slot of any length (the reason given when none is of the right length). */
  freeAtSomeLength: boolean;
  /** Index into instance.providers: the offer's `provider`. */
  provider: number;
  /** Every provider in the meeting: `provider`, then the offer's `alsoProviders` (they answered jointly). Each gives one of its capacity. */
  providers: readonly number[];
  score: number;
  /** Party indices of the pair: the request's, then each provider's not already in (one meeting of all of them). */
  parties: readonly number[];
  /** Slots (indices, by start time) clear of the request's and the provider's busy intervals. */
  commonFreeSlots: readonly number[];
  /** The common free slots with at least one room free for the whole slot: where the pair can meet. */
  candidateSlots: readonly number[];
}

/** Rooms of one component of the slot overlap graph that are free at exactly the same slots of it. */
export interface RoomGroup {
  /** Room indices into instance.rooms, in instance order. */
  rooms: readonly number[];
  /** The component's slots every room of the group is free for (never empty). */
  slots: readonly number[];
  component: number;
}

/** A connected component of the slot overlap graph: its slots and its moments (a contiguous range). */
/** A fixed meeting (`fixedMeetings`), indexed: parties as numbers, times in milliseconds. */
export interface IndexedFixedMeeting {
  requester: number;
  /** The requester's party, and the provider's unless it is the same. */
  parties: readonly number[];
  start: number;
  end: number;
}

export interface SlotComponent {
  slots: readonly number[];
  firstMoment: number;
  /** One past the last moment. */
  endMoment: number;
}

/** No limit, as a number the typed arrays below can hold. */
export const NO_LIMIT = 0x7fffffff;

/** The meeting limits of a version 2 instance, indexed for the schedule and the exact model. */
export interface MeetingLimits {
  /** Day of each slot (0, 1, ... in date order). */
  dayOfSlot: Int32Array;
  dayCount: number;
  /** Per party: most meetings on one day, most back to back (NO_LIMIT when none). */
  dailyCap: Int32Array;
  maxConsecutive: Int32Array;
  /** For each slot, the slots that end the instant it starts, and those that start the instant it ends. */
  slotsEndingAtStart: readonly (readonly number[])[];
  slotsStartingAtEnd: readonly (readonly number[])[];
  /** Slots by the instant they end, and by the instant they start. */
  slotsEndingAt: ReadonlyMap<number, readonly number[]>;
  slotsStartingAt: ReadonlyMap<number, readonly number[]>;
  /** fixedDayMeetings[party * dayCount + day]: the party's fixed meetings that day. */
  fixedDayMeetings: Int32Array;
  /**
   * Per party (undefined when it has none), its fixed meetings by end instant (to their start) and
   * by start instant (to their end): how a run is walked through them.
   */
  fixedEndingAt: readonly (ReadonlyMap<number, number> | undefined)[];
  fixedStartingAt: readonly (ReadonlyMap<number, number> | undefined)[];
}

export interface MatchingProblem {
  instance: Instance;
  /** Present when some party has a meeting limit (a version 2 instance with rules); absent otherwise. */
  limits?: MeetingLimits;
  /**
   * `rules.fairness`: a schedule that gives more requesting parties a meeting is better, whatever
   * the scores (Schedule.served, then the objective).
   */
  fairness: boolean;
  /** Slot indices sorted by start, then end, then instance order. `slots[i]` below are in this order. */
  slots: readonly { index: number; id: string; start: number; end: number }[];
  roomCount: number;
  /** For each slot, the number of rooms free for the whole slot. */
  roomsFreeInSlot: readonly number[];
  /** For each slot, the slots whose time overlaps it, itself included. */
  overlappingSlots: readonly (readonly number[])[];
  /** Maximal sets of mutually overlapping slots ("moments"); each is a clique of the overlap graph. */
  moments: readonly (readonly number[])[];
  /** For each slot, the moments it belongs to. */
  slotMoments: readonly (readonly number[])[];
  /** Connected components of the slot overlap graph, in time order; `slotComponent[s]` is the one of s. */
  components: readonly SlotComponent[];
  slotComponent: readonly number[];
  /** Room groups of every component (see the file comment). */
  roomGroups: readonly RoomGroup[];
  /** For each slot, the room groups free for it: most constrained (fewest free slots) first. */
  slotRoomGroups: readonly (readonly number[])[];
  partyNames: readonly string[];
  /** Fixed meetings (see the file comment); their parties are in partyNames, after the entries'. */
  fixedMeetings: readonly IndexedFixedMeeting[];
  /** Per party, 1 if it is the requester of a fixed meeting: served (fairness) whatever is scheduled. */
  servedBefore: Uint8Array;
  requestParty: readonly number[];
  providerParty: readonly number[];
  requestLimit: readonly number[];
  providerLimit: readonly number[];
  pairs: readonly Pair[];
  /** Pair indices of each request (every pair that serves it) / provider. */
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
  // A fixed meeting's providers that answered jointly (`alsoProviders`) are parties of it too.
  const fixedMeetings = (instance.fixedMeetings ?? []).map(({ requester, provider, alsoProviders, start, end }) => {
    const rp = partyOf(requester);
    return { requester: rp, parties: [...new Set([rp, partyOf(provider), ...(alsoProviders ?? []).map(partyOf)])], start: instantOf(start), end: instantOf(end) };
  });
  const partyNames = [...partyIndex.keys()];
  const servedBefore = new Uint8Array(partyNames.length);
  for (const { requester } of fixedMeetings) servedBefore[requester] = 1;
  // A fixed meeting is busy time for every entry of its parties.
  const fixedOfParty: [number, number][][] = partyNames.map(() => []);
  for (const { parties, start, end } of fixedMeetings) for (const p of parties) fixedOfParty[p]!.push([start, end]);

  const { components, slotComponent } = findComponents(slots, moments);

  // Busy lists repeat the same instants many times over: parse each text once.
  const instants = new Map<string, number>();
  const cachedInstant = (text: string) => {
    let ms = instants.get(text);
    if (ms === undefined) instants.set(text, (ms = instantOf(text)));
    return ms;
  };
  const freeSlotsOf = (busy: readonly (readonly [string, string])[], alsoBusy: readonly (readonly [number, number])[] = []) => {
    const intervals = [...busy.map(([start, end]) => [cachedInstant(start), cachedInstant(end)] as const), ...alsoBusy];
    return slots.map((slot) => intervals.every(([start, end]) => !overlaps(slot.start, slot.end, start, end)));
  };
  const roomFreeSlots = instance.rooms.map((room) => freeSlotsOf(room.busy));
  const { roomGroups, slotRoomGroups } = groupRooms(slots.length, components, roomFreeSlots);
  const roomsFreeInSlot = slotRoomGroups.map((groups) => groups.reduce((sum, g) => sum + roomGroups[g]!.rooms.length, 0));

  // Free slots as bit sets (32 slots a word), so a pair's common free slots are one AND per word,
  // and pairs with the same common free slots share one list (most pairs do).
  const words = Math.max(1, Math.ceil(slots.length / 32));
  const maskOf = (busy: readonly (readonly [string, string])[], party: number, into: Uint32Array, at: number) => {
    const fixed = fixedOfParty[party]!;
    if (busy.length === 0 && fixed.length === 0) {
      for (let s = 0; s < slots.length; s++) into[at + (s >>> 5)]! |= 1 << (s & 31);
      return;
    }
    freeSlotsOf(busy, fixed).forEach((free, s) => {
      if (free) into[at + (s >>> 5)]! |= 1 << (s & 31);
    });
  };
  const requestMasks = new Uint32Array(instance.requests.length * words);
  instance.requests.forEach((r, i) => maskOf(r.busy, requestParty[i]!, requestMasks, i * words));
  const providerMasks = new Uint32Array(instance.providers.length * words);
  instance.providers.forEach((p, i) => maskOf(p.busy, providerParty[i]!, providerMasks, i * words));
  const slotLists = new Map<number | string, { common: number[]; candidates: number[]; freeAtSomeLength: boolean }>();
  const common = new Uint32Array(words);
  const slotListsOf = (requests: readonly number[], providers: readonly number[], minMinutes: number, maxMinutes: number) => {
    for (let w = 0; w < words; w++) {
      let word = 0xffffffff;
      for (const provider of providers) word &= providerMasks[provider * words + w]!;
      for (const request of requests) word &= requestMasks[request * words + w]!;
      common[w] = word;
    }
    const masks: number | string = words === 1 ? common[0]! : common.join(',');
    const key = minMinutes > 0 || maxMinutes < Infinity ? `${masks}/${minMinutes}/${maxMinutes}` : masks;
    let lists = slotLists.get(key);
    if (!lists) {
      const free: number[] = [];
      for (let s = 0; s < slots.length; s++) {
        const length = slots[s]!.end - slots[s]!.start;
        if (common[s >>> 5]! & (1 << (s & 31)) && length >= minMinutes * 60_000 && length <= maxMinutes * 60_000) free.push(s);
      }
      lists = { common: free, candidates: free.filter((s) => roomsFreeInSlot[s]! > 0), freeAtSomeLength: free.length > 0 || common.some((word) => word !== 0) };
      slotLists.set(key, lists);
    }
    return lists;
  };

  const requestIndex = new Map(instance.requests.map((r, i) => [r.id, i]));
  const providerIndex = new Map(instance.providers.map((p, i) => [p.id, i]));
  const providerCount = instance.providers.length;
  // Repeated offers merge first (highest score, longest minimum), then each pair gets its slots.
  const merged = new Map<number | string, { requests: number[]; providers: number[]; score: number; minMinutes: number; maxMinutes: number }>();
  for (const offer of instance.offers) {
    const request = requestIndex.get(offer.request)!;
    const provider = providerIndex.get(offer.provider)!;
    const others = (offer.alsoRequests ?? []).map((id) => requestIndex.get(id)!).sort((a, b) => a - b);
    const partners = (offer.alsoProviders ?? []).map((id) => providerIndex.get(id)!).sort((a, b) => a - b);
    const key = others.length === 0 && partners.length === 0 ? request * providerCount + provider : `${request}+${others.join('+')}|${provider}+${partners.join('+')}`;
    const minMinutes = offer.minMinutes ?? 0;
    const maxMinutes = offer.maxMinutes ?? Infinity;
    const known = merged.get(key);
    if (known) {
      known.score = Math.max(known.score, offer.score);
      known.minMinutes = Math.max(known.minMinutes, minMinutes);
      known.maxMinutes = Math.min(known.maxMinutes, maxMinutes);
    } else {
      merged.set(key, { requests: [request, ...others], providers: [provider, ...partners], score: offer.score, minMinutes, maxMinutes });
    }
  }
  const pairByKey = new Map<number | string, Pair>();
  for (const [key, { requests, providers, score, minMinutes, maxMinutes }] of merged) {
    const request = requests[0]!;
    const provider = providers[0]!;
    const parties = [...new Set([requestParty[request]!, ...providers.map((p) => providerParty[p]!)])];
    const { common: commonFreeSlots, candidates: candidateSlots, freeAtSomeLength } = slotListsOf(requests, providers, minMinutes, maxMinutes);
    pairByKey.set(key, { request, requests, minMinutes, maxMinutes, freeAtSomeLength, provider, providers, score, parties, commonFreeSlots, candidateSlots });
  }

  const pairs = [...pairByKey.values()];
  const pairsOfRequest: number[][] = instance.requests.map(() => []);
  const pairsOfProvider: number[][] = instance.providers.map(() => []);
  pairs.forEach((pair, i) => {
    for (const request of pair.requests) pairsOfRequest[request]!.push(i);
    for (const provider of pair.providers) pairsOfProvider[provider]!.push(i);
  });

  const limits = meetingLimits(instance, slots, requestParty, providerParty, partyNames.length, fixedMeetings);
  return {
    instance,
    ...(limits ? { limits } : {}),
    fairness: instance.format === INSTANCE_FORMAT_WITH_RULES && instance.rules?.fairness === true,
    slots,
    roomCount: instance.rooms.length,
    roomsFreeInSlot,
    overlappingSlots,
    moments,
    slotMoments,
    components,
    slotComponent,
    roomGroups,
    slotRoomGroups,
    partyNames,
    fixedMeetings,
    servedBefore,
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
 * The limits of each party (the smallest its entries give, else the document's), or undefined when
 * no party has any. Days are numbered in date order; a slot's day is the date its start has in
 * `rules.timeZone`, or without one the date its start is written with (its own offset).
 */
function meetingLimits(
  instance: Instance,
  slots: readonly { index: number; start: number; end: number }[],
  requestParty: readonly number[],
  providerParty: readonly number[],
  partyCount: number,
  fixedMeetings: readonly IndexedFixedMeeting[],
): MeetingLimits | undefined {
  if (instance.format !== INSTANCE_FORMAT_WITH_RULES) return undefined;
  const rules = instance.rules ?? {};
  const smallest = (field: 'maxMeetingsPerDay' | 'maxConsecutive') => {
    const ofParty = new Int32Array(partyCount).fill(NO_LIMIT);
    const take = (party: number, limit: number | undefined) => {
      if (limit !== undefined) ofParty[party] = Math.min(ofParty[party]!, limit);
    };
    instance.requests.forEach((r, i) => take(requestParty[i]!, r[field]));
    instance.providers.forEach((p, i) => take(providerParty[i]!, p[field]));
    const general = rules[field] ?? NO_LIMIT;
    // An entry's limit replaces the document's for its party.
    const overridden = new Uint8Array(partyCount);
    instance.requests.forEach((r, i) => r[field] !== undefined && (overridden[requestParty[i]!] = 1));
    instance.providers.forEach((p, i) => p[field] !== undefined && (overridden[providerParty[i]!] = 1));
    for (let party = 0; party < partyCount; party++) if (!overridden[party]) ofParty[party] = general;
    return ofParty;
  };
  const dailyCap = smallest('maxMeetingsPerDay');
  const maxConsecutive = smallest('maxConsecutive');
  if (dailyCap.every((cap) => cap === NO_LIMIT) && maxConsecutive.every((most) => most === NO_LIMIT)) return undefined;

  const dateOf = (start: number, written: string) =>
    rules.timeZone ? instantToLocal(new Date(start), rules.timeZone).date : written.slice(0, 10);
  const dates = slots.map(({ index, start }) => dateOf(start, instance.slots[index]!.start));
  const days = [...new Set(dates)].sort();
  const dayOf = new Map(days.map((date, day) => [date, day]));
  const startingAt = new Map<number, number[]>();
  slots.forEach((slot, s) => startingAt.set(slot.start, [...(startingAt.get(slot.start) ?? []), s]));
  const endingAt = new Map<number, number[]>();
  slots.forEach((slot, s) => endingAt.set(slot.end, [...(endingAt.get(slot.end) ?? []), s]));

  const fixedDayMeetings = new Int32Array(partyCount * days.length);
  const fixedEndingAt: (Map<number, number> | undefined)[] = new Array<Map<number, number> | undefined>(partyCount);
  const fixedStartingAt: (Map<number, number> | undefined)[] = new Array<Map<number, number> | undefined>(partyCount);
  fixedMeetings.forEach(({ parties, start, end }, k) => {
    const day = dayOf.get(dateOf(start, instance.fixedMeetings![k]!.start));
    for (const party of parties) {
      if (day !== undefined) fixedDayMeetings[party * days.length + day]!++;
      const byEnd = (fixedEndingAt[party] ??= new Map());
      byEnd.set(end, Math.min(start, byEnd.get(end) ?? Infinity));
      const byStart = (fixedStartingAt[party] ??= new Map());
      byStart.set(start, Math.max(end, byStart.get(start) ?? -Infinity));
    }
  });
  return {
    dayOfSlot: Int32Array.from(dates, (date) => dayOf.get(date)!),
    dayCount: days.length,
    dailyCap,
    maxConsecutive,
    slotsEndingAtStart: slots.map((slot) => endingAt.get(slot.start) ?? []),
    slotsStartingAtEnd: slots.map((slot) => startingAt.get(slot.end) ?? []),
    slotsEndingAt: endingAt,
    slotsStartingAt: startingAt,
    fixedDayMeetings,
    fixedEndingAt,
    fixedStartingAt,
  };
}

/** Whether every request the pair serves and every provider in it have any quota at all (maxMatches, capacity > 0). */
export function pairHasAnyQuota(problem: MatchingProblem, pair: Pair): boolean {
  return pair.requests.every((r) => problem.requestLimit[r]! > 0) && pair.providers.every((p) => problem.providerLimit[p]! > 0);
}

/**
 * The most requesting parties any schedule can serve, as far as each alone goes: those served by a
 * fixed meeting, and those with a pair that could meet at all (a candidate slot, quota on both
 * sides). A schedule that serves this many serves as many as can be.
 */
export function servableRequesters(problem: MatchingProblem): number {
  const servable = new Set<number>();
  problem.servedBefore.forEach((served, party) => served && servable.add(party));
  for (const pair of problem.pairs) {
    if (pair.candidateSlots.length > 0 && pairHasAnyQuota(problem, pair) && problem.roomCount > 0) {
      servable.add(problem.requestParty[pair.request]!);
    }
  }
  return servable.size;
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

/**
 * Connected components of the overlap graph. Slots are sorted by start, so a component ends where
 * the next slot starts no earlier than every slot so far has ended; its moments, listed in start
 * order too, are a contiguous range.
 */
function findComponents(
  slots: readonly { start: number; end: number }[],
  moments: readonly (readonly number[])[],
): { components: SlotComponent[]; slotComponent: number[] } {
  const slotComponent: number[] = [];
  const componentSlots: number[][] = [];
  let endSoFar = -Infinity;
  slots.forEach((slot, s) => {
    if (slot.start >= endSoFar) componentSlots.push([]);
    componentSlots[componentSlots.length - 1]!.push(s);
    slotComponent.push(componentSlots.length - 1);
    endSoFar = Math.max(endSoFar, slot.end);
  });
  const components = componentSlots.map((list) => ({ slots: list, firstMoment: Infinity, endMoment: -Infinity }));
  moments.forEach((moment, m) => {
    const component = components[slotComponent[moment[0]!]!]!;
    component.firstMoment = Math.min(component.firstMoment, m);
    component.endMoment = Math.max(component.endMoment, m + 1);
  });
  return { components, slotComponent };
}

/**
 * Per component, the rooms grouped by the component's slots they are free for (rooms free for
 * none of them are left out), and for each slot its groups, most constrained first.
 */
function groupRooms(
  slotCount: number,
  components: readonly SlotComponent[],
  roomFreeSlots: readonly (readonly boolean[])[],
): { roomGroups: RoomGroup[]; slotRoomGroups: number[][] } {
  const roomGroups: RoomGroup[] = [];
  const slotRoomGroups: number[][] = Array.from({ length: slotCount }, () => []);
  components.forEach((component, c) => {
    const byPattern = new Map<string, { rooms: number[]; slots: number[] }>();
    roomFreeSlots.forEach((free, room) => {
      const slots = component.slots.filter((s) => free[s]);
      if (slots.length === 0) return;
      const key = slots.join(',');
      const group = byPattern.get(key);
      if (group) group.rooms.push(room);
      else byPattern.set(key, { rooms: [room], slots });
    });
    for (const group of byPattern.values()) {
      for (const s of group.slots) slotRoomGroups[s]!.push(roomGroups.length);
      roomGroups.push({ ...group, component: c });
    }
  });
  for (const groups of slotRoomGroups) {
    groups.sort((a, b) => roomGroups[a]!.slots.length - roomGroups[b]!.slots.length || a - b);
  }
  return { roomGroups, slotRoomGroups };
}

/** Largest number of pairwise non-overlapping slots among `usable` ones (earliest-end-first). */
export function maxDisjointSlots(problem: MatchingProblem, usable: (slot: number) => boolean): number {
  let count = 0;
  let freeFrom = -Infinity;
  for (const s of slotsByEnd(problem)) {
    const { start, end } = problem.slots[s]!;
    if (start >= freeFrom && usable(s)) {
      count++;
      freeFrom = end;
    }
  }
  return count;
}

const slotsByEndOf = new WeakMap<MatchingProblem, readonly number[]>();

/** Slot indices by end time (ties in index order), computed once per problem. */
function slotsByEnd(problem: MatchingProblem): readonly number[] {
  let order = slotsByEndOf.get(problem);
  if (!order) {
    order = problem.slots.map((_, s) => s).sort((a, b) => problem.slots[a]!.end - problem.slots[b]!.end || a - b);
    slotsByEndOf.set(problem, order);
  }
  return order;
}
