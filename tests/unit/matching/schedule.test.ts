import { describe, expect, it } from 'vitest';
import { generateInstance, keepMeetings, seededRandom } from '../../../src/matching/generate.ts';
import { scheduleGreedily } from '../../../src/matching/greedy.ts';
import { solveMatching } from '../../../src/matching/optimizer.ts';
import { compileProblem } from '../../../src/matching/problem.ts';
import { findViolations } from './feasibility-checker.ts';

// The local search asks "would this pair fit once these meetings were gone?" without changing the
// schedule (Schedule.fitsInSlotWithout); a wrong answer would make it try moves that cannot be made.
describe('asking whether a pair would fit without some meetings', () => {
  const instances = [
    generateInstance({ offers: 600, tightness: 'tight', seed: 11 }),
    generateInstance({ offers: 600, tightness: 'tight', seed: 12, overlappingSlots: true, busyRooms: 0.5 }),
    generateInstance({ offers: 900, tightness: 'loose', seed: 13, overlappingSlots: true }),
  ];

  it('answers what removing them and asking would answer, for every kind of blocker', () => {
    for (const instance of instances) {
      const problem = compileProblem(instance);
      const schedule = scheduleGreedily(problem);
      const random = seededRandom(instance.offers.length);
      const scheduled = schedule.scheduledPairs();
      const waiting = problem.pairs.flatMap((pair, i) => (schedule.isScheduled(i) || pair.candidateSlots.length === 0 ? [] : [i]));
      const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
      let fitsOnlyWithout = 0;
      for (let trial = 0; trial < 3000; trial++) {
        const pair = pick(waiting);
        const s = pick(problem.pairs[pair]!.candidateSlots);
        // Often a meeting of one of the pair's parties, else any meeting; sometimes two.
        const ofParty = problem.pairs[pair]!.parties.flatMap((party) => schedule.meetingsOfParty[party]!);
        const first = ofParty.length > 0 && random() < 0.5 ? pick(ofParty) : pick(scheduled);
        const second = random() < 0.3 ? pick(scheduled) : first;
        const asked = schedule.fitsInSlotWithout(pair, s, first, second);

        const removed = [...new Set([first, second])].map((p) => ({ p, group: schedule.groupOfPair[p]!, slot: schedule.remove(p) }));
        const tried = schedule.fitsInSlot(pair, s);
        for (const { p, group, slot } of removed.reverse()) {
          schedule.place(p, slot, group);
          if (schedule.groupOfPair[p] !== group) throw new Error('a meeting put back did not get its room group back');
        }

        if (asked !== tried) expect({ pair, s, first, second, asked }).toEqual({ pair, s, first, second, asked: tried });
        if (tried && !schedule.fitsInSlot(pair, s)) fitsOnlyWithout++;
      }
      expect(fitsOnlyWithout).toBeGreaterThan(0); // the removals did matter in some trials
    }
  });
});

describe('a re-run that keeps most meetings', () => {
  it('keeps their rooms and times busy, and schedules the rest around them within the reduced limits', async () => {
    const first = generateInstance({ offers: 1500, tightness: 'tight', seed: 5, days: 2, slotsPerDay: 6, rooms: 6 });
    const solved = await solveMatching(first, { method: 'heuristic' });
    const kept = solved.meetings.slice(0, Math.floor((solved.meetings.length * 3) / 4));
    const rerun = keepMeetings(first, kept);
    expect(rerun.offers).toHaveLength(first.offers.length - kept.length);

    const result = await solveMatching(rerun);
    expect(findViolations(rerun, result)).toEqual([]);
    // Together with the kept meetings, the re-run's schedule breaks no rule of the first instance.
    const meetings = [...kept, ...result.meetings];
    const together = { ...result, meetings, objective: meetings.reduce((sum, m) => sum + m.score, 0) };
    expect(findViolations(first, together)).toEqual([]);
  });
});
