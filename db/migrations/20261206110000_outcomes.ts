import { sql, type Kysely } from 'kysely';

// Frozen once landed: change the schema with a new migration.
export async function up(db: Kysely<any>): Promise<void> {
  // What each side of a meeting says came of it, once it ended; a side may change its answer.
  await db.schema
    .createTable('meeting_outcomes')
    .addColumn('meeting_id', 'uuid', (c) => c.notNull().references('meetings.id').onDelete('cascade'))
    .addColumn('party', 'text', (c) => c.notNull().check(sql`party IN ('requester', 'provider')`))
    .addColumn('outcome', 'text', (c) => c.notNull().check(sql`outcome IN ('did_not_take_place', 'not_enough_interest', 'useful_no_cooperation', 'cooperation_possible')`))
    .addColumn('note', 'text')
    .addColumn('answered_by', 'uuid', (c) => c.references('users.id'))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('meeting_outcomes_pkey', ['meeting_id', 'party'])
    .execute();
  // When both sides were asked (once, after the meeting's end).
  await db.schema.alterTable('meetings').addColumn('outcome_asked_at', 'timestamptz').execute();
  await sql`CREATE INDEX meetings_outcome_due_idx ON meetings (ends_at) WHERE outcome_asked_at IS NULL AND status IN ('proposed', 'confirmed')`.execute(db);
  // Some weeks after the forum the requester says whether the assistance started.
  await db.schema
    .alterTable('requests')
    .addColumn('assistance_status', 'text', (c) => c.check(sql`assistance_status IN ('started', 'in_preparation', 'not_started')`))
    .addColumn('assistance_note', 'text')
    .addColumn('assistance_answered_at', 'timestamptz')
    .addColumn('followup_asked_at', 'timestamptz')
    .execute();
  await db.schema
    .alterTable('marketplaces')
    .addColumn('followup_weeks', 'integer', (c) => c.notNull().defaultTo(6).check(sql`followup_weeks BETWEEN 1 AND 52`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('marketplaces').dropColumn('followup_weeks').execute();
  await db.schema.alterTable('requests').dropColumn('assistance_status').dropColumn('assistance_note').dropColumn('assistance_answered_at').dropColumn('followup_asked_at').execute();
  await sql`DROP INDEX IF EXISTS meetings_outcome_due_idx`.execute(db);
  await db.schema.alterTable('meetings').dropColumn('outcome_asked_at').execute();
  await db.schema.dropTable('meeting_outcomes').execute();
}
