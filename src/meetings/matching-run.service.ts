import type { AppContext } from '../context.ts';
import type { Actor } from '../auth/actor.ts';
import { inTransaction, type Tx } from '../shared/transaction.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import { closeRequests } from '../requests/close.service.ts';
import { findOverdueOpenRequestIds } from '../requests/requests.repository.ts';
import { setResponseMatchOutcome } from '../responses/responses.repository.ts';
import { changeRequestStatus } from '../requests/request-status.ts';
import { buildMatchingInstance, pairKey, type KeptMeeting } from './matching-instance.ts';
import { solveInWorker } from './solve-in-worker.ts';
import { freeTimesBefore, insertMeeting, listActiveMeetingPairs, loadMatchingState, lockMarketplaceForMatching, type MatchingState, type MeetingRow } from './meetings.repository.ts';
import { insertRunningMatchingRun, markMatchingRunDone, markMatchingRunFailed } from './matching-runs.repository.ts';
import { changeMeetingStatus } from './meeting-status.ts';
import { cancellationReasons, queueMeetingEmails, queueNotMatchedEmail, queueRequesterSummary } from './meeting-notifications.ts';

export type RunTrigger = 'deadline' | 'organizer' | 'decline' | 'sweep';

export interface RunChanges {
  kept: number;
  created: number;
  moved: number;
  cancelled: number;
  requestsMatched: number;
  responsesNotMatched: number;
}

function overlaps(aStart: Date, aEnd: Date, bStart: Date, bEnd: Date): boolean {
  return aStart < bEnd && bStart < aEnd;
}

/** A meeting still holds when its pair is still on offer, its room exists, and neither organization became busy then. */
function stillHolds(meeting: MeetingRow, state: MatchingState, busy: Array<{ organizationId: string; startsAt: Date; endsAt: Date }>): boolean {
  const response = state.responses.find((r) => r.id === meeting.response_id);
  if (!response || state.declinedResponses.has(meeting.response_id)) return false;
  if (!state.requests.some((r) => r.id === meeting.request_id)) return false;
  if (!state.rooms.some((r) => r.id === meeting.room_id)) return false;
  return !busy.some(
    (b) => (b.organizationId === meeting.requester_org_id || b.organizationId === meeting.provider_org_id) && overlaps(b.startsAt, b.endsAt, meeting.starts_at, meeting.ends_at),
  );
}

/**
 * The matching run of a marketplace: closes what is overdue, scores every response against its
 * request, keeps the meetings that still hold, solves the rest, and stores meetings and statuses in
 * one transaction, with the emails of what changed. A run with nothing changed changes nothing.
 */
export async function runMatching(ctx: AppContext, marketplaceId: string, trigger: RunTrigger, actor: Actor | null = null) {
  await closeRequests(ctx, await findOverdueOpenRequestIds(ctx, marketplaceId));

  // The run is recorded as running before its transaction, so organizers see it running (or waiting
  // for the run before it), and a run that fails is recorded as failed with its error.
  const run = await insertRunningMatchingRun(ctx, marketplaceId, trigger, actor?.id ?? null);
  try {
    return await solveAndStore(ctx, marketplaceId, trigger, actor, run);
  } catch (error) {
    await markMatchingRunFailed(ctx, run.id, (error as Error).message.slice(0, 2000)).catch(() => {});
    throw error;
  }
}

async function solveAndStore(ctx: AppContext, marketplaceId: string, trigger: RunTrigger, actor: Actor | null, run: { id: string }) {
  return inTransaction(ctx, async (tx) => {
    await lockMarketplaceForMatching(tx, marketplaceId);
    const state = await loadMatchingState(tx, marketplaceId);
    const m = state.marketplace;

    const busy = [
      ...state.sessions.filter((s) => s.organization_id).map((s) => ({ organizationId: s.organization_id!, startsAt: s.starts_at, endsAt: s.ends_at })),
      ...state.busy.map((b) => ({ organizationId: b.organization_id, startsAt: b.starts_at, endsAt: b.ends_at })),
    ];
    const kept: KeptMeeting[] = [];
    const toRelease: MeetingRow[] = [];
    for (const meeting of state.meetings) {
      if (stillHolds(meeting, state, busy)) {
        kept.push({ responseId: meeting.response_id, requestId: meeting.request_id, requesterOrgId: meeting.requester_org_id, providerOrgId: meeting.provider_org_id, roomId: meeting.room_id, startsAt: meeting.starts_at, endsAt: meeting.ends_at });
      } else {
        toRelease.push(meeting);
      }
    }
    const sessionCodesByOrganization = new Map<string, string[]>();
    for (const s of state.sessions) if (s.organization_id) sessionCodesByOrganization.set(s.organization_id, [...(sessionCodesByOrganization.get(s.organization_id) ?? []), s.code]);

    const built = buildMatchingInstance({
      marketplace: {
        timeZone: m.time_zone,
        forumStartsOn: m.forum_starts_on,
        forumEndsOn: m.forum_ends_on,
        meetingMinutes: m.meeting_minutes,
        dayStarts: m.meeting_day_starts.slice(0, 5),
        dayEnds: m.meeting_day_ends.slice(0, 5),
        sessionCodes: [...new Set(state.sessions.map((s) => s.code))],
      },
      roomIds: state.rooms.map((r) => r.id),
      requests: state.requests.map((r) => ({ id: r.id, organizationId: r.organization_id, category: r.category, themes: r.themes, countries: r.countries, languages: r.languages, maxMatches: r.max_matches })),
      responses: state.responses
        .filter((r) => !state.declinedResponses.has(r.id))
        .map((r) => ({
          id: r.id,
          requestId: r.request_id,
          organizationId: r.organization_id,
          organizationCountry: r.country,
          offerCategories: r.offer_categories as never,
          languages: r.languages,
          modality: r.modality,
          funding: r.funding,
          preferred: r.preferred,
        })),
      busy,
      sessionCodesByOrganization,
      // A provider's capacity, from its responses (the only organizations the instance gives a capacity).
      capacityByOrganization: new Map(state.responses.map((s) => [s.organization_id, s.meeting_capacity])),
      kept,
    });

    const result = built.instance.offers.length ? await solveInWorker(built.instance) : null;
    const changes: RunChanges = { kept: kept.length, created: 0, moved: 0, cancelled: 0, requestsMatched: 0, responsesNotMatched: 0 };
    const changedRequests = new Set<string>();

    // Free the times of meetings that no longer hold before placing anything (the database refuses overlaps).
    await freeTimesBefore(tx, toRelease.map((r) => r.id));
    const activeByResponse = new Map(toRelease.map((r) => [r.response_id, r]));
    const placedResponses = new Set<string>();
    const requestOrg = new Map(state.requests.map((r) => [r.id, r.organization_id]));
    for (const placed of result?.meetings ?? []) {
      const response = built.responseByPair.get(pairKey(placed.request, placed.provider))!;
      const slot = built.slotTimes.get(placed.slot)!;
      const scored = built.scoreByResponse.get(response.id)!;
      placedResponses.add(response.id);
      changedRequests.add(placed.request);
      const previous = activeByResponse.get(response.id);
      const values = { runId: run.id, roomId: placed.room, startsAt: slot.startsAt, endsAt: slot.endsAt, requesterOrgId: requestOrg.get(placed.request)!, providerOrgId: placed.provider };
      if (previous) {
        // Declined while the run was solving: it stays declined, and the decline's own run follows.
        const moved = await changeMeetingStatus(tx, actor ?? 'system', previous, { action: 'move', to: values });
        if (moved) {
          changes.moved++;
          await queueMeetingEmails(ctx, tx, moved.id, 'moved');
        }
      } else {
        const created = await insertMeeting(tx, { ...values, marketplaceId, requestId: placed.request, responseId: response.id, score: scored.score, scoreParts: scored.parts });
        changes.created++;
        await queueMeetingEmails(ctx, tx, created.id, 'new');
      }
    }
    for (const meeting of toRelease) {
      if (placedResponses.has(meeting.response_id)) continue;
      const ended = await changeMeetingStatus(tx, actor ?? 'system', meeting, { action: 'cancel', reason: cancellationReasons.noLongerHeld, runId: run.id });
      if (ended) {
        changes.cancelled++;
        changedRequests.add(meeting.request_id);
        await queueMeetingEmails(ctx, tx, meeting.id, 'cancelled');
      }
    }

    await applyStatuses(ctx, tx, state, changes);
    for (const requestId of changedRequests) await queueRequesterSummary(ctx, tx, requestId, run.id);

    await markMatchingRunDone(tx, run.id, {
      method: result?.stats.method ?? 'none',
      objective: result?.objective ?? 0,
      bound: (result?.stats as { bound?: number } | undefined)?.bound ?? null,
      stats: { ...(result?.stats ?? {}), unscheduled: result?.unscheduled.length ?? 0 },
      changes,
    });
    await recordAudit(tx, actor ?? 'system', { entity: 'marketplace', entityId: marketplaceId, action: 'matching-run', detail: { runId: run.id, trigger, ...changes } });
    return { runId: run.id, objective: result?.objective ?? 0, method: result?.stats.method ?? 'none', changes };
  });
}

/** Requests with meetings become matched; responses matched or not matched; a courteous note to those not matched. */
async function applyStatuses(ctx: AppContext, tx: Tx, state: MatchingState, changes: RunChanges) {
  const active = await listActiveMeetingPairs(tx, state.marketplace.id);
  const matchedResponses = new Set(active.map((a) => a.response_id));
  const matchedRequests = new Set(active.map((a) => a.request_id));
  for (const request of state.requests) {
    if (request.status === 'closed' && matchedRequests.has(request.id)) {
      await changeRequestStatus(tx, 'system', request.id, 'match');
      changes.requestsMatched++;
    }
  }
  for (const response of state.responses) {
    const target = matchedResponses.has(response.id) ? 'matched' : 'not_matched';
    if (response.status === target) continue;
    await setResponseMatchOutcome(tx, response.id, target);
    await recordAudit(tx, 'system', { entity: 'response', entityId: response.id, action: target === 'matched' ? 'match' : 'not-match', fromStatus: response.status, toStatus: target });
    if (target === 'not_matched' && response.status === 'submitted') {
      changes.responsesNotMatched++;
      await queueNotMatchedEmail(ctx, tx, response.id);
    }
  }
}
