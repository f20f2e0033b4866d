import { sql, type Kysely } from 'kysely';

// Frozen once landed: change the schema with a new migration.
export async function up(db: Kysely<any>): Promise<void> {
  // What a running run is doing (organizers watch it), and the solver's progress (objective, bound, gap so far).
  await db.schema
    .alterTable('matching_runs')
    .addColumn('stage', 'text', (c) => c.notNull().defaultTo('done').check(sql`stage IN ('waiting','loading','solving','storing','done','failed')`))
    .addColumn('progress', 'jsonb')
    .execute();
  await sql`UPDATE matching_runs SET stage = CASE status WHEN 'running' THEN 'waiting' WHEN 'failed' THEN 'failed' ELSE 'done' END`.execute(db);

  // A run writes all its moves in a few statements: two meetings may swap slots, so "one meeting per room
  // at a time" and "one meeting per organization at a time" are checked when the run's transaction
  // commits (SET CONSTRAINTS ... DEFERRED), not row by row. Every other writer checks them at once
  // (INITIALLY IMMEDIATE). Exclusion constraints cannot be altered: they are replaced.
  await sql`ALTER TABLE meetings DROP CONSTRAINT meetings_room_free`.execute(db);
  await sql`ALTER TABLE meetings ADD CONSTRAINT meetings_room_free
    EXCLUDE USING gist (room_id WITH =, tstzrange(starts_at, ends_at) WITH &&) WHERE (status IN ('proposed','confirmed'))
    DEFERRABLE INITIALLY IMMEDIATE`.execute(db);
  await sql`ALTER TABLE meeting_attendance DROP CONSTRAINT meeting_attendance_no_overlap`.execute(db);
  await sql`ALTER TABLE meeting_attendance ADD CONSTRAINT meeting_attendance_no_overlap
    EXCLUDE USING gist (organization_id WITH =, during WITH &&) WHERE (active)
    DEFERRABLE INITIALLY IMMEDIATE`.execute(db);
  // The run's re-check reads a marketplace's declined meetings by response.
  await sql`CREATE INDEX meetings_response_idx ON meetings (response_id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX meetings_response_idx`.execute(db);
  await sql`ALTER TABLE meeting_attendance DROP CONSTRAINT meeting_attendance_no_overlap`.execute(db);
  await sql`ALTER TABLE meeting_attendance ADD CONSTRAINT meeting_attendance_no_overlap
    EXCLUDE USING gist (organization_id WITH =, during WITH &&) WHERE (active)`.execute(db);
  await sql`ALTER TABLE meetings DROP CONSTRAINT meetings_room_free`.execute(db);
  await sql`ALTER TABLE meetings ADD CONSTRAINT meetings_room_free
    EXCLUDE USING gist (room_id WITH =, tstzrange(starts_at, ends_at) WITH &&) WHERE (status IN ('proposed','confirmed'))`.execute(db);
  await db.schema.alterTable('matching_runs').dropColumn('progress').dropColumn('stage').execute();
}
