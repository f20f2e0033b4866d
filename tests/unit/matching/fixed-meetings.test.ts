import { describe, expect, it } from 'vitest';
import { everyMethod, expectOneMeetingOnTheFirstDay, iloMorning as morning, iloTwoDays, provenOptimum, T, validated } from './solve.ts';
import { solveMatching } from '../../../src/matching/optimizer.ts';
import { bruteForceBest, findViolations, servedRequesters, type InstanceLike } from './feasibility-checker.ts';

// Fixed meetings (marketplace-matching/2, `fixedMeetings`, docs/matching-format.md): meetings kept
// from an earlier run count toward their parties' daily caps, runs and fairness, not only as busy time.


/** The optimum the exact model proves, found by enumeration too. */
const enumeratedOptimum = (json: InstanceLike) => provenOptimum(json, { enumerate: true });


/** A meeting of ilo kept from an earlier run, with a government that has no entry now. */
const keptWithIlo = (start: string, end: string) => ({ requester: 'gov-kept', provider: 'ilo', start, end });

describe('a run passes through a fixed meeting', () => {
  it('counts a fixed meeting that touches the grid, at times off the grid, as part of the run', async () => {
    // ilo met someone 8:40-9:00 and meets someone 11:00-11:20: with two in a row at most, two of
    // the four slots are left (e.g. 9:00 and 10:30), not three.
    const json: InstanceLike = {
      ...morning,
      rules: { maxConsecutive: 2 },
      fixedMeetings: [keptWithIlo(T('08:40'), T('09:00')), keptWithIlo(T('11:00'), T('11:20'))],
    };
    expect(await enumeratedOptimum(json)).toBeCloseTo(0.9 + 0.8, 12);
    expect(await enumeratedOptimum({ ...json, fixedMeetings: [] })).toBeCloseTo(0.9 + 0.8 + 0.7, 12);
    for (const result of await everyMethod(validated(json))) {
      expect(findViolations(json, result)).toEqual([]);
      expect(result.objective).toBeCloseTo(1.7, 12);
      expect(result.meetings.map((m) => m.slot)).not.toContain('s0930'); // 8:40, 9:00, 9:30 would be three
    }
  });

  it('does not count one that leaves a gap, even of five minutes', async () => {
    const json: InstanceLike = {
      ...morning,
      rules: { maxConsecutive: 2 },
      fixedMeetings: [keptWithIlo(T('08:35'), T('08:55')), keptWithIlo(T('11:05'), T('11:20'))],
    };
    for (const result of await everyMethod(validated(json))) expect(result.objective).toBeCloseTo(0.9 + 0.8 + 0.7, 12);
  });
});

describe('a daily cap reached by fixed meetings', () => {
  /** The two days with a cap of two meetings a day for ilo. */
  const twoDays: InstanceLike = { ...iloTwoDays, providers: [{ id: 'ilo', capacity: 4, maxMeetingsPerDay: 2 }] };

  it('leaves room for one more meeting on a day that already has one of two', async () => {
    const json: InstanceLike = { ...twoDays, fixedMeetings: [keptWithIlo(T('16:00'), T('16:45'))] };
    expect(await enumeratedOptimum({ ...twoDays })).toBeCloseTo(0.9 + 0.8 + 0.6, 12);
    expect(await enumeratedOptimum(json)).toBeCloseTo(0.9 + 0.6, 12);
    await expectOneMeetingOnTheFirstDay(json);
  });

  it('reads the fixed meeting\'s day in rules.timeZone: 23:30Z on the 9th is the 10th in Brussels', async () => {
    const fixedMeetings = [keptWithIlo('2007-07-09T22:30:00Z', '2007-07-09T22:50:00Z')];
    const objective = async (rules: InstanceLike['rules']) =>
      (await solveMatching(validated({ ...twoDays, rules, fixedMeetings }))).objective;
    expect(await objective({ timeZone: 'Europe/Brussels' })).toBeCloseTo(0.9 + 0.6, 12);
    expect(await objective({})).toBeCloseTo(0.9 + 0.8 + 0.6, 12); // written on the 9th: a day without slots
  });

  it('schedules nothing more on a day the fixed meetings already fill beyond the cap, and the rest as usual', async () => {
    const json: InstanceLike = {
      ...twoDays,
      fixedMeetings: [keptWithIlo(T('07:00'), T('07:20')), keptWithIlo(T('07:30'), T('07:50')), keptWithIlo(T('08:00'), T('08:20'))],
    };
    for (const result of await everyMethod(validated(json))) {
      expect(findViolations(json, result)).toEqual([]);
      expect(result.meetings.map((m) => m.slot)).toEqual(['next-day']);
    }
  });
});

describe('fairness with a requester that a fixed meeting already serves', () => {
  /** One slot, one provider with room for one more meeting: gov-a's r1 or gov-b's r2. */
  const oneSeat: InstanceLike = {
    format: 'marketplace-matching/2',
    rules: { fairness: true },
    slots: [{ id: 's0900', start: T('09:00'), end: T('09:30') }],
    rooms: [{ id: 'room-a' }],
    requests: [
      { id: 'r1', maxMatches: 1, party: 'gov-a' },
      { id: 'r2', maxMatches: 1, party: 'gov-b' },
    ],
    providers: [{ id: 'ilo', capacity: 1 }],
    offers: [
      { request: 'r1', provider: 'ilo', score: 0.5 },
      { request: 'r2', provider: 'ilo', score: 0.9 },
    ],
  };

  it('gives the seat to the government without a meeting, though the other scores higher', async () => {
    const json: InstanceLike = {
      ...oneSeat,
      fixedMeetings: [{ requester: 'gov-b', provider: 'unicef', start: T('11:00'), end: T('11:30') }],
    };
    expect(await enumeratedOptimum(json)).toBeCloseTo(0.5, 12);
    expect(bruteForceBest(json).served).toBe(2);
    for (const result of await everyMethod(validated(json))) {
      expect(findViolations(json, result)).toEqual([]);
      expect(result.meetings.map((m) => m.request)).toEqual(['r1']);
      expect(servedRequesters(json, result.meetings)).toBe(2);
    }
  });

  it('counts only a meeting as requester: gov-b providing in its fixed meeting is not served', async () => {
    const json: InstanceLike = {
      ...oneSeat,
      fixedMeetings: [{ requester: 'unicef', provider: 'gov-b', start: T('11:00'), end: T('11:30') }],
    };
    for (const result of await everyMethod(validated(json))) expect(result.meetings.map((m) => m.request)).toEqual(['r2']);
  });
});

describe('a fixed meeting is busy time for every entry of its parties', () => {
  it('keeps a second request of the government, and a provider entry of the same name, out of its time', async () => {
    const json: InstanceLike = {
      format: 'marketplace-matching/2',
      slots: [
        { id: 's0900', start: T('09:00'), end: T('09:30') },
        { id: 's0930', start: T('09:30'), end: T('10:00') },
      ],
      rooms: [{ id: 'room-a' }, { id: 'room-b' }],
      requests: [
        { id: 'r1', maxMatches: 1, party: 'gov' },
        { id: 'r2', maxMatches: 1, party: 'gov' },
      ],
      providers: [{ id: 'ilo', capacity: 2 }, { id: 'fao', capacity: 2 }],
      offers: [
        { request: 'r1', provider: 'ilo', score: 0.9 },
        { request: 'r2', provider: 'fao', score: 0.8 },
      ],
      fixedMeetings: [{ requester: 'gov', provider: 'who', start: T('09:15'), end: T('09:45') }],
    };
    for (const result of await everyMethod(validated(json))) {
      expect(result.meetings).toEqual([]);
      expect(result.unscheduled.map((u) => u.reason)).toEqual(['no common free slot', 'no common free slot']);
    }
  });
});

describe('the checker counts fixed meetings', () => {
  const json: InstanceLike = {
    ...morning,
    rules: { maxMeetingsPerDay: 2, maxConsecutive: 2 },
    fixedMeetings: [keptWithIlo(T('08:30'), T('09:00'))],
  };
  const meeting = (request: string, slot: string, score: number) => ({ request, provider: 'ilo', slot, room: 'room-a', score });
  const result = (meetings: ReturnType<typeof meeting>[]) => ({
    format: 'marketplace-matching-result/2',
    objective: meetings.reduce((sum, m) => sum + m.score, 0),
    meetings,
    unscheduled: [],
  });

  it('says no to a day or a run that a fixed meeting takes over the limit, and to a meeting in its time', () => {
    expect(findViolations(json, result([meeting('r1', 's0900', 0.9), meeting('r2', 's0930', 0.8)]))).toEqual([
      'party ilo: 3 meetings on 2007-07-10, more than 2',
      'party ilo: 3 meetings back to back up to s0930, more than 2',
    ]);
    const overlapping = { ...json, fixedMeetings: [keptWithIlo(T('09:15'), T('09:20'))] };
    expect(findViolations(overlapping, result([meeting('r1', 's0900', 0.9)]))).toEqual([
      'meeting r1/ilo@s0900/room-a: party ilo is in a fixed meeting then',
    ]);
  });

  it('does not blame a result for fixed meetings that pass a limit among themselves', () => {
    // Three on the day, two of them back to back: over the cap of two, within the run of two.
    const full = { ...json, fixedMeetings: [keptWithIlo(T('07:00'), T('07:30')), keptWithIlo(T('07:30'), T('07:50')), keptWithIlo(T('08:00'), T('08:20'))] };
    expect(findViolations(full, result([]))).toEqual([]);
    expect(findViolations(full, result([meeting('r1', 's1030', 0.9)]))).toEqual(['party ilo: 4 meetings on 2007-07-10, more than 2']);
  });
});
