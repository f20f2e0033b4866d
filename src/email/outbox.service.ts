import type { Transporter } from 'nodemailer';
import { UnrecoverableError, type JobsOptions } from 'bullmq';
import type { AppContext } from '../context.ts';
import { EMAIL_JOB_MAX, jobId } from '../queue/registry.ts';
import { requireActor, type Actor } from '../auth/actor.ts';
import { conflict, forbidden, notFound } from '../shared/errors.ts';
import { decodeCursor, encodeCursor, pageOf } from '../shared/cursor.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import {
  claimOutboxBatch,
  claimOutboxEmails,
  findOutboxBatchKeys,
  findOutboxEmail,
  findOutboxStatus,
  findStuckOutboxEmails,
  listOutboxRows,
  resetOutboxEmail,
  markOutboxFailed,
  markOutboxRetry,
  markOutboxSent,
  setOutboxSealedLinks,
} from './outbox.repository.ts';
import { emailContentText } from './render.ts';
import { describeSmtpError, isPermanentSmtpFailure } from './smtp-errors.ts';
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
 * How the send jobs carry the emails: up to `perJob` rows a job, at most `jobsPerSecond` jobs started a
 * second by all workers together (BullMQ's limiter counts jobs), so that the product stays within the
 * provider's rate. Small batches at low rates keep the sending smooth: at 50 a second, 5 jobs of 10.
 */
export function emailJobSizing(ratePerSecond: number): { perJob: number; jobsPerSecond: number } {
  const perJob = Math.max(1, Math.min(EMAIL_JOB_MAX, Math.floor(ratePerSecond / 5)));
  return { perJob, jobsPerSecond: Math.max(1, Math.floor(ratePerSecond / perJob)) };
}

/** Send jobs for these rows, `perJob` rows each; the job id names the first row, the count and `idParts` of the chunk. */
function sendJobs(ctx: AppContext, outboxIds: string[], idParts: (chunk: string[]) => Array<string | number> = () => []) {
  const { perJob } = emailJobSizing(ctx.config.EMAIL_RATE_PER_SECOND);
  const jobs: Array<{ payload: { outboxIds: string[] }; jobId: string }> = [];
  for (let i = 0; i < outboxIds.length; i += perJob) {
    const chunk = outboxIds.slice(i, i + perJob);
    jobs.push({ payload: { outboxIds: chunk }, jobId: jobId('email', chunk[0]!, chunk.length, ...idParts(chunk)) });
  }
  return jobs;
}

/**
 * The queue priority of the send jobs of a change that queued more than one job's worth of emails (a
 * mass close, a matching run, the digest). BullMQ takes jobs without a priority first, so a sign-in
 * link or a confirmation is sent before the rest of a bulk send, not after it: at the default 50
 * emails a second, the 110,000 emails of a large close take 37 minutes.
 */
export const BULK_EMAIL_PRIORITY = 10;

/**
 * The priority of the send jobs of a bulk change's emails that waited for their person's batch window
 * (a run's or a publication's invitations, moves and cancellations, summaries and notes;
 * confirmations): ahead of the bulk emails that do not wait (BullMQ takes the lower number first).
 * Without it the invitations, whose window ends two minutes after they are queued, went out behind
 * every bulk email queued meanwhile: at fifty times a forum and 50 emails a second, the "not matched"
 * notes put them some eight minutes late. Since those notes wait for their window too, the two go in
 * the order they were queued, invitations first.
 */
export const BATCHED_BULK_EMAIL_PRIORITY = 5;

/**
 * Enqueues the send jobs for rows just committed (`delayMs`: confirmations waiting for their batch). If
 * Redis is away, the sweep sends them later. One change's rows of more than one job are a bulk send
 * (`BULK_EMAIL_PRIORITY`).
 */
export async function dispatchEmails(ctx: AppContext, outboxIds: string[], delayMs = 0, bulkPriority = BULK_EMAIL_PRIORITY): Promise<void> {
  if (outboxIds.length === 0) return;
  const jobs = sendJobs(ctx, outboxIds);
  const options = { ...delayed(delayMs), ...(jobs.length > 1 ? { priority: bulkPriority } : {}) };
  await enqueueSendJobs(ctx, jobs.map((job) => ({ ...job, options })));
}

const delayed = (delayMs: number): JobsOptions => (delayMs > 0 ? { delay: delayMs } : {});

/** Adds send jobs to the queue; a failure is logged, not thrown: the outbox sweep sends their rows later. */
async function enqueueSendJobs(ctx: AppContext, jobs: Array<ReturnType<typeof sendJobs>[number] & { options: JobsOptions }>): Promise<void> {
  try {
    await ctx.queues.enqueueMany('send-email', jobs);
  } catch (error) {
    ctx.log.warn({ emails: jobs.reduce((n, job) => n + job.payload.outboxIds.length, 0), err: (error as Error).message }, 'could not enqueue emails; the outbox sweep will send them');
  }
}

/** The rows of small changes committed in this turn of the event loop, by delay, waiting to be enqueued together. */
const gathering = new WeakMap<AppContext, { byDelay: Map<number, string[]>; enqueued: Promise<void> }>();

/**
 * Enqueues the send jobs for a change's rows just committed, together with the rows of the other
 * changes of this process that commit in the same turn of the event loop: their send jobs hold up to
 * a job's worth of rows each, and all go to the queue in one round trip, delayed or not. The queue's
 * limiter counts jobs (`emailJobSizing`): a job of one row each would send the night of a deadline,
 * when responses come many a second, at a tenth of `EMAIL_RATE_PER_SECOND`. These are single emails,
 * not a bulk send: no priority. A change of a job's worth of rows or more goes as `dispatchEmails`
 * sends it. Resolves when the jobs are enqueued (or the failure logged: the sweep sends them later).
 */
export function dispatchCommitted(ctx: AppContext, outboxIds: string[], delayMs = 0, bulkPriority = BULK_EMAIL_PRIORITY): Promise<void> {
  if (outboxIds.length === 0) return Promise.resolve();
  if (outboxIds.length >= emailJobSizing(ctx.config.EMAIL_RATE_PER_SECOND).perJob) return dispatchEmails(ctx, outboxIds, delayMs, bulkPriority);
  let turn = gathering.get(ctx);
  if (!turn) {
    const byDelay = new Map<number, string[]>();
    const enqueued = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      gathering.delete(ctx);
      return enqueueGathered(ctx, byDelay);
    });
    gathering.set(ctx, (turn = { byDelay, enqueued }));
  }
  let ids = turn.byDelay.get(delayMs);
  if (!ids) turn.byDelay.set(delayMs, (ids = []));
  ids.push(...outboxIds);
  return turn.enqueued;
}

function enqueueGathered(ctx: AppContext, byDelay: Map<number, string[]>): Promise<void> {
  return enqueueSendJobs(ctx, [...byDelay].flatMap(([delayMs, ids]) => sendJobs(ctx, ids).map((job) => ({ ...job, options: delayed(delayMs) }))));
}

type OutboxRow = NonNullable<Awaited<ReturnType<typeof claimOutboxEmails>>[number]>;
type Companion = NonNullable<Awaited<ReturnType<typeof claimOutboxBatch>>>['companions'][number];
/** One message to send: a row, and the confirmations of its batch that it carries. */
interface Claimed {
  row: OutboxRow;
  companions: Companion[];
}
type Outcome = { kind: 'sent' } | { kind: 'retry' | 'failed'; error: string };

export interface SendReport {
  sent: number;
  /** Not claimable: already sent or failed, taken by another job, or a confirmation not due yet. */
  skipped: number;
  failed: number;
  retry: number;
}

/**
 * The send-email job: claims its rows (one statement, and a short transaction per confirmation batch),
 * sends them all at once through the pooled mailer, and records what happened with one statement per
 * outcome. Rows that SMTP refused for now go back to pending and the job throws, so BullMQ retries it
 * with backoff (the retry takes only those rows: the others are no longer claimable). Rows refused for
 * good, or out of attempts, are recorded as failed and the job fails without retrying.
 */
export async function sendOutboxEmails(ctx: AppContext, mailer: Transporter, outboxIds: string[]): Promise<SendReport> {
  const claimed = await claimForSending(ctx, outboxIds);
  // Each message is recorded as sent shortly after SMTP accepts it, not when the job's last one is.
  const marks = new SentMarks(ctx);
  const outcomes = await Promise.all(
    claimed.map(async (unit) => {
      const outcome = await sendClaimed(ctx, mailer, unit);
      if (outcome.kind === 'sent') marks.add({ id: unit.row.id, companions: unit.companions.map((c) => c.id) });
      return outcome;
    }),
  );
  let sent = 0;
  const retry = new Map<string, string[]>();
  const failed = new Map<string, string[]>();
  claimed.forEach((unit, i) => {
    const outcome = outcomes[i]!;
    if (outcome.kind === 'sent') return sent++;
    const ids = [unit.row.id, ...unit.companions.map((c) => c.id)];
    const into = outcome.kind === 'failed' || unit.row.attempts >= MAX_SEND_ATTEMPTS ? failed : retry;
    into.set(outcome.error, [...(into.get(outcome.error) ?? []), ...ids]);
  });
  await marks.flush();
  for (const [error, ids] of failed) await markOutboxFailed(ctx, ids, error);
  for (const [error, ids] of retry) await markOutboxRetry(ctx, ids, error);
  const count = (groups: Map<string, string[]>) => [...groups.values()].reduce((n, ids) => n + ids.length, 0);
  const report = { sent, skipped: outboxIds.length - claimed.length, failed: count(failed), retry: count(retry) };
  const describe = (groups: Map<string, string[]>) => [...groups].map(([error, ids]) => `${ids.length === 1 ? `email ${ids[0]}` : `${ids.length} emails`}: ${error}`).join('; ');
  if (report.retry > 0) throw new Error(`not sent yet, ${describe(retry)}${report.failed > 0 ? `; failed, ${describe(failed)}` : ''}`);
  if (report.failed > 0) throw new UnrecoverableError(`failed, ${describe(failed)}`);
  return report;
}

/** One row, as the tests and the bench's statement capture call it: 'skipped' when it was not claimable. */
export async function sendOutboxEmail(ctx: AppContext, mailer: Transporter, outboxId: string): Promise<'sent' | 'skipped'> {
  const report = await sendOutboxEmails(ctx, mailer, [outboxId]);
  return report.sent > 0 ? 'sent' : 'skipped';
}

/** Sends one claimed message; never throws (an SMTP answer or an unsealing failure is its outcome). */
async function sendClaimed(ctx: AppContext, mailer: Transporter, { row, companions }: Claimed): Promise<Outcome> {
  // Each row's links are sealed for that row; a batch's placeholders are all different, so one map holds them.
  const links: EmailLinks = {};
  for (const one of [row, ...companions]) {
    const opened = unsealLinks(ctx, one);
    if (typeof opened === 'string') return { kind: 'failed', error: opened };
    Object.assign(links, opened);
  }
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
    return { kind: 'sent' };
  } catch (error) {
    // An SMTP answer may quote the message: the stored error and the job's failure get placeholders.
    const answer = withoutLinks(describeSmtpError(error), links);
    return { kind: isPermanentSmtpFailure(error) ? 'failed' : 'retry', error: answer };
  }
}

/**
 * The rows to send: the single emails in one statement, and each confirmation with the rest of its
 * batch (batches.ts) in a short transaction under the person's batch lock.
 */
async function claimForSending(ctx: AppContext, outboxIds: string[]): Promise<Claimed[]> {
  const rows = await claimOutboxEmails(ctx, outboxIds, SENDING_LEASE_SECONDS);
  const claimed: Claimed[] = rows.map((row) => ({ row, companions: [] }));
  const taken = new Set(rows.map((row) => row.id));
  const batched = await findOutboxBatchKeys(
    ctx,
    outboxIds.filter((id) => !taken.has(id)),
  );
  for (const { id, batch_key } of batched) {
    // A batch claimed for an earlier row of this job already carries this one.
    if (claimed.some((unit) => unit.companions.some((c) => c.id === id))) continue;
    const unit = await inTransaction(ctx, (tx) => claimOutboxBatch(tx, id, batch_key, SENDING_LEASE_SECONDS));
    if (unit) claimed.push(unit);
  }
  return claimed;
}

/** How long a message SMTP accepted may wait to be recorded as sent, gathered with the others of its job accepted meanwhile. */
const MARK_SENT_AFTER_MS = 500;

/**
 * The sent messages of one send job, recorded in groups as SMTP accepts them (one statement per
 * MARK_SENT_AFTER_MS at most, one at a time), so that a worker that dies during a long job (a slow
 * provider, a job waiting behind others for the pool's connections) sends again only the messages
 * accepted in its last moments, not every one of the job's: those would reach their readers twice.
 * A job that ends sooner writes one statement, as before. `flush` writes the rest and throws what a
 * write could not do (`markSentOrRetry`).
 */
class SentMarks {
  private pending: Array<{ id: string; companions: string[] }> = [];
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();
  private failure: Error | null = null;

  constructor(private readonly ctx: AppContext) {}

  add(send: { id: string; companions: string[] }): void {
    this.pending.push(send);
    this.timer ??= setTimeout(() => {
      this.timer = null;
      void this.write();
    }, MARK_SENT_AFTER_MS);
  }

  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.write();
    if (this.failure) throw this.failure;
  }

  private write(): Promise<void> {
    const sends = this.pending;
    this.pending = [];
    if (sends.length > 0) {
      this.writing = this.writing
        .then(() => markSentOrRetry(this.ctx, sends))
        .catch((error: Error) => {
          this.failure ??= error;
        });
    }
    return this.writing;
  }
}

/**
 * Records sent emails. They are already out: if the write fails (a connection killed, a failover),
 * failing the job would leave the rows `sending` until their lease ends and the sweep sends them again,
 * duplicates. So the write is tried again on a fresh connection, a few times, before that.
 */
async function markSentOrRetry(ctx: AppContext, sends: Array<{ id: string; companions: string[] }>): Promise<void> {
  if (sends.length === 0) return;
  for (const pauseMs of [200, 1000, 3000]) {
    try {
      return await markOutboxSent(ctx, sends);
    } catch (error) {
      ctx.log.warn({ emails: sends.length, first: sends[0]!.id, err: (error as Error).message }, 'could not record sent emails; trying again');
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  }
  await markOutboxSent(ctx, sends);
}

/** A row's links, or why they cannot be had (retrying would not help: the row is recorded as failed). */
function unsealLinks(ctx: AppContext, row: { id: string; to_email: string; sealed_links: string | null; sealed_links_until_sent: boolean }): EmailLinks | string {
  if (row.sealed_links) {
    try {
      return openLinks(ctx.config.SESSION_SECRET, { outboxId: row.id, to: row.to_email }, row.sealed_links);
    } catch {
      return 'its links could not be unsealed: SESSION_SECRET changed since it was queued, or the row was altered';
    }
  }
  // Never sent with placeholders where its one-time link was.
  if (row.sealed_links_until_sent) return 'its one-time link was already scrubbed; resend it from the emails page for a new one';
  return {};
}

/** The backstop: re-enqueues rows that no job is handling (lost job, Redis flushed, retries used up). */
export async function sweepOutbox(ctx: AppContext): Promise<number> {
  const stuck = await findStuckOutboxEmails(ctx, 30, SENDING_LEASE_SECONDS, 500);
  const retry = stuck.filter((row) => row.attempts < MAX_SEND_ATTEMPTS);
  for (const row of stuck) if (row.attempts >= MAX_SEND_ATTEMPTS) await markOutboxFailed(ctx, [row.id], 'gave up after repeated failures');
  // A new id per attempt count (the rows' sum): the earlier job for these rows may still be kept as failed.
  const attempts = new Map(retry.map((row) => [row.id, row.attempts]));
  await ctx.queues.enqueueMany(
    'send-email',
    sendJobs(ctx, retry.map((row) => row.id), (chunk) => ['sweep', chunk.reduce((sum, id) => sum + attempts.get(id)!, 0)]),
  );
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
  await ctx.queues.enqueue('send-email', { outboxIds: [outboxId] }, { jobId: jobId('email', outboxId, 'resend', Date.now()) });
}

/** New one-time links for an email being resent, from the domain that issued them. */
async function renewOneTimeLinks(ctx: AppContext, tx: Queryable, row: { id: string; template: string }): Promise<EmailLinks> {
  if (row.template === 'sign-in') return renewSignInLink(ctx, tx, row.id);
  throw conflict('illegal-transition', 'This email carried a one-time link and cannot be sent again.');
}

/**
 * One email for the secretariat: what it said and what became of it. Its personal links (answer, sign-in,
 * unsubscribe) are never stored in its text, only placeholders, and stay so here.
 */
export async function getOutboxEmail(ctx: AppContext, actorOrNull: Actor | null, id: string) {
  requireOutboxReader(actorOrNull);
  const email = await findOutboxEmail(ctx, id);
  if (!email) throw notFound('The email');
  return { ...email, text: emailContentText(email.text_body) };
}

export async function listOutbox(ctx: AppContext, actorOrNull: Actor | null, query: { status?: string | undefined; q?: string | undefined; cursor?: string | undefined; limit: number }) {
  requireOutboxReader(actorOrNull);
  const after = decodeCursor(query.cursor);
  const rows = await listOutboxRows(ctx, query.status, query.q, after ? { createdAt: after.time, id: after.id } : undefined, query.limit);
  return pageOf(rows, query.limit, (last) => encodeCursor(last.cursor_at, last.id));
}
