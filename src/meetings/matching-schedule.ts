import type { AppContext } from '../context.ts';
import { jobId } from '../queue/registry.ts';
import { findMatchingTime } from './matching-runs.repository.ts';

/** The matching run starts by itself a few seconds after its time (the closes go first). */
export const RUN_AFTER_DEADLINE_MS = 3000;

/**
 * Plans a marketplace's matching run at its matching time: the review window after the last deadline
 * of its requests. The job carries that time; if it moves (an extension, a late change, a new review
 * window) the job finds itself stale and the job of the new time runs instead.
 */
export async function planMatchingRun(ctx: AppContext, marketplaceId: string, from: 'plan' | 'sweep' = 'plan'): Promise<void> {
  try {
    const time = await findMatchingTime(ctx, marketplaceId);
    if (!time) return;
    const deadlineMs = time.matching_at.getTime();
    // The sweep's job id changes each minute: a planned job kept as completed, or lost, never blocks it.
    const id = from === 'sweep' ? jobId('matching', marketplaceId, deadlineMs, 'sweep', Math.floor(Date.now() / 60_000)) : jobId('matching', marketplaceId, deadlineMs);
    await ctx.queues.enqueue('run-matching', { marketplaceId, trigger: 'deadline', deadlineMs }, { jobId: id, delay: Math.max(0, deadlineMs + RUN_AFTER_DEADLINE_MS - Date.now()) });
  } catch (error) {
    ctx.log.warn({ marketplaceId, err: (error as Error).message }, 'could not plan the matching run; the sweep will start it');
  }
}

/** When a marketplace's matching runs by itself (after the review window), for the pages' countdown; null if unknown. */
export async function getMatchingTime(ctx: AppContext, marketplaceId: string): Promise<{ matchingAt: Date; reviewHours: number } | null> {
  const time = await findMatchingTime(ctx, marketplaceId);
  return time ? { matchingAt: time.matching_at, reviewHours: time.review_hours } : null;
}
