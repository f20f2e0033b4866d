import type { Transporter } from 'nodemailer';
import type { AppContext } from '../src/context.ts';
import type { JobPayload } from '../src/queue/registry.ts';
import { sendOutboxEmails, sweepOutbox } from '../src/email/outbox.service.ts';
import { sendDigests } from '../src/interests/interests.service.ts';

export function sendEmailProcessor(ctx: AppContext, mailer: Transporter) {
  return async (payload: JobPayload<'send-email'>) => sendOutboxEmails(ctx, mailer, 'outboxIds' in payload ? payload.outboxIds : [payload.outboxId]);
}

export function sweepOutboxProcessor(ctx: AppContext) {
  return async (_payload: JobPayload<'sweep-outbox'>) => ({ requeued: await sweepOutbox(ctx) });
}

/** The daily digest; the date in its idempotency keys makes a second run the same day send nothing. */
export function sendDigestsProcessor(ctx: AppContext) {
  return async (_payload: JobPayload<'send-digests'>) => ({ sent: await sendDigests(ctx, new Date().toISOString().slice(0, 10)) });
}
