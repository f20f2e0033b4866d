import pg from 'pg';
import { Kysely, PostgresDialect, sql, type CompiledQuery, type QueryResult } from 'kysely';
import type { Database } from './types.ts';
import type { Queryable } from '../src/shared/db.ts';

// DATE columns stay 'YYYY-MM-DD' strings: a forum day is a calendar date, not an instant.
pg.types.setTypeParser(pg.types.builtins.DATE, (value) => value);
// bigint counts (COUNT(*)) as numbers; they never approach 2^53 here.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export type Db = Kysely<Database>;

/**
 * Statements that run by name: the text of each is parsed and planned once per connection and kept
 * there, then each run sends only its values (Postgres's extended protocol, `Parse` once and `Bind`
 * after). Only the few statements a small, frequent change makes are kept this way (`runPrepared`):
 * their planning cost Postgres more than their execution (a response's three statements: about 0.9 ms
 * of planning against 1.3 ms of execution, measured with pg_stat_statements under load). A statement
 * whose text varies with its input (an `IN` list, a multi-row `VALUES`) is not one of them; the map
 * stops growing at `PREPARED_TEXTS` texts, in case one of them is, and the rest run as before.
 */
const statementNames = new Map<string, string>();
const PREPARED_TEXTS = 200;

function nameStatement(text: string): void {
  if (!statementNames.has(text) && statementNames.size < PREPARED_TEXTS) statementNames.set(text, `fm_${statementNames.size + 1}`);
}

/** Marks a statement after which the transaction commits: its COMMIT goes out with it (`runPrepared`). */
const COMMIT_FOLLOWS = '\n-- then commit';

/**
 * A client that runs the texts `runPrepared` named by their name; kysely calls `query(text, values)`.
 * It also saves two round trips a transaction (the client is in pg's pipeline mode): a transaction's
 * BEGIN goes out with its first statement, and a statement marked `commitFollows` goes out with the
 * COMMIT behind it, which kysely's commit then finds answered. Postgres ends a transaction whose
 * statement failed with that COMMIT (it answers ROLLBACK), the statement's error reaches the caller,
 * and kysely's ROLLBACK after it finds nothing to undo.
 */
class NamingClient extends pg.Client {
  private beginPending = false;
  private heldCommit: Promise<unknown> | null = null;

  override query(...args: unknown[]): never {
    const [text, values] = args;
    const query = super.query.bind(this) as (...a: unknown[]) => Promise<unknown>;
    if (typeof text !== 'string' || !Array.isArray(values) || args.length !== 2) return query(...args) as never;
    if (text === 'begin' && values.length === 0) {
      this.beginPending = true;
      return Promise.resolve({ command: 'BEGIN', rowCount: null, rows: [], fields: [] }) as never;
    }
    if (text === 'commit' && this.heldCommit) {
      const commit = this.heldCommit;
      this.heldCommit = null;
      return commit as never;
    }
    if (text === 'rollback') this.heldCommit = null;
    const begun = this.beginPending ? query('begin', []) : null;
    this.beginPending = false;
    const name = statementNames.get(text);
    const result = name === undefined ? query(text, values) : query({ name, text, values });
    // Only inside a transaction: outside one, the COMMIT would answer the next transaction's commit.
    if (text.endsWith(COMMIT_FOLLOWS) && (begun !== null || this.getTransactionStatus() === 'T')) {
      this.heldCommit = query('commit', []);
      this.heldCommit.catch(() => {});
    }
    return (begun ? Promise.all([begun, result]).then(([, rows]) => rows) : result) as never;
  }
}

/**
 * Runs a compiled statement by name (see `statementNames`): one that a frequent, small change runs many
 * times with the same text (a builder's `.compile()`, a raw `sql`'s `.compile(db)`). The same rows as
 * `db.executeQuery(compiled)`. With `commitFollows`, the transaction's COMMIT goes out right behind it
 * (`NamingClient`): only for a transaction's last statement.
 */
export async function runPrepared<R>(db: Kysely<Database>, compiled: CompiledQuery<R>, options: { commitFollows?: boolean } = {}): Promise<QueryResult<R>> {
  const marked = options.commitFollows ? { ...compiled, sql: compiled.sql + COMMIT_FOLLOWS } : compiled;
  nameStatement(marked.sql);
  return db.executeQuery(marked);
}

/**
 * The pool of one process. Its connections name the process in `pg_stat_activity.application_name`
 * (`forum-marketplace worker 4242`), so an operator can tell which process holds a lock or a long
 * transaction.
 */
export function createDatabase(connectionString: string, poolSize: number, applicationName = `forum-marketplace ${process.pid}`): { db: Db; pool: pg.Pool } {
  const pool = new pg.Pool({ Client: NamingClient as typeof pg.Client, connectionString, max: poolSize, pipeline: true, connectionTimeoutMillis: 5000, application_name: applicationName.slice(0, 63) });
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
