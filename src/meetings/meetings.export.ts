import { calendarDescription, calendarSides, meetingPageUrl, noticeFactsOf, providingSide } from './meeting-notifications.ts';
import { t } from '../i18n/i18n.ts';
import type { AppContext } from '../context.ts';
import { toCsv } from '../shared/csv.ts';
import { isoInZone } from '../shared/time.ts';
import type { MeetingDetail } from './meetings.repository.ts';
import type { MatchingRunRow } from './matching-runs.repository.ts';
import { calendarOrganizer, renderMeetingCalendar, type CalendarMeeting } from './meeting-calendar.ts';
import type { ScoreFactor } from '../matching/score.ts';
import type { MatchingRunAnswer, MeetingJson, UnavailabilityAnswer } from './meetings.schemas.ts';

/** A meeting as the API answers it; `withScore` from canSeeScore (meetings.policy.ts). */
export function meetingToJson(m: MeetingDetail, options: { withScore: boolean }): MeetingJson {
  return {
    id: m.id,
    marketplace: m.marketplace_slug,
    request: { id: m.request_id, title: m.own_request_title },
    alsoRequests: m.also_requests.map((r) => ({ id: r.id, title: r.title })),
    partners: m.partners.map((p) => ({ id: p.id, name: p.name })),
    requester: { id: m.requester_org_id, name: m.requester_name },
    provider: { id: m.provider_org_id, name: m.provider_name },
    offer: m.offer_summary,
    room: m.room_name,
    startsAt: isoInZone(m.starts_at, m.time_zone),
    endsAt: isoInZone(m.ends_at, m.time_zone),
    status: m.status,
    requesterAnswer: m.requester_answer,
    providerAnswer: m.provider_answer,
    sequence: m.sequence,
    contacts: {
      requester: m.requester_email ? { name: m.requester_person, email: m.requester_email } : null,
      provider: m.provider_email ? { name: m.provider_person, email: m.provider_email } : null,
    },
    declineReason: m.decline_reason,
    published: m.published_at !== null,
    pinned: m.pinned,
    anotherTimeAsked: m.reschedule_requested_by && m.reschedule_requested_at ? { by: m.reschedule_requested_by, note: m.reschedule_note, at: isoInZone(m.reschedule_requested_at, m.time_zone) } : null,
    // The database holds the factor as text; score.ts wrote it from ScoreFactor.
    ...(options.withScore ? { score: m.score, scoreParts: m.score_parts.map((p) => ({ factor: p.factor as ScoreFactor, weight: p.weight, fit: p.fit, points: p.points, explanation: p.explanation })) } : {}),
  };
}

/** The JSON columns of a run, as the run writes them (matching-run.service.ts). */
type RunStats = NonNullable<MatchingRunAnswer['stats']>;
type RunChanges = NonNullable<MatchingRunAnswer['changes']>;

/** The solver's progress as the run stored it (solve-in-worker.ts), with only the known fields. */
function progressOf(stored: unknown): MatchingRunAnswer['progress'] {
  if (!stored || typeof stored !== 'object') return null;
  const p = stored as Record<string, unknown>;
  const num = (k: string) => (typeof p[k] === 'number' && Number.isFinite(p[k]) ? { [k]: p[k] as number } : {});
  return { phase: String(p.phase ?? ''), seconds: typeof p.seconds === 'number' ? p.seconds : 0, ...num('objective'), ...num('bound'), ...num('gap') };
}

/** A matching run as the API answers it, its times in the marketplace's zone. */
export function matchingRunToJson(run: MatchingRunRow, timeZone: string): MatchingRunAnswer {
  const stats = run.stats as RunStats | null;
  const changes = run.changes as RunChanges | null;
  return {
    id: run.id,
    marketplaceId: run.marketplace_id,
    trigger: run.trigger,
    startedBy: run.started_by,
    status: run.status,
    stage: run.stage,
    progress: progressOf(run.progress),
    startedAt: isoInZone(run.started_at, timeZone),
    finishedAt: run.finished_at ? isoInZone(run.finished_at, timeZone) : null,
    durationSeconds: run.finished_at ? Math.max(0, run.finished_at.getTime() - run.started_at.getTime()) / 1000 : null,
    method: run.method as MatchingRunAnswer['method'],
    objective: run.objective,
    bound: run.bound,
    stats: stats && {
      ...(stats.offers !== undefined ? { offers: stats.offers } : {}),
      ...(stats.seconds !== undefined ? { seconds: stats.seconds } : {}),
      ...(stats.method !== undefined ? { method: stats.method } : {}),
      ...(stats.bound !== undefined ? { bound: stats.bound } : {}),
      ...(stats.gap !== undefined ? { gap: stats.gap } : {}),
      ...(stats.stoppedOnTimeLimit !== undefined ? { stoppedOnTimeLimit: stats.stoppedOnTimeLimit } : {}),
      unscheduled: stats.unscheduled,
      ...(stats.timings !== undefined ? { timings: stats.timings } : {}),
      ...(stats.quality !== undefined ? { quality: stats.quality } : {}),
      ...(stats.replan !== undefined ? { replan: stats.replan } : {}),
      ...(stats.skipped !== undefined ? { skipped: stats.skipped } : {}),
    },
    changes: changes && {
      kept: changes.kept,
      created: changes.created,
      moved: changes.moved,
      cancelled: changes.cancelled,
      requestsMatched: changes.requestsMatched,
      responsesNotMatched: changes.responsesNotMatched,
    },
    error: run.error,
  };
}

/** A declared unavailability, its times in the marketplace's zone. */
export function unavailabilityToJson(u: { id: string; starts_at: Date; ends_at: Date; note: string | null; time_zone: string }): UnavailabilityAnswer {
  return { id: u.id, startsAt: isoInZone(u.starts_at, u.time_zone), endsAt: isoInZone(u.ends_at, u.time_zone), note: u.note };
}

export function meetingsToCsv(meetings: MeetingDetail[]): string {
  return toCsv(
    ['Start', 'End', 'Room', 'Requester', 'Provider', 'Request', 'Offer', 'Status', 'Requester answer', 'Provider answer', 'Score'],
    meetings.map((m) => [isoInZone(m.starts_at, m.time_zone), isoInZone(m.ends_at, m.time_zone), m.room_name, m.requester_name, [m.provider_name, ...m.partners.map((p) => p.name)].join(' & '), m.request_title, m.offer_summary, m.status, m.requester_answer, m.provider_answer, m.score]),
  );
}

/** A stored meeting as a calendar entry, in the reader's language. */
export function meetingCalendarEntry(ctx: AppContext, locale: string, m: MeetingDetail): CalendarMeeting {
  const facts = noticeFactsOf(m);
  const { parties } = calendarSides(facts);
  const url = meetingPageUrl(ctx, m.id);
  return {
    id: m.id,
    sequence: m.sequence,
    status: m.status,
    startsAt: m.starts_at,
    endsAt: m.ends_at,
    title: t(locale, 'Side meeting: {{requester}} and {{provider}}', { requester: m.requester_name, provider: providingSide(facts) }),
    description: calendarDescription(locale, { status: m.status, url, requestTitle: m.request_title, offerSummary: m.offer_summary, parties, endedReason: m.ended_reason }),
    location: `${m.room_name}, ${m.marketplace_name}`,
    url,
    parties,
  };
}

/**
 * Meetings as a calendar to import or subscribe to (the secretariat's export, a party's file, a
 * person's feed): each says whether it is tentative, confirmed or cancelled, with a reminder before it.
 */
export function meetingsToIcs(ctx: AppContext, meetings: MeetingDetail[], input: { name: string; locale: string; timeZone: string; reminderMinutes?: number }): string {
  const domain = new URL(ctx.config.BASE_URL).hostname;
  return renderMeetingCalendar({
    use: 'feed',
    name: input.name,
    timeZone: input.timeZone,
    organizer: calendarOrganizer(meetings[0]?.marketplace_name ?? 'Forum Marketplace', domain, t(input.locale, 'no-reply, answer on Forum Marketplace')),
    domain,
    meetings: meetings.map((m) => meetingCalendarEntry(ctx, input.locale, m)),
    ...(input.reminderMinutes ? { reminderMinutes: input.reminderMinutes } : {}),
  });
}
