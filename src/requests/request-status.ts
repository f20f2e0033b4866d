import type { RequestStatus } from '../../db/types.ts';
import type { Actor } from '../auth/actor.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import { AppError, conflict } from '../shared/errors.ts';
import { formatInZone } from '../shared/time.ts';
import type { Tx } from '../shared/transaction.ts';
import { closeDueRequestRows, lockRequest, updateRequestStatus, type ClosedRequest, type RequestRow } from './requests.repository.ts';
import { requestStatuses } from './requests.schemas.ts';

/** The named sets of request statuses: each rule that asks "is it one of these" uses one of them. */
export const requestStatusSets: Record<'all' | 'public' | 'editable' | 'deadlinePassed' | 'deadlineMovable' | 'moderatable' | 'awaitingMatching', readonly RequestStatus[]> = {
  all: requestStatuses,
  /** Seen by everyone: published once, whatever came after. */
  public: ['open', 'closed', 'matched'],
  /** Its fields can still change (before the deadline). */
  editable: ['submitted', 'open'],
  /** The deadline passed: no more responses or edits; sealed responses are unsealed. */
  deadlinePassed: ['closed', 'matched'],
  /** An organizer can still move its deadline (a closed request reopens). */
  deadlineMovable: ['submitted', 'open', 'closed'],
  /** An organizer can still publish or reject it. */
  moderatable: ['submitted', 'open'],
  /** Published and not matched yet: a marketplace with one of these still has a matching run to come. */
  awaitingMatching: ['open', 'closed'],
};

export type RequestAction = 'publish' | 'reject' | 'withdraw' | 'close' | 'reopen' | 'match';

/** Every legal move of a request's status. Nothing else changes a status. */
export const requestTransitions: Record<RequestAction, { from: RequestStatus[]; to: RequestStatus; deadline?: 'before' | 'after' }> = {
  publish: { from: ['submitted'], to: 'open', deadline: 'before' },
  reject: { from: ['submitted', 'open'], to: 'rejected' },
  withdraw: { from: ['submitted', 'open'], to: 'withdrawn', deadline: 'before' },
  close: { from: ['open'], to: 'closed', deadline: 'after' },
  // An extension reopens a closed request (before matching) once its new deadline lies ahead.
  reopen: { from: ['closed'], to: 'open', deadline: 'before' },
  match: { from: ['closed'], to: 'matched' },
};

const verbs: Record<RequestAction, string> = {
  publish: 'published',
  reject: 'rejected',
  withdraw: 'withdrawn',
  close: 'closed',
  reopen: 'reopened',
  match: 'matched',
};

export function deadlinePassedError(deadline: Date, timeZone: string): AppError {
  return new AppError(409, 'deadline-passed', 'Deadline passed', `The response deadline passed on ${formatInZone(deadline, timeZone)}.`);
}

/**
 * The one place a request changes status: it locks the row, refuses an illegal move with 409, checks
 * the deadline against the database clock, and writes the audit row, all in the caller's transaction.
 */
export async function changeRequestStatus(
  tx: Tx,
  actor: Actor | 'system',
  requestId: string,
  action: RequestAction,
  options: { reason?: string } = {},
): Promise<{ before: RequestRow; status: RequestStatus }> {
  const rule = requestTransitions[action];
  const before = await lockRequest(tx, requestId);
  if (!before) throw new AppError(404, 'not-found', 'Not found', 'The request does not exist.');
  if (rule.deadline === 'before' && action !== 'reopen' && requestStatusSets.deadlinePassed.includes(before.status)) {
    throw deadlinePassedError(before.response_deadline, before.time_zone);
  }
  if (!rule.from.includes(before.status)) {
    throw conflict('illegal-transition', `This request is ${before.status}; it cannot be ${verbs[action]}.`);
  }
  const updated = await updateRequestStatus(tx, requestId, before.status, rule.to, {
    beforeDeadline: rule.deadline === 'before',
    afterDeadline: rule.deadline === 'after',
    ...(action === 'reject' ? { rejectionReason: options.reason ?? '' } : {}),
  });
  if (!updated) {
    if (rule.deadline === 'before') throw deadlinePassedError(before.response_deadline, before.time_zone);
    throw conflict('deadline-not-passed', 'The response deadline has not passed yet.');
  }
  tx.changes('listing');
  await recordAudit(tx, actor, {
    entity: 'request',
    entityId: requestId,
    action,
    fromStatus: before.status,
    toStatus: rule.to,
    ...(options.reason ? { detail: { reason: options.reason } } : {}),
  });
  return { before, status: rule.to };
}

/**
 * The set form of `close`, for the deadline: in one statement it locks open requests whose deadline
 * passed (all of them up to `limit`, or only `ids`), closes them and writes their audit rows. With
 * `skipLocked`, rows another closer holds are left to it, so several closers share the work.
 */
export async function closeDueBatch(tx: Tx, options: { limit: number; ids?: string[]; skipLocked?: boolean }): Promise<ClosedRequest[]> {
  const closed = await closeDueRequestRows(tx, requestTransitions.close, options);
  if (closed.length > 0) tx.changes('listing');
  return closed;
}
