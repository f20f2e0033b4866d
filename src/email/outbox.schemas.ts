import { z } from 'zod';

/** The organizer's email log: filters and keyset pagination (strict for the API; the page ignores other parameters). */
export const outboxQuery = z
  .object({
    status: z.enum(['pending', 'sending', 'sent', 'failed'], { error: 'must be one of pending, sending, sent, failed' }).optional(),
    q: z.string().trim().max(200).optional(),
    limit: z.coerce.number({ error: 'must be a number' }).int().min(1).max(200).default(50),
    cursor: z.string().max(200).optional(),
  })
  .strict();
