import { UnrecoverableError, type Job } from 'bullmq';
import type { Transporter } from 'nodemailer';
import type { AppContext } from '../src/context.ts';
import { jobDefinitions, jobsOfQueue, queueNames, type JobName, type JobPayload, type QueueName } from '../src/queue/registry.ts';
import { sendDigestsProcessor, sendEmailProcessor, sweepOutboxProcessor } from './send-email.processor.ts';
import { closeDueRequestsProcessor, sendRemindersProcessor, sweepDeadlinesProcessor } from './deadlines.processor.ts';
import { runMatchingProcessor } from './matching.processor.ts';
import { emailJobSizing } from '../src/email/outbox.service.ts';
import { warmSolverThread } from '../src/meetings/solve-in-worker.ts';
import { failRunOfFailedJob } from '../src/meetings/matching-schedule.ts';

type Handlers = { [N in JobName]: (payload: JobPayload<N>, job: Job) => Promise<unknown> };

export interface WorkerOptions {
  mailer: Transporter;
  /** How often the sweeps run (ms). */
  sweepEveryMs?: number;
  /** Schedule the daily digest (default true). */
  digests?: boolean;
}

// One matching run at a time per worker (runs of one marketplace also take a database lock).
// An email job sends up to 50 messages at once through the mailer's pool (5 connections).
const concurrency: Record<QueueName, number> = { email: 4, deadlines: 10, matching: 1 };

export interface RunningWorkers {
  close(timeoutMs?: number): Promise<void>;
  /** Whether every queue's worker is taking jobs (not closed, not closing). */
  running(): boolean;
}

/** Starts one BullMQ worker per queue and the periodic sweeps. Fails if a job has no handler. */
export async function startWorkers(ctx: AppContext, options: WorkerOptions): Promise<RunningWorkers> {
  const handlers: Handlers = {
    'send-email': sendEmailProcessor(ctx, options.mailer),
    'sweep-outbox': sweepOutboxProcessor(ctx),
    'send-digests': sendDigestsProcessor(ctx),
    'close-due-requests': closeDueRequestsProcessor(ctx),
    'send-reminders': sendRemindersProcessor(ctx),
    'sweep-deadlines': sweepDeadlinesProcessor(ctx),
    'run-matching': runMatchingProcessor(ctx),
  };
  for (const name of Object.keys(jobDefinitions) as JobName[]) {
    if (typeof handlers[name] !== 'function') throw new Error(`Job ${name} has no handler`);
  }
  // The optimizer's thread starts now, not in the first run (it does not keep the process alive while idle).
  warmSolverThread();

  // Redis or Postgres, as the configuration chose (src/queue/queues.ts); the processors do not know which.
  const factory = ctx.queues.workerFactory();
  const workers = queueNames.map((queue) => {
    const names = new Set(jobsOfQueue(queue));
    const worker = factory.newWorker(
      queue,
      async (job: Job) => {
        const name = job.name as JobName;
        if (!names.has(name)) throw new UnrecoverableError(`unknown job ${job.name} on queue ${queue}`);
        const parsed = jobDefinitions[name].payload.safeParse(job.data);
        if (!parsed.success) throw new UnrecoverableError(`bad payload for ${name}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
        return (handlers[name] as (p: unknown, j: Job) => Promise<unknown>)(parsed.data, job);
      },
      {
        concurrency: concurrency[queue],
        // The limiter counts jobs: `emailJobSizing` keeps jobs × their emails within the configured rate.
        ...(queue === 'email' ? { limiter: { max: emailJobSizing(ctx.config.EMAIL_RATE_PER_SECOND).jobsPerSecond, duration: 1000 } } : {}),
        // A job whose worker died is taken again within about half a minute: its lock (renewed every
        // 10 s while it runs; the solver runs in its own thread, so renewal goes on) lapses after 20 s,
        // and stalled jobs are looked for every 5 s.
        lockDuration: 20_000,
        stalledInterval: 5_000,
      },
    );
    worker.on('failed', (job, error) => {
      ctx.log.warn({ queue, job: job?.name, jobId: job?.id, attempts: job?.attemptsMade, err: error.message }, 'job failed');
      // The run an organizer asked for fails with its job's last attempt, at once: the sweep would within a minute or two.
      const runId = job?.name === 'run-matching' ? jobDefinitions['run-matching'].payload.shape.runId.safeParse((job.data as { runId?: unknown }).runId).data : undefined;
      if (job && runId) {
        void (async () => {
          if ((await job.getState()) === 'failed') await failRunOfFailedJob(ctx, runId, job);
        })().catch((failure: Error) => ctx.log.warn({ runId, jobId: job.id, err: failure.message }, 'could not record the failed job of a queued matching run; the sweep will'));
      }
    });
    worker.on('error', (error) => ctx.log.error({ queue, err: error.message }, 'worker error'));
    return worker;
  });

  const every = options.sweepEveryMs ?? ctx.config.SWEEP_INTERVAL_SECONDS * 1000;
  const ensureSchedulers = async () => {
    await ctx.queues.queue('email').upsertJobScheduler('sweep-outbox', { every }, { name: 'sweep-outbox', data: {} });
    await ctx.queues.queue('deadlines').upsertJobScheduler('sweep-deadlines', { every }, { name: 'sweep-deadlines', data: {} });
    // The daily digest at 06:00 UTC (morning in Europe and Africa, afternoon in Asia).
    if (options.digests !== false) await ctx.queues.queue('email').upsertJobScheduler('send-digests', { pattern: '0 6 * * *', tz: 'UTC' }, { name: 'send-digests', data: {} });
  };
  await ensureSchedulers();
  // The sweeps are the backstop for lost jobs, so they must survive losing Redis's data themselves:
  // re-register them (an idempotent upsert) on every reconnect and every sweep interval.
  const reassure = () => void ensureSchedulers().catch((error: Error) => ctx.log.warn({ err: error.message }, 'could not register the sweeps; will retry'));
  const stopListening = factory.onReconnect(reassure);
  const watchdog = setInterval(reassure, every);
  watchdog.unref();

  return {
    running: () => workers.every((w) => w.isRunning()),
    async close(timeoutMs = 10_000) {
      clearInterval(watchdog);
      stopListening();
      const closing = Promise.all(workers.map((w) => w.close()));
      const timedOut = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), timeoutMs).unref());
      if ((await Promise.race([closing, timedOut])) === 'timeout') await Promise.all(workers.map((w) => w.close(true)));
      await factory.close();
    },
  };
}
