import type { AppContext } from '../src/context.ts';
import type { JobPayload } from '../src/queue/registry.ts';
import { closeRequest } from '../src/requests/close.service.ts';
import { sendReminders } from '../src/requests/reminders.service.ts';
import { sweepDeadlines } from '../src/requests/deadline-sweep.service.ts';
import { findRequest } from '../src/requests/requests.repository.ts';

/** The close at a request's deadline. A job that fires a moment early (clock skew) waits for it. */
export function closeRequestProcessor(ctx: AppContext) {
  return async (payload: JobPayload<'close-request'>) => {
    let outcome = await closeRequest(ctx, payload.requestId);
    if (outcome === 'not-due') {
      const request = await findRequest(ctx.db, payload.requestId);
      const early = payload.deadlineMs - Date.now();
      // Not due because the deadline moved: the job of the new deadline closes it.
      if (request?.response_deadline.getTime() !== payload.deadlineMs || early > 20_000) return { outcome: 'stale' };
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, early) + 20));
      outcome = await closeRequest(ctx, payload.requestId);
    }
    return { outcome };
  };
}

export function sendRemindersProcessor(ctx: AppContext) {
  return async (payload: JobPayload<'send-reminders'>) => ({ outcome: await sendReminders(ctx, payload.requestId, payload.kind, payload.deadlineMs) });
}

export function sweepDeadlinesProcessor(ctx: AppContext) {
  return async (_payload: JobPayload<'sweep-deadlines'>) => sweepDeadlines(ctx);
}
