/**
 * fast-check arbitrary of small instances that exercise every rule: overlapping slots of mixed
 * lengths, shared parties on both sides, busy intervals, zero quotas, no rooms, repeated offers,
 * and (with `roomBusy`) rooms busy at random times, `busy` left out when a room is free; with
 * `rules`, version 2 instances with random meeting limits, per-party overrides, fixed meetings, and
 * offers that serve a second request of their party (`alsoRequests`), bring a second provider
 * (`alsoProviders`) or need a slot of some length.
 */
import fc from 'fast-check';
import type { InstanceLike } from './feasibility-checker.ts';

const BASE = Date.parse('2007-07-10T07:00:00+02:00');
const QUARTER = 15 * 60_000;
/** A time on the quarter-hour grid, written at +02:00 or UTC to exercise both offsets. */
const at = (quarters: number, utc: boolean) => {
  const ms = BASE + quarters * QUARTER;
  return utc ? new Date(ms).toISOString().replace('.000Z', 'Z') : `${new Date(ms + 2 * 3_600_000).toISOString().slice(0, 19)}+02:00`;
};

/** Intervals on the quarter-hour grid starting within the first `span` quarters. */
const intervalsWithin = (span: number) =>
  fc
    .record({ start: fc.integer({ min: 0, max: span }), length: fc.integer({ min: 1, max: 4 }), utc: fc.boolean() })
    .map(({ start, length, utc }) => [at(start, utc), at(start + length, utc)] as [string, string]);

/** Busy lists: free with weight `free`, one or two intervals with weight `busy`. */
const busyListArb = (intervalArb: fc.Arbitrary<[string, string]>, free: number, busy: number) =>
  fc.oneof(
    { weight: free, arbitrary: fc.constant([] as [string, string][]) },
    { weight: busy, arbitrary: fc.array(intervalArb, { minLength: 1, maxLength: 2 }) },
  );

export function smallInstanceArb(limits: {
  maxSlots: number;
  maxRequests: number;
  maxProviders: number;
  maxOffers: number;
  /** Up to three rooms, most of them busy at random times (default: free rooms). */
  roomBusy?: boolean;
  /** Quarters in which every interval starts (default 10); fewer make more of them overlap. */
  span?: number;
  /**
   * `marketplace-matching/2` with random rules (small caps, short runs) and overrides on some
   * entries. The time zones put the span of slots on one date (Brussels, Tokyo), across midnight
   * (Los Angeles: 05:00Z is 22:00 there), or on the dates the slots are written with (none);
   * fairness on half the time; up to three fixed meetings (`fixedMeetings`) between the parties
   * (and one party with no entry), on the same grid, no two of one party overlapping.
   */
  rules?: boolean;
}) {
  const limitArb = fc.constantFrom(undefined, undefined, 1, 2, 3);
  const overrideArb = fc.constantFrom(undefined, undefined, undefined, 1, 2);
  const rulesArb = limits.rules
    ? fc.record({
        maxMeetingsPerDay: limitArb,
        maxConsecutive: limitArb,
        timeZone: fc.constantFrom(undefined, 'Europe/Brussels', 'America/Los_Angeles', 'Asia/Tokyo'),
        fairness: fc.constantFrom(undefined, false, true, true),
      })
    : fc.constant(undefined);
  const entryLimitsArb = limits.rules
    ? fc.record({ maxMeetingsPerDay: overrideArb, maxConsecutive: overrideArb })
    : fc.constant({ maxMeetingsPerDay: undefined, maxConsecutive: undefined });
  /** Only the fields that are set, as a producer would write them. */
  const defined = <T extends object>(fields: T) =>
    Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<T>;
  const intervalArb = intervalsWithin(limits.span ?? 10);
  type Fixed = { requester: string; provider: string; partner: string | undefined; time: [string, string] };
  const fixedArb: fc.Arbitrary<readonly Fixed[]> = limits.rules
    ? fc.oneof(
        { weight: 1, arbitrary: fc.constant([] as Fixed[]) },
        {
          weight: 2,
          arbitrary: fc.array(
            fc.record({
              requester: fc.constantFrom('gov0', 'gov1', 'r0', 'r1'),
              provider: fc.constantFrom('org0', 'p0', 'p1', 'gov1', 'elsewhere'),
              // A provider that answered jointly, in the meeting too (`alsoProviders`).
              partner: fc.constantFrom(undefined, undefined, undefined, 'p2', 'org0'),
              time: intervalArb,
            }),
            { minLength: 1, maxLength: 3 },
          ),
        },
      )
    : fc.constant([]);
  const busyArb = busyListArb(intervalArb, 2, 1); // mostly free
  const roomsArb = limits.roomBusy
    ? fc.array(busyListArb(intervalArb, 1, 2), { minLength: 0, maxLength: 3 }) // mostly busy
    : fc.constantFrom(0, 1, 1, 1, 2, 2).map((count) => Array.from({ length: count }, () => [] as [string, string][]));
  return fc
    .record({
      slots: fc.array(intervalArb, { minLength: 1, maxLength: limits.maxSlots }),
      roomBusy: roomsArb,
      requests: fc.array(
        fc.record({
          maxMatches: fc.constantFrom(0, 1, 1, 2, 3),
          busy: busyArb,
          party: fc.constantFrom(undefined, 'gov0', 'gov1'),
          limits: entryLimitsArb,
        }),
        { minLength: 1, maxLength: limits.maxRequests },
      ),
      providers: fc.array(
        fc.record({
          capacity: fc.constantFrom(0, 1, 2, 2, 3),
          busy: busyArb,
          party: fc.constantFrom(undefined, undefined, 'org0'),
          limits: entryLimitsArb,
        }),
        { minLength: 1, maxLength: limits.maxProviders },
      ),
      offerPicks: fc.array(
        fc.record({
          request: fc.nat(),
          provider: fc.nat(),
          score: fc.double({ min: 0.001, max: 1, noNaN: true }),
          // Version 2: another request of the same party served by the same meeting, a length range.
          also: limits.rules ? fc.constantFrom(-1, -1, 0, 1, 2) : fc.constant(-1),
          partner: limits.rules ? fc.constantFrom(-1, -1, -1, 0, 1) : fc.constant(-1),
          minutes: limits.rules ? fc.constantFrom<[number?, number?]>([], [], [], [30], [45], [undefined, 30], [30, 45]) : fc.constant<[number?, number?]>([]),
        }),
        { minLength: 1, maxLength: limits.maxOffers },
      ),
      rules: rulesArb,
      fixed: fixedArb,
    })
    .map(({ slots, roomBusy, requests, providers, offerPicks, rules, fixed }): InstanceLike & { format: string } => ({
      format: limits.rules ? 'marketplace-matching/2' : 'marketplace-matching/1',
      ...(rules ? { rules: defined(rules) } : {}),
      ...(fixed.length > 0 ? { fixedMeetings: withoutOverlaps(fixed) } : {}),
      slots: slots.map(([start, end], i) => ({ id: `s${i}`, start, end })),
      rooms: roomBusy.map((busy, i) => ({ id: `room${i}`, ...(busy.length > 0 ? { busy } : {}) })),
      requests: requests.map((r, i) => ({
        id: `r${i}`,
        maxMatches: r.maxMatches,
        busy: r.busy,
        ...(r.party ? { party: r.party } : {}),
        ...defined(r.limits),
      })),
      providers: providers.map((p, i) => ({
        id: `p${i}`,
        capacity: p.capacity,
        busy: p.busy,
        ...(p.party ? { party: p.party } : {}),
        ...defined(p.limits),
      })),
      offers: offerPicks.map((o) => {
        const request = o.request % requests.length;
        const other = o.also < 0 ? -1 : (request + 1 + o.also) % requests.length;
        const partyOf = (i: number) => requests[i]!.party ?? `r${i}`;
        const [minMinutes, maxMinutes] = o.minutes;
        const provider = o.provider % providers.length;
        const partner = o.partner < 0 ? -1 : (provider + 1 + o.partner) % providers.length;
        return {
          request: `r${request}`,
          ...(other >= 0 && other !== request && partyOf(other) === partyOf(request) ? { alsoRequests: [`r${other}`] } : {}),
          provider: `p${provider}`,
          ...(partner >= 0 && partner !== provider ? { alsoProviders: [`p${partner}`] } : {}),
          score: o.score,
          ...(minMinutes !== undefined ? { minMinutes } : {}),
          ...(maxMinutes !== undefined ? { maxMinutes } : {}),
        };
      }),
    }));
}

/** The fixed meetings in order, leaving out each that overlaps an earlier one of a party it shares. */
function withoutOverlaps(fixed: readonly { requester: string; provider: string; partner: string | undefined; time: [string, string] }[]) {
  const kept: { requester: string; provider: string; alsoProviders?: string[]; start: string; end: string }[] = [];
  for (const { requester, provider, partner, time } of fixed) {
    const [start, end] = time.map((t) => Date.parse(t));
    const alsoProviders = partner && partner !== provider && partner !== requester ? [partner] : [];
    const parties = [requester, provider, ...alsoProviders];
    const clash = kept.some(
      (k) => [k.requester, k.provider, ...(k.alsoProviders ?? [])].some((party) => parties.includes(party)) && Date.parse(k.start) < end! && start! < Date.parse(k.end),
    );
    if (!clash) kept.push({ requester, provider, ...(alsoProviders.length > 0 ? { alsoProviders } : {}), start: time[0], end: time[1] });
  }
  return kept;
}

/**
 * Instances where only rooms bind: every offer has its own request and provider, quotas of one,
 * no busy parties; a few slots packed into a short span (chains of overlaps) and rooms busy at
 * random times. Here the optimum is the best set of meetings that concrete rooms can hold.
 */
export function roomsOnlyInstanceArb(limits: { maxSlots: number; maxRooms: number; maxOffers: number }) {
  const intervalArb = intervalsWithin(4);
  return fc
    .record({
      slots: fc.array(intervalArb, { minLength: 2, maxLength: limits.maxSlots }),
      roomBusy: fc.array(busyListArb(intervalArb, 1, 3), { minLength: 1, maxLength: limits.maxRooms }),
      scores: fc.array(fc.double({ min: 0.001, max: 1, noNaN: true }), { minLength: 1, maxLength: limits.maxOffers }),
    })
    .map(({ slots, roomBusy, scores }): InstanceLike & { format: string } => ({
      format: 'marketplace-matching/1',
      slots: slots.map(([start, end], i) => ({ id: `s${i}`, start, end })),
      rooms: roomBusy.map((busy, i) => ({ id: `room${i}`, ...(busy.length > 0 ? { busy } : {}) })),
      requests: scores.map((_, i) => ({ id: `r${i}`, maxMatches: 1 })),
      providers: scores.map((_, i) => ({ id: `p${i}`, capacity: 1 })),
      offers: scores.map((score, i) => ({ request: `r${i}`, provider: `p${i}`, score })),
    }));
}

/**
 * Version 2 instances with `rules.fairness` where it often matters: three governments whose
 * requests compete for one or two providers of small capacity over three half-hour slots, so
 * that the best scores alone often leave one government without a meeting.
 */
export function contestedInstanceArb() {
  return fc
    .record({
      requests: fc.array(fc.record({ party: fc.constantFrom('gov0', 'gov0', 'gov1', 'gov2'), busySlot: fc.constantFrom(-1, -1, 0, 1, 2) }), {
        minLength: 2,
        maxLength: 5,
      }),
      capacities: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 2 }),
      offerPicks: fc.array(
        fc.record({ request: fc.nat(), provider: fc.nat(), score: fc.double({ min: 0.001, max: 1, noNaN: true }) }),
        { minLength: 2, maxLength: 6 },
      ),
      maxConsecutive: fc.constantFrom(undefined, 1, 2),
    })
    .map(({ requests, capacities, offerPicks, maxConsecutive }): InstanceLike & { format: string } => {
      const slot = (k: number) => ({ id: `s${k}`, start: at(2 * k, false), end: at(2 * k + 2, false) });
      return {
        format: 'marketplace-matching/2',
        rules: { fairness: true, ...(maxConsecutive ? { maxConsecutive } : {}) },
        slots: [0, 1, 2].map(slot),
        rooms: [{ id: 'room0' }],
        requests: requests.map((r, i) => ({
          id: `r${i}`,
          maxMatches: 1,
          party: r.party,
          ...(r.busySlot >= 0 ? { busy: [[slot(r.busySlot).start, slot(r.busySlot).end] as [string, string]] } : {}),
        })),
        providers: capacities.map((capacity, i) => ({ id: `p${i}`, capacity })),
        offers: offerPicks.map((o) => ({
          request: `r${o.request % requests.length}`,
          provider: `p${o.provider % capacities.length}`,
          score: o.score,
        })),
      };
    });
}
