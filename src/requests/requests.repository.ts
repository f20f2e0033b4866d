import { sql, type Kysely } from 'kysely';
import type { Database, RequestCategory, RequestStatus } from '../../db/types.ts';
import type { Queryable } from '../shared/db.ts';

export interface RequestValues {
  marketplaceId: string;
  organizationId: string;
  createdBy: string;
  title: string;
  category: RequestCategory;
  themes: string[];
  description: string;
  expectedOutcome: string;
  countries: string[];
  languages: string[];
  maxMatches: number;
  ownDeadline: Date | null;
  sealedResponses: boolean;
}

/**
 * Stores a new request while the marketplace takes requests (opened, deadline not passed), judged by
 * the database clock. Returns null when it does not.
 */
export async function insertRequestIfMarketplaceOpen({ db }: Queryable, v: RequestValues) {
  const result = await sql<{ id: string }>`
    INSERT INTO requests (marketplace_id, organization_id, created_by, title, category, themes, description, expected_outcome,
                          countries, languages, max_matches, own_deadline, response_deadline, sealed_responses)
    SELECT m.id, ${v.organizationId}, ${v.createdBy}, ${v.title}, ${v.category}, ${v.themes}::text[], ${v.description}, ${v.expectedOutcome},
           ${v.countries}::text[], ${v.languages}::text[], ${v.maxMatches}, ${v.ownDeadline}::timestamptz,
           coalesce(least(${v.ownDeadline}::timestamptz, m.response_deadline), m.response_deadline), ${v.sealedResponses}
    FROM marketplaces m
    WHERE m.id = ${v.marketplaceId} AND now() >= m.opens_at AND now() < m.response_deadline
    RETURNING id`.execute(db);
  return result.rows[0]?.id ?? null;
}

/** Where a deadline stands against the database clock and the marketplace's deadline. */
export async function checkDeadlineAgainstNow({ db }: Queryable, deadline: Date, marketplaceDeadline: Date) {
  const result = await sql<{ in_future: boolean; within_marketplace: boolean }>`
    SELECT ${deadline}::timestamptz > now() AS in_future, ${deadline}::timestamptz <= ${marketplaceDeadline}::timestamptz AS within_marketplace`.execute(db);
  return result.rows[0]!;
}

export async function databaseNow({ db }: Queryable): Promise<Date> {
  const result = await sql<{ now: Date }>`SELECT now() AS now`.execute(db);
  return result.rows[0]!.now;
}

const requestColumns = [
  'r.id',
  'r.marketplace_id',
  'r.organization_id',
  'r.created_by',
  'r.title',
  'r.category',
  'r.themes',
  'r.description',
  'r.expected_outcome',
  'r.countries',
  'r.languages',
  'r.max_matches',
  'r.own_deadline',
  'r.response_deadline',
  'r.status',
  'r.rejection_reason',
  'r.created_at',
  'r.updated_at',
  'r.published_at',
  'r.closed_at',
  'r.response_count',
  'r.sealed_responses',
  'o.name as organization_name',
  'o.country as organization_country',
  'm.slug as marketplace_slug',
  'm.name as marketplace_name',
  'm.time_zone',
  'm.response_deadline as marketplace_deadline',
  'm.sealed_responses as marketplace_sealed',
] as const;

function requestWithContext(db: Kysely<Database>) {
  return db
    .selectFrom('requests as r')
    .innerJoin('organizations as o', 'o.id', 'r.organization_id')
    .innerJoin('marketplaces as m', 'm.id', 'r.marketplace_id')
    .select(requestColumns);
}

export type RequestRow = NonNullable<Awaited<ReturnType<typeof findRequest>>>;

export async function findRequest({ db }: Queryable, id: string) {
  return requestWithContext(db).where('r.id', '=', id).executeTakeFirst();
}

/** Locks a request for a status change or an edit (closing takes the same lock). */
export async function lockRequest({ db }: Queryable, id: string) {
  return requestWithContext(db).where('r.id', '=', id).forUpdate('r').executeTakeFirst();
}

/** Moves a locked request to a new status; with `beforeDeadline`, only while the deadline has not passed. */
export async function updateRequestStatus(
  { db }: Queryable,
  id: string,
  from: RequestStatus,
  to: RequestStatus,
  options: { beforeDeadline?: boolean; afterDeadline?: boolean; rejectionReason?: string },
) {
  let query = db
    .updateTable('requests')
    .set({
      status: to,
      updated_at: sql`now()`,
      ...(to === 'open' ? { published_at: sql`now()` } : {}),
      ...(to === 'closed' ? { closed_at: sql`now()` } : {}),
      ...(options.rejectionReason !== undefined ? { rejection_reason: options.rejectionReason } : {}),
    })
    .where('id', '=', id)
    .where('status', '=', from);
  if (options.beforeDeadline) query = query.where('response_deadline', '>', sql<Date>`now()`);
  if (options.afterDeadline) query = query.where('response_deadline', '<=', sql<Date>`now()`);
  return query.returning(['id', 'status']).executeTakeFirst();
}

export interface RequestFieldChanges {
  title?: string;
  category?: RequestCategory;
  themes?: string[];
  description?: string;
  expected_outcome?: string;
  countries?: string[];
  languages?: string[];
  max_matches?: number;
  own_deadline?: Date | null;
  response_deadline?: Date;
  sealed_responses?: boolean;
}

/** Edits a request that is still editable: submitted or open, and before its deadline. */
export async function updateRequestFieldsBeforeDeadline({ db }: Queryable, id: string, changes: RequestFieldChanges) {
  return db
    .updateTable('requests')
    .set({ ...changes, updated_at: sql`now()` })
    .where('id', '=', id)
    .where('status', 'in', ['submitted', 'open'])
    .where('response_deadline', '>', sql<Date>`now()`)
    .returning('id')
    .executeTakeFirst();
}

export interface BrowseFilters {
  marketplaceId: string;
  statuses: RequestStatus[];
  organizationId?: string | undefined;
  category?: RequestCategory | undefined;
  theme?: string | undefined;
  country?: string | undefined;
  language?: string | undefined;
  q?: string | undefined;
  after?: { deadline: Date; id: string } | undefined;
  limit: number;
}

/** Keyset-paginated browse, soonest deadline first. */
export async function browseRequestRows({ db }: Queryable, f: BrowseFilters) {
  let query = requestWithContext(db).where('r.marketplace_id', '=', f.marketplaceId).where('r.status', 'in', f.statuses);
  if (f.organizationId) query = query.where('r.organization_id', '=', f.organizationId);
  if (f.category) query = query.where('r.category', '=', f.category);
  if (f.theme) query = query.where(sql<boolean>`r.themes @> ARRAY[${f.theme}]::text[]`);
  if (f.country) query = query.where(sql<boolean>`r.countries @> ARRAY[${f.country}]::text[]`);
  if (f.language) query = query.where(sql<boolean>`r.languages @> ARRAY[${f.language}]::text[]`);
  if (f.q) {
    query = query.where(sql<boolean>`r.search @@ (websearch_to_tsquery('english', ${f.q}) || websearch_to_tsquery('simple', ${f.q}))`);
  }
  if (f.after) {
    query = query.where(sql<boolean>`(r.response_deadline, r.id) > (${f.after.deadline}::timestamptz, ${f.after.id}::uuid)`);
  }
  return query.orderBy('r.response_deadline').orderBy('r.id').limit(f.limit + 1).execute();
}

export async function listThemesInUse({ db }: Queryable, marketplaceId: string) {
  const result = await sql<{ theme: string }>`
    SELECT DISTINCT unnest(themes) AS theme FROM requests WHERE marketplace_id = ${marketplaceId} AND status IN ('open','closed','matched') ORDER BY 1`.execute(db);
  return result.rows.map((r) => r.theme);
}

export async function findUserEmail({ db }: Queryable, userId: string) {
  return db.selectFrom('users').select(['id', 'email', 'locale']).where('id', '=', userId).executeTakeFirst();
}

/** Moves a request's deadline (an organizer's extension); the caller holds the request's lock. */
export async function setRequestDeadline({ db }: Queryable, id: string, deadline: Date, own: boolean) {
  await db
    .updateTable('requests')
    .set({ response_deadline: deadline, ...(own ? { own_deadline: deadline } : {}), updated_at: sql`now()` })
    .where('id', '=', id)
    .execute();
}

/** Everyone a deadline change concerns: the requester, followers, and authors of responses and drafts. */
export async function findPeopleConcernedByRequest({ db }: Queryable, requestId: string) {
  const result = await sql<{ id: string; email: string; locale: string }>`
    SELECT DISTINCT u.id, u.email, u.locale FROM users u
    WHERE u.id = (SELECT created_by FROM requests WHERE id = ${requestId})
       OR u.id IN (SELECT user_id FROM request_follows WHERE request_id = ${requestId})
       OR u.id IN (SELECT created_by FROM responses WHERE request_id = ${requestId} AND status IN ('draft', 'submitted'))`.execute(db);
  return result.rows;
}

/** Requests that follow the marketplace deadline (no earlier deadline of their own) and can still take responses. */
export async function findRequestsFollowingMarketplaceDeadline({ db }: Queryable, marketplaceId: string) {
  return db
    .selectFrom('requests')
    .select('id')
    .where('marketplace_id', '=', marketplaceId)
    .where('own_deadline', 'is', null)
    .where('status', 'in', ['submitted', 'open', 'closed'])
    .execute();
}
