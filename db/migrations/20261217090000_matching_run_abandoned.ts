import { sql, type Kysely } from 'kysely';

/** What runs that stopped with their process said before this migration (matching-runs.repository.ts then). */
const ABANDONED_RUN_ERROR = 'stopped with the worker process that ran it (the process ended during the run); nothing of it was stored, and a later run redoes it';

// Frozen once landed: change the schema with a new migration.
export async function up(db: Kysely<any>): Promise<void> {
  // A run whose worker process ended during it has a status of its own, `abandoned`, instead of `failed`
  // with a fixed error text that code had to compare (the decline re-run's sweep) and pages showed in English.
  await sql`ALTER TABLE matching_runs DROP CONSTRAINT matching_runs_status_check`.execute(db);
  await sql`ALTER TABLE matching_runs ADD CONSTRAINT matching_runs_status_check CHECK (status IN ('queued','running','done','failed','abandoned'))`.execute(db);
  await sql`ALTER TABLE matching_runs DROP CONSTRAINT matching_runs_stage_check`.execute(db);
  await sql`ALTER TABLE matching_runs ADD CONSTRAINT matching_runs_stage_check CHECK (stage IN ('queued','waiting','loading','solving','storing','done','failed','abandoned'))`.execute(db);
  await sql`UPDATE matching_runs SET status = 'abandoned', stage = 'abandoned', error = NULL WHERE status = 'failed' AND error = ${ABANDONED_RUN_ERROR}`.execute(db);
  // A queued run names the job meant to run it (the sweep looks that job up).
  await sql`ALTER TABLE matching_runs ADD CONSTRAINT matching_runs_queued_job_check CHECK (status <> 'queued' OR job_id IS NOT NULL)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE matching_runs DROP CONSTRAINT matching_runs_queued_job_check`.execute(db);
  await sql`UPDATE matching_runs SET status = 'failed', stage = 'failed', error = ${ABANDONED_RUN_ERROR} WHERE status = 'abandoned'`.execute(db);
  await sql`ALTER TABLE matching_runs DROP CONSTRAINT matching_runs_stage_check`.execute(db);
  await sql`ALTER TABLE matching_runs ADD CONSTRAINT matching_runs_stage_check CHECK (stage IN ('queued','waiting','loading','solving','storing','done','failed'))`.execute(db);
  await sql`ALTER TABLE matching_runs DROP CONSTRAINT matching_runs_status_check`.execute(db);
  await sql`ALTER TABLE matching_runs ADD CONSTRAINT matching_runs_status_check CHECK (status IN ('queued','running','done','failed'))`.execute(db);
}
