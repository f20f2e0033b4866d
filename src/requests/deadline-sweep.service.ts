import type { AppContext } from '../context.ts';
import { closeDueRequests } from './close.service.ts';
import { findDueReminders, sendReminders } from './reminders.service.ts';
import { planMatchingRun, queueLostDeclineReruns, queueLostQueuedRuns, RUN_AFTER_DEADLINE_MS } from '../meetings/matching-schedule.ts';
import { markAbandonedMatchingRuns, findMarketplacesDueForMatching } from '../meetings/matching-runs.repository.ts';
import { sendFollowups, sendOutcomeRequests } from '../outcomes/outcomes.service.ts';

/**
 * The backstop behind the delayed jobs (runs every 30 s): closes every overdue open request and sends
 * every due reminder that did not run, plans the matching run of a marketplace past its deadline and
 * queues the re-run of a decline that none followed and the run an organizer asked for whose job was lost, so a lost Redis key delays work by one sweep, never forever.
 * It also asks for the outcomes of meetings that ended and for the follow-ups that are due, and records
 * as abandoned the matching runs whose process ended during them (organizers saw them running forever).
 */
export async function sweepDeadlines(ctx: AppContext): Promise<{ closed: number; reminders: number; matchingRunsPlanned: number; declineRerunsQueued: number; queuedRunsRequeued: number; queuedRunsFailed: number; outcomesAsked: number; followupsAsked: number; abandonedRunsMarked: number }> {
  const abandoned = await markAbandonedMatchingRuns(ctx);
  for (const run of abandoned) ctx.log.warn({ runId: run.id, marketplaceId: run.marketplace_id }, 'a matching run stopped with its process; recorded as abandoned');
  const closed = await closeDueRequests(ctx);
  let reminders = 0;
  for (const due of await findDueReminders(ctx, 200)) {
    if ((await sendReminders(ctx, due.requestId, due.kind, due.deadlineMs)) === 'sent') reminders++;
  }
  // A marketplace whose matching time passed with no run since its last deadline: (re)plan its run; the job id dedupes.
  const due = await findMarketplacesDueForMatching(ctx, RUN_AFTER_DEADLINE_MS);
  for (const marketplace of due) await planMatchingRun(ctx, marketplace.id, 'sweep');
  // A decline whose re-run never came (its delayed job lost with Redis's data): queue it now.
  const declineRerunsQueued = await queueLostDeclineReruns(ctx);
  // A run an organizer asked for whose job was lost: queued again (failed, when its job failed every attempt).
  const queuedRuns = await queueLostQueuedRuns(ctx);
  // After each meeting's end both sides are asked what came of it; some weeks after the forum, each requester whether the assistance started.
  const outcomesAsked = await sendOutcomeRequests(ctx);
  const followupsAsked = await sendFollowups(ctx);
  return { closed, reminders, matchingRunsPlanned: due.length, declineRerunsQueued, queuedRunsRequeued: queuedRuns.requeued, queuedRunsFailed: queuedRuns.failed, outcomesAsked, followupsAsked, abandonedRunsMarked: abandoned.length };
}
