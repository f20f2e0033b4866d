import type { AppContext } from '../context.ts';
import type { Tx } from '../shared/transaction.ts';
import { requestUrl } from '../requests/requests.service.ts';
import { findRequesterOfRequest } from '../requests/requests.repository.ts';
import { findResponderOfResponse } from '../responses/responses.repository.ts';
import { findMeeting, findUsers, listMeetingsOfRequest, type MeetingDetail } from './meetings.repository.ts';
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

/**
 * The emails of one meeting change, to both parties: the facts, the answer link, and an ICS
 * (REQUEST for new or moved meetings, CANCEL for ended ones) with the meeting's stable UID and its
 * current SEQUENCE. The idempotency key carries the sequence: each change mails once.
 */
export async function queueMeetingEmails(ctx: AppContext, tx: Tx, meetingId: string, notice: MeetingNotice, reason?: string): Promise<void> {
  const meeting = (await findMeeting(tx, meetingId))!;
  const users = await findUsers(tx, [meeting.requester_user_id, meeting.provider_user_id]);
  const requester = users.get(meeting.requester_user_id);
  const provider = users.get(meeting.provider_user_id);
  const domain = new URL(ctx.config.BASE_URL).hostname;
  const method = notice === 'cancelled' ? 'CANCEL' : 'REQUEST';
  // The same event (UID, SEQUENCE) for both parties; its words in each one's language.
  const ics = (locale: string) =>
    renderMeetingCalendar({
      method,
      organizer: mailbox(ctx.config.MAIL_FROM),
      domain,
      meetings: [
        {
          id: meeting.id,
          sequence: meeting.sequence,
          startsAt: meeting.starts_at,
          endsAt: meeting.ends_at,
          title: t(locale, 'Side meeting: {{requester}} and {{provider}}', { requester: meeting.requester_name, provider: meeting.provider_name }),
          description: `${meeting.request_title}\n\n${t(locale, 'Offer: {{offer}}', { offer: meeting.offer_summary })}`,
          location: `${meeting.room_name}, ${meeting.marketplace_name}`,
          attendees: [requester, provider].filter((u) => !!u).map((u) => ({ email: u!.email, name: u!.email })),
        },
      ],
    });
  const parties: Array<{ party: MeetingParty; user: typeof requester; other: string }> = [
    { party: 'requester', user: requester, other: meeting.provider_name },
    { party: 'provider', user: provider, other: meeting.requester_name },
  ];
  for (const { party, user, other } of parties) {
    if (!user) continue;
    const facts = {
      requestTitle: meeting.request_title,
      otherParty: other,
      offerSummary: meeting.offer_summary,
      room: meeting.room_name,
      startsAt: meeting.starts_at,
      endsAt: meeting.ends_at,
      marketplaceTimeZone: meeting.time_zone,
      readerTimeZone: user.time_zone,
      marketplaceName: meeting.marketplace_name,
    };
    const locale = user.locale;
    // The answer link acts for the party for as long as the meeting stands: the stored email holds a
    // placeholder, the link is stored sealed (src/email/sealed-links.ts).
    const answerLink = linkPlaceholder();
    const email =
      notice === 'cancelled'
        ? renderMeetingCancelledEmail({ ...facts, reason: translateKnown(locale, reason ?? meeting.ended_reason ?? cancellationReasons.cancelled) }, locale)
        : notice === 'confirmed'
          ? renderMeetingConfirmedEmail(facts, locale)
          : renderMeetingInvitationEmail({ ...facts, kind: notice, answerUrl: answerLink }, locale);
    await tx.queueEmail({
      idempotencyKey: `meeting:${meeting.id}:${meeting.sequence}:${notice}:${party}`,
      template: `meeting-${notice}`,
      to: user.email,
      ...email,
      ...(notice === 'new' || notice === 'moved' ? { links: { [answerLink]: meetingAnswerUrl(ctx, meeting.id, party) } } : {}),
      attachments: notice === 'confirmed' ? [] : [{ filename: notice === 'cancelled' ? 'cancel.ics' : 'invite.ics', contentType: `text/calendar; method=${method}`, content: ics(locale), method }],
    });
  }
}

export async function queueNotMatchedEmail(ctx: AppContext, tx: Tx, responseId: string): Promise<void> {
  const row = await findResponderOfResponse(tx, responseId);
  await tx.queueEmail({
    idempotencyKey: `not-matched:${responseId}`,
    template: 'not-matched',
    to: row.email,
    ...renderNotMatchedEmail({ requestTitle: row.title, requesterName: row.requester_name, marketplaceName: row.marketplace_name, url: requestUrl(ctx, row.request_id) }, row.locale),
  });
}

/** To the requester: the meetings of its request after a run that changed them. */
export async function queueRequesterSummary(ctx: AppContext, tx: Tx, requestId: string, runId: string): Promise<void> {
  const request = await findRequesterOfRequest(tx, requestId);
  const meetings: MeetingDetail[] = await listMeetingsOfRequest(tx, requestId);
  await tx.queueEmail({
    idempotencyKey: `meetings-summary:${requestId}:${runId}`,
    template: 'meetings-summary',
    to: request.email,
    ...renderMeetingsSummaryEmail({
      requestTitle: request.title,
      meetings: meetings.map((m) => ({ provider: m.provider_name, startsAt: m.starts_at, room: m.room_name })),
      timeZone: request.time_zone,
      url: new URL('/meetings', ctx.config.BASE_URL).toString(),
    }, request.locale),
  });
}
