import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { OutboxAttachment } from '../../db/types.ts';
import type { Queryable } from '../shared/db.ts';
import { sealLinks, type EmailLinks } from './sealed-links.ts';
import { outboxTransitions } from './outbox-status.ts';

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
  /**
   * Links that act for the recipient, by the placeholder (`linkPlaceholder()`) that stands for each in
   * the text, the HTML and the headers: stored sealed, put into the message just before SMTP.
   */
  links?: EmailLinks;
  /** The links work once (sign-in): scrubbed when the email is sent or has failed; a resend needs new ones. */
  linksUntilSent?: boolean;
  /** The row's id, when the caller must refer to the row (a sign-in token names the email carrying it). */
  id?: string;
}

function outboxRow(email: OutboxEmail, messageDomain: string, sealingSecret: string) {
  const id = email.id ?? randomUUID();
  const links = email.links && Object.keys(email.links).length > 0 ? email.links : null;
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
    sealed_links: links ? sealLinks(sealingSecret, { outboxId: id, to: email.to }, links) : null,
    sealed_links_until_sent: !!links && !!email.linksUntilSent,
  };
}

/** Writes an email to the outbox; returns its id, or null when this event was already queued. */
export async function insertOutboxEmail({ db }: Queryable, email: OutboxEmail, messageDomain: string, sealingSecret: string): Promise<string | null> {
  const row = await db
    .insertInto('outbox')
    .values(outboxRow(email, messageDomain, sealingSecret))
    .onConflict((oc) => oc.column('idempotency_key').doNothing())
    .returning('id')
    .executeTakeFirst();
  return row?.id ?? null;
}

/** Rows per multi-row INSERT: 12 parameters each stays far below Postgres's 65,535. */
const OUTBOX_INSERT_CHUNK = 1000;

/**
 * Writes many emails with multi-row INSERTs; returns the ids of those not already queued. The emails
 * may come from a generator that renders them as they are taken: one INSERT is in flight while the
 * next chunk renders, so rendering overlaps the database's work and only two chunks are in memory.
 */
export async function insertOutboxEmails({ db }: Queryable, emails: Iterable<OutboxEmail>, messageDomain: string, sealingSecret: string): Promise<string[]> {
  const ids: string[] = [];
  const insert = async (chunk: OutboxEmail[]) => {
    const rows = await db
      .insertInto('outbox')
      .values(chunk.map((email) => outboxRow(email, messageDomain, sealingSecret)))
      .onConflict((oc) => oc.column('idempotency_key').doNothing())
      .returning('id')
      .execute();
    for (const row of rows) ids.push(row.id);
  };
  let inFlight: Promise<void> = Promise.resolve();
  let chunk: OutboxEmail[] = [];
  for (const email of emails) {
    chunk.push(email);
    if (chunk.length < OUTBOX_INSERT_CHUNK) continue;
    await inFlight;
    inFlight = insert(chunk);
    // Handled here so a failure while the next chunk renders is not an unhandled rejection; the await above or below throws it.
    inFlight.catch(() => {});
    chunk = [];
  }
  await inFlight;
  if (chunk.length > 0) await insert(chunk);
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

// One-time links are gone once the email is sent or has failed: a backup taken later holds nothing to open.
const scrubOneTimeLinks = sql<string | null>`CASE WHEN sealed_links_until_sent THEN NULL ELSE sealed_links END`;

export async function markOutboxSent({ db }: Queryable, id: string): Promise<void> {
  await db.updateTable('outbox').set({ status: 'sent', sent_at: sql`now()`, last_error: null, sealed_links: scrubOneTimeLinks }).where('id', '=', id).where('status', '=', 'sending').execute();
}

export async function markOutboxRetry({ db }: Queryable, id: string, error: string): Promise<void> {
  await db.updateTable('outbox').set({ status: 'pending', last_error: error.slice(0, 2000) }).where('id', '=', id).where('status', '=', 'sending').execute();
}

export async function markOutboxFailed({ db }: Queryable, id: string, error: string): Promise<void> {
  await db.updateTable('outbox').set({ status: 'failed', last_error: error.slice(0, 2000), sealed_links: scrubOneTimeLinks }).where('id', '=', id).execute();
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
    .where('status', 'in', outboxTransitions.resend.from)
    .returning(['id', 'template', 'to_email', 'sealed_links_until_sent'])
    .executeTakeFirst();
}

/** An email's status, or undefined when there is no such email (why a resend found nothing to reset). */
export async function findOutboxStatus({ db }: Queryable, id: string) {
  return db.selectFrom('outbox').select('status').where('id', '=', id).executeTakeFirst();
}

/** New sealed links for an email whose one-time links were scrubbed (a resent sign-in email). */
export async function setOutboxSealedLinks({ db }: Queryable, id: string, sealedLinks: string): Promise<void> {
  await db.updateTable('outbox').set({ sealed_links: sealedLinks }).where('id', '=', id).execute();
}
