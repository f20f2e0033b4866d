import { describe, expect, it } from 'vitest';
import { everyMethod, expectOneMeetingOnTheFirstDay, iloMorning as morning, iloTwoDays, provenOptimum, T, validated } from './solve.ts';
import { solveMatching } from '../../../src/matching/optimizer.ts';
import { bruteForceOptimum, findViolations, type InstanceLike } from './feasibility-checker.ts';

// Meeting limits per party (marketplace-matching/2, docs/matching-format.md): a daily cap, and a
// free slot after maxConsecutive meetings back to back.



describe('the bound the heuristic is measured against counts the daily cap', () => {
  it('one provider capped at two a day: the bound is its two best pairs, so the heuristic proves its schedule optimal (gap 0)', async () => {
    const json: InstanceLike = { ...morning, rules: { maxMeetingsPerDay: 2 } };
    const result = await solveMatching(validated(json), { method: 'heuristic' });
    expect(result.objective).toBeCloseTo(0.9 + 0.8, 12);
    // Without the cap in the relaxation, the bound was all four pairs (3.0) and the gap 0.43.
    expect(result.stats.bound).toBeCloseTo(0.9 + 0.8, 12);
    expect(result.stats.gap).toBe(0);
  });

  it('over two days, a fixed meeting on the first leaves one place there: two meetings in all, so the bound is the two best pairs', async () => {
    const json: InstanceLike = { ...iloTwoDays, rules: { maxMeetingsPerDay: 2 }, fixedMeetings: [{ requester: 'elsewhere', provider: 'ilo', start: T('11:00'), end: T('11:30') }] };
    const result = await solveMatching(validated(json), { method: 'heuristic' });
    expect(result.objective).toBeCloseTo(0.9 + 0.6, 12);
    expect(await provenOptimum(json)).toBeCloseTo(0.9 + 0.6, 12);
    // The count per party is bounded, not which day each pair takes: r1 and r2 (1.7), not the three
    // free slots' r1, r2 and r3 (2.4) as before. Still a bound, with a gap of 0.2 / 1.7.
    expect(result.stats.bound).toBeCloseTo(0.9 + 0.8, 12);
  });
});

describe('a break after maxConsecutive meetings back to back', () => {
  it('leaves a free slot after two meetings in a row: three of the four meetings, the best three', async () => {
    const json: InstanceLike = { ...morning, rules: { maxConsecutive: 2 } };
    expect(await provenOptimum(json)).toBeCloseTo(0.9 + 0.8 + 0.7, 12);
    expect(bruteForceOptimum(json)).toBeCloseTo(0.9 + 0.8 + 0.7, 12);
    expect(await provenOptimum({ ...morning, format: 'marketplace-matching/1' })).toBeCloseTo(3.0, 12);
    for (const result of await everyMethod(validated(json))) {
      expect(findViolations(json, result)).toEqual([]);
      expect(result.format).toBe('marketplace-matching-result/2');
      expect(result.objective).toBeCloseTo(2.4, 12);
      expect(result.unscheduled).toEqual([{ request: 'r4', provider: 'ilo', reason: 'no break' }]);
    }
  });

  it('with one at a time, every other slot', async () => {
    const json: InstanceLike = { ...morning, rules: { maxConsecutive: 1 } };
    expect(await provenOptimum(json)).toBeCloseTo(0.9 + 0.8, 12);
    for (const result of await everyMethod(validated(json))) {
      expect(findViolations(json, result)).toEqual([]);
      expect(result.meetings).toHaveLength(2);
      const [first, second] = result.meetings.map((m) => json.slots.findIndex((s) => s.id === m.slot));
      expect(second! - first!).toBeGreaterThanOrEqual(2);
    }
  });

  it('counts only meetings that touch: five minutes between two slots is a break', async () => {
    const json: InstanceLike = {
      ...morning,
      rules: { maxConsecutive: 1 },
      slots: [
        { id: 'early', start: T('09:00'), end: T('09:30') },
        { id: 'late', start: T('09:35'), end: T('10:05') },
      ],
    };
    for (const result of await everyMethod(validated(json))) expect(result.meetings.map((m) => m.slot)).toEqual(['early', 'late']);
  });

  it('changes which meetings are best, not only how many: the optimum gives up the best pair', async () => {
    // One at a time: r1 (the best) can only meet at 9:30, between r2's 9:00 and r3's 10:00.
    const json: InstanceLike = {
      ...morning,
      slots: morning.slots.slice(0, 3),
      rules: { maxConsecutive: 1 },
      requests: [
        { id: 'r1', maxMatches: 1, busy: [[T('09:00'), T('09:30')], [T('10:00'), T('10:30')]] },
        { id: 'r2', maxMatches: 1, busy: [[T('09:30'), T('10:30')]] },
        { id: 'r3', maxMatches: 1, busy: [[T('09:00'), T('10:00')]] },
      ],
      offers: [
        { request: 'r1', provider: 'ilo', score: 0.9 },
        { request: 'r2', provider: 'ilo', score: 0.6 },
        { request: 'r3', provider: 'ilo', score: 0.6 },
      ],
    };
    expect(await provenOptimum(json)).toBeCloseTo(1.2, 12);
    expect(bruteForceOptimum(json)).toBeCloseTo(1.2, 12);
    const [exact, heuristic, greedy] = await everyMethod(validated(json));
    expect(exact!.meetings.map((m) => m.request)).toEqual(['r2', 'r3']);
    for (const result of [exact!, heuristic!, greedy!]) expect(findViolations(json, result)).toEqual([]);
    // The greedy takes r1 first and is stuck with it; the local search trades it for two around the
    // run (r1 out, r2 in at 9:00, then r3 in at 10:00).
    expect(greedy!.objective).toBeCloseTo(0.9, 12);
    expect(heuristic!.meetings.map((m) => m.request)).toEqual(['r2', 'r3']);
    expect(heuristic!.objective).toBeCloseTo(1.2, 12);
  });
});

describe('a cap on meetings per party per day', () => {
  const twoDays = iloTwoDays;

  it('spreads a provider over the days: one meeting on the first day, r4 on the next', async () => {
    const json: InstanceLike = { ...twoDays, providers: [{ id: 'ilo', capacity: 4, maxMeetingsPerDay: 1 }] };
    expect(await provenOptimum(json)).toBeCloseTo(0.9 + 0.6, 12);
    expect(await provenOptimum({ ...twoDays })).toBeCloseTo(0.9 + 0.8 + 0.6, 12);
    await expectOneMeetingOnTheFirstDay(json);
  });

  it('counts every entry of a party, in either role', async () => {
    // gov asks twice (r1, r2) and also provides (to r3): its cap of 2 holds all three together.
    const json: InstanceLike = {
      format: 'marketplace-matching/2',
      rules: { maxMeetingsPerDay: 2 },
      slots: ['09:00', '10:00', '11:00'].map((start) => ({ id: start, start: T(start), end: T(`${start.slice(0, 2)}:30`) })),
      rooms: [{ id: 'room-a' }, { id: 'room-b' }],
      requests: [
        { id: 'r1', maxMatches: 1, party: 'gov' },
        { id: 'r2', maxMatches: 1, party: 'gov' },
        { id: 'r3', maxMatches: 1 },
      ],
      providers: [
        { id: 'ilo', capacity: 2 },
        { id: 'gov', capacity: 1 },
      ],
      offers: [
        { request: 'r1', provider: 'ilo', score: 0.5 },
        { request: 'r2', provider: 'ilo', score: 0.4 },
        { request: 'r3', provider: 'gov', score: 0.3 },
      ],
    };
    expect(await provenOptimum(json)).toBeCloseTo(0.9, 12);
    for (const result of await everyMethod(validated(json))) {
      expect(findViolations(json, result)).toEqual([]);
      expect(result.objective).toBeCloseTo(0.9, 12);
    }
  });

  it('takes a party override over the document rule, the smallest of its entries', async () => {
    const json: InstanceLike = {
      ...twoDays,
      rules: { maxMeetingsPerDay: 1 },
      providers: [{ id: 'ilo', capacity: 4, maxMeetingsPerDay: 3 }],
    };
    for (const result of await everyMethod(validated(json))) expect(result.objective).toBeCloseTo(0.9 + 0.8 + 0.6, 12);
  });

  it('reads the day in rules.timeZone, else on the date each slot is written with', async () => {
    // 23:00Z and 00:00Z: two dates as written, one date in Brussels (the 11th) and in New York (the 10th).
    const json: InstanceLike = {
      ...morning,
      slots: [
        { id: 'late', start: '2007-07-10T23:00:00Z', end: '2007-07-10T23:30:00Z' },
        { id: 'after-midnight', start: '2007-07-11T00:00:00Z', end: '2007-07-11T00:30:00Z' },
      ],
      rules: { maxMeetingsPerDay: 1 },
    };
    const meetings = async (rules: InstanceLike['rules']) => (await solveMatching(validated({ ...json, rules }))).meetings.length;
    expect(await meetings({ maxMeetingsPerDay: 1 })).toBe(2);
    expect(await meetings({ maxMeetingsPerDay: 1, timeZone: 'Europe/Brussels' })).toBe(1);
    expect(await meetings({ maxMeetingsPerDay: 1, timeZone: 'America/New_York' })).toBe(1);
    expect(await meetings({ maxMeetingsPerDay: 1, timeZone: 'Asia/Tokyo' })).toBe(1);
  });
});

describe('the checker', () => {
  it('says no to a schedule that passes a daily cap or a run', () => {
    const json: InstanceLike = { ...morning, rules: { maxMeetingsPerDay: 3, maxConsecutive: 2 } };
    const meetings = ['r1', 'r2', 'r3', 'r4'].map((request, i) => ({
      request,
      provider: 'ilo',
      slot: json.slots[i]!.id,
      room: 'room-a',
      score: json.offers[i]!.score,
    }));
    const violations = findViolations(json, { format: 'marketplace-matching-result/2', objective: 3.0, meetings, unscheduled: [] });
    expect(violations).toEqual([
      'party ilo: 4 meetings on 2007-07-10, more than 3',
      'party ilo: 3 meetings back to back up to s1000, more than 2',
    ]);
    expect(findViolations({ ...json, format: 'marketplace-matching/1' }, { format: 'marketplace-matching-result/1', objective: 3.0, meetings, unscheduled: [] })).toEqual([]);
  });
});
