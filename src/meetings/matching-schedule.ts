import type { AppContext } from '../context.ts';
import { jobId } from '../queue/registry.ts';

/** The matching run starts by itself a few seconds after the marketplace deadline (the closes go first). */
export const RUN_AFTER_DEADLINE_MS = 3000;

export async function planMatchingRun(ctx: AppContext, marketplace: { id: string; response_deadline: Date }, from: 'plan' | 'sweep' = 'plan'): Promise<void> {
  const deadlineMs = marketplace.response_deadline.getTime();
  // The sweep's job id changes each minute: a planned job kept as completed, or lost, never blocks it.
  const id = from === 'sweep' ? jobId('matching', marketplace.id, deadlineMs, 'sweep', Math.floor(Date.now() / 60_000)) : jobId('matching', marketplace.id, deadlineMs);
  try {
    await ctx.queues.enqueue('run-matching', { marketplaceId: marketplace.id, trigger: 'deadline', deadlineMs }, { jobId: id, delay: Math.max(0, deadlineMs + RUN_AFTER_DEADLINE_MS - Date.now()) });
  } catch (error) {
    ctx.log.warn({ marketplaceId: marketplace.id, err: (error as Error).message }, 'could not plan the matching run; the sweep will start it');
  }
}
