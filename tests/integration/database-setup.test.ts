import { describe, expect, inject, it, vi } from 'vitest';
import pg from 'pg';
import { sql } from 'kysely';
import { ensureDatabaseExists } from '../../db/migrate.ts';
import { createDatabase, runPrepared } from '../../db/database.ts';
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

  it('a migrated database runs its statements without JIT compiling (80-130 ms for a statement of 10 ms), and so does a test file clone of it', async () => {
    const database = await createFileDatabase(inject('templateDatabase'));
    try {
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      expect((await client.query<{ jit: string }>('SHOW jit')).rows[0]!.jit).toBe('off');
      await client.end();
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

describe('statements run by name', () => {
  it('a statement given to runPrepared is parsed once per connection and then run by name, with the same rows; others stay unnamed', async () => {
    const database = await createFileDatabase(inject('templateDatabase'));
    // One connection, so every statement below meets the same server session.
    const { db } = createDatabase(database.url, 1);
    try {
      const byName = (n: number) => sql<{ n: number; at: string }>`SELECT ${n}::int + 1 AS n, current_setting('application_name') AS at`.compile(db);
      const first = await runPrepared(db, byName(1));
      const second = await runPrepared(db, byName(41));
      expect(first.rows).toEqual([{ n: 2, at: expect.any(String) }]);
      expect(second.rows).toEqual([{ n: 42, at: expect.any(String) }]);
      // In a transaction too, on its connection.
      await db.transaction().execute(async (trx) => expect((await runPrepared(trx, byName(9))).rows[0]!.n).toBe(10));
      await sql`SELECT ${'not named'}::text AS plain`.execute(db);
      const kept = await sql<{ name: string; statement: string }>`SELECT name, statement FROM pg_prepared_statements`.execute(db);
      // One text, prepared once (three runs); the plain statement and this one are not kept.
      expect(kept.rows).toEqual([{ name: expect.stringMatching(/^fm_\d+$/), statement: byName(0).sql }]);
    } finally {
      await db.destroy();
      await database.drop();
    }
  });
});

describe('a transaction on the pool', () => {
  it('its BEGIN goes out with its first statement and its COMMIT with one marked commitFollows; a marked statement that fails commits nothing, and the connection goes on', async () => {
    const database = await createFileDatabase(inject('templateDatabase'));
    // One connection for the transactions; another sees what they have committed.
    const { db } = createDatabase(database.url, 1);
    const observer = new pg.Client({ connectionString: database.url });
    await observer.connect();
    const stored = async () => (await observer.query<{ n: number }>('SELECT n FROM fm_probe ORDER BY n')).rows.map((row) => row.n);
    const insert = (n: number) => sql`INSERT INTO fm_probe (n) VALUES (${n})`.compile(db);
    try {
      await observer.query('CREATE TABLE fm_probe (n int PRIMARY KEY)');
      const pid = (await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(db)).rows[0]!.pid;
      const state = async () => (await observer.query<{ state: string }>('SELECT state FROM pg_stat_activity WHERE pid = $1', [pid])).rows[0]!.state;
      await db.transaction().execute(async (trx) => {
        // Kysely's BEGIN is answered, but Postgres has not seen it: it goes with the first statement.
        expect(await state()).toBe('idle');
        await trx.executeQuery(insert(1));
        expect(await state()).toBe('idle in transaction');
        // Not committed yet: the BEGIN went ahead of the first statement, not after it.
        expect(await stored()).toEqual([]);
        await runPrepared(trx, insert(2), { commitFollows: true });
        // Committed before kysely's commit is even asked for: the COMMIT went out behind the statement.
        await vi.waitFor(async () => expect(await stored()).toEqual([1, 2]));
      });
      expect(await stored()).toEqual([1, 2]);
      // The marked statement fails (2 exists): the COMMIT sent behind it ends the transaction without 3.
      await expect(
        db.transaction().execute(async (trx) => {
          await trx.executeQuery(insert(3));
          await runPrepared(trx, insert(2), { commitFollows: true });
        }),
      ).rejects.toMatchObject({ code: '23505' });
      expect(await stored()).toEqual([1, 2]);
      // The same connection's next transactions: their own BEGIN and COMMIT, none left over.
      await db.transaction().execute(async (trx) => {
        await trx.executeQuery(insert(4));
        expect(await stored()).toEqual([1, 2]);
      });
      await expect(db.transaction().execute(async (trx) => trx.executeQuery(insert(1)))).rejects.toMatchObject({ code: '23505' });
      await db.transaction().execute(async (trx) => runPrepared(trx, insert(5), { commitFollows: true }));
      expect(await stored()).toEqual([1, 2, 4, 5]);
      // Outside a transaction the mark sends no COMMIT, so none is left for the next transaction's commit.
      await runPrepared(db, insert(6), { commitFollows: true });
      await db.transaction().execute(async (trx) => trx.executeQuery(insert(7)));
      expect(await stored()).toEqual([1, 2, 4, 5, 6, 7]);
      expect((await sql<{ n: number }>`SELECT count(*)::int AS n FROM fm_probe`.execute(db)).rows[0]!.n).toBe(6);
    } finally {
      await observer.end();
      await db.destroy();
      await database.drop();
    }
  });
});
