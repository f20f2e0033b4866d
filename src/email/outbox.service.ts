import type { Transporter } from 'nodemailer';
import { UnrecoverableError } from 'bullmq';
import type { AppContext } from '../context.ts';
import { jobId } from '../queue/registry.ts';
import { requireOrganizer, type Actor } from '../auth/actor.ts';
import { conflict, notFound } from '../shared/errors.ts';
import { decodeCursor, encodeCursor } from '../shared/cursor.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import {
  claimOutboxEmail,
  findStuckOutboxEmails,
  listOutboxRows,
  resetOutboxEmail,
  markOutboxFailed,
  markOutboxRetry,
  markOutboxSent,
} from './outbox.repository.ts';
import { describeSmtpError, isPermanentSmtpFailure } from './mailer.ts';

/** How long a claimed row may stay `sending` before another job may take it. */
export const SENDING_LEASE_SECONDS = 120;
/** After this many attempts a row is recorded as failed. */
export const MAX_SEND_ATTEMPTS = 12;

/** Enqueues the send jobs for rows just committed. If Redis is away, the sweep sends them later. */
export async function dispatchEmails(ctx: AppContext, outboxIds: string[]): Promise<void> {
  if (outboxIds.length === 0) return;
  try {
    await ctx.queues.enqueueMany('send-email', outboxIds.map((outboxId) => ({ payload: { outboxId }, jobId: jobId('email', outboxId) })));
  } catch (error) {
    ctx.log.warn({ emails: outboxIds.length, err: (error as Error).message }, 'could not enqueue emails; the outbox sweep will send them');
  }
}

/** Claim, send, mark: the send-email job. Throws to make BullMQ retry with backoff. */
export async function sendOutboxEmail(ctx: AppContext, mailer: Transporter, outboxId: string): Promise<'sent' | 'skipped'> {
  const row = await claimOutboxEmail(ctx, outboxId, SENDING_LEASE_SECONDS);
  if (!row) return 'skipped';
  const invitation = row.attachments.find((a) => a.method);
  try {
    await mailer.sendMail({
      from: ctx.config.MAIL_FROM,
      to: row.to_email,
      subject: row.subject,
      text: row.text_body,
      html: row.html_body,
      messageId: row.message_id,
      headers: row.headers,
      attachments: row.attachments.filter((a) => !a.method).map((a) => ({ filename: a.filename, content: a.content, contentType: a.contentType })),
      // A calendar invitation goes as text/calendar with its METHOD, so mail clients offer to add it.
      ...(invitation ? { icalEvent: { method: invitation.method!, filename: invitation.filename, content: invitation.content } } : {}),
    });
  } catch (error) {
    const message = describeSmtpError(error);
    if (isPermanentSmtpFailure(error) || row.attempts >= MAX_SEND_ATTEMPTS) {
      await markOutboxFailed(ctx, outboxId, message);
      throw new UnrecoverableError(`email ${outboxId} failed: ${message}`);
    }
    await markOutboxRetry(ctx, outboxId, message);
    throw new Error(`email ${outboxId} not sent yet: ${message}`);
  }
  await markOutboxSent(ctx, outboxId);
  return 'sent';
}

/** The backstop: re-enqueues rows that no job is handling (lost job, Redis flushed, retries used up). */
export async function sweepOutbox(ctx: AppContext): Promise<number> {
  const stuck = await findStuckOutboxEmails(ctx, 30, SENDING_LEASE_SECONDS, 500);
  const retry = stuck.filter((row) => row.attempts < MAX_SEND_ATTEMPTS);
  for (const row of stuck) if (row.attempts >= MAX_SEND_ATTEMPTS) await markOutboxFailed(ctx, row.id, 'gave up after repeated failures');
  // A new id per attempt count: the earlier job for this row may still be kept as failed.
  await ctx.queues.enqueueMany('send-email', retry.map((row) => ({ payload: { outboxId: row.id }, jobId: jobId('email', row.id, 'sweep', row.attempts) })));
  return stuck.length;
}

/** An organizer sends an email again (after fixing an address, or when a recipient lost it). */
export async function resendOutboxEmail(ctx: AppContext, actorOrNull: Actor | null, outboxId: string): Promise<void> {
  const actor = requireOrganizer(actorOrNull);
  const row = await resetOutboxEmail(ctx, outboxId);
  if (!row) {
    const exists = await ctx.db.selectFrom('outbox').select('status').where('id', '=', outboxId).executeTakeFirst();
    if (!exists) throw notFound('The email');
    throw conflict('illegal-transition', `This email is ${exists.status}; it is already on its way.`);
  }
  await recordAudit(ctx, actor, { entity: 'email', entityId: outboxId, action: 'resend' });
  await ctx.queues.enqueue('send-email', { outboxId }, { jobId: jobId('email', outboxId, 'resend', Date.now()) });
}

export async function listOutbox(ctx: AppContext, actorOrNull: Actor | null, query: { status?: string | undefined; q?: string | undefined; cursor?: string | undefined; limit: number }) {
  requireOrganizer(actorOrNull);
  const after = decodeCursor(query.cursor);
  const rows = await listOutboxRows(ctx, query.status, query.q, after ? { createdAt: after.time, id: after.id } : undefined, query.limit);
  const items = rows.slice(0, query.limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > query.limit && last ? encodeCursor(last.created_at, last.id) : null };
}
