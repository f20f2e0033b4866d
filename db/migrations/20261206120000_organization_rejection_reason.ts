import type { Kysely } from 'kysely';

// Frozen once landed: change the schema with a new migration.
export async function up(db: Kysely<any>): Promise<void> {
  // Why the secretariat did not verify an organization: told to its members and shown on their account page.
  await db.schema.alterTable('organizations').addColumn('rejection_reason', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('organizations').dropColumn('rejection_reason').execute();
}
