/**
 * fast-check arbitrary of small instances that exercise every rule: overlapping slots of mixed
 * lengths, shared parties on both sides, busy intervals, zero quotas, no rooms, repeated offers.
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

const intervalArb = fc
  .record({ start: fc.integer({ min: 0, max: 10 }), length: fc.integer({ min: 1, max: 4 }), utc: fc.boolean() })
  .map(({ start, length, utc }) => [at(start, utc), at(start + length, utc)] as [string, string]);

/** Mostly free, sometimes busy. */
const busyArb = fc.oneof(
  { weight: 2, arbitrary: fc.constant([] as [string, string][]) },
  { weight: 1, arbitrary: fc.array(intervalArb, { minLength: 1, maxLength: 2 }) },
);

export function smallInstanceArb(limits: { maxSlots: number; maxRequests: number; maxProviders: number; maxOffers: number }) {
  return fc
    .record({
      slots: fc.array(intervalArb, { minLength: 1, maxLength: limits.maxSlots }),
      roomCount: fc.constantFrom(0, 1, 1, 1, 2, 2),
      requests: fc.array(
        fc.record({
          maxMatches: fc.constantFrom(0, 1, 1, 2, 3),
          busy: busyArb,
          party: fc.constantFrom(undefined, 'gov0', 'gov1'),
        }),
        { minLength: 1, maxLength: limits.maxRequests },
      ),
      providers: fc.array(
        fc.record({
          capacity: fc.constantFrom(0, 1, 2, 2, 3),
          busy: busyArb,
          party: fc.constantFrom(undefined, undefined, 'org0'),
        }),
        { minLength: 1, maxLength: limits.maxProviders },
      ),
      offerPicks: fc.array(
        fc.record({
          request: fc.nat(),
          provider: fc.nat(),
          score: fc.double({ min: 0.001, max: 1, noNaN: true }),
        }),
        { minLength: 1, maxLength: limits.maxOffers },
      ),
    })
    .map(({ slots, roomCount, requests, providers, offerPicks }): InstanceLike & { format: string } => ({
      format: 'marketplace-matching/1',
      slots: slots.map(([start, end], i) => ({ id: `s${i}`, start, end })),
      rooms: Array.from({ length: roomCount }, (_, i) => ({ id: `room${i}` })),
      requests: requests.map((r, i) => ({ id: `r${i}`, maxMatches: r.maxMatches, busy: r.busy, ...(r.party ? { party: r.party } : {}) })),
      providers: providers.map((p, i) => ({ id: `p${i}`, capacity: p.capacity, busy: p.busy, ...(p.party ? { party: p.party } : {}) })),
      offers: offerPicks.map((o) => ({
        request: `r${o.request % requests.length}`,
        provider: `p${o.provider % providers.length}`,
        score: o.score,
      })),
    }));
}
