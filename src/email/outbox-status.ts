import type { OutboxStatus } from '../../db/types.ts';

export const outboxStatuses = ['pending', 'sending', 'sent', 'failed'] as const satisfies readonly OutboxStatus[];

/**
 * Every move of an email's status: a job claims a pending one (or one whose claim outlived its
 * lease), then marks it sent, pending again for a retry, or failed; an organizer sends a sent or
 * failed one again, as the same row with the same Message-ID.
 */
export const outboxTransitions: Record<'claim' | 'sent' | 'retry' | 'fail' | 'resend', { from: readonly OutboxStatus[]; to: OutboxStatus }> = {
  claim: { from: ['pending', 'sending'], to: 'sending' },
  sent: { from: ['sending'], to: 'sent' },
  retry: { from: ['sending'], to: 'pending' },
  fail: { from: ['pending', 'sending'], to: 'failed' },
  resend: { from: ['sent', 'failed'], to: 'pending' },
};

/** The named sets of email statuses: each rule that asks "is it one of these" uses one of them. */
export const outboxStatusSets: Record<'all' | 'resendable', readonly OutboxStatus[]> = {
  all: outboxStatuses,
  /** Done with, for now: an organizer may send it again (one still on its way is left to its job). */
  resendable: outboxTransitions.resend.from,
};
