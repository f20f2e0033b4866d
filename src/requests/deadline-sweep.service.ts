import type { AppContext } from '../context.ts';
import { closeDueRequests } from './close.service.ts';
import { findDueReminders, sendReminders } from './reminders.service.ts';
import { planMatchingRun, RUN_AFTER_DEADLINE_MS } from '../meetings/matching-schedule.ts';
import { findMarketplacesDueForMatching } from '../meetings/matching-runs.repository.ts';

/**
 * The backstop behind the delayed jobs (runs every 30 s): closes every overdue open request and sends
 * every due reminder that did not run, and plans the matching run of a marketplace past its deadline, so a lost Redis key delays work by one sweep, never forever.
 */
export async function sweepDeadlines(ctx: AppContext): Promise<{ closed: number; reminders: number; matchingRunsPlanned: number }> {
  const closed = await closeDueRequests(ctx);
  let reminders = 0;
  for (const due of await findDueReminders(ctx, 200)) {
    if ((await sendReminders(ctx, due.requestId, due.kind, due.deadlineMs)) === 'sent') reminders++;
  }
  // A marketplace whose matching time passed with no run since its last deadline: (re)plan its run; the job id dedupes.
  const due = await findMarketplacesDueForMatching(ctx, RUN_AFTER_DEADLINE_MS);
  for (const marketplace of due) await planMatchingRun(ctx, marketplace.id, 'sweep');
  return { closed, reminders, matchingRunsPlanned: due.length };
}
