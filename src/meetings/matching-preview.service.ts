import type { AppContext } from '../context.ts';
import type { Actor } from '../auth/actor.ts';
import { requireSecretariat } from './meetings.service.ts';
import { findMarketplace } from '../marketplaces/marketplaces.service.ts';
import { loadMatchingSnapshotOf } from './matching-store.repository.ts';
import { planMeetingWrites, planRun } from './matching-plan.ts';
import { cancellationReasons } from './meeting-notifications.ts';
import { retireSolverThreadIfBig, solveInWorker } from './solve-in-worker.ts';
import { canRunMatching } from './meetings.policy.ts';

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
 * same snapshot and solves the same way as the run (within the re-run's time limit), so the run
 * started right after gives the same answer unless something changed meanwhile; requests whose
 * deadline passed but that the worker has not closed yet are left out until they are closed.
 */
export async function previewMatching(ctx: AppContext, actorOrNull: Actor | null, slug: string) {
  requireSecretariat(actorOrNull, canRunMatching);
  const marketplace = await findMarketplace(ctx, slug);
  const snapshot = await loadMatchingSnapshotOf(ctx, marketplace.id);
  const { built, result, released } = await planRun(snapshot, (instance, timeLimitSeconds) => solveInWorker(instance, { timeLimitSeconds, keepThread: true }), {
    timeLimitSeconds: ctx.config.MATCHING_RERUN_TIME_LIMIT_SECONDS,
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
  };
}
