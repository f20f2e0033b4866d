import { sql, type Kysely } from 'kysely';

// Frozen once landed: change the schema with a new migration.
export async function up(db: Kysely<any>): Promise<void> {
  // A close batch takes the open requests due first, `ORDER BY response_deadline, id LIMIT 250`
  // (requests.repository.ts, `closeDueRequestRows`). On the deadline index alone Postgres read every
  // due request and sorted them, since a mass close's requests share one deadline: 15-25 ms a batch
  // at 10,000 due, again for each batch. With the id in the index the scan is in that order and stops
  // at the batch's end. The other readers (the first due, the reminders) use it as they used the old one.
  await sql`CREATE INDEX requests_open_deadline_id_idx ON requests (response_deadline, id) WHERE status = 'open'`.execute(db);
  await sql`DROP INDEX requests_open_deadline_idx`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`CREATE INDEX requests_open_deadline_idx ON requests (response_deadline) WHERE status = 'open'`.execute(db);
  await sql`DROP INDEX requests_open_deadline_id_idx`.execute(db);
}
