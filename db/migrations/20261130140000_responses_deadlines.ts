import { sql, type Kysely } from 'kysely';

// Frozen once landed: change the schema with a new migration.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('responses')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('request_id', 'uuid', (c) => c.notNull().references('requests.id'))
    .addColumn('organization_id', 'uuid', (c) => c.notNull().references('organizations.id'))
    .addColumn('created_by', 'uuid', (c) => c.notNull().references('users.id'))
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('details', 'text', (c) => c.notNull())
    .addColumn('offer_categories', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('modality', 'text', (c) => c.notNull().check(sql`modality IN ('in_person','remote','either')`))
    .addColumn('languages', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('funding', 'text', (c) => c.notNull().check(sql`funding IN ('provider_covers','needs_funding','shared')`))
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status IN ('draft','submitted','withdrawn','matched','not_matched')`),
    )
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`clock_timestamp()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`clock_timestamp()`))
    .addColumn('submitted_at', 'timestamptz')
    .addUniqueConstraint('responses_one_per_organization', ['request_id', 'organization_id'])
    .execute();
  await db.schema.createIndex('responses_organization_idx').on('responses').columns(['organization_id', 'status']).execute();

  await db.schema.alterTable('requests').addColumn('response_count', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('requests').addColumn('sealed_responses', 'boolean', (c) => c.notNull().defaultTo(false)).execute();

  await db.schema
    .createTable('request_follows')
    .addColumn('request_id', 'uuid', (c) => c.notNull().references('requests.id').onDelete('cascade'))
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('request_follows_pk', ['request_id', 'user_id'])
    .execute();
  await db.schema.createIndex('request_follows_user_idx').on('request_follows').column('user_id').execute();

  await db.schema
    .createTable('provider_interests')
    .addColumn('user_id', 'uuid', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('categories', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('themes', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('countries', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('digest', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('last_digest_at', 'timestamptz')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  // A reminder run, once per request, kind and deadline: the backstop sweep skips what ran.
  await db.schema
    .createTable('request_reminders')
    .addColumn('request_id', 'uuid', (c) => c.notNull().references('requests.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind IN ('7d','24h')`))
    .addColumn('deadline', 'timestamptz', (c) => c.notNull())
    .addColumn('ran_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('request_reminders_pk', ['request_id', 'kind', 'deadline'])
    .execute();

  // The reader's time zone (for "the deadline was ... your time"), set from the browser or preferences.
  await db.schema.alterTable('users').addColumn('time_zone', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('users').dropColumn('time_zone').execute();
  await db.schema.dropTable('request_reminders').execute();
  await db.schema.dropTable('provider_interests').execute();
  await db.schema.dropTable('request_follows').execute();
  await db.schema.alterTable('requests').dropColumn('sealed_responses').execute();
  await db.schema.alterTable('requests').dropColumn('response_count').execute();
  await db.schema.dropTable('responses').execute();
}
