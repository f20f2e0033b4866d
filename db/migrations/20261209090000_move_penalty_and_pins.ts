import { sql, type Kysely } from 'kysely';

// Frozen once landed: change the schema with a new migration.
export async function up(db: Kysely<any>): Promise<void> {
  // How much a re-run must gain (in score points) to move a proposed meeting: NULL never moves one.
  await db.schema
    .alterTable('marketplaces')
    .addColumn('move_penalty', 'float8', (c) => c.defaultTo(0.5).check(sql`move_penalty >= 0 AND move_penalty <= 100`))
    .execute();
  // A meeting the secretariat pinned (or placed by hand): no run moves it.
  await db.schema.alterTable('meetings').addColumn('pinned', 'boolean', (c) => c.notNull().defaultTo(false)).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('meetings').dropColumn('pinned').execute();
  await db.schema.alterTable('marketplaces').dropColumn('move_penalty').execute();
}
