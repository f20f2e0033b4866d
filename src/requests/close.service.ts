import type { AppContext } from '../context.ts';
import type { OutboxEmail, ResponderEmailRow } from '../email/outbox.repository.ts';
import { oncePerLocale } from '../email/render.ts';
import { updatesBatch } from '../email/batches.ts';
import { inTransaction } from '../shared/transaction.ts';
import { closeDueBatch } from './request-status.ts';
import { findMatchingTime } from '../meetings/matching-runs.repository.ts';
import { claimUnreviewedPastDeadline, findRequestStatus, findUserAddresses, msUntilFirstOpenRequestDue, type ClosedRequest } from './requests.repository.ts';
import { listSubmittedResponsesWithWriters } from '../responses/responses.repository.ts';
import { requestUrl } from './requests.service.ts';
import { renderRequestClosedForRequesterEmail, renderRequestClosedForResponderEmail, renderRequestUnreviewedEmail } from './requests.emails.ts';

export type CloseOutcome = 'closed' | 'not-due' | 'not-open';

/** Requests closed per transaction: about 11 emails each, so a batch writes some 2,750 outbox rows. */
const CLOSE_BATCH = 250;
/** Batches in flight at once: one renders emails while another's statements run in Postgres. */
const CLOSE_PARALLELISM = 2;

/**
 * Closes a batch of requests whose deadline passed and, in the same transaction, emails each
 * requester the responses and each responder that matching follows. Set-based: one statement closes
 * and audits the batch, two read the recipients, multi-row INSERTs write the outbox, and the send
 * jobs go to Redis in bulk after the commit. A responder's email differs only by request, language
 * and zone, so it is rendered once per triple and Postgres addresses the rows.
 */
async function closeBatch(ctx: AppContext, options: { limit: number; ids?: string[]; skipLocked?: boolean }): Promise<ClosedRequest[]> {
  return inTransaction(ctx, async (tx) => {
    const closed = await closeDueBatch(tx, options);
    if (closed.length === 0) return closed;
    const ids = closed.map((r) => r.id);
    const responses = await listSubmittedResponsesWithWriters(tx, ids);
    const requesters = await findUserAddresses(tx, [...new Set(closed.map((r) => r.created_by))]);
    const responsesByRequest = new Map<string, typeof responses>();
    for (const row of responses) {
      const list = responsesByRequest.get(row.request_id);
      if (list) list.push(row);
      else responsesByRequest.set(row.request_id, [row]);
    }
    const requesterById = new Map(requesters.map((u) => [u.id, u]));
    // When each marketplace's matching runs: after its review window, in which requesters mark their preferences.
    const matchingAtOf = new Map<string, Date>();
    for (const marketplaceId of new Set(closed.map((r) => r.marketplace_id))) {
      const time = await findMatchingTime(tx, marketplaceId);
      if (time) matchingAtOf.set(marketplaceId, time.matching_at);
    }

    const emails: OutboxEmail[] = [];
    // Each responder's note is one of a few texts (per request, language and zone): rendered once each,
    // and Postgres writes the rows (`queueResponderEmails`).
    const responderRows: ResponderEmailRow[] = [];
    for (const request of closed) {
      const received = responsesByRequest.get(request.id) ?? [];
      const summary = {
        title: request.title,
        marketplaceName: request.marketplace_name,
        responseDeadline: request.response_deadline,
        timeZone: request.time_zone,
        url: requestUrl(ctx, request.id),
        matchingAt: matchingAtOf.get(request.marketplace_id) ?? (request.marketplace_deadline > request.response_deadline ? request.marketplace_deadline : request.response_deadline),
      };
      const requester = requesterById.get(request.created_by);
      if (requester) {
        emails.push({
          idempotencyKey: `request-closed:${request.id}`,
          template: 'request-closed',
          to: requester.email,
          // A government with several requests closing together hears of them in one email, each with its responses.
          batchKey: updatesBatch(requester.locale, requester.email),
          ...renderRequestClosedForRequesterEmail({ ...summary, readerTimeZone: requester.time_zone, responses: received.map((r) => ({ organization: r.organization, summary: r.summary })) }, requester.locale),
        });
      }
      // The same email for every responder of one language and zone: rendered once per pair.
      const forResponder = oncePerLocale((key) => {
        const [locale, zone] = key.split('|') as [string, string];
        return renderRequestClosedForResponderEmail({ ...summary, readerTimeZone: zone || null }, locale);
      });
      for (const response of received) responderRows.push({ responseId: response.id, requestId: request.id, to: response.email, locale: response.locale, content: forResponder(`${response.locale}|${response.time_zone ?? ''}`) });
    }
    // The requesters' first: theirs asks them to act (mark their preferences before the matching run).
    await tx.queueEmails(emails);
    // A provider that answered many of them hears of their close in one email (updatesBatch).
    await tx.queueResponderEmails({ template: 'request-closed-responder', key: { prefix: 'request-closed:', keyed: 'request:response' }, rows: responderRows, batched: true });
    return closed;
  });
}

/**
 * Closes every open request whose deadline passed, in batches, several at once. Batches skip rows
 * another closer holds, so the deadline jobs, the sweep and other workers share the work safely.
 * `onMoreDue` is called once if a batch came back full. Returns how many requests this call closed.
 */
export async function closeDueRequests(ctx: AppContext, options: { onMoreDue?: () => void } = {}): Promise<number> {
  let total = 0;
  let told = false;
  const closer = async () => {
    for (;;) {
      const closed = await closeBatch(ctx, { limit: CLOSE_BATCH, skipLocked: true });
      total += closed.length;
      if (closed.length < CLOSE_BATCH) return;
      // A full batch: more are due than one batch holds (a mass close); the caller may call for help.
      if (!told) {
        told = true;
        options.onMoreDue?.();
      }
    }
  };
  await Promise.all(Array.from({ length: CLOSE_PARALLELISM }, closer));
  await tellUnreviewedPastDeadline(ctx);
  return total;
}

/** Requests still awaiting review told per transaction. */
const UNREVIEWED_BATCH = 500;

/**
 * Tells the requester of each request whose deadline passed before the secretariat reviewed it that it
 * was not published and no provider saw it (once per request and deadline). Before, such a request
 * stayed "submitted" in silence: its requester had been told to wait for an email on its publication.
 * Returns how many requesters were told.
 */
export async function tellUnreviewedPastDeadline(ctx: AppContext): Promise<number> {
  let total = 0;
  for (;;) {
    const told = await inTransaction(ctx, async (tx) => {
      const rows = await claimUnreviewedPastDeadline(tx, UNREVIEWED_BATCH);
      await tx.queueEmails(
        rows.map((r) => ({
          idempotencyKey: `request-unreviewed:${r.id}:${r.response_deadline.getTime()}`,
          template: 'request-unreviewed',
          to: r.email,
          // A government with several such requests hears of them in one email.
          batchKey: updatesBatch(r.locale, r.email),
          ...renderRequestUnreviewedEmail(
            { title: r.title, marketplaceName: r.marketplace_name, responseDeadline: r.response_deadline, timeZone: r.time_zone, url: requestUrl(ctx, r.id), readerTimeZone: r.reader_time_zone },
            r.locale,
          ),
        })),
      );
      return rows.length;
    });
    total += told;
    if (told < UNREVIEWED_BATCH) return total;
  }
}

/** Closes these requests if their deadline passed, waiting for any lock another change holds. */
export async function closeRequests(ctx: AppContext, ids: string[]): Promise<number> {
  let total = 0;
  for (let i = 0; i < ids.length; i += CLOSE_BATCH) {
    const chunk = ids.slice(i, i + CLOSE_BATCH);
    total += (await closeBatch(ctx, { limit: chunk.length, ids: chunk })).length;
  }
  return total;
}

/**
 * Closes one request whose deadline passed (waiting for its lock, so of two closes at once one closes
 * and the other finds it closed), with the same emails as the batch close.
 */
export async function closeRequest(ctx: AppContext, requestId: string): Promise<CloseOutcome> {
  if ((await closeBatch(ctx, { limit: 1, ids: [requestId] })).length > 0) return 'closed';
  // The close statement passed over it: not open then, or open but not yet due by the database clock.
  return (await findRequestStatus(ctx, requestId)) === 'open' ? 'not-due' : 'not-open';
}

/**
 * How long until the database's clock reaches an open request due at or before `deadlineMs`, in
 * milliseconds (0 if none is waiting): a job that fires on the worker's clock a moment before the
 * database's waits this long and closes again.
 */
export async function msUntilDueByDatabaseClock(ctx: AppContext, deadlineMs: number): Promise<number> {
  return Math.max(0, Math.ceil((await msUntilFirstOpenRequestDue(ctx, deadlineMs)) ?? 0));
}
