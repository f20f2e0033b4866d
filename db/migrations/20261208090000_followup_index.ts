import { sql, type Kysely } from 'kysely';

// Frozen once landed: change the schema with a new migration.
export async function up(db: Kysely<any>): Promise<void> {
  // The 30-second sweep looks for requests not yet asked whether the assistance started, per marketplace
  // whose forum ended long enough ago (outcomes.repository.ts, takeRequestsDueForFollowup): only those
  // rows, not every request, are in this index, and an answered or asked request leaves it.
  await sql`CREATE INDEX requests_followup_due ON requests (marketplace_id) WHERE followup_asked_at IS NULL AND assistance_status IS NULL`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX requests_followup_due`.execute(db);
}
