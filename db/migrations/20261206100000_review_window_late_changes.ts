import { sql, type Kysely } from 'kysely';

// Frozen once landed: change the schema with a new migration.
export async function up(db: Kysely<any>): Promise<void> {
  // The review window: the matching runs this many hours after the last request closed, so that
  // requesters read their responses and mark them first. Existing marketplaces keep running at once.
  await db.schema
    .alterTable('marketplaces')
    .addColumn('review_hours', 'integer', (c) => c.notNull().defaultTo(0).check(sql`review_hours BETWEEN 0 AND 720`))
    .execute();
  // A requester who changes what it asks within this many days of the deadline moves the deadline
  // to that many days after the change (never past the forum's start); 0: a change never moves it.
  await db.schema
    .alterTable('marketplaces')
    .addColumn('late_change_days', 'integer', (c) => c.notNull().defaultTo(0).check(sql`late_change_days BETWEEN 0 AND 30`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('marketplaces').dropColumn('late_change_days').execute();
  await db.schema.alterTable('marketplaces').dropColumn('review_hours').execute();
}
