import { sql, type Kysely } from 'kysely';

// Frozen once landed: change the schema with a new migration.
export async function up(db: Kysely<any>): Promise<void> {
  // A signed receipt for every submission and edit of a response (src/responses/receipts.ts): the
  // exact text that was signed and its Ed25519 signature. The signing key is derived, never stored.
  await db.schema
    .createTable('response_receipts')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('response_id', 'uuid', (c) => c.notNull().references('responses.id').onDelete('cascade'))
    .addColumn('signed', 'text', (c) => c.notNull())
    .addColumn('signature', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('response_receipts_response_idx').on('response_receipts').columns(['response_id', 'created_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('response_receipts').execute();
}
