import type { AppContext } from '../context.ts';
import type { OutboxEmail } from '../email/outbox.repository.ts';
import { oncePerLocale } from '../email/render.ts';
import { inTransaction } from '../shared/transaction.ts';
import { findInterestedProviders, findPeopleToRemind } from '../interests/interests.repository.ts';
import { renderNobodyAnsweredEmail, renderNoResponseYetEmail, renderReminderEmail } from '../interests/interests.emails.ts';
import { claimReminder, findRequestsDueForReminder, lockRequest, findUserEmail } from './requests.repository.ts';
import { requestUrl } from './requests.service.ts';
import { REMINDERS, type ReminderKind } from './deadline-jobs.ts';

export type ReminderOutcome = 'sent' | 'stale' | 'already-ran';

/**
 * Sends the reminders of one kind for one request and deadline: to followers and authors of drafts;
 * at 7 days with no response yet, to the requester and to providers whose interests fit. A reminder
 * goes once per (request, person, kind), whatever the number of runs or extensions.
 */
export async function sendReminders(ctx: AppContext, requestId: string, kind: ReminderKind, deadlineMs: number): Promise<ReminderOutcome> {
  return inTransaction(ctx, async (tx) => {
    const request = await lockRequest(tx, requestId);
    if (!request || request.status !== 'open' || request.response_deadline.getTime() !== deadlineMs) return 'stale';
    if (!(await claimReminder(tx, requestId, kind, request.response_deadline))) return 'already-ran';
    const url = requestUrl(ctx, requestId);
    const base = { title: request.title, deadline: request.response_deadline, timeZone: request.time_zone, url };
    const emails: OutboxEmail[] = [];
    const withDraft = oncePerLocale((locale) => renderReminderEmail({ ...base, kind, hasDraft: true }, locale));
    const withoutDraft = oncePerLocale((locale) => renderReminderEmail({ ...base, kind, hasDraft: false }, locale));
    for (const person of await findPeopleToRemind(tx, requestId)) {
      emails.push({ idempotencyKey: `reminder:${kind}:${requestId}:${person.id}`, template: `reminder-${kind}`, to: person.email, ...(person.has_draft ? withDraft : withoutDraft)(person.locale) });
    }
    if (kind === '7d' && request.response_count === 0) {
      const requester = await findUserEmail(tx, request.created_by);
      if (requester) {
        emails.push({ idempotencyKey: `reminder:7d-no-response:${requestId}:${requester.id}`, template: 'no-response-yet', to: requester.email, ...renderNoResponseYetEmail(base, requester.locale) });
      }
      const nobodyAnswered = oncePerLocale((locale) => renderNobodyAnsweredEmail({ ...base, organization: request.organization_name }, locale));
      for (const provider of await findInterestedProviders(tx, requestId)) {
        emails.push({ idempotencyKey: `reminder:7d-nobody-answered:${requestId}:${provider.id}`, template: 'nobody-answered', to: provider.email, ...nobodyAnswered(provider.locale) });
      }
    }
    await tx.queueEmails(emails);
    return 'sent';
  });
}

/** Reminders that are due and did not run (their delayed job was lost): the sweep's share. */
export async function findDueReminders(ctx: AppContext, limit: number) {
  const due: Array<{ requestId: string; kind: ReminderKind; deadlineMs: number }> = [];
  for (const kind of Object.keys(REMINDERS) as ReminderKind[]) {
    const rows = await findRequestsDueForReminder(ctx, kind, REMINDERS[kind], limit);
    due.push(...rows.map((r) => ({ requestId: r.id, kind, deadlineMs: r.response_deadline.getTime() })));
  }
  return due;
}
