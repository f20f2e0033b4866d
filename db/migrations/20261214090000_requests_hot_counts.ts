import { sql, type Kysely } from 'kysely';

const ginIndexes = ['requests_themes_idx', 'requests_countries_idx', 'requests_languages_idx'];

// Frozen once landed: change the schema with a new migration.
export async function up(db: Kysely<any>): Promise<void> {
  // Every response adds one to its request's `response_count`. With full pages that UPDATE moved the
  // row and added an entry to each of the table's eight indexes, four of them GIN, which the listing's
  // filters then read through GIN's unsorted pending list. Room left on each page lets the count change
  // in place (a HOT update, no index entries). The three array indexes the listing filters by (themes,
  // countries, languages; a few keys a row) take rows directly, so a browse never scans a pending list;
  // the search vector's (some thirty keys a row) keeps its pending list, which spares a mass close or a
  // matching run (status changes move rows) thirty insertions a row (BENCHMARKS.md, 2026-12-06, rows 1a,
  // 1c and 3). Pages written before this keep their fill until they are rewritten.
  await sql`ALTER TABLE requests SET (fillfactor = 85)`.execute(db);
  for (const index of ginIndexes) {
    await sql`ALTER INDEX ${sql.id(index)} SET (fastupdate = off)`.execute(db);
    await sql`SELECT gin_clean_pending_list(${index}::regclass)`.execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const index of ginIndexes) await sql`ALTER INDEX ${sql.id(index)} RESET (fastupdate)`.execute(db);
  await sql`ALTER TABLE requests RESET (fillfactor)`.execute(db);
}
