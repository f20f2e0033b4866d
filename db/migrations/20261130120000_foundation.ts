import { sql, type Kysely } from 'kysely';

// Frozen once landed: change the schema with a new migration.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE EXTENSION IF NOT EXISTS pgcrypto`.execute(db);

  await db.schema
    .createTable('organizations')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) =>
      c.notNull().check(sql`kind IN ('government','un_agency','intergovernmental','ngo','diaspora','research','private_sector','other')`),
    )
    .addColumn('country', 'char(2)')
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending').check(sql`status IN ('pending','verified','rejected')`))
    .addColumn('verified_at', 'timestamptz')
    .addColumn('verified_by', 'uuid')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`CREATE UNIQUE INDEX organizations_name_unique ON organizations (lower(name), coalesce(country, ''))`.execute(db);

  await db.schema
    .createTable('users')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('email', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text')
    .addColumn('organization_id', 'uuid', (c) => c.references('organizations.id'))
    .addColumn('membership', 'text', (c) => c.check(sql`membership IN ('pending','active')`))
    .addColumn('is_organizer', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('locale', 'text', (c) => c.notNull().defaultTo('en'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_sign_in_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('users_organization_idx').on('users').column('organization_id').execute();

  await db.schema
    .createTable('sign_in_tokens')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('used_at', 'timestamptz')
    .addColumn('next_path', 'text')
    .execute();

  await db.schema
    .createTable('auth_sessions')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind IN ('browser','api')`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('revoked_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('auth_sessions_user_idx').on('auth_sessions').column('user_id').execute();

  await db.schema
    .createTable('marketplaces')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('slug', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('time_zone', 'text', (c) => c.notNull())
    .addColumn('opens_at', 'timestamptz', (c) => c.notNull())
    .addColumn('response_deadline', 'timestamptz', (c) => c.notNull())
    .addColumn('forum_starts_on', 'date', (c) => c.notNull())
    .addColumn('forum_ends_on', 'date', (c) => c.notNull())
    .addColumn('meeting_minutes', 'integer', (c) => c.notNull().defaultTo(30))
    .addColumn('meeting_day_starts', 'time', (c) => c.notNull().defaultTo('09:00'))
    .addColumn('meeting_day_ends', 'time', (c) => c.notNull().defaultTo('18:00'))
    .addColumn('sealed_responses', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('created_by', 'uuid', (c) => c.references('users.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('marketplaces_forum_dates', sql`forum_ends_on >= forum_starts_on`)
    .addCheckConstraint('marketplaces_deadline_after_opening', sql`response_deadline > opens_at`)
    .execute();

  await db.schema
    .createTable('rooms')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('marketplace_id', 'uuid', (c) => c.notNull().references('marketplaces.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
    .addUniqueConstraint('rooms_marketplace_name', ['marketplace_id', 'name'])
    .execute();

  await db.schema
    .createTable('agenda_sessions')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('marketplace_id', 'uuid', (c) => c.notNull().references('marketplaces.id').onDelete('cascade'))
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('starts_at', 'timestamptz', (c) => c.notNull())
    .addColumn('ends_at', 'timestamptz', (c) => c.notNull())
    .addUniqueConstraint('agenda_sessions_marketplace_code', ['marketplace_id', 'code'])
    .addCheckConstraint('agenda_sessions_times', sql`ends_at > starts_at`)
    .execute();

  await db.schema
    .createTable('session_roles')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('session_id', 'uuid', (c) => c.notNull().references('agenda_sessions.id').onDelete('cascade'))
    .addColumn('organization_id', 'uuid', (c) => c.notNull().references('organizations.id'))
    .addColumn('role', 'text', (c) =>
      c.notNull().check(sql`role IN ('chair','coordinator','rapporteur','speaker','discussant','co_organizer','contributor')`),
    )
    .addColumn('note', 'text')
    .addUniqueConstraint('session_roles_unique', ['session_id', 'organization_id', 'role'])
    .execute();
  await db.schema.createIndex('session_roles_organization_idx').on('session_roles').column('organization_id').execute();

  await db.schema
    .createTable('requests')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('marketplace_id', 'uuid', (c) => c.notNull().references('marketplaces.id'))
    .addColumn('organization_id', 'uuid', (c) => c.notNull().references('organizations.id'))
    .addColumn('created_by', 'uuid', (c) => c.notNull().references('users.id'))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('category', 'text', (c) =>
      c.notNull().check(sql`category IN ('training','advice','capacity_building','equipment','project_development','other')`),
    )
    .addColumn('themes', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('expected_outcome', 'text', (c) => c.notNull())
    .addColumn('countries', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('languages', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('max_matches', 'integer', (c) => c.notNull().defaultTo(3).check(sql`max_matches BETWEEN 1 AND 20`))
    .addColumn('own_deadline', 'timestamptz')
    .addColumn('response_deadline', 'timestamptz', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c.notNull().defaultTo('submitted').check(sql`status IN ('submitted','open','rejected','withdrawn','closed','matched')`),
    )
    .addColumn('rejection_reason', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('published_at', 'timestamptz')
    .addColumn('closed_at', 'timestamptz')
    .execute();
  await sql`ALTER TABLE requests ADD COLUMN search tsvector GENERATED ALWAYS AS (
      setweight(to_tsvector('simple', coalesce(title, '')), 'A') ||
      setweight(to_tsvector('english', coalesce(title, '')), 'A') ||
      setweight(to_tsvector('english', coalesce(description, '')), 'B') ||
      setweight(to_tsvector('english', coalesce(expected_outcome, '')), 'C')
    ) STORED`.execute(db);
  await sql`CREATE INDEX requests_search_idx ON requests USING gin (search)`.execute(db);
  await sql`CREATE INDEX requests_browse_idx ON requests (marketplace_id, status, published_at DESC, id DESC)`.execute(db);
  await sql`CREATE INDEX requests_themes_idx ON requests USING gin (themes)`.execute(db);
  await sql`CREATE INDEX requests_countries_idx ON requests USING gin (countries)`.execute(db);
  await sql`CREATE INDEX requests_languages_idx ON requests USING gin (languages)`.execute(db);
  await db.schema.createIndex('requests_organization_idx').on('requests').column('organization_id').execute();
  await sql`CREATE INDEX requests_open_deadline_idx ON requests (response_deadline) WHERE status = 'open'`.execute(db);

  await db.schema
    .createTable('audit_events')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('entity', 'text', (c) => c.notNull())
    .addColumn('entity_id', 'uuid', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('from_status', 'text')
    .addColumn('to_status', 'text')
    .addColumn('actor_id', 'uuid', (c) => c.references('users.id'))
    .addColumn('actor_label', 'text', (c) => c.notNull())
    .addColumn('detail', 'jsonb')
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('audit_events_entity_idx').on('audit_events').columns(['entity', 'entity_id', 'at']).execute();

  await db.schema
    .createTable('outbox')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
    .addColumn('template', 'text', (c) => c.notNull())
    .addColumn('to_email', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('text_body', 'text', (c) => c.notNull())
    .addColumn('html_body', 'text', (c) => c.notNull())
    .addColumn('headers', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('attachments', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('status', 'text', (c) =>
      c.notNull().defaultTo('pending').check(sql`status IN ('pending','sending','sent','failed')`),
    )
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addColumn('message_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('claimed_at', 'timestamptz')
    .addColumn('sent_at', 'timestamptz')
    .execute();
  await sql`CREATE INDEX outbox_unsent_idx ON outbox (created_at) WHERE status IN ('pending','sending')`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['outbox', 'audit_events', 'requests', 'session_roles', 'agenda_sessions', 'rooms', 'marketplaces', 'auth_sessions', 'sign_in_tokens', 'users', 'organizations']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
