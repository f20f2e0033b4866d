import type { AppContext } from '../context.ts';
import type { EmailLinks } from '../email/sealed-links.ts';
import type { Queryable } from '../shared/db.ts';
import { conflict } from '../shared/errors.ts';
import { renewSignInToken } from './auth.repository.ts';
import { hashToken, newSecretToken } from './tokens.ts';

export const SIGN_IN_TOKEN_MINUTES = 10;

/**
 * Stands for the sign-in link in the stored email (its link is stored only sealed, and only until the
 * email is sent). Fixed rather than random, so a resend can give it a new link: a sign-in email holds
 * no text a user wrote that could contain it.
 */
export const SIGN_IN_LINK = 'sealed-link-sign-in';

export function signInUrl(ctx: AppContext, token: string): string {
  const link = new URL('/auth/callback', ctx.config.BASE_URL);
  link.searchParams.set('token', token);
  return link.toString();
}

/**
 * An organizer resends a sign-in email whose link was scrubbed when it went out: while that link is
 * unused and unexpired, the same sign-in gets a new token, valid for the full time again as the email
 * says, and the earlier link stops working (one live link per sign-in). A used or expired link is not
 * renewed: the person asks for a new one, as they would themselves.
 */
export async function renewSignInLink(ctx: AppContext, tx: Queryable, outboxId: string): Promise<EmailLinks> {
  const token = newSecretToken();
  const renewed = await renewSignInToken(tx, outboxId, hashToken(token), SIGN_IN_TOKEN_MINUTES);
  if (!renewed) {
    throw conflict('sign-in-link-expired', 'This sign-in link was already used or has expired, so it was not sent again. The person can ask for a new link on the sign-in page.');
  }
  return { [SIGN_IN_LINK]: signInUrl(ctx, token) };
}
