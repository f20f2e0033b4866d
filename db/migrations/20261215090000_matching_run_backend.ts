import { sql, type Kysely } from 'kysely';

// Frozen once landed: change the schema with a new migration.
export async function up(db: Kysely<any>): Promise<void> {
  // The Postgres backend whose session waits for or holds a running run's marketplace lock. A process
  // that ends during a run (killed, out of memory) takes its session with it: a run whose backend is
  // gone is no longer running, and the sweep records it as failed (failAbandonedMatchingRuns).
  await sql`ALTER TABLE matching_runs ADD COLUMN backend_pid integer`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE matching_runs DROP COLUMN backend_pid`.execute(db);
}
