import { randomUUID } from 'node:crypto';
import type { AppContext } from '../context.ts';
import type { MeetingAnswer, RequesterMark } from '../../db/types.ts';
import { requireActor, whyNotMember, type Actor } from '../auth/actor.ts';
import { AppError, conflict, forbidden, invalid, notFound } from '../shared/errors.ts';
import { inTransaction } from '../shared/transaction.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import { decodeKeyset, encodeKeyset, isCursorId, isCursorInstant, pageOf } from '../shared/cursor.ts';
import type { MarketplaceMeetingsQuery } from './meetings.schemas.ts';
import { jobId } from '../queue/registry.ts';
import { findMarketplace, getMarketplace } from '../marketplaces/marketplaces.service.ts';
import { resolveTimeInput } from '../shared/time-input.ts';
import { requireMayMarkPreferred } from '../responses/responses.service.ts';
import { setRequesterMark, setResponsePreferred } from '../responses/responses.repository.ts';
import { deleteUnavailability, listUnavailabilityOfOrganization, findMeeting, insertUnavailability, listMeetingsOfMarketplace, listMeetingsOfMarketplacePage, listMeetingsOfOrganization, listMeetingsOfRequest, lockMeeting, setRescheduleRequest, type MeetingDetail } from './meetings.repository.ts';
import { hasRequestsPastDeadline, insertQueuedMatchingRun, listMatchingRunsOfMarketplace } from './matching-runs.repository.ts';
import { queueDeclineRerun, queueOrganizerRun } from './matching-schedule.ts';
import { cancellationReasons, queueMeetingEmails } from './meeting-notifications.ts';
import { verifyMeetingAnswerToken, type MeetingParty } from './meeting-links.ts';
import { changeMeetingStatus, meetingStatusSets } from './meeting-status.ts';
import { canAcceptMeeting, canAskForAnotherTime, isAnswerable, partyMayReinstate, canDeclareUnavailability, canRunMatching, canSeeMeeting, canSeeMeetingsOfRequest, canSeeTimetable, partyOf } from './meetings.policy.ts';

const organizersOnly = 'Only the forum secretariat (organizers) can do this.';

/** What only the secretariat does, by the policy that says so (canSeeTimetable, canRunMatching, canPublishSchedule): a 401 or a 403 for anyone else. */
export function requireSecretariat(actorOrNull: Actor | null, may: (actor: Actor) => boolean = canSeeTimetable): Actor {
  const actor = requireActor(actorOrNull);
  if (!may(actor)) throw forbidden(organizersOnly);
  return actor;
}

/** The secretariat's views of a marketplace's matching: a 401 or a 403 for anyone else. */
export function requireTimetableAccess(actorOrNull: Actor | null): Actor {
  return requireSecretariat(actorOrNull, canSeeTimetable);
}

export async function getMeetingFor(ctx: AppContext, actorOrNull: Actor | null, meetingId: string): Promise<MeetingDetail> {
  const actor = requireActor(actorOrNull);
  const meeting = await findMeeting(ctx, meetingId);
  if (!meeting || !canSeeMeeting(actor, meeting)) throw notFound('The meeting');
  return meeting;
}

/**
 * A party accepts or declines. Both accepted: confirmed. A decline ends the meeting at once (its
 * slot and room are free), tells the other party (with the reason given, if any), and queues a
 * matching run, after DECLINE_RERUN_DELAY_SECONDS, that keeps every other meeting and offers the
 * request its next best provider or slot. The party that declined may accept again until the
 * meeting starts, while its time and room are still free (`reinstate`).
 */
export async function answerMeeting(ctx: AppContext, meetingId: string, party: MeetingParty, answer: Exclude<MeetingAnswer, 'pending'>, by: Actor | 'link', reason: string | null = null) {
  const result = await inTransaction(ctx, async (tx) => {
    const meeting = await lockMeeting(tx, meetingId);
    if (!meeting) throw notFound('The meeting');
    const actor = by === 'link' ? 'system' : by;
    const via = by === 'link' ? 'email link' : 'page';
    const mine = party === 'requester' ? meeting.requester_answer : meeting.provider_answer;
    const other = party === 'requester' ? meeting.provider_answer : meeting.requester_answer;
    if (answer === 'accepted' && meeting.status === 'declined' && mine === 'declined') {
      if (!partyMayReinstate(party, meeting)) throw conflict('meeting-ended', meeting.starts_at.getTime() <= Date.now() ? 'This meeting has started or is over; it cannot be accepted again.' : 'The other party declined this meeting; it cannot be accepted again.');
      const changed = (await changeMeetingStatus(tx, actor, meeting, { action: 'reinstate', party, via }))!;
      await queueMeetingEmails(ctx, tx, meetingId, changed.status === 'confirmed' ? 'confirmed' : 'reinstated');
      return { status: changed.status, marketplaceId: meeting.marketplace_id };
    }
    if (!meetingStatusSets.answerable.includes(meeting.status)) throw conflict('meeting-ended', `This meeting was ${meeting.status}; it cannot be answered any more.`);
    if (!isAnswerable(meeting)) throw conflict('meeting-started', 'This meeting has started or is over; it can no longer be accepted or declined. After it ends, each side is asked what came of it.');
    if (answer === 'declined') {
      await changeMeetingStatus(tx, actor, meeting, { action: 'decline', party, via, reason });
      await queueMeetingEmails(ctx, tx, meetingId, 'cancelled', cancellationReasons[party === 'requester' ? 'requesterDeclined' : 'providerDeclined']);
      return { status: 'declined' as const, marketplaceId: meeting.marketplace_id };
    }
    // Accepting twice changes nothing (the second click, or the page and the email link both).
    if (mine === 'accepted') return { status: meeting.status, marketplaceId: meeting.marketplace_id };
    const action = other === 'accepted' ? 'confirm' : 'accept';
    // The row is locked: the change cannot find it moved since.
    const changed = (await changeMeetingStatus(tx, actor, meeting, { action, party, via }))!;
    if (changed.status === 'confirmed') await queueMeetingEmails(ctx, tx, meetingId, 'confirmed');
    return { status: changed.status, marketplaceId: meeting.marketplace_id };
  });
  if (result.status === 'declined') await queueDeclineRerun(ctx, result.marketplaceId, [meetingId, Date.now()], ctx.config.DECLINE_RERUN_DELAY_SECONDS * 1000);
  return result;
}

/** "Accept all": every proposed meeting of the caller's organization that waits for its answer. */
export async function acceptAllMeetings(ctx: AppContext, actorOrNull: Actor | null): Promise<{ accepted: string[]; confirmed: string[] }> {
  const actor = requireActor(actorOrNull);
  const accepted: string[] = [];
  const confirmed: string[] = [];
  for (const m of await listMyMeetings(ctx, actor)) {
    const party = partyOf(actor, m);
    if (!party || !canAcceptMeeting(actor, m)) continue;
    try {
      const result = await answerMeeting(ctx, m.id, party, 'accepted', actor);
      (result.status === 'confirmed' ? confirmed : accepted).push(m.id);
    } catch (error) {
      // A meeting that ended since the list was read is left out; anything else is a real failure.
      if (!(error instanceof AppError && error.status === 409)) throw error;
    }
  }
  return { accepted, confirmed };
}

/** A party asks for another time: kept on the meeting for the secretariat, and an unavailability at this slot so the next run moves it. */
export async function askForAnotherTime(ctx: AppContext, actorOrNull: Actor | null, meetingId: string, note: string | null) {
  const actor = requireActor(actorOrNull);
  const meeting = await getMeetingFor(ctx, actor, meetingId);
  const party = partyOf(actor, meeting);
  if (!party) throw forbidden('Only the two parties of a meeting ask to move it.');
  if (!canAskForAnotherTime(actor, meeting)) throw conflict('meeting-ended', meetingStatusSets.active.includes(meeting.status) ? 'This meeting has started or is over; it cannot be moved any more.' : `This meeting was ${meeting.status}; it cannot be moved any more.`);
  return inTransaction(ctx, async (tx) => {
    const changed = await setRescheduleRequest(tx, meetingId, party, note);
    if (!changed) throw conflict('meeting-ended', 'This meeting ended meanwhile; it cannot be moved any more.');
    const organizationId = party === 'requester' ? meeting.requester_org_id : meeting.provider_org_id;
    await insertUnavailability(tx, { organizationId, marketplaceId: meeting.marketplace_id, startsAt: meeting.starts_at, endsAt: meeting.ends_at, note: note ? `Asked for another time: ${note}` : 'Asked for another time' });
    await recordAudit(tx, actor, { entity: 'meeting', entityId: meetingId, action: 'ask-another-time', detail: { party, ...(note ? { note } : {}) } });
    return changed;
  });
}

/** The meeting behind an invitation's answer link: the signed token is the authorization (no sign-in). */
export async function getMeetingByLink(ctx: AppContext, meetingId: string, party: string, token: string): Promise<MeetingDetail & { party: MeetingParty }> {
  // Checked before any read: only ids of real meetings were ever signed, so nothing else reaches the database.
  if (!verifyMeetingAnswerToken(ctx.config.SESSION_SECRET, meetingId, party, token)) throw linkNotValid();
  const meeting = await findMeeting(ctx, meetingId);
  if (!meeting) throw linkNotValid();
  return { ...meeting, party };
}

/** A party answers through its invitation's link. */
export async function answerMeetingByLink(ctx: AppContext, meetingId: string, party: string, token: string, answer: Exclude<MeetingAnswer, 'pending'>, reason: string | null = null) {
  if (!verifyMeetingAnswerToken(ctx.config.SESSION_SECRET, meetingId, party, token)) throw linkNotValid();
  return answerMeeting(ctx, meetingId, party, answer, 'link', reason);
}

function linkNotValid() {
  return new AppError(404, 'not-found', 'Link not valid', 'This meeting link is not valid.');
}

export async function answerMeetingAsMember(ctx: AppContext, actorOrNull: Actor | null, meetingId: string, answer: Exclude<MeetingAnswer, 'pending'>, reason: string | null = null) {
  const actor = requireActor(actorOrNull);
  const meeting = await getMeetingFor(ctx, actor, meetingId);
  const party = partyOf(actor, meeting);
  if (!party) throw forbidden('Only the two parties of a meeting answer it.');
  return answerMeeting(ctx, meetingId, party, answer, actor, reason);
}

export async function listMyMeetings(ctx: AppContext, actorOrNull: Actor | null) {
  const actor = requireActor(actorOrNull);
  if (!actor.organization) return [];
  return listMeetingsOfOrganization(ctx, actor.organization.id);
}

/**
 * Organizers start a run now (it also starts by itself when the marketplace deadline passes). The run
 * is stored queued first, so it shows at once and outlives its job: when the queue loses the job, the
 * sweep queues another (`queueLostQueuedRuns`). Asking again while it waits answers the same run.
 */
export async function requestMatchingRun(ctx: AppContext, actorOrNull: Actor | null, slug: string) {
  const actor = requireSecretariat(actorOrNull, canRunMatching);
  const marketplace = await findMarketplace(ctx, slug);
  const id = randomUUID();
  const run = await insertQueuedMatchingRun(ctx, { id, marketplaceId: marketplace.id, startedBy: actor.id, jobId: jobId('matching', marketplace.id, 'organizer', id) });
  // Workers kept taking the waiting run between the two statements of the insert, turn after turn.
  if (!run) throw new AppError(503, 'matching-busy', 'Matching is busy', 'Runs of this marketplace were starting one after another while this one was being queued. Ask again in a moment.');
  const answer = { runId: run.id, jobId: run.jobId, status: 'queued' as const };
  // A run already waiting is the answer: its job is queued, or the sweep queues it.
  if (!run.created) return answer;
  try {
    await queueOrganizerRun(ctx, { id: run.id, marketplaceId: marketplace.id, startedBy: actor.id }, answer.jobId);
  } catch (error) {
    // The run is stored: the sweep queues it once the queue answers again.
    ctx.log.warn({ runId: run.id, err: (error as Error).message }, 'could not queue the matching run; the sweep will');
  }
  return answer;
}

/** The requester marks responses it prefers, before the run; the score counts it. */
export async function markPreferred(ctx: AppContext, actorOrNull: Actor | null, responseId: string, preferred: boolean) {
  const actor = requireActor(actorOrNull);
  await requireMayMarkPreferred(ctx, actor, responseId);
  await setResponsePreferred(ctx, responseId, preferred);
  await recordAudit(ctx, actor, { entity: 'response', entityId: responseId, action: preferred ? 'prefer' : 'unprefer' });
  return { preferred };
}

/**
 * The requester marks a response before the run: "must" meet (the run schedules it ahead of any
 * unmarked offer it competes with), "like" (the score's preference factor), "exclude" (never
 * matched), or null (no mark).
 */
export async function markResponse(ctx: AppContext, actorOrNull: Actor | null, responseId: string, mark: RequesterMark | null) {
  const actor = requireActor(actorOrNull);
  await requireMayMarkPreferred(ctx, actor, responseId);
  await setRequesterMark(ctx, responseId, mark);
  await recordAudit(ctx, actor, { entity: 'response', entityId: responseId, action: 'mark', detail: { mark } });
  return { mark };
}

/** An organization declares when it cannot meet (besides its agenda commitments). */
export async function declareUnavailability(ctx: AppContext, actorOrNull: Actor | null, slug: string, input: { startsAt: string; endsAt: string; note?: string | undefined }) {
  const actor = requireActor(actorOrNull);
  if (!canDeclareUnavailability(actor)) throw forbidden(whyNotMember(actor, 'act'));
  const marketplace = await findMarketplace(ctx, slug);
  // A date alone is the whole day.
  const startsAt = resolveTimeInput(input.startsAt, marketplace.time_zone, '00:00');
  const endsAt = resolveTimeInput(input.endsAt, marketplace.time_zone, '23:59');
  const errors = [];
  if (!startsAt) errors.push({ path: 'startsAt', message: `does not exist in ${marketplace.time_zone}` });
  if (!endsAt) errors.push({ path: 'endsAt', message: `does not exist in ${marketplace.time_zone}` });
  if (startsAt && endsAt && endsAt <= startsAt) errors.push({ path: 'endsAt', message: 'must be after the start' });
  if (errors.length) throw invalid(errors);
  const row = await insertUnavailability(ctx, { organizationId: actor.organization.id, marketplaceId: marketplace.id, startsAt: startsAt!, endsAt: endsAt!, note: input.note ?? null });
  await recordAudit(ctx, actor, { entity: 'organization', entityId: actor.organization.id, action: 'unavailable', detail: { from: startsAt!.toISOString(), to: endsAt!.toISOString() } });
  return { ...row, time_zone: marketplace.time_zone };
}

/** The times the caller's organization said it cannot meet (none without a verified organization). */
export async function listMyUnavailability(ctx: AppContext, actorOrNull: Actor | null) {
  const actor = requireActor(actorOrNull);
  return canDeclareUnavailability(actor) ? listUnavailabilityOfOrganization(ctx, actor.organization.id) : [];
}

/** Takes back a declared time: the next run may schedule meetings then again. */
export async function removeMyUnavailability(ctx: AppContext, actorOrNull: Actor | null, id: string) {
  const actor = requireActor(actorOrNull);
  if (!canDeclareUnavailability(actor)) throw forbidden(whyNotMember(actor, 'act'));
  const removed = await deleteUnavailability(ctx, id, actor.organization.id);
  if (!removed) throw notFound('The declared time');
  await recordAudit(ctx, actor, { entity: 'organization', entityId: actor.organization.id, action: 'available-again', detail: { id } });
}

/** Every active meeting of a marketplace, for the secretariat (API, timetable exports). */
export async function listMarketplaceMeetings(ctx: AppContext, actorOrNull: Actor | null, slug: string) {
  requireTimetableAccess(actorOrNull);
  const marketplace = await findMarketplace(ctx, slug);
  return { marketplace, meetings: await listMeetingsOfMarketplace(ctx, marketplace.id, meetingStatusSets.active) };
}

/**
 * A page of a marketplace's active meetings in the timetable's order, for the API: at fifty times a
 * forum the whole timetable was one answer of 1.6 MB (798 meetings).
 */
export async function listMarketplaceMeetingsPage(ctx: AppContext, actorOrNull: Actor | null, slug: string, query: MarketplaceMeetingsQuery) {
  requireTimetableAccess(actorOrNull);
  const marketplace = await findMarketplace(ctx, slug);
  const after = decodeKeyset(query.cursor, (values) => {
    const [time, position, id] = Array.isArray(values) ? (values as unknown[]) : [];
    return isCursorInstant(time) && Number.isInteger(position) && isCursorId(id) ? { time, position: position as number, id } : undefined;
  });
  const rows = await listMeetingsOfMarketplacePage(ctx, marketplace.id, { after, limit: query.limit });
  return pageOf(rows, query.limit, (last) => encodeKeyset([last.cursor_at, last.room_position, last.id]));
}

/** A marketplace's latest matching runs, for the secretariat. */
export async function listMatchingRuns(ctx: AppContext, actorOrNull: Actor | null, slug: string, limit = 50) {
  requireTimetableAccess(actorOrNull);
  const marketplace = await findMarketplace(ctx, slug);
  return { marketplace, runs: await listMatchingRunsOfMarketplace(ctx, marketplace.id, limit) };
}

/** What the secretariat's timetable page shows: rooms, active meetings and the last runs. */
export async function getTimetable(ctx: AppContext, actorOrNull: Actor | null, slug: string) {
  requireTimetableAccess(actorOrNull);
  const { marketplace, rooms, sessions } = await getMarketplace(ctx, slug);
  const [meetings, runs, anyClosed] = await Promise.all([listMeetingsOfMarketplace(ctx, marketplace.id, meetingStatusSets.active), listMatchingRunsOfMarketplace(ctx, marketplace.id, 10), hasRequestsPastDeadline(ctx, marketplace.id)]);
  // No request has closed yet: a run now would have nothing to match.
  return { marketplace, rooms, sessions, meetings, runs, nothingToMatch: !anyClosed };
}

/** The active meetings of a request, for those who may see them on its page (none for anyone else). */
export async function listMeetingsOfRequestFor(ctx: AppContext, actor: Actor | null, request: { id: string; organization_id: string }) {
  return canSeeMeetingsOfRequest(actor, request) ? listMeetingsOfRequest(ctx, request.id, !!actor?.isOrganizer) : [];
}
