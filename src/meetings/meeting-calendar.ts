import ical, { ICalAttendeeRole, ICalAttendeeStatus, ICalCalendarMethod, ICalEventStatus } from 'ical-generator';

export interface CalendarMeeting {
  id: string;
  sequence: number;
  startsAt: Date;
  endsAt: Date;
  title: string;
  description: string;
  location: string;
  attendees: Array<{ email: string; name: string }>;
}

/** The UID that stays the same across every update of a meeting, so calendars update in place. */
export function meetingUid(meetingId: string, domain: string): string {
  return `meeting-${meetingId}@${domain}`;
}

/**
 * A real iCalendar invitation (RFC 5545/5546): METHOD:REQUEST for a new or moved meeting,
 * METHOD:CANCEL for one that is gone; the SEQUENCE grows with each change.
 */
export function renderMeetingCalendar(input: { method: 'REQUEST' | 'CANCEL' | 'PUBLISH'; organizer: { name: string; email: string }; domain: string; meetings: CalendarMeeting[]; name?: string }): string {
  const calendar = ical({
    name: input.name ?? 'Forum Marketplace',
    prodId: { company: 'Forum Marketplace', product: 'side-meetings', language: 'EN' },
    method: input.method === 'REQUEST' ? ICalCalendarMethod.REQUEST : input.method === 'CANCEL' ? ICalCalendarMethod.CANCEL : ICalCalendarMethod.PUBLISH,
  });
  for (const m of input.meetings) {
    calendar.createEvent({
      id: meetingUid(m.id, input.domain),
      sequence: m.sequence,
      start: m.startsAt,
      end: m.endsAt,
      summary: m.title,
      description: m.description,
      location: m.location,
      status: input.method === 'CANCEL' ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
      organizer: input.organizer,
      attendees: m.attendees.map((a) => ({ email: a.email, name: a.name, rsvp: true, role: ICalAttendeeRole.REQ, status: ICalAttendeeStatus.NEEDSACTION })),
    });
  }
  return calendar.toString();
}
