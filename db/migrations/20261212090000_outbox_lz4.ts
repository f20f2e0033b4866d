import { sql, type Kysely } from 'kysely';

// Frozen once landed: change the schema with a new migration.
export async function up(db: Kysely<any>): Promise<void> {
  // Email bodies over 2 kB are compressed as they are stored: with Postgres's default (pglz) that was a
  // quarter of Postgres's time in a mass close (perf, BENCHMARKS.md). LZ4 compresses several times faster.
  // A server built without LZ4 keeps pglz (the statement is refused as not supported).
  await sql`
    DO $$
    BEGIN
      ALTER TABLE outbox ALTER COLUMN html_body SET COMPRESSION lz4, ALTER COLUMN text_body SET COMPRESSION lz4;
    EXCEPTION WHEN feature_not_supported THEN
      RAISE NOTICE 'LZ4 not supported by this server: email bodies keep pglz';
    END $$`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE outbox ALTER COLUMN html_body SET COMPRESSION pglz, ALTER COLUMN text_body SET COMPRESSION pglz`.execute(db);
}
