import type { Transporter } from 'nodemailer';
import { UnrecoverableError } from 'bullmq';
import type { AppContext } from '../context.ts';
import { jobId } from '../queue/registry.ts';
import { requireActor, type Actor } from '../auth/actor.ts';
import { conflict, forbidden, notFound } from '../shared/errors.ts';
import { decodeCursor, encodeCursor } from '../shared/cursor.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import {
  claimOutboxBatch,
  claimOutboxEmail,
  findOutboxBatchKey,
  findOutboxStatus,
  findStuckOutboxEmails,
  listOutboxRows,
  resetOutboxEmail,
  markOutboxFailed,
  markOutboxRetry,
  markOutboxSent,
  setOutboxSealedLinks,
} from './outbox.repository.ts';
import { describeSmtpError, isPermanentSmtpFailure } from './mailer.ts';
import { openLinks, sealLinks, withLinks, withoutLinks, type EmailLinks } from './sealed-links.ts';
import { renewSignInLink } from '../auth/sign-in-links.ts';
import { canReadOutbox } from './outbox.policy.ts';
import { inTransaction } from '../shared/transaction.ts';
import { composeBatch } from './batches.ts';
import type { Queryable } from '../shared/db.ts';

/** How long a claimed row may stay `sending` before another job may take it. */
export const SENDING_LEASE_SECONDS = 120;
/** After this many attempts a row is recorded as failed. */
export const MAX_SEND_ATTEMPTS = 12;

/**
 * Enqueues the send jobs for rows just committed (`delayMs`: confirmations waiting for their batch). If
 * Redis is away, the sweep sends them later.
 */
export async function dispatchEmails(ctx: AppContext, outboxIds: string[], delayMs = 0): Promise<void> {
  if (outboxIds.length === 0) return;
  try {
    await ctx.queues.enqueueMany('send-email', outboxIds.map((outboxId) => ({ payload: { outboxId }, jobId: jobId('email', outboxId) })), delayMs > 0 ? { delay: delayMs } : {});
  } catch (error) {
    ctx.log.warn({ emails: outboxIds.length, err: (error as Error).message }, 'could not enqueue emails; the outbox sweep will send them');
  }
}

/** Claim, send, mark: the send-email job. Throws to make BullMQ retry with backoff. */
export async function sendOutboxEmail(ctx: AppContext, mailer: Transporter, outboxId: string): Promise<'sent' | 'skipped'> {
  const claimed = await claimForSending(ctx, outboxId);
  if (!claimed) return 'skipped';
  const { row, companions } = claimed;
  // Each row's links are sealed for that row; a batch's placeholders are all different, so one map holds them.
  const links = await unsealLinksOrFail(ctx, row);
  for (const companion of companions) Object.assign(links, await unsealLinksOrFail(ctx, companion));
  const ids = [outboxId, ...companions.map((c) => c.id)];
  const content = companions.length > 0 ? composeBatch(row.batch_key!, [row, ...companions]) : { subject: row.subject, text: row.text_body, html: row.html_body, attachments: row.attachments };
  // The links go into the message here, in memory, and nowhere else.
  const message = withLinks({ text: content.text, html: content.html, headers: row.headers }, links);
  // One calendar invitation is the message's own (text/calendar with its METHOD, which mail clients offer
  // to add); a message carrying several meetings' changes attaches each as a file instead, since one
  // iTIP message speaks of one event.
  const calendars = content.attachments.filter((a) => a.method);
  const invitation = calendars.length === 1 ? calendars[0] : undefined;
  try {
    await mailer.sendMail({
      from: ctx.config.MAIL_FROM,
      to: row.to_email,
      subject: content.subject,
      text: message.text,
      html: message.html,
      messageId: row.message_id,
      headers: message.headers,
      attachments: content.attachments.filter((a) => a !== invitation).map((a) => ({ filename: a.filename, content: a.content, contentType: a.contentType })),
      // A calendar invitation goes as text/calendar with its METHOD, so mail clients offer to add it.
      ...(invitation ? { icalEvent: { method: invitation.method!, filename: invitation.filename, content: invitation.content } } : {}),
    });
  } catch (error) {
    // An SMTP answer may quote the message: the stored error and the job's failure get placeholders.
    const answer = withoutLinks(describeSmtpError(error), links);
    if (isPermanentSmtpFailure(error) || row.attempts >= MAX_SEND_ATTEMPTS) {
      await markOutboxFailed(ctx, ids, answer);
      throw new UnrecoverableError(`email ${outboxId} failed: ${answer}`);
    }
    await markOutboxRetry(ctx, ids, answer);
    throw new Error(`email ${outboxId} not sent yet: ${answer}`);
  }
  await markSentOrRetry(ctx, outboxId, ids.slice(1));
  return 'sent';
}

/**
 * The row to send, with the rest of its batch when it is a confirmation (batches.ts): one statement for
 * a single email; for a batch, a short transaction under the person's batch lock.
 */
async function claimForSending(ctx: AppContext, outboxId: string) {
  const row = await claimOutboxEmail(ctx, outboxId, SENDING_LEASE_SECONDS);
  if (row) return { row, companions: [] };
  const batchKey = await findOutboxBatchKey(ctx, outboxId);
  if (!batchKey) return null;
  return inTransaction(ctx, (tx) => claimOutboxBatch(tx, outboxId, batchKey, SENDING_LEASE_SECONDS));
}

/**
 * Records a sent email. The message is already out: if the write fails (a connection killed, a
 * failover), failing the job would leave the row `sending` until its lease ends and the sweep sends it
 * again, a duplicate. So the write is tried again on a fresh connection, a few times, before that.
 */
async function markSentOrRetry(ctx: AppContext, outboxId: string, companions: string[]): Promise<void> {
  for (const pauseMs of [200, 1000, 3000]) {
    try {
      return await markOutboxSent(ctx, outboxId, companions);
    } catch (error) {
      ctx.log.warn({ outboxId, err: (error as Error).message }, 'could not record a sent email; trying again');
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  }
  await markOutboxSent(ctx, outboxId, companions);
}

/** The row's links, or the row recorded as failed when they cannot be had (retrying would not help). */
async function unsealLinksOrFail(ctx: AppContext, row: { id: string; to_email: string; sealed_links: string | null; sealed_links_until_sent: boolean }): Promise<EmailLinks> {
  let reason: string;
  if (row.sealed_links) {
    try {
      return openLinks(ctx.config.SESSION_SECRET, { outboxId: row.id, to: row.to_email }, row.sealed_links);
    } catch {
      reason = 'its links could not be unsealed: SESSION_SECRET changed since it was queued, or the row was altered';
    }
  } else if (row.sealed_links_until_sent) {
    // Never sent with placeholders where its one-time link was.
    reason = 'its one-time link was already scrubbed; resend it from the emails page for a new one';
  } else {
    return {};
  }
  await markOutboxFailed(ctx, [row.id], reason);
  throw new UnrecoverableError(`email ${row.id} failed: ${reason}`);
}

/** The backstop: re-enqueues rows that no job is handling (lost job, Redis flushed, retries used up). */
export async function sweepOutbox(ctx: AppContext): Promise<number> {
  const stuck = await findStuckOutboxEmails(ctx, 30, SENDING_LEASE_SECONDS, 500);
  const retry = stuck.filter((row) => row.attempts < MAX_SEND_ATTEMPTS);
  for (const row of stuck) if (row.attempts >= MAX_SEND_ATTEMPTS) await markOutboxFailed(ctx, [row.id], 'gave up after repeated failures');
  // A new id per attempt count: the earlier job for this row may still be kept as failed.
  await ctx.queues.enqueueMany('send-email', retry.map((row) => ({ payload: { outboxId: row.id }, jobId: jobId('email', row.id, 'sweep', row.attempts) })));
  return stuck.length;
}

/** The email log is the secretariat's (see outbox.policy.ts), or a 403 that says so. */
function requireOutboxReader(actorOrNull: Actor | null): Actor {
  const actor = requireActor(actorOrNull);
  if (!canReadOutbox(actor)) throw forbidden('Only the forum secretariat (organizers) can do this.');
  return actor;
}

/** An organizer sends an email again (after fixing an address, or when a recipient lost it). */
export async function resendOutboxEmail(ctx: AppContext, actorOrNull: Actor | null, outboxId: string): Promise<void> {
  const actor = requireOutboxReader(actorOrNull);
  await inTransaction(ctx, async (tx) => {
    const row = await resetOutboxEmail(tx, outboxId);
    if (!row) {
      const exists = await findOutboxStatus(tx, outboxId);
      if (!exists) throw notFound('The email');
      throw conflict('illegal-transition', `This email is ${exists.status}; it is already on its way.`);
    }
    // Its one-time link was scrubbed when it went out: a new one in the same email (same Message-ID),
    // or a refusal (409) that leaves the row as it was.
    if (row.sealed_links_until_sent) await setOutboxSealedLinks(tx, row.id, sealLinks(ctx.config.SESSION_SECRET, { outboxId: row.id, to: row.to_email }, await renewOneTimeLinks(ctx, tx, row)));
    await recordAudit(tx, actor, { entity: 'email', entityId: outboxId, action: 'resend' });
  });
  await ctx.queues.enqueue('send-email', { outboxId }, { jobId: jobId('email', outboxId, 'resend', Date.now()) });
}

/** New one-time links for an email being resent, from the domain that issued them. */
async function renewOneTimeLinks(ctx: AppContext, tx: Queryable, row: { id: string; template: string }): Promise<EmailLinks> {
  if (row.template === 'sign-in') return renewSignInLink(ctx, tx, row.id);
  throw conflict('illegal-transition', 'This email carried a one-time link and cannot be sent again.');
}

export async function listOutbox(ctx: AppContext, actorOrNull: Actor | null, query: { status?: string | undefined; q?: string | undefined; cursor?: string | undefined; limit: number }) {
  requireOutboxReader(actorOrNull);
  const after = decodeCursor(query.cursor);
  const rows = await listOutboxRows(ctx, query.status, query.q, after ? { createdAt: after.time, id: after.id } : undefined, query.limit);
  const items = rows.slice(0, query.limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > query.limit && last ? encodeCursor(last.created_at, last.id) : null };
}
