import { sql, type Kysely } from 'kysely';

// Frozen once landed: change the schema with a new migration.
export async function up(db: Kysely<any>): Promise<void> {
  // How many side meetings an organization may have in one day, and how many in a row before a free
  // slot: rules of the matching run (docs/matching-format.md). NULL: no limit (as before).
  await db.schema
    .alterTable('marketplaces')
    .addColumn('max_meetings_per_day', 'integer', (c) => c.check(sql`max_meetings_per_day BETWEEN 1 AND 48`))
    .addColumn('break_after', 'integer', (c) => c.check(sql`break_after BETWEEN 1 AND 48`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('marketplaces').dropColumn('break_after').dropColumn('max_meetings_per_day').execute();
}
