import { sql } from 'kysely';
import type { Queryable } from '../shared/db.ts';

/** `outboxId`: the email that carries the link (an organizer's resend renews the token through it). */
export async function insertSignInToken({ db }: Queryable, tokenHash: string, email: string, validMinutes: number, nextPath: string | null, outboxId: string) {
  await db
    .insertInto('sign_in_tokens')
    .values({ token_hash: tokenHash, email, expires_at: sql<Date>`now() + make_interval(mins => ${validMinutes})`, next_path: nextPath, outbox_id: outboxId })
    .execute();
}

/** A new token for the sign-in an email carries, only while its link is unused and unexpired; the old token stops working. */
export async function renewSignInToken({ db }: Queryable, outboxId: string, tokenHash: string, validMinutes: number) {
  return db
    .updateTable('sign_in_tokens')
    .set({ token_hash: tokenHash, expires_at: sql<Date>`now() + make_interval(mins => ${validMinutes})` })
    .where('outbox_id', '=', outboxId)
    .where('used_at', 'is', null)
    .where('expires_at', '>', sql<Date>`now()`)
    .returning('email')
    .executeTakeFirst();
}

/** Uses a sign-in token once: a used or expired token finds nothing. */
export async function consumeSignInToken({ db }: Queryable, tokenHash: string) {
  return db
    .updateTable('sign_in_tokens')
    .set({ used_at: sql`now()` })
    .where('token_hash', '=', tokenHash)
    .where('used_at', 'is', null)
    .where('expires_at', '>', sql<Date>`now()`)
    .returning(['email', 'next_path'])
    .executeTakeFirst();
}

export async function isSignInTokenUsable({ db }: Queryable, tokenHash: string): Promise<boolean> {
  const row = await db
    .selectFrom('sign_in_tokens')
    .select('token_hash')
    .where('token_hash', '=', tokenHash)
    .where('used_at', 'is', null)
    .where('expires_at', '>', sql<Date>`now()`)
    .executeTakeFirst();
  return !!row;
}

/**
 * The person who used a sign-in link, created on first use. `locale` is the browser's language: a new
 * person gets it; an existing person's is replaced only when the reader chose it with the switch.
 */
export async function upsertUserOnSignIn({ db }: Queryable, email: string, isOrganizer: boolean, locale?: { value: string; chosen: boolean }) {
  return db
    .insertInto('users')
    .values({ email, is_organizer: isOrganizer, last_sign_in_at: sql`now()`, ...(locale ? { locale: locale.value } : {}) })
    .onConflict((oc) => oc.column('email').doUpdateSet({ is_organizer: isOrganizer, last_sign_in_at: sql`now()`, ...(locale?.chosen ? { locale: locale.value } : {}) }))
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** The language of a person's emails: the one they chose on the site (users.locale). */
export async function setUserLocale({ db }: Queryable, userId: string, locale: string) {
  await db.updateTable('users').set({ locale }).where('id', '=', userId).where('locale', '<>', locale).execute();
}

/** The language of the person with this address, if there is one. */
export async function findUserLocaleByEmail({ db }: Queryable, email: string): Promise<string | undefined> {
  const row = await db.selectFrom('users').select('locale').where('email', '=', email).executeTakeFirst();
  return row?.locale;
}

export async function insertAuthSession({ db }: Queryable, tokenHash: string, userId: string, kind: 'browser' | 'api', validDays: number) {
  await db
    .insertInto('auth_sessions')
    .values({ token_hash: tokenHash, user_id: userId, kind, expires_at: sql<Date>`now() + make_interval(days => ${validDays})` })
    .execute();
}

const actorColumns = [
  'u.id',
  'u.email',
  'u.name',
  'u.is_organizer',
  'u.locale',
  'u.time_zone',
  'u.organization_id',
  'u.membership',
  'o.name as organization_name',
  'o.kind as organization_kind',
  'o.country as organization_country',
  'o.status as organization_status',
] as const;

/** A person as an actor, by id (the demo signs people in without email). */
export async function findActorRow({ db }: Queryable, userId: string) {
  return db.selectFrom('users as u').leftJoin('organizations as o', 'o.id', 'u.organization_id').select(actorColumns).where('u.id', '=', userId).executeTakeFirst();
}

export async function findSessionUser({ db }: Queryable, tokenHash: string, kind: 'browser' | 'api') {
  return db
    .selectFrom('auth_sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .leftJoin('organizations as o', 'o.id', 'u.organization_id')
    .select(actorColumns)
    .where('s.token_hash', '=', tokenHash)
    .where('s.kind', '=', kind)
    .where('s.revoked_at', 'is', null)
    .where('s.expires_at', '>', sql<Date>`now()`)
    .executeTakeFirst();
}

export async function revokeAuthSession({ db }: Queryable, tokenHash: string) {
  await db.updateTable('auth_sessions').set({ revoked_at: sql`now()` }).where('token_hash', '=', tokenHash).execute();
}
