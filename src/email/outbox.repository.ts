import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { OutboxAttachment } from '../../db/types.ts';
import type { Queryable } from '../shared/db.ts';

export interface OutboxEmail {
  /** Unique per event and recipient: the same event never sends twice. */
  idempotencyKey: string;
  template: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  headers?: Record<string, string>;
  attachments?: OutboxAttachment[];
}

function outboxRow(email: OutboxEmail, messageDomain: string) {
  const id = randomUUID();
  return {
    id,
    idempotency_key: email.idempotencyKey,
    template: email.template,
    to_email: email.to,
    subject: email.subject,
    text_body: email.text,
    html_body: email.html,
    headers: JSON.stringify(email.headers ?? {}),
    attachments: JSON.stringify(email.attachments ?? []),
    message_id: `<${id}@${messageDomain}>`,
  };
}

/** Writes an email to the outbox; returns its id, or null when this event was already queued. */
export async function insertOutboxEmail({ db }: Queryable, email: OutboxEmail, messageDomain: string): Promise<string | null> {
  const row = await db
    .insertInto('outbox')
    .values(outboxRow(email, messageDomain))
    .onConflict((oc) => oc.column('idempotency_key').doNothing())
    .returning('id')
    .executeTakeFirst();
  return row?.id ?? null;
}

/** Rows per multi-row INSERT: 10 parameters each stays far below Postgres's 65,535. */
const OUTBOX_INSERT_CHUNK = 1000;

/** Writes many emails with multi-row INSERTs; returns the ids of those not already queued. */
export async function insertOutboxEmails({ db }: Queryable, emails: OutboxEmail[], messageDomain: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < emails.length; i += OUTBOX_INSERT_CHUNK) {
    const rows = await db
      .insertInto('outbox')
      .values(emails.slice(i, i + OUTBOX_INSERT_CHUNK).map((email) => outboxRow(email, messageDomain)))
      .onConflict((oc) => oc.column('idempotency_key').doNothing())
      .returning('id')
      .execute();
    for (const row of rows) ids.push(row.id);
  }
  return ids;
}

/** Takes a row for sending; a row stuck in `sending` longer than the lease is taken again. */
export async function claimOutboxEmail({ db }: Queryable, id: string, leaseSeconds: number) {
  return db
    .updateTable('outbox')
    .set({ status: 'sending', claimed_at: sql`now()`, attempts: sql`attempts + 1` })
    .where('id', '=', id)
    .where((eb) =>
      eb.or([
        eb('status', '=', 'pending'),
        eb.and([eb('status', '=', 'sending'), eb('claimed_at', '<', sql<Date>`now() - make_interval(secs => ${leaseSeconds})`)]),
      ]),
    )
    .returningAll()
    .executeTakeFirst();
}

export async function markOutboxSent({ db }: Queryable, id: string): Promise<void> {
  await db.updateTable('outbox').set({ status: 'sent', sent_at: sql`now()`, last_error: null }).where('id', '=', id).where('status', '=', 'sending').execute();
}

export async function markOutboxRetry({ db }: Queryable, id: string, error: string): Promise<void> {
  await db.updateTable('outbox').set({ status: 'pending', last_error: error.slice(0, 2000) }).where('id', '=', id).where('status', '=', 'sending').execute();
}

export async function markOutboxFailed({ db }: Queryable, id: string, error: string): Promise<void> {
  await db.updateTable('outbox').set({ status: 'failed', last_error: error.slice(0, 2000) }).where('id', '=', id).execute();
}

/** Rows that no job is handling: pending for a while, or `sending` past their lease. */
export async function findStuckOutboxEmails({ db }: Queryable, olderThanSeconds: number, leaseSeconds: number, limit: number) {
  return db
    .selectFrom('outbox')
    .select(['id', 'attempts'])
    .where((eb) =>
      eb.or([
        eb.and([eb('status', '=', 'pending'), eb('created_at', '<', sql<Date>`now() - make_interval(secs => ${olderThanSeconds})`)]),
        eb.and([eb('status', '=', 'sending'), eb('claimed_at', '<', sql<Date>`now() - make_interval(secs => ${leaseSeconds})`)]),
      ]),
    )
    .orderBy('created_at')
    .limit(limit)
    .execute();
}

/** The organizers' view of the outbox, newest first, keyset-paginated by (created_at, id). */
export async function listOutboxRows({ db }: Queryable, status: string | undefined, q: string | undefined, after: { createdAt: Date; id: string } | undefined, limit: number) {
  let query = db
    .selectFrom('outbox')
    .select(['id', 'template', 'to_email', 'subject', 'status', 'attempts', 'last_error', 'message_id', 'created_at', 'sent_at'])
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit + 1);
  if (status) query = query.where('status', '=', status as 'sent');
  if (q) query = query.where((eb) => eb.or([eb('to_email', 'ilike', `%${q.replace(/[%_\\]/g, '\\$&')}%`), eb('subject', 'ilike', `%${q.replace(/[%_\\]/g, '\\$&')}%`)]));
  if (after) query = query.where(sql<boolean>`(created_at, id) < (${after.createdAt}::timestamptz, ${after.id}::uuid)`);
  return query.execute();
}

/** Makes a sent or failed email pending again (same row, same Message-ID). */
export async function resetOutboxEmail({ db }: Queryable, id: string) {
  return db
    .updateTable('outbox')
    .set({ status: 'pending', attempts: 0, last_error: null, claimed_at: null })
    .where('id', '=', id)
    .where('status', 'in', ['sent', 'failed'])
    .returning(['id'])
    .executeTakeFirst();
}
