import { sql, type Kysely } from 'kysely';

// Frozen once landed: change the schema with a new migration.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE EXTENSION IF NOT EXISTS btree_gist`.execute(db);

  await db.schema.alterTable('responses').addColumn('preferred', 'boolean', (c) => c.notNull().defaultTo(false)).execute();
  await db.schema.alterTable('organizations').addColumn('meeting_capacity', 'integer', (c) => c.notNull().defaultTo(10).check(sql`meeting_capacity BETWEEN 0 AND 200`)).execute();

  await db.schema
    .createTable('organization_unavailability')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('organization_id', 'uuid', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('marketplace_id', 'uuid', (c) => c.notNull().references('marketplaces.id').onDelete('cascade'))
    .addColumn('starts_at', 'timestamptz', (c) => c.notNull())
    .addColumn('ends_at', 'timestamptz', (c) => c.notNull())
    .addColumn('note', 'text')
    .addCheckConstraint('organization_unavailability_times', sql`ends_at > starts_at`)
    .execute();
  await db.schema.createIndex('organization_unavailability_idx').on('organization_unavailability').columns(['marketplace_id', 'organization_id']).execute();

  await db.schema
    .createTable('matching_runs')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('marketplace_id', 'uuid', (c) => c.notNull().references('marketplaces.id'))
    .addColumn('trigger', 'text', (c) => c.notNull().check(sql`trigger IN ('deadline','organizer','decline','sweep')`))
    .addColumn('started_by', 'uuid', (c) => c.references('users.id'))
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status IN ('running','done','failed')`))
    .addColumn('started_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('finished_at', 'timestamptz')
    .addColumn('method', 'text')
    .addColumn('objective', 'double precision')
    .addColumn('bound', 'double precision')
    .addColumn('stats', 'jsonb')
    .addColumn('changes', 'jsonb')
    .addColumn('error', 'text')
    .execute();
  await db.schema.createIndex('matching_runs_marketplace_idx').on('matching_runs').columns(['marketplace_id', 'started_at']).execute();

  await db.schema
    .createTable('meetings')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('marketplace_id', 'uuid', (c) => c.notNull().references('marketplaces.id'))
    .addColumn('run_id', 'uuid', (c) => c.notNull().references('matching_runs.id'))
    .addColumn('request_id', 'uuid', (c) => c.notNull().references('requests.id'))
    .addColumn('response_id', 'uuid', (c) => c.notNull().references('responses.id'))
    .addColumn('requester_org_id', 'uuid', (c) => c.notNull().references('organizations.id'))
    .addColumn('provider_org_id', 'uuid', (c) => c.notNull().references('organizations.id'))
    .addColumn('room_id', 'uuid', (c) => c.notNull().references('rooms.id'))
    .addColumn('starts_at', 'timestamptz', (c) => c.notNull())
    .addColumn('ends_at', 'timestamptz', (c) => c.notNull())
    .addColumn('score', 'double precision', (c) => c.notNull())
    .addColumn('score_parts', 'jsonb', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status IN ('proposed','confirmed','declined','cancelled')`))
    .addColumn('requester_answer', 'text', (c) => c.notNull().defaultTo('pending').check(sql`requester_answer IN ('pending','accepted','declined')`))
    .addColumn('provider_answer', 'text', (c) => c.notNull().defaultTo('pending').check(sql`provider_answer IN ('pending','accepted','declined')`))
    .addColumn('sequence', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('ended_reason', 'text')
    .addCheckConstraint('meetings_times', sql`ends_at > starts_at`)
    .execute();
  // The database itself refuses a double booking: one meeting per room at a time, and (below) one per organization.
  await sql`ALTER TABLE meetings ADD CONSTRAINT meetings_room_free
    EXCLUDE USING gist (room_id WITH =, tstzrange(starts_at, ends_at) WITH &&) WHERE (status IN ('proposed','confirmed'))`.execute(db);
  await sql`CREATE UNIQUE INDEX meetings_one_active_per_response ON meetings (response_id) WHERE status IN ('proposed','confirmed')`.execute(db);
  await db.schema.createIndex('meetings_marketplace_idx').on('meetings').columns(['marketplace_id', 'starts_at']).execute();
  await db.schema.createIndex('meetings_request_idx').on('meetings').column('request_id').execute();

  await db.schema
    .createTable('meeting_attendance')
    .addColumn('meeting_id', 'uuid', (c) => c.notNull().references('meetings.id').onDelete('cascade'))
    .addColumn('organization_id', 'uuid', (c) => c.notNull().references('organizations.id'))
    .addColumn('during', sql`tstzrange`, (c) => c.notNull())
    .addColumn('active', 'boolean', (c) => c.notNull().defaultTo(true))
    .addPrimaryKeyConstraint('meeting_attendance_pk', ['meeting_id', 'organization_id'])
    .execute();
  await sql`ALTER TABLE meeting_attendance ADD CONSTRAINT meeting_attendance_no_overlap
    EXCLUDE USING gist (organization_id WITH =, during WITH &&) WHERE (active)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('meeting_attendance').execute();
  await db.schema.dropTable('meetings').execute();
  await db.schema.dropTable('matching_runs').execute();
  await db.schema.dropTable('organization_unavailability').execute();
  await db.schema.alterTable('organizations').dropColumn('meeting_capacity').execute();
  await db.schema.alterTable('responses').dropColumn('preferred').execute();
}
