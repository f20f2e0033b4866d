import { describe, expect, it } from 'vitest';
import { bruteForceOptimum, findViolations, type InstanceLike, type ResultLike } from './feasibility-checker.ts';

// The checker judges the optimizer; these cases show it can say no.
const instance: InstanceLike = {
  slots: [
    { id: 'a', start: '2007-07-10T09:00:00+02:00', end: '2007-07-10T09:30:00+02:00' },
    { id: 'b', start: '2007-07-10T07:15:00Z', end: '2007-07-10T07:45:00Z' }, // overlaps a
    { id: 'c', start: '2007-07-10T10:00:00+02:00', end: '2007-07-10T10:30:00+02:00' },
  ],
  rooms: [{ id: 'room1' }, { id: 'room2' }, { id: 'room3', busy: [['2007-07-10T09:20:00+02:00', '2007-07-10T09:25:00+02:00']] }],
  requests: [
    { id: 'r1', maxMatches: 1, busy: [['2007-07-10T10:00:00+02:00', '2007-07-10T11:00:00+02:00']], party: 'gov' },
    { id: 'r2', maxMatches: 2, party: 'gov' },
    { id: 'r3', maxMatches: 2 },
  ],
  providers: [
    { id: 'p1', capacity: 1 },
    { id: 'p2', capacity: 3 },
  ],
  offers: [
    { request: 'r1', provider: 'p1', score: 0.5 },
    { request: 'r2', provider: 'p2', score: 0.4 },
    { request: 'r3', provider: 'p2', score: 0.3 },
    { request: 'r3', provider: 'p1', score: 0.2 },
  ],
};

const meeting = (request: string, provider: string, slot: string, room: string, score: number) => ({
  request,
  provider,
  slot,
  room,
  score,
});
const result = (meetings: ResultLike['meetings']): ResultLike => ({
  format: 'marketplace-matching-result/1',
  objective: meetings.reduce((sum, m) => sum + m.score, 0),
  meetings,
  unscheduled: [],
});

describe('the independent feasibility checker', () => {
  it('accepts a schedule that keeps every rule', () => {
    const ok = result([
      meeting('r1', 'p1', 'a', 'room1', 0.5),
      meeting('r3', 'p2', 'b', 'room2', 0.3),
      meeting('r2', 'p2', 'c', 'room1', 0.4),
    ]);
    expect(findViolations(instance, ok)).toEqual([]);
  });

  it.each([
    ['a party in two overlapping slots', [meeting('r1', 'p1', 'a', 'room1', 0.5), meeting('r2', 'p2', 'b', 'room2', 0.4)], 'party gov'],
    ['a room used by overlapping slots', [meeting('r1', 'p1', 'a', 'room1', 0.5), meeting('r3', 'p2', 'b', 'room1', 0.3)], 'room'],
    ['a meeting in busy time', [meeting('r1', 'p1', 'c', 'room1', 0.5)], 'request busy'],
    ['a meeting in a room during its busy time', [meeting('r2', 'p2', 'a', 'room3', 0.4)], 'room busy'],
    ['a provider over capacity', [meeting('r1', 'p1', 'a', 'room1', 0.5), meeting('r3', 'p1', 'c', 'room1', 0.2)], 'provider p1'],
    ['a pair that was not offered', [meeting('r2', 'p1', 'a', 'room1', 0.5)], 'not an offer'],
    ['a score that is not the offer', [meeting('r2', 'p2', 'a', 'room1', 0.9)], 'score'],
    ['a pair meeting twice', [meeting('r2', 'p2', 'a', 'room1', 0.4), meeting('r2', 'p2', 'c', 'room1', 0.4)], 'twice'],
  ])('rejects %s', (_, meetings, expected) => {
    const violations = findViolations(instance, result(meetings));
    expect(violations.join('\n')).toContain(expected);
  });

  it('rejects an objective that is not the sum of the meetings', () => {
    const wrong = { ...result([meeting('r1', 'p1', 'a', 'room1', 0.5)]), objective: 0.6 };
    expect(findViolations(instance, wrong).join('\n')).toContain('objective');
  });

  it('enumerates the optimum of a tiny instance', () => {
    // r1/p1 in a, r3/p2 in b (overlapping a, but other parties and a second room), r2/p2 in c;
    // r3/p1 cannot follow since p1 has capacity 1.
    expect(bruteForceOptimum(instance)).toBeCloseTo(1.2, 12);
  });

  it('enumerates with concrete rooms: counting free rooms per moment is not enough', () => {
    // B overlaps A and C; room1 is free for A and B only, room2 for B and C only. Each moment
    // ({A, B} and {B, C}) has two rooms for its two meetings, yet all three cannot meet: B would
    // need room2 next to A and room1 next to C. Any two can.
    const chain: InstanceLike = {
      slots: [
        { id: 'A', start: '2007-07-10T09:00:00+02:00', end: '2007-07-10T09:30:00+02:00' },
        { id: 'B', start: '2007-07-10T09:15:00+02:00', end: '2007-07-10T09:45:00+02:00' },
        { id: 'C', start: '2007-07-10T09:30:00+02:00', end: '2007-07-10T10:00:00+02:00' },
      ],
      rooms: [
        { id: 'room1', busy: [['2007-07-10T09:45:00+02:00', '2007-07-10T10:00:00+02:00']] },
        { id: 'room2', busy: [['2007-07-10T09:00:00+02:00', '2007-07-10T09:15:00+02:00']] },
      ],
      requests: ['ra', 'rb', 'rc'].map((id) => ({ id, maxMatches: 1 })),
      providers: ['pa', 'pb', 'pc'].map((id) => ({ id, capacity: 1 })),
      offers: [
        { request: 'ra', provider: 'pa', score: 0.5 },
        { request: 'rb', provider: 'pb', score: 0.4 },
        { request: 'rc', provider: 'pc', score: 0.3 },
      ],
    };
    expect(bruteForceOptimum(chain)).toBeCloseTo(0.9, 12);
    expect(bruteForceOptimum({ ...chain, rooms: chain.rooms.map(({ id }) => ({ id })) })).toBeCloseTo(1.2, 12);
  });
});
