import type { OutboxStatus } from '../../db/types.ts';
import type { Actor } from '../auth/actor.ts';
import { outboxStatusSets } from './outbox-status.ts';

/**
 * The email log says who was written to, about what, and what their mail server answered: it is the
 * forum secretariat's, to find and fix a lost email. Bodies (sign-in links among them) are never
 * listed, to anyone.
 */
export function canReadOutbox(actor: Actor | null): boolean {
  return !!actor?.isOrganizer;
}

/** An organizer sends again an email that was sent or gave up; one still on its way is left to its job (the service answers 409). */
export function canResendEmail(actor: Actor | null, email: { status: OutboxStatus }): boolean {
  return canReadOutbox(actor) && outboxStatusSets.resendable.includes(email.status);
}
