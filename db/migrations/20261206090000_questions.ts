import { sql, type Kysely } from 'kysely';

// Frozen once landed: change the schema with a new migration.
export async function up(db: Kysely<any>): Promise<void> {
  // Questions close this many days before a request's response deadline (0: at the deadline); a
  // request may close them earlier with its own question_deadline.
  await db.schema
    .alterTable('marketplaces')
    .addColumn('question_days', 'integer', (c) => c.notNull().defaultTo(7).check(sql`question_days BETWEEN 0 AND 60`))
    .execute();
  await db.schema.alterTable('requests').addColumn('question_deadline', 'timestamptz').execute();

  // A provider's question about a request. Who asked is kept for the secretariat and the asker's own
  // organization; nobody else is ever told.
  await db.schema
    .createTable('request_questions')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('request_id', 'uuid', (c) => c.notNull().references('requests.id').onDelete('cascade'))
    .addColumn('organization_id', 'uuid', (c) => c.notNull().references('organizations.id'))
    .addColumn('asked_by', 'uuid', (c) => c.notNull().references('users.id'))
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('request_questions_request_idx').on('request_questions').columns(['request_id', 'created_at']).execute();

  // Every version of an answer: the newest is the answer, the earlier ones stay readable.
  await db.schema
    .createTable('question_answers')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('question_id', 'uuid', (c) => c.notNull().references('request_questions.id').onDelete('cascade'))
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('answered_by', 'uuid', (c) => c.notNull().references('users.id'))
    .addColumn('answered_as', 'text', (c) => c.notNull().check(sql`answered_as IN ('requester', 'secretariat')`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('question_answers_question_idx').on('question_answers').columns(['question_id', 'created_at']).execute();
  await db.schema.createIndex('question_answers_created_idx').on('question_answers').column('created_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('question_answers').execute();
  await db.schema.dropTable('request_questions').execute();
  await db.schema.alterTable('requests').dropColumn('question_deadline').execute();
  await db.schema.alterTable('marketplaces').dropColumn('question_days').execute();
}
