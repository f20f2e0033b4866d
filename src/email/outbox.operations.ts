import { z } from 'zod';
import { operation, pathParams, recordId } from '../http/operation.ts';
import { listOf } from '../shared/answer-fields.ts';
import { outboxEmailAnswer, outboxQuery, type OutboxEmailAnswer } from './outbox.schemas.ts';
import { listOutbox, resendOutboxEmail } from './outbox.service.ts';

type OutboxListRow = Awaited<ReturnType<typeof listOutbox>>['items'][number];

function outboxEmailToJson(e: OutboxListRow): OutboxEmailAnswer {
  return {
    id: e.id,
    template: e.template,
    to: e.to_email,
    subject: e.subject,
    status: e.status,
    attempts: e.attempts,
    lastError: e.last_error,
    messageId: e.message_id,
    createdAt: e.created_at.toISOString(),
    sentAt: e.sent_at ? e.sent_at.toISOString() : null,
    sentWith: e.sent_with,
  };
}

/** The organizers' email log: what was sent to whom, what failed and why, and sending one again. */
export const outboxOperations = [
  operation({
    operationId: 'listEmails',
    method: 'get',
    path: '/emails',
    tag: 'Emails',
    summary: 'The email log, newest first: recipient, subject, status and the SMTP answer',
    description: '`q` searches recipients and subjects. Bodies are never listed (a sign-in email holds a sign-in link).',
    allow: ['organizer'],
    query: outboxQuery,
    status: 200,
    answer: listOf(outboxEmailAnswer),
    async handler(ctx, { actor, query }) {
      const page = await listOutbox(ctx, actor, query);
      return { items: page.items.map(outboxEmailToJson), nextCursor: page.nextCursor };
    },
  }),
  operation({
    operationId: 'resendEmail',
    method: 'post',
    path: '/emails/{id}/resend',
    tag: 'Emails',
    summary: 'Send a sent or failed email again (same Message-ID)',
    description: 'An email still on its way (pending or sending) is a 409.',
    allow: ['organizer'],
    params: pathParams({ id: recordId('The email') }),
    status: 202,
    answer: z.object({ status: z.literal('pending') }),
    async handler(ctx, { actor, params }) {
      await resendOutboxEmail(ctx, actor, params.id);
      return { status: 'pending' as const };
    },
  }),
];
