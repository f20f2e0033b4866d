import type { AppContext } from '../context.ts';
import type { Tx } from '../shared/transaction.ts';
import { requestUrl } from '../requests/requests.service.ts';
import type { OutboxEmail, ResponderEmails } from '../email/outbox.repository.ts';
import { oncePerLocale, type RenderedEmail } from '../email/render.ts';
import { findMeeting, type MeetingDetail } from './meetings.repository.ts';
import { calendarOrganizer, partyName, renderMeetingCalendar, type CalendarParty } from './meeting-calendar.ts';
import type { MeetingAnswer, MeetingStatus } from '../../db/types.ts';
import { meetingAnswerToken, type MeetingParty } from './meeting-links.ts';
import { linkPlaceholder } from '../email/sealed-links.ts';
import { meetingChangesBatch } from '../email/batches.ts';
import { N_, t, translateKnown } from '../i18n/i18n.ts';
import { renderMeetingCancelledEmail, renderMeetingConfirmedEmail, renderMeetingInvitationEmail, renderMeetingsSummaryEmail, renderNotMatchedEmail } from './meetings.emails.ts';

export type MeetingNotice = 'new' | 'added' | 'reinstated' | 'moved' | 'cancelled' | 'confirmed';

/**
 * Why a meeting ended, as the services store and pass it (English, completing "will not take place:
 * ..."); the cancellation email shows it in the recipient's language.
 */
export const cancellationReasons = {
  cancelled: N_('it was cancelled'),
  requesterDeclined: N_('the requester declined it'),
  providerDeclined: N_('the provider declined it'),
  noLongerHeld: N_('the matching run could no longer hold it (a party became unavailable or the offer changed)'),
  removedBySecretariat: N_('the secretariat removed it from the schedule'),
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
  name: string | null;
  locale: string;
  time_zone: string | null;
}

/** Everything the emails of one meeting change say, whoever loaded it (one meeting's answer, or a whole run's snapshot). */
export interface MeetingNoticeFacts {
  id: string;
  sequence: number;
  /** The meeting's status and answers after the change. */
  status: MeetingStatus;
  requesterAnswer: MeetingAnswer;
  providerAnswer: MeetingAnswer;
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
  declineReason: string | null;
  requester: Recipient | undefined;
  provider: Recipient | undefined;
  /** Providers that answered jointly with the provider: invited as the providing side, each at its own address. */
  partners?: Array<{ organizationId: string; name: string; person: Recipient | undefined }>;
}

/** A meeting's own page, where its parties answer it once signed in (the calendar files link there, never to a signed answer link). */
export function meetingPageUrl(ctx: AppContext, meetingId: string): string {
  return new URL(`/meetings/${meetingId}`, ctx.config.BASE_URL).toString();
}

/** The two sides of a meeting as its calendar files and emails name them (a side with nobody to write to is left out). */
export function calendarSides(meeting: MeetingNoticeFacts): { requester: CalendarParty | undefined; provider: CalendarParty | undefined; partners: Array<CalendarParty | undefined>; parties: CalendarParty[] } {
  const side = (user: Recipient | undefined, organization: string, answer: MeetingAnswer): CalendarParty | undefined => (user ? { email: user.email, person: user.name, organization, answer } : undefined);
  const requester = side(meeting.requester, meeting.requesterName, meeting.requesterAnswer);
  const provider = side(meeting.provider, meeting.providerName, meeting.providerAnswer);
  const partners = (meeting.partners ?? []).map((p) => side(p.person, p.name, meeting.providerAnswer));
  return { requester, provider, partners, parties: [requester, provider, ...partners].filter((p): p is CalendarParty => !!p) };
}

/** The providing side's name: the provider, and the providers that answered jointly with it. */
export function providingSide(meeting: Pick<MeetingNoticeFacts, 'providerName' | 'partners'>): string {
  return [meeting.providerName, ...(meeting.partners ?? []).map((p) => p.name)].join(' & ');
}

/** What a meeting's calendar entry says of it, in one language: where it stands, how to answer it, who comes. */
export function calendarDescription(locale: string, m: { status: MeetingStatus; url: string; requestTitle: string; offerSummary: string; parties: CalendarParty[]; endedReason?: string | null }): string {
  const state =
    m.status === 'proposed'
      ? t(locale, 'Proposed, not confirmed yet. Accept or decline on Forum Marketplace: {{url}} (an answer given in your calendar is not received).', { url: m.url })
      : m.status === 'confirmed'
        ? t(locale, 'Confirmed: both parties accepted. To decline, go to {{url}}', { url: m.url })
        : t(locale, 'Cancelled: {{reason}}.', { reason: translateKnown(locale, m.endedReason ?? cancellationReasons.cancelled) });
  return [state, '', m.requestTitle, t(locale, 'Offer: {{offer}}', { offer: m.offerSummary }), '', ...m.parties.map((p) => `${partyName(p)} <${p.email}>`)].join('\n');
}

/**
 * The emails of one meeting change, to both parties: the facts, the answer link, and an ICS that says
 * what the meeting is (a tentative REQUEST while proposed, a confirmed REQUEST once both accepted, a
 * CANCEL when it ended) with the meeting's stable UID and its current SEQUENCE. The idempotency key
 * carries the sequence: each change mails once. Pure.
 */
export function meetingNoticeEmails(ctx: AppContext, meeting: MeetingNoticeFacts, notice: MeetingNotice, reason?: string): OutboxEmail[] {
  const { requester, provider } = meeting;
  const domain = new URL(ctx.config.BASE_URL).hostname;
  const use = notice === 'cancelled' ? 'CANCEL' : 'REQUEST';
  const status: MeetingStatus = notice === 'cancelled' ? 'cancelled' : notice === 'confirmed' ? 'confirmed' : 'proposed';
  const { requester: requesterParty, provider: providerParty, parties } = calendarSides(meeting);
  const providers = providingSide(meeting);
  const url = meetingPageUrl(ctx, meeting.id);
  const endedReason = reason ?? meeting.endedReason;
  // The same event (UID, SEQUENCE) for both parties; its words in each one's language (rendered once per language).
  const ics = oncePerLocale((locale: string) =>
    renderMeetingCalendar({
      use,
      timeZone: meeting.timeZone,
      organizer: calendarOrganizer(meeting.marketplaceName, domain, t(locale, 'no-reply, answer on Forum Marketplace')),
      domain,
      meetings: [
        {
          id: meeting.id,
          sequence: meeting.sequence,
          status,
          startsAt: meeting.startsAt,
          endsAt: meeting.endsAt,
          title: t(locale, 'Side meeting: {{requester}} and {{provider}}', { requester: meeting.requesterName, provider: providers }),
          description: calendarDescription(locale, { status, url, requestTitle: meeting.requestTitle, offerSummary: meeting.offerSummary, parties, endedReason }),
          location: `${meeting.roomName}, ${meeting.marketplaceName}`,
          url,
          parties,
        },
      ],
    }),
  );
  const sides: Array<{ party: MeetingParty; user: Recipient | undefined; other: string; otherContact: CalendarParty | undefined; key: string }> = [
    { party: 'requester', user: requester, other: providers, otherContact: providerParty, key: 'requester' },
    { party: 'provider', user: provider, other: meeting.requesterName, otherContact: requesterParty, key: 'provider' },
    // A partner answers for the providing side too, with the same link a provider has.
    ...(meeting.partners ?? []).map((p) => ({ party: 'provider' as const, user: p.person, other: meeting.requesterName, otherContact: requesterParty, key: `provider:${p.organizationId}` })),
  ];
  const decliner = meeting.status !== 'declined' ? undefined : meeting.requesterAnswer === 'declined' ? requesterParty : meeting.providerAnswer === 'declined' ? providerParty : undefined;
  const emails: OutboxEmail[] = [];
  for (const { party, user, other, otherContact, key } of sides) {
    if (!user) continue;
    const facts = {
      requestTitle: meeting.requestTitle,
      otherParty: other,
      otherContact: otherContact ? { name: partyName(otherContact), email: otherContact.email } : null,
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
        ? renderMeetingCancelledEmail({ ...facts, reason: translateKnown(locale, endedReason ?? cancellationReasons.cancelled), declineReason: meeting.declineReason, declinedBy: decliner ? partyName(decliner) : null }, locale)
        : notice === 'confirmed'
          ? renderMeetingConfirmedEmail(facts, locale)
          : renderMeetingInvitationEmail({ ...facts, kind: notice, answerUrl: answerLink }, locale);
    emails.push({
      idempotencyKey: `meeting:${meeting.id}:${meeting.sequence}:${notice}:${key}`,
      template: `meeting-${notice}`,
      to: user.email,
      // A person's meeting changes of the same few minutes go in one email (batches.ts).
      batchKey: meetingChangesBatch(locale, user.email),
      ...email,
      ...(notice !== 'cancelled' && notice !== 'confirmed' ? { links: { [answerLink]: meetingAnswerUrl(ctx, meeting.id, party) } } : {}),
      attachments: [{ filename: notice === 'cancelled' ? 'cancel.ics' : 'invite.ics', contentType: `text/calendar; method=${use}`, content: ics(locale), method: use }],
    });
  }
  return emails;
}

/** What the emails of a stored meeting say, from its row with context (meetings.repository.ts): no further read. */
export function noticeFactsOf(m: MeetingDetail): MeetingNoticeFacts {
  const person = (email: string | null, name: string | null, locale: string | null, timeZone: string | null): Recipient | undefined => (email ? { email, name, locale: locale ?? 'en', time_zone: timeZone } : undefined);
  return {
    id: m.id,
    sequence: m.sequence,
    status: m.status,
    requesterAnswer: m.requester_answer,
    providerAnswer: m.provider_answer,
    startsAt: m.starts_at,
    endsAt: m.ends_at,
    requestTitle: m.request_title,
    requesterName: m.requester_name,
    providerName: m.provider_name,
    offerSummary: m.offer_summary,
    roomName: m.room_name,
    marketplaceName: m.marketplace_name,
    timeZone: m.time_zone,
    endedReason: m.ended_reason,
    declineReason: m.decline_reason,
    requester: person(m.requester_email, m.requester_person, m.requester_locale, m.requester_time_zone),
    provider: person(m.provider_email, m.provider_person, m.provider_locale, m.provider_time_zone),
    partners: m.partners.map((p) => ({ organizationId: p.id, name: p.name, person: person(p.email, p.person, p.locale, p.timeZone) })),
  };
}

/** The emails of one meeting's change, as it stands in this transaction (a party's answer, an organizer's edit). */
export async function queueMeetingEmails(ctx: AppContext, tx: Tx, meetingId: string, notice: MeetingNotice, reason?: string): Promise<void> {
  const meeting = (await findMeeting(tx, meetingId))!;
  // A draft's parties hear of it when the schedule is published, not before.
  if (!meeting.published_at) return;
  await tx.queueEmails(meetingNoticeEmails(ctx, noticeFactsOf(meeting), notice, reason));
}

/**
 * To each responder whose offer got no meeting: a courteous note, once (its key names the response).
 * One text per request and language, rendered once as the request's notes are written (give the notes
 * grouped by request: only the current request's texts are held); Postgres addresses a row per
 * response (`Tx.queueResponderEmails`): a run at fifty times a forum sends 24,000 of them.
 */
export function notMatchedEmails(
  ctx: AppContext,
  marketplaceName: string,
  notes: Iterable<{ responseId: string; requestId: string; requestTitle: string; requesterName: string; to: string; locale: string; removed?: boolean }>,
): ResponderEmails {
  function* rows() {
    let requestId: string | null = null;
    let render: (key: string) => RenderedEmail = () => {
      throw new Error('no request yet');
    };
    for (const note of notes) {
      if (note.requestId !== requestId) {
        requestId = note.requestId;
        const input = { requestTitle: note.requestTitle, requesterName: note.requesterName, marketplaceName, url: requestUrl(ctx, note.requestId) };
        // One text per language, and per kind: chosen against, or its planned meeting removed by the secretariat.
        render = oncePerLocale((key) => {
          const [locale, removed] = key.split('|') as [string, string];
          return renderNotMatchedEmail({ ...input, removed: removed === 'removed' }, locale);
        });
      }
      yield { responseId: note.responseId, requestId: note.requestId, to: note.to, locale: note.locale, content: render(`${note.locale}|${note.removed ? 'removed' : 'chosen'}`) };
    }
  }
  // A provider that answered many requests hears of those without a meeting in one email (updatesBatch).
  return { template: 'not-matched', key: { prefix: 'not-matched:', keyed: 'response' }, rows: rows(), batched: true };
}

/**
 * To the requester: the meetings of its request after a run that changed them. It goes with the
 * person's invitations of the same minutes (meetingChangesBatch): a government whose requests a
 * publication served got one summary per request, ten at fifty times a forum, beside its invitations.
 */
export function requesterSummaryEmail(
  ctx: AppContext,
  s: { requestId: string; runId: string; requestTitle: string; to: Recipient; timeZone: string; meetings: Array<{ provider: string; startsAt: Date; room: string }> },
): OutboxEmail {
  return {
    idempotencyKey: `meetings-summary:${s.requestId}:${s.runId}`,
    template: 'meetings-summary',
    to: s.to.email,
    batchKey: meetingChangesBatch(s.to.locale, s.to.email),
    ...renderMeetingsSummaryEmail({ requestTitle: s.requestTitle, meetings: s.meetings, timeZone: s.timeZone, url: new URL('/meetings', ctx.config.BASE_URL).toString() }, s.to.locale),
  };
}
