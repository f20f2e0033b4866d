import { sql, type Kysely } from 'kysely';

// Frozen once landed: change the schema with a new migration.
export async function up(db: Kysely<any>): Promise<void> {
  // `sent_with` references outbox(id) ON DELETE SET NULL: without an index, each outbox row deleted scans
  // the table for rows that went with it, so deleting many (a retention purge by an operator) is
  // quadratic (BENCHMARKS.md, 2026-12-06). Only confirmations sent in a batch have it, so the index is
  // partial and costs the bulk INSERTs nothing but the predicate.
  await sql`CREATE INDEX outbox_sent_with_idx ON outbox (sent_with) WHERE sent_with IS NOT NULL`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX outbox_sent_with_idx`.execute(db);
}
