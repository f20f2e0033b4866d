import { sql, type Kysely } from 'kysely';

// Frozen once landed: change the schema with a new migration.
export async function up(db: Kysely<any>): Promise<void> {
  // The requester's mark on a response before the run: "must meet", "would like" or "not this one".
  // `preferred` stays, true for the first two (the score's preference factor reads it).
  await db.schema
    .alterTable('responses')
    .addColumn('requester_mark', 'text', (c) => c.check(sql`requester_mark IN ('must','like','exclude')`))
    .execute();
  await sql`UPDATE responses SET requester_mark = 'like' WHERE preferred`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('responses').dropColumn('requester_mark').execute();
}
