import type { AppContext } from '../context.ts';
import type { MeetingAnswer } from '../../db/types.ts';
import { isVerifiedMember, requireActor, requireOrganizer, type Actor } from '../auth/actor.ts';
import { AppError, conflict, forbidden, invalid, notFound } from '../shared/errors.ts';
import { inTransaction } from '../shared/transaction.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import { jobId } from '../queue/registry.ts';
import { findMarketplace } from '../marketplaces/marketplaces.service.ts';
import { resolveTimeInput } from '../shared/time-input.ts';
import { acceptMeeting, endMeeting, findMeeting, insertUnavailability, listMeetingsOfMarketplace, listMeetingsOfOrganization, listMeetingsOfRequest, lockMeeting, type MeetingDetail } from './meetings.repository.ts';
import { listMatchingRuns } from './matching-runs.repository.ts';
import { isRequestInsider } from '../requests/requests.service.ts';
import { findResponseWithRequestOrganization, setResponsePreferred } from '../responses/responses.repository.ts';
import { cancellationReasons, queueMeetingEmails } from './meeting-notifications.ts';
import { verifyMeetingAnswerToken, type MeetingParty } from './meeting-links.ts';

/** Which side of a meeting a signed-in person is on, if any. */
export function partyOf(actor: Actor, meeting: { requester_org_id: string; provider_org_id: string }): MeetingParty | null {
  if (!actor.organization || !isVerifiedMember(actor)) return null;
  if (actor.organization.id === meeting.requester_org_id) return 'requester';
  if (actor.organization.id === meeting.provider_org_id) return 'provider';
  return null;
}

export async function getMeetingFor(ctx: AppContext, actorOrNull: Actor | null, meetingId: string): Promise<MeetingDetail> {
  const actor = requireActor(actorOrNull);
  const meeting = await findMeeting(ctx, meetingId);
  if (!meeting || (!actor.isOrganizer && !partyOf(actor, meeting))) throw notFound('The meeting');
  return meeting;
}

/**
 * The meeting behind an emailed answer link: the signed token is the authorization. A link that is
 * not valid, or a meeting that does not exist, is one and the same 404.
 */
export async function getMeetingByAnswerLink(ctx: AppContext, meetingId: string, party: string, token: string): Promise<MeetingDetail> {
  const meeting = await findMeeting(ctx, meetingId);
  if (!meeting || !verifyMeetingAnswerToken(ctx.config.SESSION_SECRET, meetingId, party, token)) throw new AppError(404, 'not-found', 'Link not valid', 'This meeting link is not valid.');
  return meeting;
}

/**
 * A party accepts or declines. Both accepted: confirmed. A decline ends the meeting at once (its
 * slot and room are free), tells the other party, and queues a matching run that keeps every other
 * meeting and offers the request its next best provider or slot.
 */
export async function answerMeeting(ctx: AppContext, meetingId: string, party: MeetingParty, answer: Exclude<MeetingAnswer, 'pending'>, by: Actor | 'link') {
  const result = await inTransaction(ctx, async (tx) => {
    const meeting = await lockMeeting(tx, meetingId);
    if (!meeting) throw notFound('The meeting');
    if (!['proposed', 'confirmed'].includes(meeting.status)) throw conflict('meeting-ended', `This meeting was ${meeting.status}; it cannot be answered any more.`);
    const column = party === 'requester' ? 'requester_answer' : 'provider_answer';
    const actor = by === 'link' ? 'system' : by;
    if (answer === 'declined') {
      await endMeeting(tx, meetingId, 'declined', `declined by the ${party === 'requester' ? 'requester' : 'provider'}`, { [column]: 'declined' });
      await recordAudit(tx, actor, { entity: 'meeting', entityId: meetingId, action: 'decline', fromStatus: meeting.status, toStatus: 'declined', detail: { party, via: by === 'link' ? 'email link' : 'page' } });
      await queueMeetingEmails(ctx, tx, meetingId, 'cancelled', cancellationReasons[party === 'requester' ? 'requesterDeclined' : 'providerDeclined']);
      return { status: 'declined' as const, marketplaceId: meeting.marketplace_id };
    }
    if (meeting[column] === 'accepted') return { status: meeting.status, marketplaceId: meeting.marketplace_id };
    const other = party === 'requester' ? meeting.provider_answer : meeting.requester_answer;
    const confirmed = other === 'accepted';
    await acceptMeeting(tx, meetingId, column, confirmed);
    await recordAudit(tx, actor, { entity: 'meeting', entityId: meetingId, action: 'accept', fromStatus: meeting.status, toStatus: confirmed ? 'confirmed' : meeting.status, detail: { party } });
    if (confirmed) await queueMeetingEmails(ctx, tx, meetingId, 'confirmed');
    return { status: confirmed ? ('confirmed' as const) : ('proposed' as const), marketplaceId: meeting.marketplace_id };
  });
  if (result.status === 'declined') {
    try {
      await ctx.queues.enqueue('run-matching', { marketplaceId: result.marketplaceId, trigger: 'decline' }, { jobId: jobId('matching', result.marketplaceId, 'decline', meetingId) });
    } catch (error) {
      ctx.log.warn({ meetingId, err: (error as Error).message }, 'could not queue the re-run after a decline; an organizer can start it');
    }
  }
  return result;
}

export async function answerMeetingAsMember(ctx: AppContext, actorOrNull: Actor | null, meetingId: string, answer: Exclude<MeetingAnswer, 'pending'>) {
  const actor = requireActor(actorOrNull);
  const meeting = await getMeetingFor(ctx, actor, meetingId);
  const party = partyOf(actor, meeting);
  if (!party) throw forbidden('Only the two parties of a meeting answer it.');
  return answerMeeting(ctx, meetingId, party, answer, actor);
}

export async function listMyMeetings(ctx: AppContext, actorOrNull: Actor | null) {
  const actor = requireActor(actorOrNull);
  if (!actor.organization) return [];
  return listMeetingsOfOrganization(ctx, actor.organization.id);
}

/** The active meetings of a request, for its insiders (the requester's organization, organizers); nobody else sees them on the request. */
export async function listRequestMeetings(ctx: AppContext, actor: Actor | null, request: { id: string; organization_id: string }) {
  if (!isRequestInsider(actor, request)) return [];
  return listMeetingsOfRequest(ctx, request.id);
}

/** The proposed and confirmed meetings of a marketplace (the timetable and its exports), for organizers. */
export async function listMarketplaceMeetings(ctx: AppContext, actorOrNull: Actor | null, marketplaceId: string) {
  requireOrganizer(actorOrNull);
  return listMeetingsOfMarketplace(ctx, marketplaceId, ['proposed', 'confirmed']);
}

/** A marketplace's latest matching runs, newest first, for organizers. */
export async function listMarketplaceMatchingRuns(ctx: AppContext, actorOrNull: Actor | null, marketplaceId: string, limit: number) {
  requireOrganizer(actorOrNull);
  return listMatchingRuns(ctx, marketplaceId, limit);
}

/** Organizers start a run now (it also starts by itself when the marketplace deadline passes). */
export async function requestMatchingRun(ctx: AppContext, actorOrNull: Actor | null, slug: string) {
  const actor = requireOrganizer(actorOrNull);
  const marketplace = await findMarketplace(ctx, slug);
  const id = jobId('matching', marketplace.id, 'organizer', Date.now());
  await ctx.queues.enqueue('run-matching', { marketplaceId: marketplace.id, trigger: 'organizer', startedBy: actor.id }, { jobId: id });
  return { jobId: id, status: 'queued' as const };
}

/** The requester marks responses it prefers, before the run; the score counts it. */
export async function markPreferred(ctx: AppContext, actorOrNull: Actor | null, responseId: string, preferred: boolean) {
  const actor = requireActor(actorOrNull);
  const row = await findResponseWithRequestOrganization(ctx, responseId);
  if (!row || (actor.organization?.id !== row.organization_id && !actor.isOrganizer)) throw notFound('The response');
  if (!actor.isOrganizer && !isVerifiedMember(actor)) throw forbidden('Your membership is waiting for approval.');
  if (!['submitted', 'matched', 'not_matched'].includes(row.status)) throw conflict('illegal-transition', `This response is ${row.status}; it cannot be marked.`);
  await setResponsePreferred(ctx, responseId, preferred);
  await recordAudit(ctx, actor, { entity: 'response', entityId: responseId, action: preferred ? 'prefer' : 'unprefer' });
  return { preferred };
}

/** An organization declares when it cannot meet (besides its agenda commitments). */
export async function declareUnavailability(ctx: AppContext, actorOrNull: Actor | null, slug: string, input: { startsAt: string; endsAt: string; note?: string | undefined }) {
  const actor = requireActor(actorOrNull);
  if (!actor.organization || !isVerifiedMember(actor)) throw forbidden('Only a verified organization declares its unavailability.');
  const marketplace = await findMarketplace(ctx, slug);
  const startsAt = resolveTimeInput(input.startsAt, marketplace.time_zone, '09:00');
  const endsAt = resolveTimeInput(input.endsAt, marketplace.time_zone, '18:00');
  const errors = [];
  if (!startsAt) errors.push({ path: 'startsAt', message: `does not exist in ${marketplace.time_zone}` });
  if (!endsAt) errors.push({ path: 'endsAt', message: `does not exist in ${marketplace.time_zone}` });
  if (startsAt && endsAt && endsAt <= startsAt) errors.push({ path: 'endsAt', message: 'must be after the start' });
  if (errors.length) throw invalid(errors);
  const row = await insertUnavailability(ctx, { organizationId: actor.organization.id, marketplaceId: marketplace.id, startsAt: startsAt!, endsAt: endsAt!, note: input.note ?? null });
  await recordAudit(ctx, actor, { entity: 'organization', entityId: actor.organization.id, action: 'unavailable', detail: { from: startsAt!.toISOString(), to: endsAt!.toISOString() } });
  return row;
}
