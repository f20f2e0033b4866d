import type { Insertable, Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/types.ts';
import type { AppContext } from '../context.ts';
import { insertOutboxEmail, insertOutboxEmails, insertResponderEmails, waitsForBatch, writeAtCommit, type OutboxEmail, type OutboxWriting, type ResponderEmails } from '../email/outbox.repository.ts';
import { BATCHED_BULK_EMAIL_PRIORITY, dispatchCommitted } from '../email/outbox.service.ts';
import type { LaterTable } from './db.ts';
import { cacheChanged, type CacheName } from './process-cache.ts';

export interface Tx {
  db: Transaction<Database>;
  /**
   * Writes an email to the outbox in this transaction; it is sent after the commit. It is written just
   * before the commit, with the transaction's audit rows and receipts (`insertLater`), in one
   * statement; an email whose `id` the caller gave (a row something else refers to) is written at once.
   */
  queueEmail(email: OutboxEmail): Promise<void>;
  /**
   * The same for many emails at once, a chunk per INSERT; a generator's emails are rendered chunk by
   * chunk as they are written. Those with a `batchKey` (a person's meeting changes) wait for their batch.
   * Returns how many were written: one already queued under its key is not written again.
   */
  queueEmails(emails: Iterable<OutboxEmail>): Promise<number>;
  /**
   * An email to the writer of each of many responses, a few texts among them, written at once and
   * addressed by Postgres (`insertResponderEmails`): a mass close's and a matching run's notes.
   * Returns how many were written, as `queueEmails` does.
   */
  queueResponderEmails(emails: ResponderEmails): Promise<number>;
  /** Marks that this change alters what a process cache holds: every process clears it after the commit. */
  changes(cache: CacheName): void;
  /** Keeps a row to write just before the commit (see `Queryable.insertLater`). */
  insertLater<T extends LaterTable>(table: T, row: Insertable<Database[T]>): void;
}

/**
 * Runs a change and its emails in one transaction (on the pool, or on `options.db`), then enqueues the send jobs. Either the change and
 * its emails are stored together, or neither is. What the change records of itself (audit rows,
 * receipts, single emails) is written in one statement when the work is done, before the commit: a
 * round trip each cost more than the rest of a small change.
 */
export async function inTransaction<T>(ctx: AppContext, work: (tx: Tx) => Promise<T>, options: { db?: Kysely<Database> } = {}): Promise<T> {
  const outboxIds: string[] = [];
  // Confirmations and meeting changes that wait for the person's others of the next minutes (src/email/batches.ts).
  const batchedIds: string[] = [];
  const changed = new Set<CacheName>();
  const writing: OutboxWriting = { messageDomain: new URL(ctx.config.BASE_URL).hostname, sealingSecret: ctx.config.SESSION_SECRET, batchSeconds: ctx.config.CONFIRMATION_BATCH_SECONDS };
  // options.db: a connection the caller holds (the matching run's, which holds its marketplace's lock).
  // eslint-disable-next-line no-restricted-syntax -- the one place a transaction starts; services get the Tx and pass it to repositories
  const db = options.db ?? ctx.db;
  const result = await db.transaction().execute(async (trx) => {
    const later = new Map<LaterTable, Array<Insertable<Database[LaterTable]>>>();
    const emails: OutboxEmail[] = [];
    const done = await work({
      db: trx,
      queueEmail: async (email) => {
        if (email.id === undefined) {
          emails.push(email);
          return;
        }
        const id = await insertOutboxEmail({ db: trx }, email, writing);
        if (id) (waitsForBatch(email, writing.batchSeconds) ? batchedIds : outboxIds).push(id);
      },
      queueEmails: async (emails) => {
        const written = await insertOutboxEmails({ db: trx }, emails, writing);
        outboxIds.push(...written.ids);
        batchedIds.push(...written.batchedIds);
        return written.ids.length + written.batchedIds.length;
      },
      queueResponderEmails: async (emails) => {
        const written = await insertResponderEmails({ db: trx }, emails, writing);
        outboxIds.push(...written.ids);
        batchedIds.push(...written.batchedIds);
        return written.ids.length + written.batchedIds.length;
      },
      changes: (cache) => {
        changed.add(cache);
      },
      insertLater: (table, row) => {
        let rows = later.get(table);
        if (!rows) later.set(table, (rows = []));
        rows.push(row);
      },
    });
    if (later.size > 0 || emails.length > 0) {
      // The last statement: its COMMIT goes out with it (`runPrepared`).
      const written = await writeAtCommit({ db: trx }, later, emails, writing, { commitFollows: true });
      outboxIds.push(...written.ids);
      batchedIds.push(...written.batchedIds);
    }
    return done;
  });
  for (const cache of changed) cacheChanged(ctx, cache);
  // Both at once, with the other changes committed in this turn (`dispatchCommitted`).
  // The batched ones a moment after the window: the row's send_after is the database's clock, ours may lag it a little.
  // A bulk change's batched emails (invitations, confirmations) go before its other bulk emails once their window ends.
  await Promise.all([dispatchCommitted(ctx, outboxIds), dispatchCommitted(ctx, batchedIds, writing.batchSeconds * 1000 + 1000, BATCHED_BULK_EMAIL_PRIORITY)]);
  return result;
}
