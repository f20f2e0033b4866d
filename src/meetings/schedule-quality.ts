import { instantToLocal } from '../shared/time.ts';

/** A scheduled meeting as the quality figures read it. */
export interface QualityMeeting {
  requesterOrgId: string;
  providerOrgId: string;
  roomId: string;
  startsAt: Date;
  endsAt: Date;
}

/** What a schedule is like to attend, per organization and per day. */
export interface ScheduleQuality {
  meetings: number;
  /** Meetings per forum day (local date in the marketplace's zone), in date order. */
  perDay: Array<{ date: string; meetings: number }>;
  /** The share of meetings on the busiest day (1 when they all fall on one day). */
  busiestDayShare: number;
  organizations: number;
  /** The most meetings one organization has on one day, and who. */
  mostInADay: { organizationId: string; date: string; meetings: number } | null;
  /** Runs of more than `breakAfter` meetings back to back (each starting when the one before ends) for one organization. */
  longRuns: number;
  /** The longest such run. */
  longestRun: number;
  /** Times an organization goes straight from one room to another between back-to-back meetings. */
  roomChanges: number;
}

/** More meetings than this in a row without a gap counts as a run without a break, when the marketplace sets no `break_after` of its own. */
export const BREAK_AFTER = 3;

/**
 * The quality figures of a schedule: spread over days, the busiest organization-day, runs without a
 * break (more than `breakAfter` back to back), room changes. Pure.
 */
export function scheduleQuality(meetings: readonly QualityMeeting[], timeZone: string, breakAfter = BREAK_AFTER): ScheduleQuality {
  const perDay = new Map<string, number>();
  const byOrganization = new Map<string, QualityMeeting[]>();
  for (const m of meetings) {
    const date = instantToLocal(m.startsAt, timeZone).date;
    perDay.set(date, (perDay.get(date) ?? 0) + 1);
    for (const org of new Set([m.requesterOrgId, m.providerOrgId])) byOrganization.set(org, [...(byOrganization.get(org) ?? []), m]);
  }
  let mostInADay: ScheduleQuality['mostInADay'] = null;
  let longRuns = 0;
  let longestRun = 0;
  let roomChanges = 0;
  for (const [organizationId, list] of byOrganization) {
    const sorted = [...list].sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime());
    const days = new Map<string, number>();
    for (const m of sorted) {
      const date = instantToLocal(m.startsAt, timeZone).date;
      days.set(date, (days.get(date) ?? 0) + 1);
    }
    for (const [date, n] of days) if (!mostInADay || n > mostInADay.meetings) mostInADay = { organizationId, date, meetings: n };
    let run = 1;
    for (let i = 1; i <= sorted.length; i++) {
      const backToBack = i < sorted.length && sorted[i]!.startsAt.getTime() === sorted[i - 1]!.endsAt.getTime();
      if (backToBack) {
        run++;
        if (sorted[i]!.roomId !== sorted[i - 1]!.roomId) roomChanges++;
        continue;
      }
      if (run > breakAfter) longRuns++;
      longestRun = Math.max(longestRun, run);
      run = 1;
    }
  }
  const days = [...perDay].sort(([a], [b]) => a.localeCompare(b)).map(([date, n]) => ({ date, meetings: n }));
  return {
    meetings: meetings.length,
    perDay: days,
    busiestDayShare: meetings.length ? Math.max(...days.map((d) => d.meetings)) / meetings.length : 0,
    organizations: byOrganization.size,
    mostInADay,
    longRuns,
    longestRun: meetings.length ? longestRun : 0,
    roomChanges,
  };
}
