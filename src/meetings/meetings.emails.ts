import { renderEmail } from '../email/render.ts';
import { DateTime } from 'luxon';
import { formatInZone } from '../shared/time.ts';

interface MeetingFacts {
  requestTitle: string;
  otherParty: string;
  offerSummary: string;
  room: string;
  startsAt: Date;
  endsAt: Date;
  marketplaceTimeZone: string;
  readerTimeZone: string | null;
  marketplaceName: string;
}

function when(m: MeetingFacts): Array<{ label: string; value: string }> {
  const end = DateTime.fromJSDate(m.endsAt, { zone: m.marketplaceTimeZone }).toFormat('HH:mm');
  const rows = [{ label: 'When', value: `${formatInZone(m.startsAt, m.marketplaceTimeZone)}, until ${end}` }];
  if (m.readerTimeZone && m.readerTimeZone !== m.marketplaceTimeZone) rows.push({ label: 'Your time', value: formatInZone(m.startsAt, m.readerTimeZone) });
  return rows;
}

export function renderMeetingInvitationEmail(m: MeetingFacts & { answerUrl: string; kind: 'new' | 'moved' }) {
  return renderEmail({
    subject: m.kind === 'new' ? `Accept or decline: side meeting with ${m.otherParty} on "${m.requestTitle}"` : `Moved: your side meeting with ${m.otherParty}; accept or decline the new time`,
    paragraphs: [
      m.kind === 'new'
        ? `The matching run of ${m.marketplaceName} scheduled a side meeting at the forum between you and ${m.otherParty}.`
        : `Your side meeting with ${m.otherParty} had to move. Here is its new time.`,
      `What was offered: ${m.offerSummary}`,
      'The calendar invitation is attached. Please accept or decline, so a declined slot can go to the next best offer.',
    ],
    details: [...when(m), { label: 'Room', value: m.room }, { label: 'With', value: m.otherParty }, { label: 'Request', value: m.requestTitle }],
    action: { label: 'Accept or decline', url: m.answerUrl },
  });
}

export function renderMeetingCancelledEmail(m: MeetingFacts & { reason: string }) {
  return renderEmail({
    subject: `Cancelled: side meeting with ${m.otherParty} on "${m.requestTitle}"`,
    paragraphs: [`Your side meeting with ${m.otherParty} will not take place: ${m.reason}.`, 'The cancellation for your calendar is attached.'],
    details: [...when(m), { label: 'Room', value: m.room }],
  });
}

export function renderMeetingConfirmedEmail(m: MeetingFacts) {
  return renderEmail({
    subject: `Confirmed: side meeting with ${m.otherParty}`,
    paragraphs: [`Both sides accepted. Your side meeting with ${m.otherParty} on "${m.requestTitle}" is confirmed.`],
    details: [...when(m), { label: 'Room', value: m.room }],
  });
}

export function renderNotMatchedEmail(input: { requestTitle: string; requesterName: string; marketplaceName: string; url: string }) {
  return renderEmail({
    subject: `Thank you for your response to "${input.requestTitle}"`,
    paragraphs: [
      `Thank you for responding to ${input.requesterName}. This time the matching run of ${input.marketplaceName} chose other offers for the side meetings, within the number of providers the requester could meet.`,
      'Your response stays on record: the requester can still contact you, and if a scheduled meeting is declined, the next best offer may be yours.',
    ],
    action: { label: 'View the request', url: input.url },
  });
}

export function renderMeetingsSummaryEmail(input: { requestTitle: string; meetings: Array<{ provider: string; startsAt: Date; room: string }>; timeZone: string; url: string }) {
  const n = input.meetings.length;
  return renderEmail({
    subject: n ? `Your side meetings for "${input.requestTitle}": ${n} scheduled` : `No side meeting could be scheduled for "${input.requestTitle}"`,
    paragraphs: [
      n
        ? 'These are the side meetings scheduled at the forum for your request. Each one has its own invitation to accept or decline.'
        : 'No side meeting could be scheduled for your request this time. The forum secretariat can advise on next steps.',
    ],
    ...(n ? { list: { title: 'Meetings', items: input.meetings.map((m) => `${formatInZone(m.startsAt, input.timeZone)}, ${m.room}: ${m.provider}`) } } : {}),
    action: { label: 'View your meetings', url: input.url },
  });
}
