import type { AppContext } from '../src/context.ts';
import { jobId, type JobPayload } from '../src/queue/registry.ts';
import { closeDueRequests, msUntilDueByDatabaseClock } from '../src/requests/close.service.ts';
import { sendReminders } from '../src/requests/reminders.service.ts';
import { sweepDeadlines } from '../src/requests/deadline-sweep.service.ts';

/** Helper jobs a mass close calls: one for each other worker process that may be idle. */
export const CLOSE_HELPERS = 3;

/**
 * The close at a deadline instant: closes every open request that is due (those of this instant, and
 * any a lost job left behind). A job that fires a moment early (clock skew) waits for its instant.
 *
 * A mass close (a first batch came back full) enqueues CLOSE_HELPERS helper jobs, so that other
 * worker processes join it: their batches skip the rows this one holds (FOR UPDATE SKIP LOCKED). A
 * helper that lands in a process already closing (the job's own, or another helper's) returns at
 * once: one process runs one closer, so a single worker closes as it did without helpers.
 */
export function closeDueRequestsProcessor(ctx: AppContext) {
  let closing = 0;
  const inThisProcess = async <T>(work: () => Promise<T>): Promise<T> => {
    closing++;
    try {
      return await work();
    } finally {
      closing--;
    }
  };
  const callHelpers = (deadlineMs: number) => () => {
    const helpers = Array.from({ length: CLOSE_HELPERS }, (_, i) => ({ payload: { deadlineMs, helper: i + 1 }, jobId: jobId('close-due', deadlineMs, 'help', i + 1) }));
    ctx.queues.enqueueMany('close-due-requests', helpers).catch((error: Error) => ctx.log.warn({ deadlineMs, err: error.message }, 'could not call helpers for a mass close; it goes on alone'));
  };
  return async (payload: JobPayload<'close-due-requests'>): Promise<{ closed: number; helper?: 'joined' | 'this process is closing already' }> => {
    if (payload.helper) {
      if (closing > 0) return { closed: 0, helper: 'this process is closing already' };
      return { closed: await inThisProcess(() => closeDueRequests(ctx)), helper: 'joined' };
    }
    const early = payload.deadlineMs - Date.now();
    if (early > 20_000) throw new Error(`fired ${Math.round(early / 1000)} s before its deadline; retried with backoff`);
    if (early > 0) await new Promise((resolve) => setTimeout(resolve, early + 20));
    return inThisProcess(async () => {
      let closed = await closeDueRequests(ctx, { onMoreDue: callHelpers(payload.deadlineMs) });
      // The database's clock decides what is due; if it is a little behind the worker's, wait for it.
      const lag = await msUntilDueByDatabaseClock(ctx, payload.deadlineMs);
      if (lag > 0 && lag <= 20_000) {
        await new Promise((resolve) => setTimeout(resolve, lag + 20));
        closed += await closeDueRequests(ctx);
      }
      return { closed };
    });
  };
}

export function sendRemindersProcessor(ctx: AppContext) {
  return async (payload: JobPayload<'send-reminders'>) => ({ outcome: await sendReminders(ctx, payload.requestId, payload.kind, payload.deadlineMs) });
}

export function sweepDeadlinesProcessor(ctx: AppContext) {
  return async (_payload: JobPayload<'sweep-deadlines'>) => sweepDeadlines(ctx);
}
