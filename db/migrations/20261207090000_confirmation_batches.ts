import { sql, type Kysely } from 'kysely';

// Frozen once landed: change the schema with a new migration.
export async function up(db: Kysely<any>): Promise<void> {
  // Confirmations to one person within a few minutes go out as one email (src/email/batches.ts):
  // rows with the same batch_key wait until send_after, and whichever is sent first carries the others.
  await db.schema
    .alterTable('outbox')
    .addColumn('batch_key', 'text')
    .addColumn('send_after', 'timestamptz')
    .addColumn('sent_with', 'uuid', (c) => c.references('outbox.id').onDelete('set null'))
    .execute();
  await sql`CREATE INDEX outbox_batch_idx ON outbox (batch_key, created_at) WHERE batch_key IS NOT NULL AND status IN ('pending','sending')`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX outbox_batch_idx`.execute(db);
  await db.schema.alterTable('outbox').dropColumn('sent_with').dropColumn('send_after').dropColumn('batch_key').execute();
}
