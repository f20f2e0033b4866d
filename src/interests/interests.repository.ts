import { sql } from 'kysely';
import type { Queryable } from '../shared/db.ts';
import { concernedByAnswers } from '../questions/questions.repository.ts';

export async function followRequest({ db }: Queryable, requestId: string, userId: string) {
  await db.insertInto('request_follows').values({ request_id: requestId, user_id: userId }).onConflict((oc) => oc.doNothing()).execute();
}

export async function unfollowRequest({ db }: Queryable, requestId: string, userId: string) {
  await db.deleteFrom('request_follows').where('request_id', '=', requestId).where('user_id', '=', userId).execute();
}

export async function isFollowing({ db }: Queryable, requestId: string, userId: string): Promise<boolean> {
  return !!(await db.selectFrom('request_follows').select('user_id').where('request_id', '=', requestId).where('user_id', '=', userId).executeTakeFirst());
}

export async function findInterests({ db }: Queryable, userId: string) {
  return db.selectFrom('provider_interests').selectAll().where('user_id', '=', userId).executeTakeFirst();
}

export async function upsertInterests({ db }: Queryable, userId: string, v: { categories: string[]; themes: string[]; countries: string[]; digest: boolean }) {
  await db
    .insertInto('provider_interests')
    .values({ user_id: userId, categories: v.categories, themes: v.themes, countries: v.countries, digest: v.digest })
    .onConflict((oc) =>
      oc.column('user_id').doUpdateSet({ categories: v.categories, themes: v.themes, countries: v.countries, digest: v.digest, updated_at: sql`now()` }),
    )
    .execute();
}

export async function setDigest({ db }: Queryable, userId: string, digest: boolean) {
  await db
    .insertInto('provider_interests')
    .values({ user_id: userId, digest })
    .onConflict((oc) => oc.column('user_id').doUpdateSet({ digest, updated_at: sql`now()` }))
    .execute();
}

export async function setUserTimeZone({ db }: Queryable, userId: string, timeZone: string | null) {
  await db.updateTable('users').set({ time_zone: timeZone }).where('id', '=', userId).execute();
}

export async function findUserTimeZone({ db }: Queryable, userId: string) {
  const user = await db.selectFrom('users').select('time_zone').where('id', '=', userId).executeTakeFirstOrThrow();
  return user.time_zone;
}

/**
 * A request fits a person's interests when every list they filled in meets the request (an empty
 * list means "any"), and they filled in at least one.
 */
const fits = sql<boolean>`
  (cardinality(i.categories) + cardinality(i.themes) + cardinality(i.countries)) > 0
  AND (cardinality(i.categories) = 0 OR r.category = ANY(i.categories))
  AND (cardinality(i.themes) = 0 OR i.themes && r.themes)
  AND (cardinality(i.countries) = 0 OR i.countries && r.countries)`;

/** Verified providers (not the requester, not an organization that already responded) whose interests fit the request. */
export async function findInterestedProviders({ db }: Queryable, requestId: string) {
  const result = await sql<{ id: string; email: string; locale: string }>`
    SELECT u.id, u.email, u.locale
    FROM requests r
    JOIN provider_interests i ON true
    JOIN users u ON u.id = i.user_id
    JOIN organizations o ON o.id = u.organization_id
    WHERE r.id = ${requestId}
      AND o.status = 'verified' AND u.membership = 'active' AND o.id <> r.organization_id
      AND NOT EXISTS (SELECT 1 FROM responses s WHERE s.request_id = r.id AND s.organization_id = o.id AND s.status = 'submitted')
      AND ${fits}`.execute(db);
  return result.rows;
}

/** People to remind before a deadline: followers and authors of unsubmitted drafts, whose organization has not responded. */
export async function findPeopleToRemind({ db }: Queryable, requestId: string) {
  const result = await sql<{ id: string; email: string; locale: string; has_draft: boolean }>`
    SELECT u.id, u.email, u.locale, bool_or(d.id IS NOT NULL) AS has_draft
    FROM users u
    LEFT JOIN request_follows f ON f.user_id = u.id AND f.request_id = ${requestId}
    LEFT JOIN responses d ON d.created_by = u.id AND d.request_id = ${requestId} AND d.status = 'draft'
    WHERE (f.user_id IS NOT NULL OR d.id IS NOT NULL)
      AND NOT EXISTS (SELECT 1 FROM responses s WHERE s.request_id = ${requestId} AND s.organization_id = u.organization_id AND s.status = 'submitted')
    GROUP BY u.id, u.email, u.locale`.execute(db);
  return result.rows;
}

/**
 * People with the daily digest on, with what happened since their last digest: the open requests
 * published that fit their interests, and the answers published (or changed) on requests they follow,
 * responded to or asked about.
 */
export async function findDigestCandidates({ db }: Queryable, limit: number) {
  const result = await sql<{
    user_id: string;
    email: string;
    locale: string;
    requests: Array<{ id: string; title: string; category: string; organization: string; deadline: string; timeZone: string }>;
    answers: Array<{ requestId: string; title: string; question: string; edited: boolean }>;
  }>`
    WITH readers AS (
      SELECT u.id, u.email, u.locale, o.id AS organization_id, i.categories, i.themes, i.countries, coalesce(i.last_digest_at, now() - interval '1 day') AS since
      FROM provider_interests i
      JOIN users u ON u.id = i.user_id AND u.membership = 'active'
      JOIN organizations o ON o.id = u.organization_id AND o.status = 'verified'
      WHERE i.digest
    ), fresh AS (
      SELECT i.id AS user_id, json_agg(json_build_object('id', r.id, 'title', r.title, 'category', r.category, 'organization', ro.name, 'deadline', r.response_deadline, 'timeZone', m.time_zone) ORDER BY r.published_at) AS requests
      FROM readers i
      JOIN requests r ON r.status = 'open' AND r.published_at > i.since AND r.organization_id <> i.organization_id AND r.response_deadline > now()
      JOIN organizations ro ON ro.id = r.organization_id
      JOIN marketplaces m ON m.id = r.marketplace_id
      WHERE ${fits}
      GROUP BY i.id
    ), answered AS (
      SELECT u.id AS user_id, json_agg(json_build_object('requestId', r.id, 'title', r.title, 'question', q.text, 'edited', a.edited) ORDER BY a.created_at) AS answers
      FROM readers u
      JOIN LATERAL (
        SELECT qa.question_id, max(qa.created_at) AS created_at,
               bool_or(EXISTS (SELECT 1 FROM question_answers e WHERE e.question_id = qa.question_id AND e.created_at < qa.created_at)) AS edited
        FROM question_answers qa WHERE qa.created_at > u.since GROUP BY qa.question_id
      ) a ON true
      JOIN request_questions q ON q.id = a.question_id
      JOIN requests r ON r.id = q.request_id AND r.organization_id <> u.organization_id
      WHERE ${concernedByAnswers}
      GROUP BY u.id
    )
    SELECT u.id AS user_id, u.email, u.locale, coalesce(f.requests, '[]'::json) AS requests, coalesce(a.answers, '[]'::json) AS answers
    FROM readers u
    LEFT JOIN fresh f ON f.user_id = u.id
    LEFT JOIN answered a ON a.user_id = u.id
    WHERE f.user_id IS NOT NULL OR a.user_id IS NOT NULL
    LIMIT ${limit}`.execute(db);
  return result.rows;
}

export async function markDigestSent({ db }: Queryable, userId: string) {
  await db.updateTable('provider_interests').set({ last_digest_at: sql`now()` }).where('user_id', '=', userId).execute();
}
