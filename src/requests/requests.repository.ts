import { sql, type Kysely } from 'kysely';
import type { Database, RequestCategory, RequestRemindersTable, RequestStatus } from '../../db/types.ts';
import type { Queryable } from '../shared/db.ts';
import { cursorInstant } from '../shared/cursor.repository.ts';
import { requestStatusSets } from './request-status.ts';

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
  'r.question_deadline',
  'o.name as organization_name',
  'o.country as organization_country',
  'm.slug as marketplace_slug',
  'm.name as marketplace_name',
  'm.time_zone',
  'm.response_deadline as marketplace_deadline',
  'm.sealed_responses as marketplace_sealed',
  'm.question_days',
  'm.late_change_days',
  'm.forum_starts_on',
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
  question_deadline?: Date | null;
}

/** Edits a request that is still editable: submitted or open, and before its deadline. */
export async function updateRequestFieldsBeforeDeadline({ db }: Queryable, id: string, changes: RequestFieldChanges) {
  return db
    .updateTable('requests')
    .set({ ...changes, updated_at: sql`now()` })
    .where('id', '=', id)
    .where('status', 'in', requestStatusSets.editable)
    .where('response_deadline', '>', sql<Date>`now()`)
    .returning('id')
    .executeTakeFirst();
}

export interface BrowseFilters {
  marketplaceId: string;
  statuses: readonly RequestStatus[];
  organizationId?: string | undefined;
  category?: RequestCategory | undefined;
  theme?: string | undefined;
  country?: string | undefined;
  language?: string | undefined;
  q?: string | undefined;
  /** The country `q` names (countryNamedIn), with its other words: requests of or about it match too. */
  qCountry?: { code: string; rest: string } | undefined;
  /** The last row of the page before: its deadline as `cursorInstant` gives it, and its id. */
  after?: { deadline: string; id: string } | undefined;
  limit: number;
}

/**
 * The filters of a browse as one condition on `r` (the request) and `o` (its organization): the page
 * and the count of what matches read the same rows.
 */
function browseConditions(f: Omit<BrowseFilters, 'after' | 'limit'>) {
  const conditions = [sql<boolean>`r.marketplace_id = ${f.marketplaceId}`, sql<boolean>`r.status IN (${sql.join([...f.statuses])})`];
  if (f.organizationId) conditions.push(sql<boolean>`r.organization_id = ${f.organizationId}`);
  if (f.category) conditions.push(sql<boolean>`r.category = ${f.category}`);
  if (f.theme) conditions.push(sql<boolean>`r.themes @> ARRAY[${f.theme}]::text[]`);
  if (f.country) conditions.push(sql<boolean>`r.countries @> ARRAY[${f.country}]::text[]`);
  if (f.language) conditions.push(sql<boolean>`r.languages @> ARRAY[${f.language}]::text[]`);
  if (f.q) {
    const text = (q: string) => sql<boolean>`r.search @@ (websearch_to_tsquery('english', ${q}) || websearch_to_tsquery('simple', ${q}))`;
    const country = f.qCountry;
    // A search that names a country also finds the requests of that country or about it, with its other words in their text.
    conditions.push(
      country ? sql<boolean>`(${text(f.q)} OR ((r.countries @> ARRAY[${country.code}]::text[] OR o.country = ${country.code}) AND ${country.rest ? text(country.rest) : sql<boolean>`true`}))` : text(f.q),
    );
  }
  return sql.join(conditions, sql` AND `);
}

/** Keyset-paginated browse, soonest deadline first. */
export async function browseRequestRows({ db }: Queryable, f: BrowseFilters) {
  let query = requestWithContext(db).select(cursorInstant('r.response_deadline').as('cursor_at')).where(sql<boolean>`${browseConditions(f)}`);
  if (f.after) {
    query = query.where(sql<boolean>`(r.response_deadline, r.id) > (${f.after.deadline}::timestamptz, ${f.after.id}::uuid)`);
  }
  return query.orderBy('r.response_deadline').orderBy('r.id').limit(f.limit + 1).execute();
}

/** How many requests the filters match, on every page together. */
export async function countBrowseRequestRows({ db }: Queryable, f: Omit<BrowseFilters, 'after' | 'limit'>): Promise<number> {
  const result = await sql<{ n: string }>`SELECT count(*) AS n FROM requests r JOIN organizations o ON o.id = r.organization_id WHERE ${browseConditions(f)}`.execute(db);
  return Number(result.rows[0]!.n);
}

export async function listThemesInUse({ db }: Queryable, marketplaceId: string) {
  const result = await sql<{ theme: string }>`
    SELECT DISTINCT unnest(themes) AS theme FROM requests WHERE marketplace_id = ${marketplaceId} AND status IN (${sql.join(requestStatusSets.public)}) ORDER BY 1`.execute(db);
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

/** Whom an earlier deadline affects: organizations with a draft or a submitted response, and the people following the request. */
export async function countDeadlineAudience({ db }: Queryable, requestId: string) {
  const result = await sql<{ drafts: string; submitted: string; followers: string }>`
    SELECT (SELECT count(*) FROM responses WHERE request_id = ${requestId} AND status = 'draft') AS drafts,
           (SELECT count(*) FROM responses WHERE request_id = ${requestId} AND status = 'submitted') AS submitted,
           (SELECT count(*) FROM request_follows WHERE request_id = ${requestId}) AS followers`.execute(db);
  const row = result.rows[0]!;
  return { drafts: Number(row.drafts), submitted: Number(row.submitted), followers: Number(row.followers) };
}

/** Requests that follow the marketplace deadline (no earlier deadline of their own) and can still take responses. */
export interface ClosedRequest {
  id: string;
  title: string;
  created_by: string;
  response_deadline: Date;
  marketplace_name: string;
  time_zone: string;
  marketplace_deadline: Date;
  marketplace_id: string;
}

/**
 * The requests in `from` whose deadline passed by the database clock, first due first, up to `limit`
 * (or only `ids`), locked: a close batch's rows. The open ones are read in this order from
 * `requests_open_deadline_id_idx`, so a batch reads about its own rows, not every request due.
 */
export function dueRequestsToClose(from: readonly RequestStatus[], options: { limit: number; ids?: string[]; skipLocked?: boolean }) {
  return sql<{ id: string }>`
      SELECT id FROM requests
      WHERE status IN (${sql.join(from)}) AND response_deadline <= now()
        ${options.ids ? sql`AND id = ANY(${options.ids}::uuid[])` : sql``}
      ORDER BY response_deadline, id
      LIMIT ${options.limit}
      FOR UPDATE ${options.skipLocked ? sql`SKIP LOCKED` : sql``}`;
}

/**
 * The set form of a close (`move`, from request-status.ts): in one statement it locks the requests in
 * `move.from` whose deadline passed (all of them up to `limit`, or only `ids`), moves them to `move.to`
 * and writes their audit rows. With `skipLocked`, rows another closer holds are left to it.
 */
export async function closeDueRequestRows({ db }: Queryable, move: { from: readonly RequestStatus[]; to: RequestStatus }, options: { limit: number; ids?: string[]; skipLocked?: boolean }): Promise<ClosedRequest[]> {
  const result = await sql<ClosedRequest>`
    WITH due AS (${dueRequestsToClose(move.from, options)}), closed AS (
      UPDATE requests r SET status = ${move.to}, closed_at = now(), updated_at = now()
      FROM due WHERE r.id = due.id
      RETURNING r.id, r.title, r.created_by, r.response_deadline, r.marketplace_id
    ), audited AS (
      INSERT INTO audit_events (entity, entity_id, action, from_status, to_status, actor_id, actor_label)
      SELECT 'request', closed.id, 'close', ${move.from[0]!}, ${move.to}, NULL, 'system' FROM closed
    )
    SELECT c.id, c.title, c.created_by, c.response_deadline, c.marketplace_id, m.name AS marketplace_name, m.time_zone, m.response_deadline AS marketplace_deadline
    FROM closed c JOIN marketplaces m ON m.id = c.marketplace_id`.execute(db);
  return result.rows;
}

/**
 * Requests still awaiting review whose deadline passed, not yet told for that deadline: marks them told
 * (a reminders' row of kind `unreviewed`, once per request and deadline) and returns what their
 * requester's email needs, up to `limit`. Rows another teller holds are left to it.
 */
export async function claimUnreviewedPastDeadline({ db }: Queryable, limit: number) {
  const result = await sql<{ id: string; title: string; response_deadline: Date; marketplace_name: string; time_zone: string; email: string; locale: string; reader_time_zone: string | null }>`
    WITH due AS (
      SELECT r.id, r.response_deadline FROM requests r
      WHERE r.status = 'submitted' AND r.response_deadline <= now()
        AND NOT EXISTS (SELECT 1 FROM request_reminders rr WHERE rr.request_id = r.id AND rr.kind = 'unreviewed' AND rr.deadline = r.response_deadline)
      ORDER BY r.response_deadline, r.id
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED
    ), marked AS (
      INSERT INTO request_reminders (request_id, kind, deadline)
      SELECT id, 'unreviewed', response_deadline FROM due
      ON CONFLICT DO NOTHING
      RETURNING request_id
    )
    SELECT r.id, r.title, r.response_deadline, m.name AS marketplace_name, m.time_zone, u.email, u.locale, u.time_zone AS reader_time_zone
    FROM marked JOIN requests r ON r.id = marked.request_id
    JOIN marketplaces m ON m.id = r.marketplace_id
    JOIN users u ON u.id = r.created_by`.execute(db);
  return result.rows;
}

/** The status of a request, or undefined when there is none. */
export async function findRequestStatus({ db }: Queryable, id: string) {
  const row = await db.selectFrom('requests').select('status').where('id', '=', id).executeTakeFirst();
  return row?.status;
}

/** The address and language of each of these people (requesters), by id. */
export async function findUserAddresses({ db }: Queryable, userIds: string[]) {
  return db.selectFrom('users').select(['id', 'email', 'locale', 'time_zone']).where('id', 'in', userIds).execute();
}

/**
 * How long until the database's clock reaches the first open request due at or before `deadlineMs`,
 * in milliseconds; null when none is still waiting.
 */
export async function msUntilFirstOpenRequestDue({ db }: Queryable, deadlineMs: number): Promise<number | null> {
  const { rows } = await sql<{ wait: number | null }>`
    SELECT (extract(epoch FROM min(response_deadline) - now()) * 1000)::float AS wait
    FROM requests WHERE status = 'open' AND response_deadline <= to_timestamp(${deadlineMs / 1000}::float8) AND response_deadline > now()`.execute(db);
  return rows[0]?.wait ?? null;
}

/**
 * Marks that the reminders of this kind ran for this request and deadline. False when they already
 * had: a reminder goes once, whatever the number of runs.
 */
export async function claimReminder({ db }: Queryable, requestId: string, kind: RequestRemindersTable['kind'], deadline: Date): Promise<boolean> {
  const marker = await db
    .insertInto('request_reminders')
    .values({ request_id: requestId, kind, deadline })
    .onConflict((oc) => oc.doNothing())
    .returning('request_id')
    .executeTakeFirst();
  return !!marker;
}

/**
 * Open requests whose reminder of this kind (`msBeforeDeadline` before it) is due and did not run,
 * among those already published when it was due.
 */
export async function findRequestsDueForReminder({ db }: Queryable, kind: RequestRemindersTable['kind'], msBeforeDeadline: number, limit: number) {
  const before = `${msBeforeDeadline / 1000} seconds`;
  return db
    .selectFrom('requests as r')
    .select(['r.id', 'r.response_deadline'])
    .where('r.status', '=', 'open')
    .where('r.response_deadline', '>', sql<Date>`now()`)
    .where(sql<boolean>`r.response_deadline - ${before}::interval <= now()`)
    // Only if the request was already published when the reminder was due.
    .where(sql<boolean>`r.published_at <= r.response_deadline - ${before}::interval`)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb.selectFrom('request_reminders as m').select('m.request_id').whereRef('m.request_id', '=', 'r.id').where('m.kind', '=', kind).whereRef('m.deadline', '=', 'r.response_deadline'),
        ),
      ),
    )
    .limit(limit)
    .execute();
}

/** A marketplace's open requests whose deadline passed (by the database clock): a matching run closes them first. */
export async function findOverdueOpenRequestIds({ db }: Queryable, marketplaceId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('requests')
    .select('id')
    .where('marketplace_id', '=', marketplaceId)
    .where('status', '=', 'open')
    .where('response_deadline', '<=', sql<Date>`now()`)
    .execute();
  return rows.map((r) => r.id);
}

/** A request with the address, language and marketplace time zone of the person who posted it. */
export async function findRequesterOfRequest({ db }: Queryable, requestId: string) {
  return db
    .selectFrom('requests as r')
    .innerJoin('users as u', 'u.id', 'r.created_by')
    .innerJoin('marketplaces as m', 'm.id', 'r.marketplace_id')
    .select(['r.id', 'r.title', 'u.email', 'u.locale', 'm.time_zone'])
    .where('r.id', '=', requestId)
    .executeTakeFirstOrThrow();
}

export async function findRequestsFollowingMarketplaceDeadline({ db }: Queryable, marketplaceId: string) {
  return db
    .selectFrom('requests')
    .select('id')
    .where('marketplace_id', '=', marketplaceId)
    .where('own_deadline', 'is', null)
    .where('status', 'in', requestStatusSets.deadlineMovable)
    .execute();
}
