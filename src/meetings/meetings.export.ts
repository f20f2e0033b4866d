import { mailbox } from './meeting-notifications.ts';
import type { AppContext } from '../context.ts';
import { toCsv } from '../shared/csv.ts';
import { isoInZone } from '../shared/time.ts';
import type { MeetingDetail } from './meetings.repository.ts';
import { renderMeetingCalendar } from './meeting-calendar.ts';

export function meetingToJson(m: MeetingDetail, options: { withScore: boolean }) {
  return {
    id: m.id,
    marketplace: m.marketplace_slug,
    request: { id: m.request_id, title: m.request_title },
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
    ...(options.withScore ? { score: m.score, scoreParts: m.score_parts } : {}),
  };
}

export function meetingsToCsv(meetings: MeetingDetail[]): string {
  return toCsv(
    ['Start', 'End', 'Room', 'Requester', 'Provider', 'Request', 'Offer', 'Status', 'Requester answer', 'Provider answer', 'Score'],
    meetings.map((m) => [isoInZone(m.starts_at, m.time_zone), isoInZone(m.ends_at, m.time_zone), m.room_name, m.requester_name, m.provider_name, m.request_title, m.offer_summary, m.status, m.requester_answer, m.provider_answer, m.score]),
  );
}

export function meetingsToIcs(ctx: AppContext, meetings: MeetingDetail[], name: string): string {
  return renderMeetingCalendar({
    method: 'PUBLISH',
    name,
    organizer: mailbox(ctx.config.MAIL_FROM),
    domain: new URL(ctx.config.BASE_URL).hostname,
    meetings: meetings.map((m) => ({
      id: m.id,
      sequence: m.sequence,
      startsAt: m.starts_at,
      endsAt: m.ends_at,
      title: `${m.requester_name} and ${m.provider_name}`,
      description: `${m.request_title}\n\nOffer: ${m.offer_summary}\nStatus: ${m.status}`,
      location: m.room_name,
      attendees: [],
    })),
  });
}
