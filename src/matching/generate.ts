/**
 * Seeded random instances shaped like the examples (requests grouped into government parties,
 * providers of uneven popularity, 30-minute slots over a few days, busy blocks on both sides,
 * optionally rooms busy at some slots), for tests and the benchmark. Pure: the same options give
 * the same instance.
 */
import { INSTANCE_FORMAT, type Instance, type Meeting } from './instance.schema.ts';

export interface GenerateOptions {
  /** Number of offers, exactly. */
  offers: number;
  /** `tight`: fewer slots and rooms, more busy time; `loose`: the opposite. */
  tightness: 'tight' | 'loose';
  seed?: number;
  /** Adds a second track of slots starting 15 minutes later, overlapping the first. */
  overlappingSlots?: boolean;
  /**
   * Share of the rooms (0 to 1, default 0) that are busy at some slots, as when meetings of an
   * earlier run are kept: each such room is busy for one to three random slots of the grid.
   * Other options give the same instance as without it, apart from the rooms' `busy`.
   */
  busyRooms?: number;
  /**
   * The timetable and the rooms, when given, instead of those `tightness` implies (e.g. a forum
   * whose rooms are its scarce resource: 20,000 offers for 40 rooms over 3 days of 18 slots).
   */
  days?: number;
  slotsPerDay?: number;
  rooms?: number;
}

/** mulberry32: a small, fast, well-mixed 32-bit PRNG; returns floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MINUTE = 60_000;
const FIRST_DAY = Date.UTC(2007, 6, 10, 5, 0); // 07:00 at +02:00
const DAY = 24 * 60 * MINUTE;

/** An instant written at the +02:00 offset, as the forum's local time. */
function atForumTime(ms: number): string {
  return `${new Date(ms + 120 * MINUTE).toISOString().slice(0, 19)}+02:00`;
}

export function generateInstance(options: GenerateOptions): Instance {
  const random = seededRandom(options.seed ?? 1);
  const between = (low: number, high: number) => low + Math.floor(random() * (high - low + 1));
  const tight = options.tightness === 'tight';

  const days = options.days ?? (options.offers < 100 || tight ? 2 : 3);
  const slotsPerDay = options.slotsPerDay ?? (options.offers < 100 ? 4 : tight ? 6 : 8);
  const slotLength = 30 * MINUTE;
  const slots: Instance['slots'] = [];
  for (let d = 0; d < days; d++) {
    const tracks = options.overlappingSlots ? [0, 15 * MINUTE] : [0];
    for (const shift of tracks) {
      for (let k = 0; k < slotsPerDay; k++) {
        if (shift > 0 && k === slotsPerDay - 1) continue; // keep the shifted track within the day
        const start = FIRST_DAY + d * DAY + k * slotLength + shift;
        slots.push({
          id: `d${d}s${k}${shift > 0 ? 'b' : ''}`,
          start: atForumTime(start),
          end: atForumTime(start + slotLength),
        });
      }
    }
  }

  /** A busy block of one to four slot lengths on a random day, aligned to the slot grid. */
  const busyBlock = (): [string, string] => {
    const length = between(1, 4) * slotLength;
    const start = FIRST_DAY + between(0, days - 1) * DAY + between(0, slotsPerDay - 1) * slotLength;
    return [atForumTime(start), atForumTime(start + length)];
  };
  const busyBlocks = (chance: number): [string, string][] => {
    const blocks: [string, string][] = [];
    while (blocks.length < 2 && random() < chance) blocks.push(busyBlock());
    return blocks;
  };

  const requestCount = Math.max(1, Math.ceil(options.offers / 3));
  // Enough providers that `offers` distinct pairs exist.
  const providerCount = Math.max(2, Math.round(requestCount / 5), Math.ceil(options.offers / requestCount) + 1);
  const requests: Instance['requests'] = [];
  for (let gov = 0; requests.length < requestCount; gov++) {
    const size = Math.min(between(1, 3), requestCount - requests.length);
    for (let k = 0; k < size; k++) {
      requests.push({
        id: `r${requests.length}`,
        maxMatches: between(1, 3),
        busy: busyBlocks(tight ? 0.6 : 0.35),
        party: `gov${gov}`,
      });
    }
  }
  const providers: Instance['providers'] = Array.from({ length: providerCount }, (_, i) => ({
    id: `p${i}`,
    capacity: tight ? between(3, 6) : between(4, 8),
    busy: busyBlocks(tight ? 0.6 : 0.35),
  }));

  // Popular providers get more offers: weight 1/sqrt(rank).
  const cumulative: number[] = [];
  let total = 0;
  for (let i = 0; i < providerCount; i++) cumulative.push((total += 1 / Math.sqrt(i + 1)));
  const pickProvider = () => {
    const target = random() * total;
    let low = 0;
    let high = providerCount - 1;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (cumulative[mid]! < target) low = mid + 1;
      else high = mid;
    }
    return low;
  };

  const offers: Instance['offers'] = [];
  const offered = new Set<string>();
  const offer = (request: number, provider: number) => {
    const key = `${request}:${provider}`;
    if (offered.has(key)) return;
    offered.add(key);
    offers.push({ request: `r${request}`, provider: `p${provider}`, score: between(20, 1000) / 1000 });
  };
  for (let attempt = 0; offers.length < options.offers && attempt < 20 * options.offers; attempt++) {
    offer(offers.length < requestCount ? offers.length : between(0, requestCount - 1), pickProvider());
  }
  // Dense corners (few requests, many offers): take the remaining pairs in order.
  for (let pair = 0; offers.length < options.offers; pair++) {
    offer(pair % requestCount, Math.floor(pair / requestCount));
  }

  const demand = Math.min(
    requests.reduce((sum, r) => sum + r.maxMatches, 0),
    providers.reduce((sum, p) => sum + p.capacity, 0),
    offers.length,
  );
  const roomCount = options.rooms ?? Math.max(1, Math.ceil(((tight ? 0.6 : 1.5) * demand) / slots.length));
  const rooms: Instance['rooms'] = Array.from({ length: roomCount }, (_, i) => ({ id: `room${i}`, busy: [] }));
  // Drawn last, so that the rest of the instance does not depend on this option.
  const busyShare = Math.min(1, Math.max(0, options.busyRooms ?? 0));
  if (busyShare > 0) {
    for (const room of rooms) {
      if (random() >= busyShare) continue;
      const times = between(1, 3);
      for (let k = 0; k < times; k++) {
        const slot = slots[between(0, slots.length - 1)]!;
        room.busy.push([slot.start, slot.end]);
      }
    }
  }

  return { format: INSTANCE_FORMAT, slots, rooms, requests, providers, offers };
}

/**
 * The instance of a re-run that keeps the meetings `kept` (of a result for `instance`) and
 * schedules the rest again, built by the rules of
 * src/meetings/matching-instance.ts (docs/matching-format.md, `rooms[].busy`): a kept meeting's
 * pair leaves the offers, its request's maxMatches and its provider's capacity go down by one, and
 * its time becomes busy for its room and for every request and provider entry of both its parties.
 * Pure, for the benchmark and the tests: e.g. a decline re-run at fifty times a forum.
 */
export function keepMeetings(instance: Instance, kept: readonly Meeting[]): Instance {
  const slotById = new Map(instance.slots.map((slot) => [slot.id, slot]));
  const requestById = new Map(instance.requests.map((r) => [r.id, r]));
  const providerById = new Map(instance.providers.map((p) => [p.id, p]));
  const busyOfParty = new Map<string, [string, string][]>();
  const roomBusy = new Map<string, [string, string][]>();
  const keptPairs = new Set<string>();
  const keptOfRequest = new Map<string, number>();
  const keptOfProvider = new Map<string, number>();
  const push = <K>(map: Map<K, [string, string][]>, key: K, interval: [string, string]) => {
    const list = map.get(key);
    if (list) list.push(interval);
    else map.set(key, [interval]);
  };
  for (const meeting of kept) {
    const slot = slotById.get(meeting.slot)!;
    const interval: [string, string] = [slot.start, slot.end];
    const request = requestById.get(meeting.request)!;
    const provider = providerById.get(meeting.provider)!;
    const parties = new Set([request.party ?? request.id, provider.party ?? provider.id]);
    for (const party of parties) push(busyOfParty, party, interval);
    push(roomBusy, meeting.room, interval);
    keptPairs.add(`${meeting.request}\u0000${meeting.provider}`);
    keptOfRequest.set(request.id, (keptOfRequest.get(request.id) ?? 0) + 1);
    keptOfProvider.set(provider.id, (keptOfProvider.get(provider.id) ?? 0) + 1);
  }
  return {
    ...instance,
    rooms: instance.rooms.map((room) => ({ ...room, busy: [...room.busy, ...(roomBusy.get(room.id) ?? [])] })),
    requests: instance.requests.map((r) => ({
      ...r,
      maxMatches: Math.max(0, r.maxMatches - (keptOfRequest.get(r.id) ?? 0)),
      busy: [...r.busy, ...(busyOfParty.get(r.party ?? r.id) ?? [])],
    })),
    providers: instance.providers.map((p) => ({
      ...p,
      capacity: Math.max(0, p.capacity - (keptOfProvider.get(p.id) ?? 0)),
      busy: [...p.busy, ...(busyOfParty.get(p.party ?? p.id) ?? [])],
    })),
    offers: instance.offers.filter((offer) => !keptPairs.has(`${offer.request}\u0000${offer.provider}`)),
  };
}
