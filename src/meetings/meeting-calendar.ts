import ical, { ICalAlarmType, ICalAttendeeRole, ICalAttendeeStatus, ICalCalendarMethod, ICalEventBusyStatus, ICalEventStatus, ICalEventTransparency } from 'ical-generator';
import { DateTime } from 'luxon';
import { tzlib_get_ical_block } from 'timezones-ical-library';
import type { MeetingAnswer, MeetingStatus } from '../../db/types.ts';
import { oncePerKey } from '../shared/once-per-key.ts';

/** One side of a meeting as a calendar names it: the person who comes, and for whom. */
export interface CalendarParty {
  email: string;
  person: string | null;
  organization: string;
  answer: MeetingAnswer;
}

export interface CalendarMeeting {
  id: string;
  sequence: number;
  startsAt: Date;
  endsAt: Date;
  title: string;
  description: string;
  location: string;
  /** The meeting's page, where it is answered. */
  url: string | null;
  status: MeetingStatus;
  parties: CalendarParty[];
}

/**
 * What the file is for:
 * - `REQUEST`: an emailed invitation or its update (iTIP, RFC 5546), tentative while proposed;
 * - `CANCEL`: an emailed cancellation;
 * - `feed`: a calendar to import or subscribe to (no iTIP method), with a reminder before each meeting.
 */
export type CalendarUse = 'REQUEST' | 'CANCEL' | 'feed';

/** The UID that stays the same across every update of a meeting, so calendars update in place. */
export function meetingUid(meetingId: string, domain: string): string {
  return `meeting-${meetingId}@${domain}`;
}

/**
 * The VTIMEZONE of an IANA zone, from timezones-ical-library (current tzdata, unlike the 2018
 * rules other packages ship: Mexico City lost its summer time in 2022), so every time carries TZID.
 */
export const vtimezoneOf: (timeZone: string) => string | null = oncePerKey((timeZone) => {
  // Built once per zone and process: a run's invitations all carry their forum's (its tzdata is the package's).
  const block = tzlib_get_ical_block(timeZone);
  return Array.isArray(block) && block[0]?.includes('BEGIN:VTIMEZONE') ? block[0] : null;
});

/** The organizer of every invitation: named, and at an address that says replies are not read. */
export function calendarOrganizer(marketplaceName: string, domain: string, label: string): { name: string; email: string } {
  return { name: `${marketplaceName}: ${label}`, email: `no-reply@${domain}` };
}

const eventStatus: Record<MeetingStatus, ICalEventStatus> = {
  proposed: ICalEventStatus.TENTATIVE,
  confirmed: ICalEventStatus.CONFIRMED,
  declined: ICalEventStatus.CANCELLED,
  cancelled: ICalEventStatus.CANCELLED,
};

const partyStatus: Record<MeetingAnswer, ICalAttendeeStatus> = {
  pending: ICalAttendeeStatus.NEEDSACTION,
  accepted: ICalAttendeeStatus.ACCEPTED,
  declined: ICalAttendeeStatus.DECLINED,
};

/** "Amina Diallo (Ministry of Labour)", or the organization and the address when the person gave no name. */
export function partyName(p: Pick<CalendarParty, 'person' | 'organization' | 'email'>): string {
  return p.person ? `${p.person} (${p.organization})` : `${p.organization} (${p.email})`;
}

/**
 * A meeting calendar that says what the meeting is (RFC 5545/5546): STATUS TENTATIVE while proposed,
 * CONFIRMED once both parties accepted, CANCELLED when it ended; each party named with the answer
 * it gave; RSVP=FALSE, since the answer is given on the meeting's page (the description says how), and
 * the organizer's address is a no-reply one; times in the marketplace's zone with its VTIMEZONE; the
 * UID stable and the SEQUENCE the meeting's, so each update replaces the last.
 */
export function renderMeetingCalendar(input: {
  use: CalendarUse;
  timeZone: string;
  organizer: { name: string; email: string };
  domain: string;
  meetings: CalendarMeeting[];
  name?: string;
  /** Feeds: a reminder this many minutes before each meeting. */
  reminderMinutes?: number;
}): string {
  const calendar = ical({
    name: input.name ?? 'Forum Marketplace',
    prodId: { company: 'Forum Marketplace', product: 'side-meetings', language: 'EN' },
    timezone: { name: input.timeZone, generator: vtimezoneOf },
    ...(input.use === 'REQUEST' ? { method: ICalCalendarMethod.REQUEST } : input.use === 'CANCEL' ? { method: ICalCalendarMethod.CANCEL } : { ttl: 60 * 60 }),
  });
  const stamp = new Date();
  for (const m of input.meetings) {
    const status = input.use === 'CANCEL' ? ICalEventStatus.CANCELLED : eventStatus[m.status];
    calendar.createEvent({
      id: meetingUid(m.id, input.domain),
      sequence: m.sequence,
      stamp,
      // In the zone's wall time (ical-generator writes a native Date's UTC fields under the TZID).
      start: DateTime.fromJSDate(m.startsAt, { zone: input.timeZone }),
      end: DateTime.fromJSDate(m.endsAt, { zone: input.timeZone }),
      timezone: input.timeZone,
      summary: m.title,
      description: m.description,
      location: m.location,
      url: m.url,
      status,
      busystatus: status === ICalEventStatus.TENTATIVE ? ICalEventBusyStatus.TENTATIVE : status === ICalEventStatus.CANCELLED ? ICalEventBusyStatus.FREE : ICalEventBusyStatus.BUSY,
      transparency: status === ICalEventStatus.CANCELLED ? ICalEventTransparency.TRANSPARENT : ICalEventTransparency.OPAQUE,
      organizer: input.organizer,
      attendees: m.parties.map((p) => ({ email: p.email, name: partyName(p), rsvp: false, role: ICalAttendeeRole.REQ, status: partyStatus[p.answer] })),
      alarms: input.use === 'feed' && input.reminderMinutes && status !== ICalEventStatus.CANCELLED ? [{ type: ICalAlarmType.display, triggerBefore: input.reminderMinutes * 60, description: m.title }] : [],
    });
  }
  // RFC 5545 (3.8.7.2): DTSTAMP MUST be in UTC. ical-generator 10 writes it in the process's local time
  // without the Z when the calendar has a time zone (DTSTAMP:20261207T173843), so it is written here.
  return calendar.toString().replace(/^DTSTAMP:\d{8}T\d{6}Z?(?=\r\n)/gm, `DTSTAMP:${stamp.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '')}`);
}
