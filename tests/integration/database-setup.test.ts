import { describe, expect, inject, it } from 'vitest';
import pg from 'pg';
import { ensureDatabaseExists } from '../../db/migrate.ts';
import { adminUrl, createFileDatabase, databaseUrl, testDatabaseName } from '../helpers/databases.ts';

describe('the database a process starts on', () => {
  it('an existing database is used as it is, without a connection to the admin database (a pooler or a role that knows only its own starts)', async () => {
    const database = await createFileDatabase(inject('templateDatabase'));
    try {
      // An admin database that does not exist: reaching for it would fail.
      await expect(ensureDatabaseExists(database.url, 'fm_no_such_admin_database')).resolves.toBeUndefined();
    } finally {
      await database.drop();
    }
  });

  it('a missing database is created through the admin database, and a second process creating it at once is no error', async () => {
    const name = testDatabaseName('file');
    const url = databaseUrl(name);
    try {
      await Promise.all([ensureDatabaseExists(url), ensureDatabaseExists(url)]);
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      expect((await client.query<{ db: string }>('SELECT current_database() AS db')).rows[0]!.db).toBe(name);
      await client.end();
      // Only a missing database sends it to the admin database.
      await expect(ensureDatabaseExists(databaseUrl(testDatabaseName('file')), 'fm_no_such_admin_database')).rejects.toMatchObject({ code: '3D000' });
    } finally {
      const admin = new pg.Client({ connectionString: adminUrl() });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS "${name}"`);
      await admin.end();
    }
  });
});
