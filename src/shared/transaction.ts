import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/types.ts';
import type { AppContext } from '../context.ts';
import { insertOutboxEmail, insertOutboxEmails, type OutboxEmail } from '../email/outbox.repository.ts';
import { dispatchEmails } from '../email/outbox.service.ts';
import { cacheChanged, type CacheName } from './process-cache.ts';

export interface Tx {
  db: Transaction<Database>;
  /** Writes an email to the outbox in this transaction; it is sent after the commit. */
  queueEmail(email: OutboxEmail): Promise<void>;
  /** The same for many emails at once, with multi-row INSERTs; a generator's emails are rendered chunk by chunk as they are written. */
  queueEmails(emails: Iterable<OutboxEmail>): Promise<void>;
  /** Marks that this change alters what a process cache holds: every process clears it after the commit. */
  changes(cache: CacheName): void;
}

/**
 * Runs a change and its emails in one transaction (on the pool, or on `options.db`), then enqueues the send jobs. Either the change and
 * its emails are stored together, or neither is.
 */
export async function inTransaction<T>(ctx: AppContext, work: (tx: Tx) => Promise<T>, options: { db?: Kysely<Database> } = {}): Promise<T> {
  const outboxIds: string[] = [];
  const changed = new Set<CacheName>();
  const domain = new URL(ctx.config.BASE_URL).hostname;
  // options.db: a connection the caller holds (the matching run's, which holds its marketplace's lock).
  // eslint-disable-next-line no-restricted-syntax -- the one place a transaction starts; services get the Tx and pass it to repositories
  const db = options.db ?? ctx.db;
  const result = await db.transaction().execute((trx) =>
    work({
      db: trx,
      queueEmail: async (email) => {
        const id = await insertOutboxEmail({ db: trx }, email, domain, ctx.config.SESSION_SECRET);
        if (id) outboxIds.push(id);
      },
      queueEmails: async (emails) => {
        outboxIds.push(...(await insertOutboxEmails({ db: trx }, emails, domain, ctx.config.SESSION_SECRET)));
      },
      changes: (cache) => {
        changed.add(cache);
      },
    }),
  );
  for (const cache of changed) cacheChanged(ctx, cache);
  await dispatchEmails(ctx, outboxIds);
  return result;
}
