import pg from 'pg';
import { Kysely, PostgresDialect, sql } from 'kysely';
import type { Database } from './types.ts';
import type { Queryable } from '../src/shared/db.ts';

// DATE columns stay 'YYYY-MM-DD' strings: a forum day is a calendar date, not an instant.
pg.types.setTypeParser(pg.types.builtins.DATE, (value) => value);
// bigint counts (COUNT(*)) as numbers; they never approach 2^53 here.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export type Db = Kysely<Database>;

/**
 * The pool of one process. Its connections name the process in `pg_stat_activity.application_name`
 * (`forum-marketplace worker 4242`), so an operator can tell which process holds a lock or a long
 * transaction.
 */
export function createDatabase(connectionString: string, poolSize: number, applicationName = `forum-marketplace ${process.pid}`): { db: Db; pool: pg.Pool } {
  const pool = new pg.Pool({ connectionString, max: poolSize, connectionTimeoutMillis: 5000, application_name: applicationName.slice(0, 63) });
  // A client that loses its connection (Postgres restarted, backend terminated) must not crash the
  // process: idle ones report on the pool, checked-out ones on themselves; the query in flight fails
  // and the broken client is not reused.
  pool.on('error', () => {});
  pool.on('connect', (client) => {
    client.on('error', () => {});
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db, pool };
}

/** Ends the pool's connections (the last step of a shutdown). */
export async function destroyDatabase({ db }: Queryable): Promise<void> {
  await db.destroy();
}

/** Whether Postgres answers (/readyz). */
export async function pingDatabase({ db }: Queryable): Promise<void> {
  await sql`SELECT 1`.execute(db);
}
