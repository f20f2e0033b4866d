import { sql, type Kysely } from 'kysely';

// Frozen once landed: change the schema with a new migration.
export async function up(db: Kysely<any>): Promise<void> {
  // One meeting of two organizations serves every request they match on: the requests (and the
  // responses) a meeting serves besides its own request_id / response_id.
  await sql`
    CREATE TABLE meeting_topics (
      meeting_id uuid NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
      request_id uuid NOT NULL REFERENCES requests(id) ON DELETE CASCADE,
      response_id uuid NOT NULL REFERENCES responses(id) ON DELETE CASCADE,
      PRIMARY KEY (meeting_id, response_id)
    )`.execute(db);
  await sql`CREATE INDEX meeting_topics_response_idx ON meeting_topics (response_id)`.execute(db);
  await sql`CREATE INDEX meeting_topics_request_idx ON meeting_topics (request_id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('meeting_topics').execute();
}
