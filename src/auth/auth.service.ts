import { randomUUID } from 'node:crypto';
import type { AppContext } from '../context.ts';
import { inTransaction } from '../shared/transaction.ts';
import { AppError } from '../shared/errors.ts';
import { hashToken, newSecretToken } from './tokens.ts';
import {
  consumeSignInToken,
  findActorRow,
  findSessionUser,
  findUserLocaleByEmail,
  insertAuthSession,
  insertSignInToken,
  isSignInTokenUsable,
  revokeAuthSession,
  setUserLocale,
  upsertUserOnSignIn,
} from './auth.repository.ts';
import { renderSignInEmail } from './auth.emails.ts';
import { SIGN_IN_LINK, SIGN_IN_TOKEN_MINUTES, signInUrl } from './sign-in-links.ts';
import { consumeRateLimit } from './rate-limits.ts';
import { cacheChanged } from '../shared/process-cache.ts';
import { actingOrganization, type Actor, type Affiliation } from './actor.ts';
import type { MeAnswer } from './auth.schemas.ts';

const SESSION_DAYS = { browser: 14, api: 30 } as const;

/**
 * Emails a one-time sign-in link. The caller's answer is the same whether or not the address has an
 * account; only the rate limits (per address and per IP) can refuse. The email is in the person's
 * language, or, for an address without an account, in the language of the page that asked (`locale`).
 */
export async function requestSignInLink(ctx: AppContext, input: { email: string; ip: string; next?: string | undefined; locale?: string | undefined }): Promise<void> {
  await consumeRateLimit(ctx, 'signInLinkPerIp', input.ip);
  await consumeRateLimit(ctx, 'signInLinkPerEmail', input.email);
  const token = newSecretToken();
  const tokenHash = hashToken(token);
  const locale = (await findUserLocaleByEmail(ctx, input.email)) ?? input.locale ?? 'en';
  // The stored email holds a placeholder; the link itself is stored sealed until the email is sent, then
  // scrubbed: with the token hashed in sign_in_tokens, nothing stored can sign this person in.
  const email = renderSignInEmail(SIGN_IN_LINK, SIGN_IN_TOKEN_MINUTES, locale);
  const outboxId = randomUUID();
  await inTransaction(ctx, async (tx) => {
    await tx.queueEmail({ id: outboxId, idempotencyKey: `sign-in:${tokenHash}`, template: 'sign-in', to: input.email, ...email, links: { [SIGN_IN_LINK]: signInUrl(ctx, token) }, linksUntilSent: true });
    await insertSignInToken(tx, tokenHash, input.email, SIGN_IN_TOKEN_MINUTES, input.next ?? null, outboxId);
  });
}

/** Whether the link's token can still sign in (for the page that shows the sign-in button). */
export async function isSignInLinkValid(ctx: AppContext, token: string): Promise<boolean> {
  return isSignInTokenUsable(ctx, hashToken(token));
}

/**
 * Uses a sign-in token once and opens a new session (a new id each time: no session fixation).
 * `locale` is the browser's language: a new person's emails use it; `chosen` (the language switch)
 * also replaces an existing person's.
 */
export async function signInWithToken(ctx: AppContext, input: { token: string; ip: string; kind: 'browser' | 'api'; locale?: { value: string; chosen: boolean } | undefined }) {
  await consumeRateLimit(ctx, 'tokenExchangePerIp', input.ip);
  const sessionToken = newSecretToken();
  const result = await inTransaction(ctx, async (tx) => {
    const used = await consumeSignInToken(tx, hashToken(input.token));
    if (!used) return null;
    const user = await upsertUserOnSignIn(tx, used.email, ctx.config.ORGANIZER_EMAILS.includes(used.email), input.locale);
    await insertAuthSession(tx, hashToken(sessionToken), user.id, input.kind, SESSION_DAYS[input.kind]);
    return { user, nextPath: used.next_path };
  });
  if (!result) throw new AppError(401, 'invalid-token', 'Sign-in link not valid', 'This sign-in link was already used or has expired. Ask for a new one.');
  return { sessionToken, user: result.user, nextPath: result.nextPath, expiresInDays: SESSION_DAYS[input.kind] };
}

export async function resolveSession(ctx: AppContext, sessionToken: string, kind: 'browser' | 'api'): Promise<Actor | null> {
  if (sessionToken.length < 20 || sessionToken.length > 100) return null;
  const tokenHash = hashToken(sessionToken);
  // Remembered for SESSION_CACHE_SECONDS; an unknown token is asked about each time, not remembered.
  const row = await ctx.caches.actors.get(`${kind}:${tokenHash}`, () => findSessionUser(ctx, tokenHash, kind), { keep: (found) => !!found });
  return row ? toActor(ctx, row) : null;
}

/** A person as an actor by id: for the demo (signing in without email) and jobs acting for someone. */
export async function loadActor(ctx: AppContext, userId: string): Promise<Actor | null> {
  const row = await findActorRow(ctx, userId);
  return row ? toActor(ctx, row) : null;
}

/** Demo mode only: opens a browser session for a demo person without an emailed link. */
export async function signInForDemo(ctx: AppContext, userId: string): Promise<{ sessionToken: string; expiresInDays: number }> {
  if (!ctx.config.DEMO_MODE) throw new AppError(404, 'not-found', 'Not found', 'There is no page at this address.');
  const sessionToken = newSecretToken();
  await insertAuthSession(ctx, hashToken(sessionToken), userId, 'browser', 1);
  return { sessionToken, expiresInDays: 1 };
}

type ActorRow = NonNullable<Awaited<ReturnType<typeof findActorRow>>>;

function toActor(ctx: AppContext, row: ActorRow): Actor {
  const affiliation: Affiliation | null =
    row.organization_id && row.organization_name && row.organization_kind && row.organization_status && row.membership
      ? { organization: { id: row.organization_id, name: row.organization_name, kind: row.organization_kind, country: row.organization_country, status: row.organization_status }, membership: row.membership }
      : null;
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    // ORGANIZER_EMAILS is the source of truth: removing an address there removes the role at once.
    isOrganizer: ctx.config.ORGANIZER_EMAILS.includes(row.email),
    locale: row.locale,
    timeZone: row.time_zone,
    organization: actingOrganization(affiliation),
    affiliation,
  };
}

/** The language a signed-in person chose with the switch: their pages and, from now on, their emails. */
export async function setPreferredLocale(ctx: AppContext, actor: Actor, locale: string): Promise<void> {
  if (actor.locale === locale) return;
  await setUserLocale(ctx, actor.id, locale);
  actor.locale = locale;
  cacheChanged(ctx, 'actors');
}

export async function signOut(ctx: AppContext, sessionToken: string): Promise<void> {
  await revokeAuthSession(ctx, hashToken(sessionToken));
  cacheChanged(ctx, 'actors');
}

/** Who the caller is, for `GET /me`: the organization they named and where it stands, and whether they act for it. */
export function meToJson(actor: Actor): MeAnswer {
  return {
    id: actor.id,
    email: actor.email,
    name: actor.name,
    isOrganizer: actor.isOrganizer,
    locale: actor.locale,
    timeZone: actor.timeZone,
    organization: actor.affiliation?.organization ?? null,
    membership: actor.affiliation?.membership ?? null,
    actsForOrganization: actor.organization !== null,
  };
}
