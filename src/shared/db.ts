import type { Insertable, Kysely } from 'kysely';
import type { Database } from '../../db/types.ts';

/**
 * Tables whose rows a transaction may write at its end (`insertLater`): records of what happened that
 * nothing in the transaction reads back.
 */
export type LaterTable = 'audit_events' | 'response_receipts';

/**
 * What a repository function queries through: anything that holds the database handle, the
 * `AppContext` (the pool) or a `Tx` (one transaction). Services pass `ctx` or `tx` as they are and never
 * write `.db`, so only repositories touch the database (ESLint holds that line, see eslint.config.js).
 */
export interface Queryable {
  db: Kysely<Database>;
  /**
   * Only in a transaction (`Tx`): keeps a row to be written just before the commit, with the
   * transaction's other such rows and its emails in one statement (`inTransaction`). Without it the
   * repository writes the row at once.
   */
  insertLater?: <T extends LaterTable>(table: T, row: Insertable<Database[T]>) => void;
}
