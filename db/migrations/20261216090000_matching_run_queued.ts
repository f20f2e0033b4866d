import { sql, type Kysely } from 'kysely';

// Frozen once landed: change the schema with a new migration.
export async function up(db: Kysely<any>): Promise<void> {
  // A run an organizer asks for is stored at once, queued, before any worker takes it: the organizer
  // sees it in the list of runs, and the sweep queues its job again if the queue lost it (job_id: the
  // job that is to run it now).
  await sql`ALTER TABLE matching_runs DROP CONSTRAINT matching_runs_status_check`.execute(db);
  await sql`ALTER TABLE matching_runs ADD CONSTRAINT matching_runs_status_check CHECK (status IN ('queued','running','done','failed'))`.execute(db);
  await sql`ALTER TABLE matching_runs DROP CONSTRAINT matching_runs_stage_check`.execute(db);
  await sql`ALTER TABLE matching_runs ADD CONSTRAINT matching_runs_stage_check CHECK (stage IN ('queued','waiting','loading','solving','storing','done','failed'))`.execute(db);
  await sql`ALTER TABLE matching_runs ADD COLUMN job_id text`.execute(db);
  // One queued run per marketplace: a second click before a worker takes it is the same run (it reads the data when it starts).
  await sql`CREATE UNIQUE INDEX matching_runs_one_queued_idx ON matching_runs (marketplace_id) WHERE status = 'queued'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX matching_runs_one_queued_idx`.execute(db);
  await sql`UPDATE matching_runs SET status = 'failed', stage = 'failed', finished_at = now(), error = 'queued when the schema was rolled back' WHERE status = 'queued'`.execute(db);
  await sql`ALTER TABLE matching_runs DROP COLUMN job_id`.execute(db);
  await sql`ALTER TABLE matching_runs DROP CONSTRAINT matching_runs_stage_check`.execute(db);
  await sql`ALTER TABLE matching_runs ADD CONSTRAINT matching_runs_stage_check CHECK (stage IN ('waiting','loading','solving','storing','done','failed'))`.execute(db);
  await sql`ALTER TABLE matching_runs DROP CONSTRAINT matching_runs_status_check`.execute(db);
  await sql`ALTER TABLE matching_runs ADD CONSTRAINT matching_runs_status_check CHECK (status IN ('running','done','failed'))`.execute(db);
}
