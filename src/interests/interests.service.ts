import type { AppContext } from '../context.ts';
import { requireActor, type Actor } from '../auth/actor.ts';
import { inTransaction } from '../shared/transaction.ts';
import { getRequest } from '../requests/requests.service.ts';
import { findInterests, findDigestCandidates, findUserTimeZone, followRequest, isFollowing, markDigestSent, setDigest, setUserTimeZone, unfollowRequest, upsertInterests } from './interests.repository.ts';
import type { InterestsInput } from './interests.schemas.ts';
import { renderDigestEmail } from './interests.emails.ts';
import { unsubscribeToken, verifyUnsubscribeToken } from './unsubscribe.ts';
import { linkPlaceholder } from '../email/sealed-links.ts';
import { canFollowRequest } from './interests.policy.ts';
import { notFound } from '../shared/errors.ts';

/** Follows a request, or stops following it: whoever may see it (see `canFollowRequest`); to anyone else it is not found. */
export async function setFollowing(ctx: AppContext, actorOrNull: Actor | null, requestId: string, follow: boolean) {
  const actor = requireActor(actorOrNull);
  const request = await getRequest(ctx, actor, requestId);
  if (!canFollowRequest(actor, request)) throw notFound('The request');
  if (follow) await followRequest(ctx, requestId, actor.id);
  else await unfollowRequest(ctx, requestId, actor.id);
  return { following: follow };
}

export async function getFollowing(ctx: AppContext, actor: Actor | null, requestId: string): Promise<boolean> {
  return actor ? isFollowing(ctx, requestId, actor.id) : false;
}

export async function getMyInterests(ctx: AppContext, actorOrNull: Actor | null) {
  const actor = requireActor(actorOrNull);
  const row = await findInterests(ctx, actor.id);
  const timeZone = await findUserTimeZone(ctx, actor.id);
  return { categories: row?.categories ?? [], themes: row?.themes ?? [], countries: row?.countries ?? [], digest: row?.digest ?? true, timeZone };
}

export async function setMyInterests(ctx: AppContext, actorOrNull: Actor | null, input: InterestsInput) {
  const actor = requireActor(actorOrNull);
  await inTransaction(ctx, async (tx) => {
    await upsertInterests(tx, actor.id, input);
    if (input.timeZone !== undefined) {
      await setUserTimeZone(tx, actor.id, input.timeZone);
      tx.changes('actors');
    }
  });
  return getMyInterests(ctx, actor);
}

export function unsubscribeUrl(ctx: AppContext, userId: string): string {
  return new URL(`/unsubscribe/${unsubscribeToken(ctx.config.SESSION_SECRET, userId)}`, ctx.config.BASE_URL).toString();
}

/** One-click unsubscribe: the signed token is the authorization. */
export async function unsubscribeFromDigest(ctx: AppContext, token: string): Promise<boolean> {
  const userId = verifyUnsubscribeToken(ctx.config.SESSION_SECRET, token);
  if (!userId) return false;
  await setDigest(ctx, userId, false);
  return true;
}

export function isValidUnsubscribeToken(ctx: AppContext, token: string): boolean {
  return verifyUnsubscribeToken(ctx.config.SESSION_SECRET, token) !== null;
}

/**
 * The daily digest: to each person with the digest on, the newly published open requests that fit
 * their interests. At most one per person per day (the idempotency key carries the date).
 */
export async function sendDigests(ctx: AppContext, day: string): Promise<number> {
  let sent = 0;
  for (;;) {
    const candidates = await findDigestCandidates(ctx, 200);
    if (candidates.length === 0) return sent;
    for (const candidate of candidates) {
      // The one-click link is stored only sealed (src/email/sealed-links.ts): the header holds a placeholder.
      const unsubscribe = linkPlaceholder();
      const email = renderDigestEmail({
        requests: candidate.requests.map((r) => ({ ...r, deadline: new Date(r.deadline) })),
        answers: candidate.answers,
        url: new URL('/', ctx.config.BASE_URL).toString(),
        preferencesUrl: new URL('/account/preferences', ctx.config.BASE_URL).toString(),
      }, candidate.locale);
      await inTransaction(ctx, async (tx) => {
        await tx.queueEmail({
          idempotencyKey: `digest:${candidate.user_id}:${day}`,
          template: 'digest',
          to: candidate.email,
          ...email,
          headers: { 'List-Unsubscribe': `<${unsubscribe}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
          links: { [unsubscribe]: unsubscribeUrl(ctx, candidate.user_id) },
        });
        await markDigestSent(tx, candidate.user_id);
      });
      sent++;
    }
  }
}
