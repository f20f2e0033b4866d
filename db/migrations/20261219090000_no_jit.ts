import { sql, type Kysely } from 'kysely';

// Frozen once landed: change the schema with a new migration.
export async function up(db: Kysely<any>): Promise<void> {
  // Postgres compiles a statement whose estimated cost passes jit_above_cost (100,000) to machine code
  // first: 80-130 ms of compiling for a statement that runs in 10 ms. The app's statements are of the
  // kind that loses by it. At fifty times a forum, a party's meetings page and calendar feed took
  // 80-155 ms for 4-5 meetings (12 ms without), the marketplace's meetings 200 ms (120 ms); the mass
  // close and the matching run's loading and writing stages were slower with it (BENCHMARKS.md,
  // issue 12). Sessions started after this see it. A role that may not alter its database keeps
  // Postgres's default and is told so.
  await sql`DO $$
    BEGIN
      EXECUTE format('ALTER DATABASE %I SET jit = off', current_database());
    EXCEPTION WHEN insufficient_privilege THEN
      RAISE NOTICE 'jit stays as the server sets it: this role may not alter the database (ALTER DATABASE ... SET jit = off, as its owner, does it)';
    END $$`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DO $$
    BEGIN
      EXECUTE format('ALTER DATABASE %I RESET jit', current_database());
    EXCEPTION WHEN insufficient_privilege THEN NULL;
    END $$`.execute(db);
}
