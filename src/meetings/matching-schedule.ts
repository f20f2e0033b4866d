import type { Job } from 'bullmq';
import type { AppContext } from '../context.ts';
import { jobId } from '../queue/registry.ts';
import { findDeclinesWithoutRerun, findMatchingTime, findQueuedMatchingRuns, findScheduleStates, markMatchingRunFailed, setQueuedRunJob } from './matching-runs.repository.ts';
import { displayNow } from '../shared/clock.ts';

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

/**
 * Where a marketplace's side-meeting schedule stands after its deadline, as its pages tell everyone:
 * - waiting: the matching runs at `matchingAt` (the review window, or the deadline still ahead), and no run
 *   has finished since the last deadline;
 * - scheduling: its time passed and no run has finished since the last deadline;
 * - draft: meetings wait for the secretariat to publish them (a marketplace that reviews before sending);
 * - scheduled: the schedule stands, and its parties were invited (or there was nothing to schedule).
 */
export type ScheduleStage = 'waiting' | 'scheduling' | 'draft' | 'scheduled';

export async function getScheduleState(ctx: AppContext, marketplaceId: string): Promise<{ stage: ScheduleStage; matchingAt: Date } | null> {
  return (await getScheduleStates(ctx, [marketplaceId])).get(marketplaceId) ?? null;
}

/** Where the schedules of these marketplaces stand (one query for all), by marketplace id. */
export async function getScheduleStates(ctx: AppContext, marketplaceIds: string[]): Promise<Map<string, { stage: ScheduleStage; matchingAt: Date }>> {
  const states = new Map<string, { stage: ScheduleStage; matchingAt: Date }>();
  for (const state of await findScheduleStates(ctx, marketplaceIds)) {
    // A run the secretariat started within the review window counts as soon as it finished: its drafts, or its schedule, stand before the matching time.
    const stage: ScheduleStage = state.drafts ? 'draft' : state.ran ? 'scheduled' : state.matching_at > displayNow() ? 'waiting' : state.awaiting ? 'scheduling' : 'scheduled';
    states.set(state.id, { stage, matchingAt: state.matching_at });
  }
  return states;
}

/**
 * How long past DECLINE_RERUN_DELAY_SECONDS the sweep waits for a decline's own re-run before it queues
 * one: the queue may be busy with another run, and two re-runs of one decline are one too many.
 */
export const DECLINE_RERUN_SWEEP_GRACE_SECONDS = 120;

/**
 * Queues the quick re-run after a decline (trigger `decline`: it keeps every other meeting), `delayMs`
 * from now. `key` tells this decline's job from any other's (a meeting can be declined, taken back and
 * declined again). A failure to enqueue is logged; the sweep queues it later (`queueLostDeclineReruns`).
 */
export async function queueDeclineRerun(ctx: AppContext, marketplaceId: string, key: Array<string | number>, delayMs: number): Promise<boolean> {
  try {
    await ctx.queues.enqueue('run-matching', { marketplaceId, trigger: 'decline' }, { jobId: jobId('matching', marketplaceId, 'decline', ...key), ...(delayMs > 0 ? { delay: delayMs } : {}) });
    return true;
  } catch (error) {
    ctx.log.warn({ marketplaceId, err: (error as Error).message }, 'could not queue the re-run after a decline; the sweep will');
    return false;
  }
}

/**
 * The sweep's backstop for the decline's re-run, a delayed job that Redis loses with its data: a
 * marketplace with a meeting still ahead that a party declined longer ago than the re-run's delay (and
 * a grace), and no matching run started since, gets its re-run now. Returns how many were queued.
 */
export async function queueLostDeclineReruns(ctx: AppContext): Promise<number> {
  const due = await findDeclinesWithoutRerun(ctx, ctx.config.DECLINE_RERUN_DELAY_SECONDS + DECLINE_RERUN_SWEEP_GRACE_SECONDS);
  let queued = 0;
  // Keyed by the last decline: the sweeps that follow, before the run starts, queue nothing new.
  for (const d of due) if (await queueDeclineRerun(ctx, d.marketplace_id, ['sweep', d.last_declined_at.getTime()], 0)) queued++;
  return queued;
}

/** Queues the job of a run an organizer asked for, stored queued (`insertQueuedMatchingRun`): the worker takes that run. */
export async function queueOrganizerRun(ctx: AppContext, run: { id: string; marketplaceId: string; startedBy: string | null }, id: string): Promise<void> {
  await ctx.queues.enqueue('run-matching', { marketplaceId: run.marketplaceId, trigger: 'organizer', runId: run.id, ...(run.startedBy ? { startedBy: run.startedBy } : {}) }, { jobId: id });
}

/** How long a run an organizer asked for may stay queued before the sweep looks for its job. */
export const QUEUED_RUN_SWEEP_SECONDS = 60;

/**
 * Fails a run an organizer asked for whose job failed its last attempt before it could take the run,
 * with the job's attempts and reason: given a new job, it would fail the same way, and the organizer
 * would see the run queued forever. Only a run still queued for that job. Whether it did. The worker
 * calls it when such a job fails for the last time (`startWorkers`); the sweep, for a job that failed
 * while that worker stopped (`queueLostQueuedRuns`).
 */
export async function failRunOfFailedJob(ctx: AppContext, runId: string, job: Pick<Job, 'id' | 'attemptsMade' | 'failedReason'>): Promise<boolean> {
  const reason = `Its job failed ${job.attemptsMade} ${job.attemptsMade === 1 ? 'time' : 'times'} before the run could start: ${job.failedReason || 'no reason given'}`;
  if (!job.id || !(await markMatchingRunFailed(ctx, runId, reason.slice(0, 2000), { queuedFor: job.id }))) return false;
  ctx.log.warn({ runId, jobId: job.id, err: job.failedReason }, 'a queued matching run failed with its job');
  return true;
}

/**
 * The sweep's backstop for a run an organizer asked for: one still queued after
 * QUEUED_RUN_SWEEP_SECONDS whose job the queue no longer holds (Redis lost its data) or completed
 * without taking it gets a new job. A job still waiting (behind a long run of the matching queue) is
 * left alone; two jobs of one run are harmless, since only the first takes it. A job that failed every
 * attempt before taking its run fails the run, with the job's reason: queued again, it would fail the
 * same way at every sweep, and the organizer would see the run queued forever.
 */
export async function queueLostQueuedRuns(ctx: AppContext): Promise<{ requeued: number; failed: number }> {
  let requeued = 0;
  let failed = 0;
  for (const run of await findQueuedMatchingRuns(ctx, QUEUED_RUN_SWEEP_SECONDS)) {
    const id = jobId('matching', run.marketplace_id, 'organizer', run.id, 'sweep', Date.now());
    try {
      const job = await ctx.queues.queue('matching').getJob(run.job_id);
      const state = job ? await job.getState() : 'unknown';
      if (job && state === 'failed') {
        if (await failRunOfFailedJob(ctx, run.id, job)) failed++;
        continue;
      }
      if (state !== 'unknown' && state !== 'completed') continue;
      await queueOrganizerRun(ctx, { id: run.id, marketplaceId: run.marketplace_id, startedBy: run.started_by }, id);
    } catch (error) {
      ctx.log.warn({ runId: run.id, err: (error as Error).message }, 'could not queue a queued matching run again; the next sweep will');
      continue;
    }
    await setQueuedRunJob(ctx, run.id, id);
    requeued++;
  }
  return { requeued, failed };
}
