import type { AppContext } from '../context.ts';
import type { Actor } from '../auth/actor.ts';
import { requireSecretariat } from './meetings.service.ts';
import { findMarketplace } from '../marketplaces/marketplaces.service.ts';
import { loadMatchingSnapshotOf } from './matching-store.repository.ts';
import { planMeetingWrites, planRun } from './matching-plan.ts';
import { cancellationReasons } from './meeting-notifications.ts';
import { retireSolverThreadIfBig, solveInWorker } from './solve-in-worker.ts';
import { canRunMatching } from './meetings.policy.ts';
import { matchingTimeLimit } from './matching-run.service.ts';

/** One meeting as the preview names it: who, for which request, when and where. */
export interface PreviewMeeting {
  id: string;
  requestTitle: string;
  requester: string;
  provider: string;
  startsAt: Date;
  room: string;
  published: boolean;
  status: string;
}

/**
 * What a matching run would change now, without changing anything: the meetings it would keep,
 * create, move (from, to) and cancel. The organizer reads it before starting the run. It reads the
 * same snapshot and plans the same way as the organizer's run, within the same time limit
 * (MATCHING_TIME_LIMIT_SECONDS), so the run started right after gives the same answer unless
 * something changed meanwhile; requests whose deadline passed but that the worker has not closed yet
 * are left out until they are closed. Within the re-run's shorter limit, at fifty times a forum it
 * left out the plan's second solve in some views and not in others: 720 meetings against the run's 798.
 * When the time limit cut the plan short (`stoppedOnTimeLimit`), the run, which has no more time, may
 * still differ: the page says so. `now` is the plan's clock (tests).
 */
export async function previewMatching(ctx: AppContext, actorOrNull: Actor | null, slug: string, options: { now?: () => number } = {}) {
  requireSecretariat(actorOrNull, canRunMatching);
  const marketplace = await findMarketplace(ctx, slug);
  const snapshot = await loadMatchingSnapshotOf(ctx, marketplace.id);
  const timeLimitSeconds = matchingTimeLimit(ctx, 'organizer');
  const { built, result, released, skipped } = await planRun(snapshot, (instance, limit) => solveInWorker(instance, { timeLimitSeconds: limit, keepThread: true }), {
    timeLimitSeconds,
    ...(options.now ? { now: options.now } : {}),
  }).finally(retireSolverThreadIfBig);
  const writes = planMeetingWrites(snapshot, built, result, released, { runId: 'preview', cancelReason: cancellationReasons.noLongerHeld });

  const requests = new Map(snapshot.requests.map((r) => [r.id, r]));
  const responses = new Map(snapshot.responses.map((r) => [r.id, r]));
  const rooms = new Map(snapshot.rooms.map((r) => [r.id, r.name]));
  const meetings = new Map(snapshot.meetings.map((m) => [m.id, m]));
  const named = (m: { id: string; request_id: string; response_id: string; room_id: string; starts_at: Date; published_at: Date | null; status: string }): PreviewMeeting => ({
    id: m.id,
    requestTitle: requests.get(m.request_id)?.title ?? '',
    requester: requests.get(m.request_id)?.organization_name ?? '',
    provider: responses.get(m.response_id)?.organization_name ?? '',
    startsAt: m.starts_at,
    room: rooms.get(m.room_id) ?? '',
    published: m.published_at !== null,
    status: m.status,
  });
  return {
    marketplace,
    kept: snapshot.meetings.length - writes.moves.length - writes.cancels.length,
    created: writes.creates.map((c) => named({ id: c.id, request_id: c.requestId, response_id: c.responseId, room_id: c.roomId, starts_at: c.startsAt, published_at: null, status: 'proposed' })),
    moved: writes.moves.map((mv) => {
      const before = meetings.get(mv.id)!;
      return { from: named(before), to: named({ ...before, room_id: mv.roomId, starts_at: mv.startsAt }) };
    }),
    cancelled: writes.cancels.map((c) => named(meetings.get(c.id)!)),
    gap: result?.stats.gap ?? null,
    /** The time limit stopped a solve, or left out a solve that might have improved the plan. */
    stoppedOnTimeLimit: skipped.length > 0 || !!result?.stats.stoppedOnTimeLimit,
    timeLimitSeconds,
  };
}
