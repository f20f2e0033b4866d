import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
import { migrateToLatest } from '../../db/migrate.ts';
import { ADMIN_URL, TEMPLATE_DATABASE, databaseUrl } from './databases.ts';

/** Migrates a template database once per run; each test file clones it. */
export default async function setup(): Promise<() => Promise<void>> {
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DATABASE} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${TEMPLATE_DATABASE}`);
  const pool = new pg.Pool({ connectionString: databaseUrl(TEMPLATE_DATABASE), max: 1 });
  const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
  await migrateToLatest(db);
  await db.destroy();
  // Databases a crashed earlier run left behind.
  const leftovers = await admin.query<{ datname: string }>(
    `SELECT datname FROM pg_database WHERE datname LIKE 'fm_test_f%' AND (SELECT count(*) FROM pg_stat_activity a WHERE a.datname = pg_database.datname) = 0`,
  );
  for (const row of leftovers.rows) await admin.query(`DROP DATABASE IF EXISTS "${row.datname}"`);
  await admin.end();
  return async () => {
    const client = new pg.Client({ connectionString: ADMIN_URL });
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DATABASE} WITH (FORCE)`);
    await client.end();
  };
}
