import type { AppContext } from '../src/context.ts';
import { jobId, type JobPayload } from '../src/queue/registry.ts';
import { closeDueRequests, msUntilDueByDatabaseClock } from '../src/requests/close.service.ts';
import { sendReminders } from '../src/requests/reminders.service.ts';
import { sweepDeadlines } from '../src/requests/deadline-sweep.service.ts';

/** Helper jobs a mass close calls: one for each other worker process that may be idle. */
export const CLOSE_HELPERS = 3;
/** How often a helper that lands in the closing process is passed on (200 ms later), for another to take. */
export const HELPER_HOPS = 5;
const HOP_DELAY_MS = 200;

/**
 * The close at a deadline instant: closes every open request that is due (those of this instant, and
 * any a lost job left behind). A job that fires a moment early (clock skew) waits for its instant.
 *
 * A mass close (a first batch came back full) enqueues CLOSE_HELPERS helper jobs, so that other
 * worker processes join it: their batches skip the rows this one holds (FOR UPDATE SKIP LOCKED). Any
 * worker may take a helper, the closing one too; there it is passed on as a new job 200 ms later (up
 * to HELPER_HOPS times), so one process runs one closer and a single worker closes as it did
 * without helpers.
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
  const enqueueHelpers = async (deadlineMs: number, helpers: Array<{ helper: number; hop: number }>, delay = 0) =>
    ctx.queues
      .enqueueMany(
        'close-due-requests',
        helpers.map(({ helper, hop }) => ({ payload: { deadlineMs, helper, hop }, jobId: jobId('close-due', deadlineMs, 'help', helper, hop) })),
        { delay },
      )
      .catch((error: Error) => ctx.log.warn({ deadlineMs, err: error.message }, 'could not call helpers for a mass close; it goes on without them'));
  return async (payload: JobPayload<'close-due-requests'>): Promise<{ closed: number; helper?: 'joined' | 'passed on' | 'this process is closing already' }> => {
    if (payload.helper) {
      if (closing === 0) return { closed: await inThisProcess(() => closeDueRequests(ctx)), helper: 'joined' };
      const hop = (payload.hop ?? 0) + 1;
      if (hop > HELPER_HOPS) return { closed: 0, helper: 'this process is closing already' };
      await enqueueHelpers(payload.deadlineMs, [{ helper: payload.helper, hop }], HOP_DELAY_MS);
      return { closed: 0, helper: 'passed on' };
    }
    const early = payload.deadlineMs - Date.now();
    if (early > 20_000) throw new Error(`fired ${Math.round(early / 1000)} s before its deadline; retried with backoff`);
    if (early > 0) await new Promise((resolve) => setTimeout(resolve, early + 20));
    return inThisProcess(async () => {
      const callHelpers = () => void enqueueHelpers(payload.deadlineMs, Array.from({ length: CLOSE_HELPERS }, (_, i) => ({ helper: i + 1, hop: 0 })));
      let closed = await closeDueRequests(ctx, { onMoreDue: callHelpers });
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
