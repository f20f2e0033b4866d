import type { AppContext } from '../src/context.ts';
import type { JobPayload } from '../src/queue/registry.ts';
import { runMatching } from '../src/meetings/matching-run.service.ts';
import { loadActor } from '../src/auth/auth.service.ts';
import { findMarketplaceDeadline } from '../src/marketplaces/marketplaces.repository.ts';

export function runMatchingProcessor(ctx: AppContext) {
  return async (payload: JobPayload<'run-matching'>) => {
    if (payload.trigger === 'deadline' && payload.deadlineMs !== undefined) {
      const deadline = await findMarketplaceDeadline(ctx, payload.marketplaceId);
      // The deadline moved since this job was planned: the job of the new deadline runs instead.
      if (!deadline || deadline.getTime() !== payload.deadlineMs) return { outcome: 'stale' };
    }
    const actor = payload.startedBy ? await loadActor(ctx, payload.startedBy) : null;
    return runMatching(ctx, payload.marketplaceId, payload.trigger, actor);
  };
}

