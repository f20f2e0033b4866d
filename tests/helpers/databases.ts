import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** Tests reach Postgres through TEST_DATABASE_URL (default: the local server, trust auth). */
const base = new URL(process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
export const TEMPLATE_DATABASE = 'fm_test_template';

export function databaseUrl(name: string): string {
  const url = new URL(base.toString());
  url.pathname = `/${name}`;
  return url.toString();
}

export const ADMIN_URL = databaseUrl('postgres');

/** A fresh database for one test file, cloned from the migrated template. */
export async function createFileDatabase(): Promise<{ name: string; url: string; drop: () => Promise<void> }> {
  const name = `fm_test_f${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    // Cloning needs the template free of connections; parallel files retry briefly.
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DATABASE}`);
        break;
      } catch (error) {
        if ((error as { code?: string }).code !== '55006' || attempt > 50) throw error;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } finally {
    await admin.end();
  }
  return {
    name,
    url: databaseUrl(name),
    drop: async () => {
      const client = new pg.Client({ connectionString: ADMIN_URL });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}
