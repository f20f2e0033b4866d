import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
import type { TestProject } from 'vitest/node';
import { migrateToLatest } from '../../db/migrate.ts';
import { ADMIN_URL, databaseUrl, dropStaleTestDatabases, testDatabaseName } from './databases.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    templateDatabase: string;
  }
}

/** Migrates a template database once per run; each test file clones it. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const template = testDatabaseName('template');
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await dropStaleTestDatabases(admin, 3 * 3600);
  await admin.query(`CREATE DATABASE ${template}`);
  await admin.end();
  const pool = new pg.Pool({ connectionString: databaseUrl(template), max: 1 });
  const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) });
  await migrateToLatest(db);
  await db.destroy();
  project.provide('templateDatabase', template);
  return async () => {
    const client = new pg.Client({ connectionString: ADMIN_URL });
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`);
    await client.end();
  };
}
