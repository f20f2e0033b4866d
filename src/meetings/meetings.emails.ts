import { renderEmail } from '../email/render.ts';
import { DateTime } from 'luxon';
import { formatInZone } from '../shared/time.ts';
import { t } from '../i18n/i18n.ts';

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
  /** The other party's contact person, as "Name (Organization)", and the address to write to. */
  otherContact: { name: string; email: string } | null;
}

function contact(m: MeetingFacts, locale: string): Array<{ label: string; value: string }> {
  return m.otherContact ? [{ label: t(locale, 'Contact'), value: `${m.otherContact.name} <${m.otherContact.email}>` }] : [];
}

function when(m: MeetingFacts, locale: string): Array<{ label: string; value: string }> {
  const end = DateTime.fromJSDate(m.endsAt, { zone: m.marketplaceTimeZone }).toFormat('HH:mm');
  const rows = [{ label: t(locale, 'When'), value: t(locale, '{{start}}, until {{end}}', { start: formatInZone(m.startsAt, m.marketplaceTimeZone, locale), end }) }];
  if (m.readerTimeZone && m.readerTimeZone !== m.marketplaceTimeZone) rows.push({ label: t(locale, 'Your time'), value: formatInZone(m.startsAt, m.readerTimeZone, locale) });
  return rows;
}

/**
 * An invitation to answer: a meeting the matching run scheduled (`new`), one the secretariat added by hand
 * (`added`), one that had to move (`moved`), or one declined and then accepted again by the party that
 * declined it (`reinstated`: its cancellation went out at the decline).
 */
export function renderMeetingInvitationEmail(m: MeetingFacts & { answerUrl: string; kind: 'new' | 'added' | 'moved' | 'reinstated' }, locale: string) {
  const vars = { other: m.otherParty, title: m.requestTitle, marketplace: m.marketplaceName };
  return renderEmail(
    {
      subject:
        m.kind === 'moved'
          ? t(locale, 'Moved: your side meeting with {{other}}; accept or decline the new time', vars)
          : m.kind === 'reinstated'
            ? t(locale, 'Back on: side meeting with {{other}} on "{{title}}"', vars)
            : t(locale, 'Accept or decline: side meeting with {{other}} on "{{title}}"', vars),
      paragraphs: [
        m.kind === 'new'
          ? t(locale, 'The matching run of {{marketplace}} scheduled a side meeting at the forum between you and {{other}}.', vars)
          : m.kind === 'added'
            ? t(locale, 'The forum secretariat scheduled a side meeting at {{marketplace}} between you and {{other}}.', vars)
            : m.kind === 'reinstated'
              ? t(locale, 'Your side meeting with {{other}}, cancelled when it was declined, stands again at the same time: the side that declined it accepted it again. Disregard the cancellation.', vars)
              : t(locale, 'Your side meeting with {{other}} had to move. Here is its new time.', vars),
        t(locale, 'What was offered: {{offer}}', { offer: m.offerSummary }),
        t(locale, 'Please accept or decline with the button below, so a declined slot can go to the next best offer. The attached calendar file shows the meeting as tentative until both of you accept; an answer given in your calendar is not received.'),
      ],
      details: [
        ...when(m, locale),
        { label: t(locale, 'Room'), value: m.room },
        { label: t(locale, 'With'), value: m.otherParty },
        ...contact(m, locale),
        { label: t(locale, 'Request'), value: m.requestTitle },
      ],
      action: { label: t(locale, 'Accept or decline'), url: m.answerUrl },
    },
    locale,
  );
}

/** `reason` comes translated (it completes "will not take place: ..."); `declineReason` is what the party who declined wrote. */
export function renderMeetingCancelledEmail(m: MeetingFacts & { reason: string; declineReason: string | null; declinedBy: string | null }, locale: string) {
  const vars = { other: m.otherParty, title: m.requestTitle, reason: m.reason };
  return renderEmail(
    {
      subject: t(locale, 'Cancelled: side meeting with {{other}} on "{{title}}"', vars),
      paragraphs: [t(locale, 'Your side meeting with {{other}} will not take place: {{reason}}.', vars), t(locale, 'The cancellation for your calendar is attached.')],
      details: [...when(m, locale), { label: t(locale, 'Room'), value: m.room }, ...(m.declinedBy ? [{ label: t(locale, 'Declined by'), value: m.declinedBy }] : []), ...(m.declineReason ? [{ label: t(locale, 'Reason given'), value: m.declineReason }] : [])],
    },
    locale,
  );
}

export function renderMeetingConfirmedEmail(m: MeetingFacts, locale: string) {
  const vars = { other: m.otherParty, title: m.requestTitle };
  return renderEmail(
    {
      subject: t(locale, 'Confirmed: side meeting with {{other}}', vars),
      paragraphs: [t(locale, 'Both sides accepted. Your side meeting with {{other}} on "{{title}}" is confirmed.', vars), t(locale, 'The attached calendar file updates the meeting in your calendar to confirmed.')],
      details: [...when(m, locale), { label: t(locale, 'Room'), value: m.room }, ...contact(m, locale)],
    },
    locale,
  );
}

export function renderNotMatchedEmail(input: { requestTitle: string; requesterName: string; marketplaceName: string; url: string; removed?: boolean }, locale: string) {
  if (input.removed) {
    // The run had planned a meeting for it, and the secretariat took it out of the schedule before publishing it.
    return renderEmail(
      {
        subject: t(locale, 'Thank you for your response to "{{title}}"', { title: input.requestTitle }),
        paragraphs: [
          t(locale, 'Thank you for responding to {{requester}}. The forum secretariat did not keep a side meeting about it in the schedule of {{marketplace}}.', { requester: input.requesterName, marketplace: input.marketplaceName }),
          t(locale, 'Your response stays on record: the requester can still contact you.'),
        ],
        action: { label: t(locale, 'View the request'), url: input.url },
      },
      locale,
    );
  }
  return renderEmail(
    {
      subject: t(locale, 'Thank you for your response to "{{title}}"', { title: input.requestTitle }),
      paragraphs: [
        t(
          locale,
          'Thank you for responding to {{requester}}. This time the matching run of {{marketplace}} chose other offers for the side meetings, within the number of providers the requester could meet.',
          { requester: input.requesterName, marketplace: input.marketplaceName },
        ),
        t(locale, 'Your response stays on record: the requester can still contact you, and if a scheduled meeting is declined, the next best offer may be yours.'),
      ],
      action: { label: t(locale, 'View the request'), url: input.url },
    },
    locale,
  );
}

export function renderMeetingsSummaryEmail(
  input: { requestTitle: string; meetings: Array<{ provider: string; startsAt: Date; room: string }>; timeZone: string; url: string },
  locale: string,
) {
  const n = input.meetings.length;
  return renderEmail(
    {
      subject: n
        ? t(locale, 'Your side meetings for "{{title}}": {{count}} scheduled', { title: input.requestTitle, count: n })
        : t(locale, 'No side meeting could be scheduled for "{{title}}"', { title: input.requestTitle }),
      paragraphs: [
        n
          ? t(locale, 'These are the side meetings scheduled at the forum for your request. Each one has its own invitation to accept or decline.')
          : t(locale, 'No side meeting could be scheduled for your request this time. The forum secretariat can advise on next steps.'),
      ],
      ...(n
        ? {
            list: {
              title: t(locale, 'Meetings'),
              items: input.meetings.map((m) => t(locale, '{{time}}, {{room}}: {{provider}}', { time: formatInZone(m.startsAt, input.timeZone, locale), room: m.room, provider: m.provider })),
            },
          }
        : {}),
      action: { label: t(locale, 'View your meetings'), url: input.url },
    },
    locale,
  );
}
