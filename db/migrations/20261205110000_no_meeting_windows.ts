import { sql, type Kysely } from 'kysely';

// Frozen once landed: change the schema with a new migration.
export async function up(db: Kysely<any>): Promise<void> {
  // Times with no side meetings at all (a Civil Society Day, a plenary): [{ startsAt, endsAt, label }], instants in ISO 8601.
  await db.schema
    .alterTable('marketplaces')
    .addColumn('no_meeting_windows', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`).check(sql`jsonb_typeof(no_meeting_windows) = 'array'`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('marketplaces').dropColumn('no_meeting_windows').execute();
}
