import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** Where the tests' Postgres is looked for when TEST_DATABASE_URL is not set: the local server, trust auth. */
export const DEFAULT_TEST_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * Tests reach Postgres through TEST_DATABASE_URL (default: the local server). Read at each call:
 * the global setup sets it to the embedded server it starts when nothing answers at the default,
 * and the test files (forked after it) inherit it.
 */
export function databaseUrl(name: string): string {
  const url = new URL(process.env.TEST_DATABASE_URL ?? DEFAULT_TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

export function adminUrl(): string {
  return databaseUrl('postgres');
}

/**
 * Test databases carry their creation time in their name (fm_test_<seconds>_<random>), so a run can
 * drop what a crashed run left behind without touching a run that is going on beside it.
 */
export function testDatabaseName(kind: 'template' | 'file'): string {
  return `fm_test_${Math.floor(Date.now() / 1000)}_${kind === 'template' ? 't' : 'f'}${randomBytes(5).toString('hex')}`;
}

export async function dropStaleTestDatabases(admin: pg.Client, olderThanSeconds: number): Promise<void> {
  const rows = await admin.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname ~ '^fm_test_[0-9]+_[tf][0-9a-f]+$'`);
  const cutoff = Date.now() / 1000 - olderThanSeconds;
  for (const { datname } of rows.rows) {
    if (Number(datname.split('_')[2]) < cutoff) await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  }
}

/** A fresh database for one test file, cloned from the migrated template of this run. */
export async function createFileDatabase(template: string): Promise<{ name: string; url: string; drop: () => Promise<void> }> {
  const name = testDatabaseName('file');
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  try {
    // Cloning needs the template free of other connections; files starting together retry briefly.
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
        break;
      } catch (error) {
        if ((error as { code?: string }).code !== '55006' || attempt > 100) throw error;
        await new Promise((r) => setTimeout(r, 50 + Math.random() * 100));
      }
    }
    // A clone does not take the settings the migrations gave the template's database (ALTER DATABASE ... SET): copied, so
    // that a test file's sessions run as a migrated database's do.
    const settings = await admin.query<{ setting: string }>(
      `SELECT unnest(s.setconfig) AS setting FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase WHERE d.datname = $1 AND s.setrole = 0`,
      [template],
    );
    for (const { setting } of settings.rows) {
      const at = setting.indexOf('=');
      await admin.query(`ALTER DATABASE ${name} SET ${pg.escapeIdentifier(setting.slice(0, at))} = ${pg.escapeLiteral(setting.slice(at + 1))}`);
    }
  } finally {
    await admin.end();
  }
  return {
    name,
    url: databaseUrl(name),
    drop: async () => {
      const client = new pg.Client({ connectionString: adminUrl() });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}
