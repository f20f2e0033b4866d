import { sql, type Kysely } from 'kysely';

// Frozen once landed: change the schema with a new migration.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('meetings')
    // What the party who declined wrote (shown to the other party and the secretariat).
    .addColumn('decline_reason', 'text', (c) => c.check(sql`char_length(decline_reason) <= 1000`))
    // A party asks for another time: the secretariat sees it, the next run moves the meeting.
    .addColumn('reschedule_requested_by', 'text', (c) => c.check(sql`reschedule_requested_by IN ('requester','provider')`))
    .addColumn('reschedule_note', 'text', (c) => c.check(sql`char_length(reschedule_note) <= 1000`))
    .addColumn('reschedule_requested_at', 'timestamptz')
    .execute();
  // A person's private calendar feed is signed with this number: adding one revokes the old address.
  await db.schema
    .alterTable('users')
    .addColumn('calendar_feed_version', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('users').dropColumn('calendar_feed_version').execute();
  await db.schema.alterTable('meetings').dropColumn('reschedule_requested_at').dropColumn('reschedule_note').dropColumn('reschedule_requested_by').dropColumn('decline_reason').execute();
}
