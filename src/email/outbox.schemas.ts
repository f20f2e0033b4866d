import { z } from 'zod';
import { instant, uuid } from '../shared/answer-fields.ts';
import { outboxStatuses } from './outbox-status.ts';

/** The organizer's email log: filters and keyset pagination (strict for the API; the page ignores other parameters). */
export const outboxQuery = z
  .object({
    status: z.enum(outboxStatuses, { error: `must be one of ${outboxStatuses.join(', ')}` }).optional(),
    q: z.string().trim().max(200).optional(),
    limit: z.coerce.number({ error: 'must be a number' }).int().min(1).max(200).default(50),
    cursor: z.string().max(200).optional(),
  })
  .strict();

/** An email of the log as the API answers it: who, what, and what became of it; never its body. */
export const outboxEmailAnswer = z
  .object({
    id: uuid,
    template: z.string(),
    to: z.string(),
    subject: z.string(),
    status: z.enum(outboxStatuses),
    attempts: z.number().int(),
    /** The SMTP server's last answer, when it refused. */
    lastError: z.string().nullable(),
    messageId: z.string(),
    createdAt: instant,
    sentAt: instant.nullable(),
    /** A confirmation that went out in another email of the log, with the person's others of the same minutes. */
    sentWith: uuid.nullable(),
  })
  .meta({ id: 'Email' });
export type OutboxEmailAnswer = z.input<typeof outboxEmailAnswer>;
