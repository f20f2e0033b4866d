import type { RequesterMark } from '../../db/types.ts';
import { sql } from 'kysely';
import type { Funding, Modality, ResponseStatus } from '../../db/types.ts';
import type { Queryable } from '../shared/db.ts';
import { runPrepared } from '../../db/database.ts';
import { cursorInstant } from '../shared/cursor.repository.ts';

/** Takes the request row's lock for a response write; closing takes the same row's lock. */
export async function lockRequestForResponse({ db }: Queryable, requestId: string) {
  const query = db
    .selectFrom('requests as r')
    .innerJoin('marketplaces as m', 'm.id', 'r.marketplace_id')
    // The requester's address comes with the lock: the email to the requester needs no second read.
    .innerJoin('users as u', 'u.id', 'r.created_by')
    .select(['r.id', 'r.status', 'r.response_deadline', 'r.organization_id', 'r.title', 'r.created_by', 'r.sealed_responses', 'm.sealed_responses as marketplace_sealed', 'm.time_zone', 'm.name as marketplace_name', 'm.id as marketplace_id', 'm.slug as marketplace_slug', 'r.response_count', 'u.email as requester_email', 'u.locale as requester_locale'])
    .where('r.id', '=', requestId)
    .forNoKeyUpdate('r');
  // By name: every response runs it (see runPrepared).
  return (await runPrepared(db, query.compile())).rows[0];
}

export interface ResponseValues {
  requestId: string;
  organizationId: string;
  createdBy: string;
  summary: string;
  details: string;
  offerCategories: string[];
  modality: Modality;
  languages: string[];
  funding: Funding;
  status: 'draft' | 'submitted';
}

/** The response's own columns of `ResponseRow` (without its organization's name and kind). */
const ownResponseColumns = [
  'id',
  'request_id',
  'organization_id',
  'created_by',
  'summary',
  'details',
  'offer_categories',
  'modality',
  'languages',
  'funding',
  'status',
  'created_at',
  'updated_at',
  'submitted_at',
  'preferred',
  'requester_mark',
] as const;

/**
 * Writes a response only while the request is open and the database clock (read now, under the
 * request's lock) is before its deadline, and counts a submitted one on its request in the same
 * statement. Returns the row written (`ResponseRow`'s own columns) with the request's count after it
 * (`response_count`, null for a draft), or null when refused or when the organization already responded.
 */
export async function insertResponseBeforeDeadline({ db }: Queryable, v: ResponseValues) {
  const query = sql<Omit<ResponseRow, 'organization_name' | 'organization_kind'> & { response_count: number | null }>`
    WITH t AS (SELECT clock_timestamp() AS at),
    written AS (
      INSERT INTO responses (request_id, organization_id, created_by, summary, details, offer_categories, modality, languages, funding, status, submitted_at, created_at, updated_at)
      SELECT r.id, ${v.organizationId}, ${v.createdBy}, ${v.summary}, ${v.details}, ${v.offerCategories}::text[], ${v.modality}, ${v.languages}::text[], ${v.funding}, ${v.status},
             CASE WHEN ${v.status} = 'submitted' THEN t.at END, t.at, t.at
      FROM requests r, t
      WHERE r.id = ${v.requestId} AND r.status = 'open' AND r.response_deadline > t.at
      ON CONFLICT (request_id, organization_id) DO NOTHING
      RETURNING ${sql.join(ownResponseColumns.map((column) => sql.ref(column)))}
    ),
    counted AS (
      UPDATE requests SET response_count = response_count + 1
      WHERE id = ${v.requestId} AND EXISTS (SELECT 1 FROM written WHERE status = 'submitted')
      RETURNING response_count
    )
    SELECT written.*, (SELECT response_count FROM counted) AS response_count FROM written`;
  const result = await runPrepared(db, query.compile(db));
  return result.rows[0] ?? null;
}

export interface ResponseChanges {
  summary?: string;
  details?: string;
  offer_categories?: string[];
  modality?: Modality;
  languages?: string[];
  funding?: Funding;
}

/** Edits, or moves between draft, submitted and withdrawn, only before the deadline (database clock, under the lock). */
export async function updateResponseBeforeDeadline({ db }: Queryable, id: string, from: ResponseStatus[], changes: ResponseChanges & { status?: ResponseStatus }) {
  const result = await sql<{ id: string; status: ResponseStatus; submitted_at: Date | null }>`
    WITH t AS (SELECT clock_timestamp() AS at)
    UPDATE responses s SET
      summary = coalesce(${changes.summary ?? null}, s.summary),
      details = coalesce(${changes.details ?? null}, s.details),
      offer_categories = coalesce(${changes.offer_categories ?? null}::text[], s.offer_categories),
      modality = coalesce(${changes.modality ?? null}, s.modality),
      languages = coalesce(${changes.languages ?? null}::text[], s.languages),
      funding = coalesce(${changes.funding ?? null}, s.funding),
      status = coalesce(${changes.status ?? null}, s.status),
      submitted_at = CASE WHEN ${changes.status ?? null}::text = 'submitted' THEN t.at ELSE s.submitted_at END,
      updated_at = t.at
    FROM requests r, t
    WHERE s.id = ${id} AND s.status = ANY(${from}::text[]) AND r.id = s.request_id AND r.status = 'open' AND r.response_deadline > t.at
    RETURNING s.id, s.status, s.submitted_at`.execute(db);
  return result.rows[0] ?? null;
}

/** Moves a request's count of submitted responses; returns the new count. */
export async function adjustResponseCount({ db }: Queryable, requestId: string, delta: number): Promise<number> {
  const row = await db
    .updateTable('requests')
    .set({ response_count: sql`response_count + ${delta}` })
    .where('id', '=', requestId)
    .returning('response_count')
    .executeTakeFirstOrThrow();
  return row.response_count;
}

export type LockedRequest = NonNullable<Awaited<ReturnType<typeof lockRequestForResponse>>>;

const responseColumns = [
  ...ownResponseColumns.map((column) => `s.${column}` as const),
  'o.name as organization_name',
  'o.kind as organization_kind',
] as const;

export type ResponseRow = NonNullable<Awaited<ReturnType<typeof findResponseOfOrganization>>>;

/** A response with the address and language of the person who wrote it, and what it answered (request, requester, marketplace). */
export async function findResponderOfResponse({ db }: Queryable, responseId: string) {
  return db
    .selectFrom('responses as s')
    .innerJoin('requests as r', 'r.id', 's.request_id')
    .innerJoin('organizations as o', 'o.id', 'r.organization_id')
    .innerJoin('marketplaces as m', 'm.id', 'r.marketplace_id')
    .innerJoin('users as u', 'u.id', 's.created_by')
    .select(['s.id', 'r.id as request_id', 'r.title', 'o.name as requester_name', 'm.name as marketplace_name', 'u.email', 'u.locale'])
    .where('s.id', '=', responseId)
    .executeTakeFirstOrThrow();
}

export async function setResponsePreferred({ db }: Queryable, responseId: string, preferred: boolean) {
  await db.updateTable('responses').set({ preferred, requester_mark: preferred ? 'like' : null }).where('id', '=', responseId).execute();
}

/** The requester's mark; `preferred` follows it (true for "must meet" and "would like"). */
export async function setRequesterMark({ db }: Queryable, responseId: string, mark: RequesterMark | null) {
  await db.updateTable('responses').set({ requester_mark: mark, preferred: mark === 'must' || mark === 'like' }).where('id', '=', responseId).execute();
}

/** The submitted responses to these requests with their organization and the language and zone of their writer, in submission order per request. */
export async function listSubmittedResponsesWithWriters({ db }: Queryable, requestIds: string[]) {
  const result = await sql<{ request_id: string; id: string; summary: string; organization: string; email: string; locale: string; time_zone: string | null }>`
    SELECT s.request_id, s.id, s.summary, o.name AS organization, u.email, u.locale, u.time_zone
    FROM responses s JOIN organizations o ON o.id = s.organization_id JOIN users u ON u.id = s.created_by
    WHERE s.request_id = ANY(${requestIds}::uuid[]) AND s.status = 'submitted'
    ORDER BY s.request_id, s.submitted_at, s.id`.execute(db);
  return result.rows;
}

/** Names the organization a response presents jointly with (null: alone). */
/**
 * Names the response's joint partner (or nobody) while its request is open and before its deadline by
 * the database clock, as every other change of a response; false when it did not (the caller says why).
 */
export async function setJointWithBeforeDeadline({ db }: Queryable, responseId: string, organizationId: string | null): Promise<boolean> {
  const result = await sql`
    UPDATE responses s SET joint_with = ${organizationId}, updated_at = clock_timestamp()
    FROM requests r
    WHERE s.id = ${responseId} AND s.status <> 'withdrawn' AND r.id = s.request_id AND r.status = 'open' AND r.response_deadline > clock_timestamp()`.execute(db);
  return (result.numAffectedRows ?? 0n) > 0n;
}

/**
 * The partner a response names, and whether that organization's response to the same request (one
 * not withdrawn) names this one back: only then do the two meet the requester together.
 */
export async function findJointState({ db }: Queryable, responseId: string) {
  return db
    .selectFrom('responses as s')
    .innerJoin('organizations as p', 'p.id', 's.joint_with')
    .leftJoin('responses as back', (join) =>
      join.onRef('back.request_id', '=', 's.request_id').onRef('back.organization_id', '=', 's.joint_with').onRef('back.joint_with', '=', 's.organization_id').on('back.status', '<>', 'withdrawn'),
    )
    .select(['p.id', 'p.name', 'back.id as back_id'])
    .where('s.id', '=', responseId)
    .executeTakeFirst();
}

/** A response with the time zone of its marketplace, in which its times are shown. */
export async function findResponse({ db }: Queryable, id: string) {
  return db
    .selectFrom('responses as s')
    .innerJoin('organizations as o', 'o.id', 's.organization_id')
    .innerJoin('requests as r', 'r.id', 's.request_id')
    .innerJoin('marketplaces as m', 'm.id', 'r.marketplace_id')
    .select([...responseColumns, 'm.time_zone'])
    .where('s.id', '=', id)
    .executeTakeFirst();
}

export async function findResponseOfOrganization({ db }: Queryable, requestId: string, organizationId: string) {
  return db
    .selectFrom('responses as s')
    .innerJoin('organizations as o', 'o.id', 's.organization_id')
    .select(responseColumns)
    .where('s.request_id', '=', requestId)
    .where('s.organization_id', '=', organizationId)
    .executeTakeFirst();
}

export async function listResponsesOfRequest({ db }: Queryable, requestId: string, statuses: ResponseStatus[]) {
  return db
    .selectFrom('responses as s')
    .innerJoin('organizations as o', 'o.id', 's.organization_id')
    .select(responseColumns)
    .where('s.request_id', '=', requestId)
    .where('s.status', 'in', statuses)
    .orderBy('s.submitted_at')
    .orderBy('s.id')
    .execute();
}

/**
 * An organization's responses with their requests, soonest deadline first (then by id, so that a page
 * ends where the next begins); with `page`, `limit + 1` of them after the (deadline, id) of the last row
 * of the page before (`cursor_at` is the deadline to the microsecond, for the next cursor).
 */
export async function listResponsesOfOrganization({ db }: Queryable, organizationId: string, page?: { after: { time: string; id: string } | undefined; limit: number }) {
  let query = db
    .selectFrom('responses as s')
    .innerJoin('organizations as o', 'o.id', 's.organization_id')
    .innerJoin('requests as r', 'r.id', 's.request_id')
    .innerJoin('marketplaces as m', 'm.id', 'r.marketplace_id')
    .select([...responseColumns, 'r.title as request_title', 'r.response_deadline', 'r.status as request_status', 'r.organization_id as request_organization_id', 'm.time_zone'])
    .select(cursorInstant('r.response_deadline').as('cursor_at'))
    .where('s.organization_id', '=', organizationId)
    .orderBy('r.response_deadline')
    .orderBy('s.id');
  if (page) {
    query = query.limit(page.limit + 1);
    const { after } = page;
    if (after) query = query.where(sql<boolean>`(r.response_deadline, s.id) > (${after.time}::timestamptz, ${after.id}::uuid)`);
  }
  return query.execute();
}

/** Which of these requests an organization responded to (a draft or a submitted response). */
export async function findRequestsRespondedBy({ db }: Queryable, organizationId: string, requestIds: string[]) {
  if (requestIds.length === 0) return [];
  const rows = await db.selectFrom('responses').select('request_id').where('organization_id', '=', organizationId).where('request_id', 'in', requestIds).where('status', '!=', 'withdrawn').execute();
  return rows.map((r) => r.request_id);
}
