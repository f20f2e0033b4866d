import { sql } from 'kysely';
import type { AppContext } from '../context.ts';
import { AppError } from '../shared/errors.ts';
import { inTransaction } from '../shared/transaction.ts';
import { changeRequestStatus } from './request-status.ts';
import { findUserEmail } from './requests.repository.ts';
import { requestUrl } from './requests.service.ts';
import { renderRequestClosedForRequesterEmail, renderRequestClosedForResponderEmail } from './requests.emails.ts';

export type CloseOutcome = 'closed' | 'not-due' | 'not-open';

/**
 * Closes a request whose deadline passed (a conditional update under the request's lock, so a second
 * run does nothing) and, in the same transaction, emails the requester the responses and each
 * responder that matching follows.
 */
export async function closeRequest(ctx: AppContext, requestId: string): Promise<CloseOutcome> {
  try {
    return await inTransaction(ctx, async (tx) => {
      const { before } = await changeRequestStatus(tx, 'system', requestId, 'close');
      const marketplace = await tx.db.selectFrom('marketplaces').select(['response_deadline']).where('id', '=', before.marketplace_id).executeTakeFirstOrThrow();
      const responses = await tx.db
        .selectFrom('responses as s')
        .innerJoin('organizations as o', 'o.id', 's.organization_id')
        .innerJoin('users as u', 'u.id', 's.created_by')
        .select(['s.id', 's.summary', 'o.name as organization', 'u.email', 'u.locale'])
        .where('s.request_id', '=', requestId)
        .where('s.status', '=', 'submitted')
        .orderBy('s.submitted_at')
        .execute();
      const summary = {
        title: before.title,
        marketplaceName: before.marketplace_name,
        responseDeadline: before.response_deadline,
        timeZone: before.time_zone,
        url: requestUrl(ctx, requestId),
        matchingAt: marketplace.response_deadline > before.response_deadline ? marketplace.response_deadline : before.response_deadline,
      };
      const requester = await findUserEmail(tx.db, before.created_by);
      if (requester) {
        await tx.queueEmail({
          idempotencyKey: `request-closed:${requestId}`,
          template: 'request-closed',
          to: requester.email,
          ...renderRequestClosedForRequesterEmail({ ...summary, responses: responses.map((r) => ({ organization: r.organization, summary: r.summary })) }, requester.locale),
        });
      }
      for (const response of responses) {
        await tx.queueEmail({ idempotencyKey: `request-closed:${requestId}:${response.id}`, template: 'request-closed-responder', to: response.email, ...renderRequestClosedForResponderEmail(summary, response.locale) });
      }
      return 'closed' as const;
    });
  } catch (error) {
    if (error instanceof AppError && error.type === 'deadline-not-passed') return 'not-due';
    if (error instanceof AppError && (error.type === 'illegal-transition' || error.status === 404)) return 'not-open';
    throw error;
  }
}

/** Open requests whose deadline passed: what the sweep closes when a delayed job was lost. */
export async function findOverdueRequests(ctx: AppContext, limit: number): Promise<string[]> {
  const rows = await ctx.db
    .selectFrom('requests')
    .select('id')
    .where('status', '=', 'open')
    .where('response_deadline', '<=', sql<Date>`now()`)
    .orderBy('response_deadline')
    .limit(limit)
    .execute();
  return rows.map((r) => r.id);
}
