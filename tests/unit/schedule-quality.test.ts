import { describe, expect, it } from 'vitest';
import { BREAK_AFTER, scheduleQuality, type QualityMeeting } from '../../src/meetings/schedule-quality.ts';

/** A 30-minute meeting of ILO with `requester` at `time` (UTC) on a July 2007 day, in a room. */
const at = (day: number, time: string, requester: string, room = 'a'): QualityMeeting => {
  const startsAt = new Date(`2007-07-${String(day).padStart(2, '0')}T${time}:00Z`);
  return { requesterOrgId: requester, providerOrgId: 'ilo', roomId: room, startsAt, endsAt: new Date(startsAt.getTime() + 30 * 60_000) };
};

describe('the quality figures of a schedule', () => {
  it('count the spread over days, the busiest organization-day, runs without a break and room changes', () => {
    // ILO meets five governments back to back on the 9th (changing rooms twice), then one on the 10th.
    const meetings = [at(9, '07:00', 'bd'), at(9, '07:30', 'mx', 'b'), at(9, '08:00', 'np', 'b'), at(9, '08:30', 'ph'), at(9, '09:00', 'lk'), at(10, '07:00', 'bd')];
    const q = scheduleQuality(meetings, 'Europe/Brussels');
    expect(q.meetings).toBe(6);
    expect(q.perDay).toEqual([
      { date: '2007-07-09', meetings: 5 },
      { date: '2007-07-10', meetings: 1 },
    ]);
    expect(q.busiestDayShare).toBeCloseTo(5 / 6);
    expect(q.organizations).toBe(6);
    expect(q.mostInADay).toEqual({ organizationId: 'ilo', date: '2007-07-09', meetings: 5 });
    expect(BREAK_AFTER).toBe(3);
    expect(q.longRuns).toBe(1);
    expect(q.longestRun).toBe(5);
    expect(q.roomChanges).toBe(2);
  });

  it('a gap breaks a run, and an empty schedule has no figures to speak of', () => {
    const q = scheduleQuality([at(9, '07:00', 'bd'), at(9, '07:30', 'mx'), at(9, '08:30', 'np'), at(9, '09:00', 'ph')], 'Europe/Brussels');
    expect(q.longRuns).toBe(0);
    expect(q.longestRun).toBe(2);
    expect(scheduleQuality([], 'Europe/Brussels')).toEqual({ meetings: 0, perDay: [], busiestDayShare: 0, organizations: 0, mostInADay: null, longRuns: 0, longestRun: 0, roomChanges: 0 });
  });
});
