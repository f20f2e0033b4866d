import type { ResponseStatus } from '../../db/types.ts';

export const responseStatuses = ['draft', 'submitted', 'withdrawn', 'matched', 'not_matched'] as const satisfies readonly ResponseStatus[];

export type ResponseAction = 'edit' | 'submit' | 'withdraw' | 'match' | 'not-match';

/**
 * Every legal move of a response's status. `edit` keeps the status. The first three are the
 * provider's, before the deadline; the last two are the matching run's, after it.
 */
export const responseTransitions: Record<ResponseAction, { from: readonly ResponseStatus[]; to?: ResponseStatus; deadline?: 'before' | 'after' }> = {
  edit: { from: ['draft', 'submitted'], deadline: 'before' },
  submit: { from: ['draft', 'withdrawn'], to: 'submitted', deadline: 'before' },
  withdraw: { from: ['draft', 'submitted'], to: 'withdrawn', deadline: 'before' },
  match: { from: ['submitted', 'not_matched', 'matched'], to: 'matched', deadline: 'after' },
  'not-match': { from: ['submitted', 'matched', 'not_matched'], to: 'not_matched', deadline: 'after' },
};

export const responseActionVerbs: Record<ResponseAction, string> = {
  edit: 'edited',
  submit: 'submitted',
  withdraw: 'withdrawn',
  match: 'matched',
  'not-match': 'marked not matched',
};

/** The named sets of response statuses: each rule that asks "is it one of these" uses one of them. */
export const responseStatusSets: Record<'all' | 'sentToRequester' | 'counted' | 'offered', readonly ResponseStatus[]> = {
  /** Every status: what organizers see. */
  all: responseStatuses,
  /** Sent to the requester (a draft or a withdrawn response never is). */
  sentToRequester: ['submitted', 'matched', 'not_matched'],
  /** Counted in the request's response count. */
  counted: ['submitted'],
  /** Taken into a matching run. */
  offered: ['submitted', 'matched', 'not_matched'],
};
