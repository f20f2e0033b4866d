import { sql, type Kysely } from 'kysely';

// Frozen once landed: change the schema with a new migration.
export async function up(db: Kysely<any>): Promise<void> {
  // "review": a run's new meetings are a draft that only organizers see until they publish the
  // schedule (which sends the invitations); "immediate": a run sends them itself.
  await db.schema
    .alterTable('marketplaces')
    .addColumn('meeting_publication', 'text', (c) => c.notNull().defaultTo('review').check(sql`meeting_publication IN ('review','immediate')`))
    .execute();
  // When a meeting was shown to its parties; NULL while it is a draft.
  await db.schema.alterTable('meetings').addColumn('published_at', 'timestamptz').execute();
  // Meetings written before this migration were sent at once: they are published.
  await sql`UPDATE meetings SET published_at = created_at`.execute(db);
  await sql`CREATE INDEX meetings_draft_idx ON meetings (marketplace_id) WHERE published_at IS NULL`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX meetings_draft_idx`.execute(db);
  await db.schema.alterTable('meetings').dropColumn('published_at').execute();
  await db.schema.alterTable('marketplaces').dropColumn('meeting_publication').execute();
}
