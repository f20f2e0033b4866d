import type { AppContext } from '../context.ts';
import { jobId } from '../queue/registry.ts';

export const REMINDERS = { '7d': 7 * 24 * 3600 * 1000, '24h': 24 * 3600 * 1000 } as const;
export type ReminderKind = keyof typeof REMINDERS;

/**
 * Plans the fast triggers of a request's deadline: the close at the deadline and the reminders before
 * it. Ids contain the deadline, so an extension plans new jobs and the old ones find nothing to do.
 * If Redis is away, the deadline sweep does the same work later.
 */
export async function planRequestDeadline(ctx: AppContext, request: { id: string; response_deadline: Date }): Promise<void> {
  const deadlineMs = request.response_deadline.getTime();
  const now = Date.now();
  try {
    // Requests sharing a deadline share its close job (the id dedupes): the job closes them all, set-based.
    await ctx.queues.enqueue('close-due-requests', { deadlineMs }, { jobId: closeJobId(deadlineMs), delay: Math.max(0, deadlineMs - now) });
    for (const kind of Object.keys(REMINDERS) as ReminderKind[]) {
      const at = deadlineMs - REMINDERS[kind];
      if (at <= now) continue;
      await ctx.queues.enqueue('send-reminders', { requestId: request.id, kind, deadlineMs }, { jobId: jobId('remind', kind, request.id, deadlineMs), delay: at - now });
    }
  } catch (error) {
    ctx.log.warn({ requestId: request.id, err: (error as Error).message }, 'could not plan deadline jobs; the sweep will close and remind');
  }
}

/** The id of the job that closes the requests due at this instant. */
export function closeJobId(deadlineMs: number): string {
  return jobId('close-due', deadlineMs);
}
