import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { everyMethod } from './solve.ts';
import { parseInstance, type Instance, type MatchingResult } from '../../../src/matching/instance.schema.ts';
import { loadHighs } from '../../../src/matching/highs.ts';
import { solveExactly } from '../../../src/matching/milp.ts';
import { solveMatching } from '../../../src/matching/optimizer.ts';
import { compileProblem } from '../../../src/matching/problem.ts';
import { bruteForceOptimum, findViolations, type InstanceLike } from './feasibility-checker.ts';

// Rooms busy at some times (docs/matching-format.md): how a re-run keeps the meetings that exist.

const T = (hhmm: string) => `2007-07-10T${hhmm}:00+02:00`;

function validated(json: InstanceLike): Instance {
  const parsed = parseInstance({ format: 'marketplace-matching/1', ...json });
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.instance;
}

/** Four pairs of their own parties, free all morning, all wanting the 9:00 slot most. */
const pinned: InstanceLike = {
  slots: [
    { id: 'nine', start: T('09:00'), end: T('09:30') },
    { id: 'half-past', start: T('09:30'), end: T('10:00') },
  ],
  rooms: [{ id: 'room-a', busy: [[T('09:00'), T('09:30')]] }, { id: 'room-b' }],
  requests: ['r1', 'r2', 'r3', 'r4'].map((id) => ({ id, maxMatches: 1 })),
  providers: ['p1', 'p2', 'p3', 'p4'].map((id) => ({ id, capacity: 1 })),
  offers: [
    { request: 'r1', provider: 'p1', score: 0.9 },
    { request: 'r2', provider: 'p2', score: 0.8 },
    { request: 'r3', provider: 'p3', score: 0.7 },
    { request: 'r4', provider: 'p4', score: 0.6 },
  ],
};

describe('a room busy at a time (a kept meeting)', () => {
  it('is never used at that time, by the optimizer, the heuristic or the greedy baseline', async () => {
    for (const result of await everyMethod(validated(pinned))) {
      expect(findViolations(pinned, result)).toEqual([]);
      expect(result.meetings.filter((m) => m.room === 'room-a' && m.slot === 'nine')).toEqual([]);
      // Three places left (room-b at 9:00, both rooms at 9:30): the best three pairs get them.
      expect(result.meetings.filter((m) => m.slot === 'nine')).toHaveLength(1);
      expect(result.objective).toBeCloseTo(0.9 + 0.8 + 0.7, 12);
      expect(result.unscheduled).toEqual([
        { request: 'r4', provider: 'p4', reason: 'no room free at any common free slot' },
      ]);
    }
  });

  it('takes the room for the whole slot even when busy for part of it only', async () => {
    const json: InstanceLike = {
      ...pinned,
      rooms: [{ id: 'room-a', busy: [[T('09:10'), T('09:20')], [T('09:59'), T('10:30')]] }],
    };
    const instance = validated(json);
    expect(compileProblem(instance).roomsFreeInSlot).toEqual([0, 0]);
    for (const result of await everyMethod(instance)) {
      expect(result.meetings).toEqual([]);
      expect(result.unscheduled.map((u) => u.reason)).toEqual(
        Array(4).fill('no room free at any common free slot'),
      );
    }
  });

  it('leaves the room free right after the busy interval ends (half-open)', async () => {
    const json: InstanceLike = { ...pinned, rooms: [{ id: 'room-a', busy: [[T('08:00'), T('09:30')]] }] };
    const [result] = await everyMethod(validated(json));
    expect(result!.meetings).toEqual([{ request: 'r1', provider: 'p1', slot: 'half-past', room: 'room-a', score: 0.9 }]);
  });

  it('is counted out of the rooms free for each slot in the compiled problem', () => {
    const problem = compileProblem(
      validated({
        ...pinned,
        rooms: [
          { id: 'room-a', busy: [[T('09:00'), T('09:30')]] },
          { id: 'room-b' },
          { id: 'room-c', busy: [[T('09:45'), T('11:00')]] },
        ],
      }),
    );
    expect(problem.roomsFreeInSlot).toEqual([2, 2]);
    const roomsFreeIn = (slot: number) =>
      problem.slotRoomGroups[slot]!.flatMap((g) => problem.roomGroups[g]!.rooms).sort((a, b) => a - b);
    expect(roomsFreeIn(0)).toEqual([1, 2]);
    expect(roomsFreeIn(1)).toEqual([0, 1]);
  });
});

describe('overlapping slots whose rooms are free at different times', () => {
  // B overlaps A and C; room1 is free for A and B only, room2 for B and C only. Counting rooms
  // per moment would allow A, B and C together; concrete rooms allow any two of them.
  const chain: InstanceLike = {
    slots: [
      { id: 'A', start: T('09:00'), end: T('09:30') },
      { id: 'B', start: T('09:15'), end: T('09:45') },
      { id: 'C', start: T('09:30'), end: T('10:00') },
    ],
    rooms: [
      { id: 'room1', busy: [[T('09:45'), T('10:00')]] },
      { id: 'room2', busy: [[T('09:00'), T('09:15')]] },
    ],
    requests: [
      { id: 'ra', maxMatches: 1, busy: [[T('09:30'), T('10:00')]] }, // free for A only
      { id: 'rb', maxMatches: 1, busy: [[T('09:00'), T('09:15')], [T('09:45'), T('10:00')]] }, // B only
      { id: 'rc', maxMatches: 1, busy: [[T('09:00'), T('09:30')]] }, // C only
    ],
    providers: ['pa', 'pb', 'pc'].map((id) => ({ id, capacity: 1 })),
    offers: [
      { request: 'ra', provider: 'pa', score: 0.3 },
      { request: 'rb', provider: 'pb', score: 0.5 },
      { request: 'rc', provider: 'pc', score: 0.4 },
    ],
  };

  it('the exact model gives each meeting a room that is free, and proves the best two are the optimum', async () => {
    const instance = validated(chain);
    expect(bruteForceOptimum(chain)).toBeCloseTo(0.9, 12);
    const exact = solveExactly(await loadHighs(), compileProblem(instance), { timeLimitSeconds: 10, mipGap: 0 });
    expect(exact.provenOptimal).toBe(true);
    expect(exact.bound).toBeCloseTo(0.9, 9);
    const results = await everyMethod(instance);
    for (const result of results) expect(findViolations(chain, result)).toEqual([]);
    expect(results[0]!.objective).toBeCloseTo(0.9, 12);
    expect(results[0]!.meetings.map((m) => m.slot).sort()).toEqual(['B', 'C']);
  });
});

describe('re-running around kept meetings', () => {
  const example = JSON.parse(
    readFileSync(join(import.meta.dirname, 'examples/small-tight.json'), 'utf8'),
  ) as InstanceLike & { format: string };

  /**
   * The instance of a re-run that keeps `kept`, the way the product pins meetings: their pairs
   * leave the offers, quotas shrink, and their time is busy for their rooms and for every request
   * and provider of their parties.
   */
  function keeping(instance: InstanceLike, kept: MatchingResult['meetings']): InstanceLike {
    const slotTime = new Map(instance.slots.map((s) => [s.id, [s.start, s.end] as [string, string]]));
    const partyOf = (x: { id: string; party?: string }) => x.party ?? x.id;
    const keptParties = kept.map((m) => {
      const request = instance.requests.find((r) => r.id === m.request)!;
      const provider = instance.providers.find((p) => p.id === m.provider)!;
      return { parties: [partyOf(request), partyOf(provider)], time: slotTime.get(m.slot)!, m };
    });
    const busyFor = (x: { id: string; party?: string; busy?: [string, string][] }) => [
      ...(x.busy ?? []),
      ...keptParties.filter((k) => k.parties.includes(partyOf(x))).map((k) => k.time),
    ];
    return {
      ...instance,
      rooms: instance.rooms.map((room) => ({
        ...room,
        busy: [...(room.busy ?? []), ...kept.filter((m) => m.room === room.id).map((m) => slotTime.get(m.slot)!)],
      })),
      requests: instance.requests.map((r) => ({
        ...r,
        maxMatches: r.maxMatches - kept.filter((m) => m.request === r.id).length,
        busy: busyFor(r),
      })),
      providers: instance.providers.map((p) => ({
        ...p,
        capacity: p.capacity - kept.filter((m) => m.provider === p.id).length,
        busy: busyFor(p),
      })),
      offers: instance.offers.filter((o) => !kept.some((m) => m.request === o.request && m.provider === o.provider)),
    };
  }

  it('the kept meetings and the new ones together keep every rule of the original instance', async () => {
    const first = await solveMatching(validated(example));
    const kept = first.meetings.filter((_, i) => i % 3 === 0); // e.g. the meetings people confirmed
    expect(kept.length).toBeGreaterThan(2);
    const rerun = keeping(example, kept);
    for (const result of await everyMethod(validated(rerun))) {
      expect(findViolations(rerun, result)).toEqual([]);
      for (const k of kept) expect(result.meetings).not.toContainEqual(expect.objectContaining({ slot: k.slot, room: k.room }));
      const meetings = [...kept, ...result.meetings];
      const together = { ...result, meetings, objective: meetings.reduce((sum, m) => sum + m.score, 0) };
      expect(findViolations(example, together)).toEqual([]);
      expect(together.objective).toBeLessThanOrEqual(6.406 + 5e-4); // the proven optimum of the example
    }
  });
});
