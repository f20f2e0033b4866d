import { sql, type NotNull } from 'kysely';
import type { MatchingRunsTable } from '../../db/types.ts';
import type { Queryable } from '../shared/db.ts';
import { requestStatusSets } from '../requests/request-status.ts';
import { meetingStatusSets } from './meeting-status.ts';

/** A run is recorded as running (waiting for the lock) before it starts, so organizers see it running (or waiting for the run before it). */
export async function insertRunningMatchingRun({ db }: Queryable, marketplaceId: string, trigger: MatchingRunsTable['trigger'], startedBy: string | null) {
  return db.insertInto('matching_runs').values({ marketplace_id: marketplaceId, trigger, started_by: startedBy, status: 'running', stage: 'waiting', started_at: sql`clock_timestamp()` }).returning('id').executeTakeFirstOrThrow();
}

/**
 * A run an organizer asked for, stored queued before any worker takes it (`started_at`: when it was
 * asked for). A marketplace has one queued run at most: while one waits, asking again answers it
 * (`created: false`), since it reads the data only when it starts.
 */
export async function insertQueuedMatchingRun({ db }: Queryable, run: { id: string; marketplaceId: string; startedBy: string; jobId: string }): Promise<{ id: string; jobId: string; created: boolean } | null> {
  // Each turn after the first follows a worker taking the waiting run between the two statements.
  for (let turn = 0; turn < QUEUE_RUN_TURNS; turn++) {
    const inserted = await db
      .insertInto('matching_runs')
      .values({ id: run.id, marketplace_id: run.marketplaceId, trigger: 'organizer', started_by: run.startedBy, status: 'queued', stage: 'queued', started_at: sql`clock_timestamp()`, job_id: run.jobId })
      .onConflict((oc) => oc.column('marketplace_id').where('status', '=', 'queued').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (inserted) return { id: run.id, jobId: run.jobId, created: true };
    // A queued run always names its job (matching_runs_queued_job_check).
    const waiting = await db.selectFrom('matching_runs').select(['id', 'job_id']).where('marketplace_id', '=', run.marketplaceId).where('status', '=', 'queued').$narrowType<{ job_id: NotNull }>().executeTakeFirst();
    if (waiting) return { id: waiting.id, jobId: waiting.job_id, created: false };
  }
  return null;
}

/** How many times a run is offered to the queue when workers keep taking the waiting one in between (then null). */
const QUEUE_RUN_TURNS = 5;

/** Takes a queued run for a worker: running from now, waiting for the lock. Null when it is no longer queued (another job of it took it). */
export async function startQueuedMatchingRun({ db }: Queryable, runId: string) {
  return db
    .updateTable('matching_runs')
    .set({ status: 'running', stage: 'waiting', started_at: sql`clock_timestamp()`, job_id: null })
    .where('id', '=', runId)
    .where('status', '=', 'queued')
    .returning('id')
    .executeTakeFirst();
}

/** Runs queued longer than `seconds`, oldest first, with the job meant to run each. */
export async function findQueuedMatchingRuns({ db }: Queryable, seconds: number) {
  return db
    .selectFrom('matching_runs')
    .select(['id', 'marketplace_id', 'started_by', 'job_id'])
    .where('status', '=', 'queued')
    .where('started_at', '<', sql<Date>`now() - make_interval(secs => ${seconds})`)
    .orderBy('started_at')
    .$narrowType<{ job_id: NotNull }>() // matching_runs_queued_job_check
    .execute();
}

/** Records the job now meant to run a queued run. */
export async function setQueuedRunJob({ db }: Queryable, runId: string, jobId: string) {
  await db.updateTable('matching_runs').set({ job_id: jobId }).where('id', '=', runId).where('status', '=', 'queued').execute();
}

/**
 * Records as abandoned the runs still marked running whose process ended: their session (the backend
 * that waits for or holds the marketplace's lock, `withMatchingLock`) is gone, or none was recorded
 * within `unlockedMinutes` of the start (the process ended between the two). The run's own transaction
 * never committed, so nothing else of it is stored. Of one marketplace, or of all. Returns the runs.
 */
export async function markAbandonedMatchingRuns({ db }: Queryable, options: { marketplaceId?: string; unlockedMinutes?: number } = {}) {
  return db
    .updateTable('matching_runs as r')
    .set({ status: 'abandoned', stage: 'abandoned', finished_at: sql`clock_timestamp()` })
    .where('r.status', '=', 'running')
    .$if(options.marketplaceId !== undefined, (qb) => qb.where('r.marketplace_id', '=', options.marketplaceId!))
    .where(
      sql<boolean>`CASE WHEN r.backend_pid IS NULL THEN r.started_at < now() - make_interval(mins => ${options.unlockedMinutes ?? 10})
        ELSE NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = r.backend_pid) END`,
    )
    .returning(['r.id', 'r.marketplace_id'])
    .execute();
}

/**
 * Records a run as failed, with why. `queuedFor`: only a run still queued and waiting for that job
 * (the job failed before taking it; another job of the run may have taken it meanwhile, or the sweep
 * given it a new job). Whether it was recorded.
 */
export async function markMatchingRunFailed({ db }: Queryable, runId: string, error: string, options: { queuedFor?: string } = {}): Promise<boolean> {
  const failed = await db
    .updateTable('matching_runs')
    .set({ status: 'failed', stage: 'failed', finished_at: sql`clock_timestamp()`, error, job_id: null })
    .where('id', '=', runId)
    .$if(options.queuedFor !== undefined, (qb) => qb.where('status', '=', 'queued').where('job_id', '=', options.queuedFor!))
    .returning('id')
    .executeTakeFirst();
  return failed !== undefined;
}

export async function markMatchingRunDone(
  { db }: Queryable,
  runId: string,
  outcome: { method: string; objective: number; bound: number | null; stats: unknown; changes: unknown },
) {
  await db
    .updateTable('matching_runs')
    .set({
      status: 'done',
      stage: 'done',
      // The real end: now() would be the transaction's start.
      finished_at: sql`clock_timestamp()`,
      method: outcome.method,
      objective: outcome.objective,
      bound: outcome.bound,
      stats: JSON.stringify(outcome.stats),
      changes: JSON.stringify(outcome.changes),
    })
    .where('id', '=', runId)
    .execute();
}

/** A marketplace's latest runs, newest first. */
export async function listMatchingRunsOfMarketplace({ db }: Queryable, marketplaceId: string, limit: number) {
  return db.selectFrom('matching_runs').selectAll().where('marketplace_id', '=', marketplaceId).orderBy('started_at', 'desc').limit(limit).execute();
}

export type MatchingRunRow = Awaited<ReturnType<typeof listMatchingRunsOfMarketplace>>[number];

/**
 * The last deadline of a marketplace's requests: its own deadline, or later where a late change moved
 * a request's past it. SQL over `m` (the marketplace).
 */
const lastDeadline = sql<Date>`greatest(m.response_deadline, (SELECT max(q.response_deadline) FROM requests q WHERE q.marketplace_id = m.id AND q.status IN ('open', 'closed')))`;

/** When the matching runs by itself: the review window after the last deadline. */
const matchingAt = sql<Date>`(${lastDeadline} + make_interval(hours => m.review_hours))`;

/** When a marketplace's matching runs by itself, and the last deadline of its requests (the review window lies between). */
export async function findMatchingTime({ db }: Queryable, marketplaceId: string) {
  return db
    .selectFrom('marketplaces as m')
    .select([matchingAt.as('matching_at'), lastDeadline.as('last_deadline'), 'm.review_hours'])
    .where('m.id', '=', marketplaceId)
    .executeTakeFirst();
}

/**
 * Where a marketplace's side-meeting schedule stands, for its pages: its matching time, whether a run
 * finished since the last deadline, whether requests wait for one, and whether meetings wait for the
 * secretariat to publish them (drafts).
 */
export async function findScheduleStates({ db }: Queryable, marketplaceIds: string[]) {
  if (marketplaceIds.length === 0) return [];
  return db
    .selectFrom('marketplaces as m')
    .select((eb) => [
      'm.id',
      matchingAt.as('matching_at'),
      eb.exists(eb.selectFrom('matching_runs as r').select('r.id').whereRef('r.marketplace_id', '=', 'm.id').where('r.status', '=', 'done').where('r.started_at', '>=', lastDeadline)).as('ran'),
      eb.exists(eb.selectFrom('requests as q').select('q.id').whereRef('q.marketplace_id', '=', 'm.id').where('q.status', 'in', requestStatusSets.awaitingMatching)).as('awaiting'),
      eb.exists(eb.selectFrom('meetings as g').select('g.id').whereRef('g.marketplace_id', '=', 'm.id').where('g.published_at', 'is', null).where('g.status', 'in', meetingStatusSets.active)).as('drafts'),
    ])
    .where('m.id', 'in', marketplaceIds)
    .execute();
}

/**
 * Marketplaces whose matching time passed (by `afterDeadlineMs` at least) with no finished run since
 * the last deadline, and with requests to match: the sweep starts their run when the delayed job was
 * lost. A run the secretariat started during the review window counts.
 */
export async function findMarketplacesDueForMatching({ db }: Queryable, afterDeadlineMs: number) {
  return db
    .selectFrom('marketplaces as m')
    .select(['m.id'])
    .where(matchingAt, '<=', sql<Date>`now() - make_interval(secs => ${afterDeadlineMs / 1000})`)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('matching_runs as r')
            .select('r.id')
            .whereRef('r.marketplace_id', '=', 'm.id')
            .where('r.status', '=', 'done')
            .where('r.started_at', '>=', lastDeadline),
        ),
      ),
    )
    // Only marketplaces with something to match.
    .where((eb) => eb.exists(eb.selectFrom('requests as q').select('q.id').whereRef('q.marketplace_id', '=', 'm.id').where('q.status', 'in', requestStatusSets.awaitingMatching)))
    .execute();
}

/**
 * Marketplaces with a meeting that a party declined at least `olderThanSeconds` ago, that would still
 * start in the future, and no matching run (of any trigger or outcome, but one that stopped with its
 * process) started since that decline:
 * the decline's own re-run never ran. With the latest such decline.
 */
export async function findDeclinesWithoutRerun({ db }: Queryable, olderThanSeconds: number) {
  return db
    .selectFrom('meetings as mt')
    .select((eb) => ['mt.marketplace_id', eb.fn.max('mt.updated_at').as('last_declined_at')])
    .where('mt.status', '=', 'declined')
    .where('mt.starts_at', '>', sql<Date>`now()`)
    .where('mt.updated_at', '<=', sql<Date>`now() - make_interval(secs => ${olderThanSeconds})`)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('matching_runs as r')
            .select('r.id')
            .whereRef('r.marketplace_id', '=', 'mt.marketplace_id')
            .whereRef('r.started_at', '>=', 'mt.updated_at')
            // A run that stopped with its process did nothing (its job's retry usually follows; if that was lost too, the sweep queues one).
            .where('r.status', '!=', 'abandoned'),
        ),
      ),
    )
    .groupBy('mt.marketplace_id')
    .execute();
}

/** Whether any request of the marketplace is past its deadline (closed or matched): before then, a run has nothing to match. */
export async function hasRequestsPastDeadline({ db }: Queryable, marketplaceId: string): Promise<boolean> {
  const row = await db.selectFrom('requests').select('id').where('marketplace_id', '=', marketplaceId).where('status', 'in', requestStatusSets.deadlinePassed).limit(1).executeTakeFirst();
  return !!row;
}
