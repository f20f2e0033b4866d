import type { Kysely } from 'kysely';
import type { Database } from '../../db/types.ts';

/**
 * What a repository function queries through: anything that holds the database handle, the
 * `AppContext` (the pool) or a `Tx` (one transaction). Services pass `ctx` or `tx` as they are and never
 * write `.db`, so only repositories touch the database (ESLint holds that line, see eslint.config.js).
 */
export interface Queryable {
  db: Kysely<Database>;
}
