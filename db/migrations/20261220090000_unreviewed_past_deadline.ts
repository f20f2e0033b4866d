import { sql, type Kysely } from 'kysely';

// Frozen once landed: change the schema with a new migration.
export async function up(db: Kysely<any>): Promise<void> {
  // A request still awaiting review when its deadline passes can no longer be published; its requester
  // is told once per deadline (an extension that passes unreviewed tells again). The marker is a row of
  // the reminders' table, of a third kind.
  await sql`ALTER TABLE request_reminders DROP CONSTRAINT request_reminders_kind_check`.execute(db);
  await sql`ALTER TABLE request_reminders ADD CONSTRAINT request_reminders_kind_check CHECK (kind IN ('7d', '24h', 'unreviewed'))`.execute(db);
  // The deadline jobs and the sweep look for them on every close: few rows, read by deadline.
  await sql`CREATE INDEX requests_submitted_deadline_idx ON requests (response_deadline, id) WHERE status = 'submitted'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX requests_submitted_deadline_idx`.execute(db);
  await sql`DELETE FROM request_reminders WHERE kind = 'unreviewed'`.execute(db);
  await sql`ALTER TABLE request_reminders DROP CONSTRAINT request_reminders_kind_check`.execute(db);
  await sql`ALTER TABLE request_reminders ADD CONSTRAINT request_reminders_kind_check CHECK (kind IN ('7d', '24h'))`.execute(db);
}
