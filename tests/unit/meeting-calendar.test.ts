import { describe, expect, it } from 'vitest';
import ical from 'node-ical';
import { renderMeetingCalendar } from '../../src/meetings/meeting-calendar.ts';

// ical-generator 10.2.0 folds lines with one TextEncoder per character, most of a run's email time at
// fifty times a forum; patches/ical-generator+10.2.0.patch counts UTF-8 octets from the char code, as
// ical-generator 11 does (11 needs Node 22). This checks the patched folding keeps RFC 5545 §3.1.
describe('the meeting calendar', () => {
  const description = `Formación de formadores en orientación previa a la partida · 日本語の説明 · 🌍🤝 ${'é'.repeat(120)} ${'x'.repeat(90)}`;
  const text = renderMeetingCalendar({
    method: 'REQUEST',
    organizer: { name: 'Forum Marketplace', email: 'marketplace@example.org' },
    domain: 'example.org',
    meetings: [
      {
        id: 'a6b1c1de-0000-4000-8000-000000000001',
        sequence: 2,
        startsAt: new Date('2027-07-10T13:00:00Z'),
        endsAt: new Date('2027-07-10T13:30:00Z'),
        title: 'Side meeting: Ministère du Travail and OIM',
        description,
        location: 'Salle A, GFMD 2007 Brussels',
        attendees: [{ email: 'a@example.org', name: 'a@example.org' }],
      },
    ],
  });

  it('folds every line at 75 octets, never inside a character, and unfolds to the same text', () => {
    const lines = text.split('\r\n');
    for (const line of lines) expect(Buffer.byteLength(line, 'utf8')).toBeLessThanOrEqual(75);
    expect(text).not.toContain('\uFFFD');
    const event = Object.values(ical.sync.parseICS(text)).find((c) => c?.type === 'VEVENT') as ical.VEvent;
    expect(event.description).toBe(description);
    expect(Number(event.sequence)).toBe(2);
  });
});
