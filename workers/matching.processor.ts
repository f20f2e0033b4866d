import type { AppContext } from '../src/context.ts';
import type { JobPayload } from '../src/queue/registry.ts';
import { runMatching } from '../src/meetings/matching-run.service.ts';
import { loadActor } from '../src/auth/auth.service.ts';
import { findMatchingTime, startQueuedMatchingRun } from '../src/meetings/matching-runs.repository.ts';

export function runMatchingProcessor(ctx: AppContext) {
  return async (payload: JobPayload<'run-matching'>) => {
    if (payload.trigger === 'deadline' && payload.deadlineMs !== undefined) {
      const time = await findMatchingTime(ctx, payload.marketplaceId);
      // The matching time moved since this job was planned (a deadline, a late change, the review window): the job of the new time runs instead.
      if (!time || time.matching_at.getTime() !== payload.deadlineMs) return { outcome: 'stale' };
    }
    const actor = payload.startedBy ? await loadActor(ctx, payload.startedBy) : null;
    if (payload.runId) {
      // A run an organizer asked for, stored queued: taken once, by whichever of its jobs comes first (the sweep may have queued another).
      const run = await startQueuedMatchingRun(ctx, payload.runId);
      if (!run) return { outcome: 'stale' };
      return runMatching(ctx, payload.marketplaceId, payload.trigger, actor, run.id);
    }
    return runMatching(ctx, payload.marketplaceId, payload.trigger, actor);
  };
}

