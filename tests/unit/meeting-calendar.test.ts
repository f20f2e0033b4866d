import { describe, expect, it } from 'vitest';
import ical from 'node-ical';
import { calendarOrganizer, renderMeetingCalendar, vtimezoneOf, type CalendarMeeting } from '../../src/meetings/meeting-calendar.ts';

/** The VEVENTs of a calendar as an independent parser (node-ical) reads them. */
function events(text: string): ical.VEvent[] {
  return Object.values(ical.sync.parseICS(text)).filter((c) => c?.type === 'VEVENT') as ical.VEvent[];
}

/** The raw lines of a calendar, unfolded (RFC 5545 §3.1). */
function unfolded(text: string): string[] {
  return text.replace(/\r\n[ \t]/g, '').split('\r\n');
}

const meeting: CalendarMeeting = {
  id: 'a6b1c1de-0000-4000-8000-000000000001',
  sequence: 2,
  status: 'proposed',
  startsAt: new Date('2027-07-10T13:00:00Z'),
  endsAt: new Date('2027-07-10T13:30:00Z'),
  title: 'Side meeting: Ministère du Travail and OIM',
  description: 'Proposed, not confirmed yet.',
  location: 'Salle A, GFMD 2007 Brussels',
  url: 'https://marketplace.example.org/meetings/a6b1c1de-0000-4000-8000-000000000001',
  parties: [
    { email: 'amina@labour.gov.example', person: 'Amina Diallo', organization: 'Ministère du Travail', answer: 'accepted' },
    { email: 'focal@iom.example', person: null, organization: 'OIM', answer: 'pending' },
  ],
};
const organizer = calendarOrganizer('GFMD 2007', 'marketplace.example.org', 'no-reply, answer on Forum Marketplace');

describe('the meeting calendar', () => {
  it('writes DTSTAMP in UTC, with its Z (RFC 5545 §3.8.7.2), though the calendar has a time zone', () => {
    const before = Date.now();
    const text = renderMeetingCalendar({ use: 'REQUEST', timeZone: 'America/New_York', organizer, domain: 'example.org', meetings: [meeting, { ...meeting, id: 'a6b1c1de-0000-4000-8000-000000000002' }] });
    const stamps = unfolded(text).filter((l) => l.startsWith('DTSTAMP'));
    expect(stamps).toHaveLength(2);
    for (const line of stamps) {
      const [, y, mo, d, h, mi, se] = /^DTSTAMP:(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(line)!;
      expect(Math.abs(Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!, +se!) - before)).toBeLessThan(60_000);
    }
  });

  // ical-generator 10.2.0 folds lines with one TextEncoder per character, most of a run's email time at
  // fifty times a forum; patches/ical-generator+10.2.0.patch counts UTF-8 octets from the char code, as
  // ical-generator 11 does (11 needs Node 22). This checks the patched folding keeps RFC 5545 §3.1.
  it('folds every line at 75 octets, never inside a character, and unfolds to the same text', () => {
    const description = `Formación de formadores en orientación previa a la partida · 日本語の説明 · 🌍🤝 ${'é'.repeat(120)} ${'x'.repeat(90)}`;
    const text = renderMeetingCalendar({ use: 'REQUEST', timeZone: 'Europe/Brussels', organizer, domain: 'example.org', meetings: [{ ...meeting, description }] });
    for (const line of text.split('\r\n')) expect(Buffer.byteLength(line, 'utf8')).toBeLessThanOrEqual(75);
    expect(text).not.toContain('\uFFFD');
    const [event] = events(text);
    expect(event!.description).toBe(description);
    expect(Number(event!.sequence)).toBe(2);
  });

  it('a proposed meeting is a tentative invitation that asks for no calendar reply, in the forum’s zone, naming people and organizations', () => {
    const text = renderMeetingCalendar({ use: 'REQUEST', timeZone: 'Europe/Brussels', organizer, domain: 'marketplace.example.org', meetings: [meeting] });
    const lines = unfolded(text);
    expect(lines).toContain('METHOD:REQUEST');
    expect(lines).toContain('STATUS:TENTATIVE');
    expect(lines).toContain('X-MICROSOFT-CDO-BUSYSTATUS:TENTATIVE');
    // Local time with its zone, and the zone's rules in the file.
    expect(lines).toContain('DTSTART;TZID=Europe/Brussels:20270710T150000');
    expect(lines).toContain('BEGIN:VTIMEZONE');
    expect(lines).toContain('TZID:Europe/Brussels');
    const organizerLine = lines.find((l) => l.startsWith('ORGANIZER'))!;
    expect(organizerLine).toContain('CN="GFMD 2007: no-reply, answer on Forum Marketplace"');
    expect(organizerLine).toContain('mailto:no-reply@marketplace.example.org');
    const attendees = lines.filter((l) => l.startsWith('ATTENDEE'));
    expect(attendees).toHaveLength(2);
    for (const a of attendees) expect(a).toContain('RSVP=FALSE');
    expect(attendees[0]).toContain('CN="Amina Diallo (Ministère du Travail)"');
    expect(attendees[0]).toContain('PARTSTAT=ACCEPTED');
    expect(attendees[1]).toContain('CN="OIM (focal@iom.example)"');
    expect(attendees[1]).toContain('PARTSTAT=NEEDS-ACTION');

    const [event] = events(text);
    expect(event!.uid).toBe('meeting-a6b1c1de-0000-4000-8000-000000000001@marketplace.example.org');
    expect(event!.status).toBe('TENTATIVE');
    expect(new Date(event!.start).toISOString()).toBe('2027-07-10T13:00:00.000Z');
    expect(new Date(event!.end!).toISOString()).toBe('2027-07-10T13:30:00.000Z');
    expect(lines).toContain(`URL;VALUE=URI:${meeting.url}`);
  });

  it('confirmation and cancellation update the same event with a higher SEQUENCE', () => {
    const confirmed = events(renderMeetingCalendar({ use: 'REQUEST', timeZone: 'Europe/Brussels', organizer, domain: 'marketplace.example.org', meetings: [{ ...meeting, sequence: 3, status: 'confirmed', parties: meeting.parties.map((p) => ({ ...p, answer: 'accepted' as const })) }] }))[0]!;
    expect(confirmed.status).toBe('CONFIRMED');
    expect(Number(confirmed.sequence)).toBe(3);
    const cancelText = renderMeetingCalendar({ use: 'CANCEL', timeZone: 'Europe/Brussels', organizer, domain: 'marketplace.example.org', meetings: [{ ...meeting, sequence: 4, status: 'declined' }] });
    expect(unfolded(cancelText)).toContain('METHOD:CANCEL');
    const cancelled = events(cancelText)[0]!;
    expect(cancelled.status).toBe('CANCELLED');
    expect(cancelled.uid).toBe(confirmed.uid);
    expect(Number(cancelled.sequence)).toBe(4);
  });

  it('a feed has no iTIP method and reminds before each standing meeting, not before a cancelled one', () => {
    const text = renderMeetingCalendar({
      use: 'feed',
      timeZone: 'Europe/Brussels',
      organizer,
      domain: 'marketplace.example.org',
      reminderMinutes: 15,
      meetings: [meeting, { ...meeting, id: 'a6b1c1de-0000-4000-8000-000000000002', status: 'cancelled' }],
    });
    expect(unfolded(text).some((l) => l.startsWith('METHOD:'))).toBe(false);
    const [standing, cancelled] = events(text);
    expect(standing!.status).toBe('TENTATIVE');
    expect(text).toContain('TRIGGER:-PT15M');
    expect(cancelled!.status).toBe('CANCELLED');
    expect(text.match(/BEGIN:VALARM/g)).toHaveLength(1);
  });

  it('zones carry today’s rules: Mexico City keeps UTC-6 all year since 2022', () => {
    const block = vtimezoneOf('America/Mexico_City')!;
    expect(block).toContain('TZID:America/Mexico_City');
    expect(block).not.toContain('BEGIN:DAYLIGHT');
    const text = renderMeetingCalendar({ use: 'REQUEST', timeZone: 'America/Mexico_City', organizer, domain: 'x.example', meetings: [meeting] });
    expect(unfolded(text)).toContain('DTSTART;TZID=America/Mexico_City:20270710T070000');
    expect(new Date(events(text)[0]!.start).toISOString()).toBe('2027-07-10T13:00:00.000Z');
  });
});
