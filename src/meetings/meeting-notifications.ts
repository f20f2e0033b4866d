import type { AppContext } from '../context.ts';
import type { Tx } from '../shared/transaction.ts';
import { requestUrl } from '../requests/requests.service.ts';
import type { OutboxEmail } from '../email/outbox.repository.ts';
import { oncePerLocale } from '../email/render.ts';
import { findMeeting, findUsers } from './meetings.repository.ts';
import { renderMeetingCalendar } from './meeting-calendar.ts';
import { meetingAnswerToken, type MeetingParty } from './meeting-links.ts';
import { linkPlaceholder } from '../email/sealed-links.ts';
import { N_, t, translateKnown } from '../i18n/i18n.ts';
import { renderMeetingCancelledEmail, renderMeetingConfirmedEmail, renderMeetingInvitationEmail, renderMeetingsSummaryEmail, renderNotMatchedEmail } from './meetings.emails.ts';

export type MeetingNotice = 'new' | 'moved' | 'cancelled' | 'confirmed';

/**
 * Why a meeting ended, as the services store and pass it (English, completing "will not take place:
 * ..."); the cancellation email shows it in the recipient's language.
 */
export const cancellationReasons = {
  cancelled: N_('it was cancelled'),
  requesterDeclined: N_('the requester declined it'),
  providerDeclined: N_('the provider declined it'),
  noLongerHeld: N_('the matching run could no longer hold it (a party became unavailable or the offer changed)'),
};

export function meetingAnswerUrl(ctx: AppContext, meetingId: string, party: MeetingParty): string {
  return new URL(`/meetings/${meetingId}/answer/${party}/${meetingAnswerToken(ctx.config.SESSION_SECRET, meetingId, party)}`, ctx.config.BASE_URL).toString();
}

/** The name and address of a From line such as `Forum Marketplace <marketplace@example.org>`. */
export function mailbox(from: string): { name: string; email: string } {
  const match = /^(.*)<([^>]+)>\s*$/.exec(from);
  return match ? { name: match[1]!.trim().replace(/^"|"$/g, ''), email: match[2]! } : { name: 'Forum Marketplace', email: from };
}

/** A person the run writes to. */
export interface Recipient {
  email: string;
  locale: string;
  time_zone: string | null;
}

/** Everything the emails of one meeting change say, whoever loaded it (one meeting's answer, or a whole run's snapshot). */
export interface MeetingNoticeFacts {
  id: string;
  sequence: number;
  startsAt: Date;
  endsAt: Date;
  requestTitle: string;
  requesterName: string;
  providerName: string;
  offerSummary: string;
  roomName: string;
  marketplaceName: string;
  timeZone: string;
  endedReason: string | null;
  requester: Recipient | undefined;
  provider: Recipient | undefined;
}

/**
 * The emails of one meeting change, to both parties: the facts, the answer link, and an ICS
 * (REQUEST for new or moved meetings, CANCEL for ended ones) with the meeting's stable UID and its
 * current SEQUENCE. The idempotency key carries the sequence: each change mails once. Pure.
 */
export function meetingNoticeEmails(ctx: AppContext, meeting: MeetingNoticeFacts, notice: MeetingNotice, reason?: string): OutboxEmail[] {
  const { requester, provider } = meeting;
  const domain = new URL(ctx.config.BASE_URL).hostname;
  const method = notice === 'cancelled' ? 'CANCEL' : 'REQUEST';
  // The same event (UID, SEQUENCE) for both parties; its words in each one's language (rendered once per language).
  const ics = oncePerLocale((locale: string) =>
    renderMeetingCalendar({
      method,
      organizer: mailbox(ctx.config.MAIL_FROM),
      domain,
      meetings: [
        {
          id: meeting.id,
          sequence: meeting.sequence,
          startsAt: meeting.startsAt,
          endsAt: meeting.endsAt,
          title: t(locale, 'Side meeting: {{requester}} and {{provider}}', { requester: meeting.requesterName, provider: meeting.providerName }),
          description: `${meeting.requestTitle}\n\n${t(locale, 'Offer: {{offer}}', { offer: meeting.offerSummary })}`,
          location: `${meeting.roomName}, ${meeting.marketplaceName}`,
          attendees: [requester, provider].filter((u) => !!u).map((u) => ({ email: u!.email, name: u!.email })),
        },
      ],
    }),
  );
  const parties: Array<{ party: MeetingParty; user: Recipient | undefined; other: string }> = [
    { party: 'requester', user: requester, other: meeting.providerName },
    { party: 'provider', user: provider, other: meeting.requesterName },
  ];
  const emails: OutboxEmail[] = [];
  for (const { party, user, other } of parties) {
    if (!user) continue;
    const facts = {
      requestTitle: meeting.requestTitle,
      otherParty: other,
      offerSummary: meeting.offerSummary,
      room: meeting.roomName,
      startsAt: meeting.startsAt,
      endsAt: meeting.endsAt,
      marketplaceTimeZone: meeting.timeZone,
      readerTimeZone: user.time_zone,
      marketplaceName: meeting.marketplaceName,
    };
    const locale = user.locale;
    // The answer link acts for the party for as long as the meeting stands: the stored email holds a
    // placeholder, the link is stored sealed (src/email/sealed-links.ts).
    const answerLink = linkPlaceholder();
    const email =
      notice === 'cancelled'
        ? renderMeetingCancelledEmail({ ...facts, reason: translateKnown(locale, reason ?? meeting.endedReason ?? cancellationReasons.cancelled) }, locale)
        : notice === 'confirmed'
          ? renderMeetingConfirmedEmail(facts, locale)
          : renderMeetingInvitationEmail({ ...facts, kind: notice, answerUrl: answerLink }, locale);
    emails.push({
      idempotencyKey: `meeting:${meeting.id}:${meeting.sequence}:${notice}:${party}`,
      template: `meeting-${notice}`,
      to: user.email,
      ...email,
      ...(notice === 'new' || notice === 'moved' ? { links: { [answerLink]: meetingAnswerUrl(ctx, meeting.id, party) } } : {}),
      attachments: notice === 'confirmed' ? [] : [{ filename: notice === 'cancelled' ? 'cancel.ics' : 'invite.ics', contentType: `text/calendar; method=${method}`, content: ics(locale), method }],
    });
  }
  return emails;
}

/** The emails of one meeting's change, as it stands in this transaction (a party's answer). */
export async function queueMeetingEmails(ctx: AppContext, tx: Tx, meetingId: string, notice: MeetingNotice, reason?: string): Promise<void> {
  const meeting = (await findMeeting(tx, meetingId))!;
  const users = await findUsers(tx, [meeting.requester_user_id, meeting.provider_user_id]);
  const facts: MeetingNoticeFacts = {
    id: meeting.id,
    sequence: meeting.sequence,
    startsAt: meeting.starts_at,
    endsAt: meeting.ends_at,
    requestTitle: meeting.request_title,
    requesterName: meeting.requester_name,
    providerName: meeting.provider_name,
    offerSummary: meeting.offer_summary,
    roomName: meeting.room_name,
    marketplaceName: meeting.marketplace_name,
    timeZone: meeting.time_zone,
    endedReason: meeting.ended_reason,
    requester: users.get(meeting.requester_user_id),
    provider: users.get(meeting.provider_user_id),
  };
  await tx.queueEmails(meetingNoticeEmails(ctx, facts, notice, reason));
}

/** To a responder whose offer got no meeting: a courteous note. */
export function notMatchedEmail(ctx: AppContext, r: { responseId: string; requestId: string; requestTitle: string; requesterName: string; marketplaceName: string; to: Recipient }, render: (locale: string) => ReturnType<typeof renderNotMatchedEmail> = (locale) => renderNotMatchedEmail({ requestTitle: r.requestTitle, requesterName: r.requesterName, marketplaceName: r.marketplaceName, url: requestUrl(ctx, r.requestId) }, locale)): OutboxEmail {
  return { idempotencyKey: `not-matched:${r.responseId}`, template: 'not-matched', to: r.to.email, ...render(r.to.locale) };
}

/** To the requester: the meetings of its request after a run that changed them. */
export function requesterSummaryEmail(
  ctx: AppContext,
  s: { requestId: string; runId: string; requestTitle: string; to: Recipient; timeZone: string; meetings: Array<{ provider: string; startsAt: Date; room: string }> },
): OutboxEmail {
  return {
    idempotencyKey: `meetings-summary:${s.requestId}:${s.runId}`,
    template: 'meetings-summary',
    to: s.to.email,
    ...renderMeetingsSummaryEmail({ requestTitle: s.requestTitle, meetings: s.meetings, timeZone: s.timeZone, url: new URL('/meetings', ctx.config.BASE_URL).toString() }, s.to.locale),
  };
}
