import type { AppContext } from '../src/context.ts';
import type { JobPayload } from '../src/queue/registry.ts';
import { closeDueRequests, msUntilDueByDatabaseClock } from '../src/requests/close.service.ts';
import { sendReminders } from '../src/requests/reminders.service.ts';
import { sweepDeadlines } from '../src/requests/deadline-sweep.service.ts';

/**
 * The close at a deadline instant: closes every open request that is due (those of this instant, and
 * any a lost job left behind). A job that fires a moment early (clock skew) waits for its instant.
 */
export function closeDueRequestsProcessor(ctx: AppContext) {
  return async (payload: JobPayload<'close-due-requests'>) => {
    const early = payload.deadlineMs - Date.now();
    if (early > 20_000) throw new Error(`fired ${Math.round(early / 1000)} s before its deadline; retried with backoff`);
    if (early > 0) await new Promise((resolve) => setTimeout(resolve, early + 20));
    let closed = await closeDueRequests(ctx);
    // The database's clock decides what is due; if it is a little behind the worker's, wait for it.
    const lag = await msUntilDueByDatabaseClock(ctx, payload.deadlineMs);
    if (lag > 0 && lag <= 20_000) {
      await new Promise((resolve) => setTimeout(resolve, lag + 20));
      closed += await closeDueRequests(ctx);
    }
    return { closed };
  };
}

export function sendRemindersProcessor(ctx: AppContext) {
  return async (payload: JobPayload<'send-reminders'>) => ({ outcome: await sendReminders(ctx, payload.requestId, payload.kind, payload.deadlineMs) });
}

export function sweepDeadlinesProcessor(ctx: AppContext) {
  return async (_payload: JobPayload<'sweep-deadlines'>) => sweepDeadlines(ctx);
}
