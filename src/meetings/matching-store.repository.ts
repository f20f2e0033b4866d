import { cancellationReasons } from './meeting-notifications.ts';
import { listBusyOfMarketplace, listEndedResponses } from './meeting-edits.repository.ts';
import { sql, type Kysely } from 'kysely';
import type { Database, MatchingRunStage } from '../../db/types.ts';
import type { Actor } from '../auth/actor.ts';
import type { Queryable } from '../shared/db.ts';
import { requestStatusSets, requestTransitions } from '../requests/request-status.ts';
import { responseStatusSets, responseTransitions } from '../responses/response-status.ts';
import { meetingStatusSets, meetingTransitions } from './meeting-status.ts';

/**
 * The matching run's reads and writes, set-based: one snapshot read, then one short transaction of a
 * few multi-row statements whatever the size of the marketplace (matching-run.service.ts).
 */

/**
 * Runs of one marketplace take turns: a session-level lock, held from the snapshot to the commit (the
 * solve in between runs outside any transaction). A run (`runId`) records the session's backend first:
 * if its process ends while it waits or runs, the session ends too, and the sweep can tell
 * (`markAbandonedMatchingRuns`).
 */
export async function withMatchingLock<T>({ db }: Queryable, marketplaceId: string, work: (connection: Kysely<Database>) => Promise<T>, runId?: string): Promise<T> {
  return db.connection().execute(async (connection) => {
    if (runId) await connection.updateTable('matching_runs').set({ backend_pid: sql<number>`pg_backend_pid()` }).where('id', '=', runId).execute();
    await sql`SELECT pg_advisory_lock(hashtext(${`matching:${marketplaceId}`}))`.execute(connection);
    try {
      return await work(connection);
    } finally {
      // A connection that broke took its lock with it; the unlock of a live one must not mask the run's error.
      await sql`SELECT pg_advisory_unlock(hashtext(${`matching:${marketplaceId}`}))`.execute(connection).catch(() => {});
    }
  });
}

/**
 * Everything a run reads, as of one moment (a repeatable-read, read-only transaction): what the
 * optimizer needs, and the names and addresses its emails need, so nothing is read again per row.
 */
export async function loadMatchingSnapshot(connection: Kysely<Database>, marketplaceId: string) {
  return connection
    .transaction()
    .setIsolationLevel('repeatable read')
    .setAccessMode('read only')
    .execute(async (db) => {
      const marketplace = await db.selectFrom('marketplaces').selectAll().where('id', '=', marketplaceId).executeTakeFirstOrThrow();
      const rooms = await db.selectFrom('rooms').select(['id', 'name']).where('marketplace_id', '=', marketplaceId).orderBy('position').execute();
      const sessions = await db
        .selectFrom('agenda_sessions as s')
        .leftJoin('session_roles as r', 'r.session_id', 's.id')
        .select(['s.code', 's.starts_at', 's.ends_at', 'r.organization_id'])
        .where('s.marketplace_id', '=', marketplaceId)
        .execute();
      const requests = await db
        .selectFrom('requests as r')
        .innerJoin('organizations as o', 'o.id', 'r.organization_id')
        .select(['r.id', 'r.organization_id', 'r.category', 'r.themes', 'r.countries', 'r.languages', 'r.max_matches', 'r.status', 'r.created_by', 'r.title', 'o.name as organization_name'])
        .where('r.marketplace_id', '=', marketplaceId)
        .where('r.status', 'in', requestStatusSets.deadlinePassed)
        .orderBy('r.id')
        .execute();
      const responses = await db
        .selectFrom('responses as s')
        .innerJoin('requests as r', 'r.id', 's.request_id')
        .innerJoin('organizations as o', 'o.id', 's.organization_id')
        .select([
          's.id',
          's.request_id',
          's.organization_id',
          's.offer_categories',
          's.languages',
          's.modality',
          's.funding',
          's.preferred',
          's.requester_mark',
          's.joint_with',
          's.status',
          's.created_by',
          's.summary',
          'o.name as organization_name',
          'o.country',
          'o.meeting_capacity',
        ])
        .where('r.marketplace_id', '=', marketplaceId)
        .where('r.status', 'in', requestStatusSets.deadlinePassed)
        .where('s.status', 'in', responseStatusSets.offered)
        .orderBy('s.id')
        .execute();
      const busy = await listBusyOfMarketplace({ db }, marketplaceId);
      const meetings = await db
        .selectFrom('meetings')
        .select(['id', 'request_id', 'response_id', 'requester_org_id', 'provider_org_id', 'room_id', 'starts_at', 'ends_at', 'status', 'sequence', 'published_at', 'pinned', 'score'])
        .where('marketplace_id', '=', marketplaceId)
        .where('status', 'in', meetingStatusSets.active)
        .execute();
      // The other requests each joint meeting serves (one meeting per pair of organizations).
      const topics = await db
        .selectFrom('meeting_topics as t')
        .innerJoin('meetings as m', 'm.id', 't.meeting_id')
        .innerJoin('responses as s', 's.id', 't.response_id')
        .select(['t.meeting_id', 't.request_id', 't.response_id', 's.organization_id'])
        .where('m.marketplace_id', '=', marketplaceId)
        .where('m.status', 'in', meetingStatusSets.active)
        .execute();
      const alsoOf = new Map<string, Array<{ requestId: string; responseId: string; organizationId: string }>>();
      for (const t of topics) {
        const topic = { requestId: t.request_id, responseId: t.response_id, organizationId: t.organization_id };
        const list = alsoOf.get(t.meeting_id);
        if (list) list.push(topic);
        else alsoOf.set(t.meeting_id, [topic]);
      }
      // Offers not to schedule again: a party declined their meeting, or the secretariat removed it.
      const declined = await listEndedResponses({ db }, marketplaceId, cancellationReasons.removedBySecretariat);
      // The people the run may write to: the requesters and the responders of this marketplace.
      const users = await db
        .selectFrom('users as u')
        .select(['u.id', 'u.email', 'u.name', 'u.locale', 'u.time_zone'])
        .where((eb) =>
          eb.or([
            eb.exists(eb.selectFrom('requests as r').select('r.id').whereRef('r.created_by', '=', 'u.id').where('r.marketplace_id', '=', marketplaceId).where('r.status', 'in', requestStatusSets.deadlinePassed)),
            eb.exists(
              eb
                .selectFrom('responses as s')
                .innerJoin('requests as r', 'r.id', 's.request_id')
                .select('s.id')
                .whereRef('s.created_by', '=', 'u.id')
                .where('r.marketplace_id', '=', marketplaceId)
                .where('r.status', 'in', requestStatusSets.deadlinePassed),
            ),
          ]),
        )
        .execute();
      shareRepeatedValues(requests, responses);
      return { marketplace, rooms, sessions, requests, responses, busy, meetings: meetings.map((m) => ({ ...m, alsoFor: alsoOf.get(m.id) ?? [] })), declinedResponses: new Set(declined.map((d) => d.response_id)), users: new Map(users.map((u) => [u.id, u])) };
    });
}

/**
 * Makes the snapshot's repeated values one string (and one list) each, in place. The driver makes a new
 * string of every value of every row, and a response row repeats its request's id, its organization's
 * id, name and country, its author, its statuses and its lists of categories and languages: at fifty
 * times a forum (25,000 responses) that is most of the snapshot, which the worker holds for the whole
 * run, beside the optimizer's thread while it solves (BENCHMARKS.md, issue 12). The lists are read only.
 */
function shareRepeatedValues(
  requests: Array<{ id: string; organization_id: string; category: string; themes: string[]; countries: string[]; languages: string[]; status: string; created_by: string; organization_name: string }>,
  responses: Array<{ request_id: string; organization_id: string; offer_categories: string[]; languages: string[]; modality: string; funding: string; status: string; created_by: string; organization_name: string; country: string | null }>,
): void {
  const strings = new Map<string, string>();
  const one = <T extends string>(value: T): T => {
    const seen = strings.get(value);
    if (seen !== undefined) return seen as T;
    strings.set(value, value);
    return value;
  };
  const lists = new Map<string, string[]>();
  const oneList = (list: string[]): string[] => {
    const key = list.join('\u0000');
    const seen = lists.get(key);
    if (seen !== undefined) return seen;
    const shared = list.map(one);
    lists.set(key, shared);
    return shared;
  };
  for (const r of requests) {
    r.id = one(r.id);
    r.organization_id = one(r.organization_id);
    r.category = one(r.category);
    r.themes = oneList(r.themes);
    r.countries = oneList(r.countries);
    r.languages = oneList(r.languages);
    r.status = one(r.status);
    r.created_by = one(r.created_by);
    r.organization_name = one(r.organization_name);
  }
  for (const r of responses) {
    r.request_id = one(r.request_id);
    r.organization_id = one(r.organization_id);
    r.offer_categories = oneList(r.offer_categories);
    r.languages = oneList(r.languages);
    r.modality = one(r.modality);
    r.funding = one(r.funding);
    r.status = one(r.status);
    r.created_by = one(r.created_by);
    r.organization_name = one(r.organization_name);
    if (r.country !== null) r.country = one(r.country);
  }
}

/** The same snapshot, outside a run (a preview): on a connection of the pool. */
export async function loadMatchingSnapshotOf({ db }: Queryable, marketplaceId: string) {
  return loadMatchingSnapshot(db, marketplaceId);
}

export type MatchingSnapshot = Awaited<ReturnType<typeof loadMatchingSnapshot>>;
export type SnapshotMeeting = MatchingSnapshot['meetings'][number];

/** What a run writes to the meetings: new ones (their ids chosen by the run), moves and cancellations. */
export interface MeetingWrites {
  runId: string;
  marketplaceId: string;
  creates: Array<{ id: string; requestId: string; responseId: string; alsoFor?: Array<{ requestId: string; responseId: string }>; requesterOrgId: string; providerOrgId: string; roomId: string; startsAt: Date; endsAt: Date; score: number; scoreParts: unknown }>;
  /** A move with `alsoFor` also changes the other requests the meeting serves. */
  moves: Array<{ id: string; roomId: string; startsAt: Date; endsAt: Date; alsoFor?: Array<{ requestId: string; responseId: string }> }>;
  cancels: Array<{ id: string }>;
  cancelReason: string;
  /** New meetings are shown to their parties at once (published), or are a draft for the organizers. */
  publish: boolean;
}

export interface WrittenMeeting {
  kind: 'created' | 'moved' | 'cancelled';
  id: string;
  sequence: number;
}

const actorColumns = (actor: Actor | 'system') => ({ id: actor === 'system' ? null : actor.id, label: actor === 'system' ? 'system' : actor.email });

/** Postgres's text form of a timestamptz array element. */
const instants = (dates: Date[]) => dates.map((d) => d.toISOString());

/**
 * Defers "one meeting per room and per organization at a time" to the commit, for this transaction:
 * a run's moves may swap two meetings, which no order of single-row writes can do.
 */
export async function deferDoubleBookingChecks({ db }: Queryable): Promise<void> {
  await sql`SET CONSTRAINTS meetings_room_free, meeting_attendance_no_overlap DEFERRED`.execute(db);
}

/**
 * One statement: locks the meetings the run moves or cancels that are still active (a party may have
 * declined one since the snapshot: it stays declined), moves and cancels them, inserts the new ones
 * whose response is still on offer and was not declined meanwhile, keeps their attendance rows (the
 * organizations' double-booking guard) and writes the audit rows. Returns what it wrote.
 */
export async function writeMeetings({ db }: Queryable, w: MeetingWrites, actor: Actor | 'system'): Promise<WrittenMeeting[]> {
  const who = actorColumns(actor);
  const active = sql.join(meetingStatusSets.active);
  const cancelFrom = sql.join(meetingTransitions.cancel.from);
  const moveFrom = sql.join(meetingTransitions.move.from);
  const c = w.creates;
  const topicRows = c.flatMap((m) => (m.alsoFor ?? []).map((t) => ({ meetingId: m.id, ...t })));
  const result = await sql<WrittenMeeting>`
    WITH moves AS (
      SELECT * FROM unnest(${w.moves.map((m) => m.id)}::uuid[], ${w.moves.map((m) => m.roomId)}::uuid[], ${instants(w.moves.map((m) => m.startsAt))}::timestamptz[], ${instants(w.moves.map((m) => m.endsAt))}::timestamptz[])
        AS v(id, room_id, starts_at, ends_at)
    ), touched AS (
      SELECT m.id, m.status FROM meetings m
      WHERE m.id = ANY(${[...w.moves.map((m) => m.id), ...w.cancels.map((m) => m.id)]}::uuid[]) AND m.status IN (${active})
      FOR UPDATE
    ), moved AS (
      UPDATE meetings m
      SET run_id = ${w.runId}, room_id = v.room_id, starts_at = v.starts_at, ends_at = v.ends_at, status = ${meetingTransitions.move.to},
          requester_answer = 'pending', provider_answer = 'pending', sequence = m.sequence + 1, updated_at = now(),
          reschedule_requested_by = NULL, reschedule_note = NULL, reschedule_requested_at = NULL
      FROM moves v JOIN touched t ON t.id = v.id
      WHERE m.id = v.id AND t.status IN (${moveFrom})
      RETURNING m.id, t.status AS from_status, m.sequence, m.room_id, m.starts_at, m.ends_at
    ), cancelled AS (
      UPDATE meetings m
      SET status = ${meetingTransitions.cancel.to}, ended_reason = ${w.cancelReason}, sequence = m.sequence + 1, updated_at = now()
      FROM touched t
      WHERE m.id = t.id AND t.id = ANY(${w.cancels.map((m) => m.id)}::uuid[]) AND t.status IN (${cancelFrom})
      RETURNING m.id, t.status AS from_status, m.sequence
    ), created AS (
      INSERT INTO meetings (id, marketplace_id, run_id, request_id, response_id, requester_org_id, provider_org_id, room_id, starts_at, ends_at, score, score_parts, status, published_at)
      SELECT v.id, ${w.marketplaceId}, ${w.runId}, v.request_id, v.response_id, v.requester_org_id, v.provider_org_id, v.room_id, v.starts_at, v.ends_at, v.score, v.score_parts, 'proposed',
             CASE WHEN ${w.publish}::boolean THEN now() END
      FROM unnest(
        ${c.map((m) => m.id)}::uuid[], ${c.map((m) => m.requestId)}::uuid[], ${c.map((m) => m.responseId)}::uuid[],
        ${c.map((m) => m.requesterOrgId)}::uuid[], ${c.map((m) => m.providerOrgId)}::uuid[], ${c.map((m) => m.roomId)}::uuid[],
        ${instants(c.map((m) => m.startsAt))}::timestamptz[], ${instants(c.map((m) => m.endsAt))}::timestamptz[],
        ${c.map((m) => m.score)}::float8[], ${c.map((m) => JSON.stringify(m.scoreParts))}::jsonb[]
      ) AS v(id, request_id, response_id, requester_org_id, provider_org_id, room_id, starts_at, ends_at, score, score_parts)
      JOIN responses s ON s.id = v.response_id AND s.status IN (${sql.join(responseStatusSets.offered)})
      WHERE NOT EXISTS (SELECT 1 FROM meetings d WHERE d.response_id = v.response_id AND (d.status = 'declined' OR d.ended_reason = ${cancellationReasons.removedBySecretariat}))
      RETURNING id, requester_org_id, provider_org_id, starts_at, ends_at
    ), topics_new AS (
      INSERT INTO meeting_topics (meeting_id, request_id, response_id)
      SELECT t.meeting_id, t.request_id, t.response_id
      FROM unnest(${topicRows.map((t) => t.meetingId)}::uuid[], ${topicRows.map((t) => t.requestId)}::uuid[], ${topicRows.map((t) => t.responseId)}::uuid[]) AS t(meeting_id, request_id, response_id)
      JOIN created n ON n.id = t.meeting_id
    ), attendance_new AS (
      INSERT INTO meeting_attendance (meeting_id, organization_id, during)
      SELECT DISTINCT n.id, o.organization_id, tstzrange(n.starts_at, n.ends_at)
      FROM created n CROSS JOIN LATERAL (VALUES (n.requester_org_id), (n.provider_org_id)) AS o(organization_id)
      UNION
      -- A partner of providers that answered jointly attends too.
      SELECT n.id, s.organization_id, tstzrange(n.starts_at, n.ends_at)
      FROM unnest(${topicRows.map((t) => t.meetingId)}::uuid[], ${topicRows.map((t) => t.responseId)}::uuid[]) AS t(meeting_id, response_id)
      JOIN created n ON n.id = t.meeting_id JOIN responses s ON s.id = t.response_id
      WHERE s.organization_id <> n.provider_org_id AND s.organization_id <> n.requester_org_id
    ), attendance_moved AS (
      UPDATE meeting_attendance a SET during = tstzrange(v.starts_at, v.ends_at), active = true FROM moved v WHERE a.meeting_id = v.id
    ), attendance_ended AS (
      UPDATE meeting_attendance a SET active = false FROM cancelled v WHERE a.meeting_id = v.id
    ), audited AS (
      INSERT INTO audit_events (entity, entity_id, action, from_status, to_status, actor_id, actor_label, detail)
      SELECT 'meeting', id, 'move', from_status, ${meetingTransitions.move.to}, ${who.id}::uuid, ${who.label},
             jsonb_build_object('runId', ${w.runId}::text, 'startsAt', to_char(starts_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'roomId', room_id)
      FROM moved
      UNION ALL
      SELECT 'meeting', id, 'cancel', from_status, ${meetingTransitions.cancel.to}, ${who.id}::uuid, ${who.label}, jsonb_build_object('runId', ${w.runId}::text)
      FROM cancelled
    )
    SELECT 'moved' AS kind, id, sequence FROM moved
    UNION ALL SELECT 'cancelled', id, sequence FROM cancelled
    UNION ALL SELECT 'created', id, 0 FROM created`.execute(db);
  await rewriteTopics({ db }, w.moves.filter((m) => m.alsoFor), new Set(result.rows.filter((r) => r.kind === 'moved').map((r) => r.id)));
  return result.rows;
}

/** The other requests (and partners) of moved meetings that now serve another set: four statements, whatever the number. */
async function rewriteTopics({ db }: Queryable, moves: MeetingWrites['moves'], written: Set<string>): Promise<void> {
  const changed = moves.filter((m) => written.has(m.id));
  if (changed.length === 0) return;
  const ids = changed.map((m) => m.id);
  await db.deleteFrom('meeting_topics').where('meeting_id', 'in', ids).execute();
  const rows = changed.flatMap((m) => m.alsoFor!.map((t) => ({ meeting_id: m.id, request_id: t.requestId, response_id: t.responseId })));
  if (rows.length > 0) await db.insertInto('meeting_topics').values(rows).execute();
  // Its attendance follows: the requester, the provider and the partners it has now.
  await sql`
    DELETE FROM meeting_attendance a USING meetings m
    WHERE a.meeting_id = m.id AND m.id = ANY(${ids}::uuid[]) AND a.organization_id <> m.requester_org_id AND a.organization_id <> m.provider_org_id
      AND NOT EXISTS (SELECT 1 FROM meeting_topics t JOIN responses s ON s.id = t.response_id WHERE t.meeting_id = m.id AND s.organization_id = a.organization_id)`.execute(db);
  await sql`
    INSERT INTO meeting_attendance (meeting_id, organization_id, during)
    SELECT DISTINCT m.id, s.organization_id, tstzrange(m.starts_at, m.ends_at)
    FROM meetings m JOIN meeting_topics t ON t.meeting_id = m.id JOIN responses s ON s.id = t.response_id
    WHERE m.id = ANY(${ids}::uuid[]) AND s.organization_id <> m.requester_org_id AND s.organization_id <> m.provider_org_id
    ON CONFLICT (meeting_id, organization_id) DO NOTHING`.execute(db);
}

export interface StatusChange {
  kind: 'response' | 'request';
  id: string;
  from_status: string;
  to_status: string;
}

/**
 * One statement, after the meetings are written: each response on offer is matched when it has an
 * active meeting and not matched otherwise; each closed request with an active meeting is matched;
 * with their audit rows. Returns the statuses it changed.
 *
 * `endedOnly`: only a matched response left with no active meeting (its meeting declined, or cancelled
 * by the run) becomes not matched; nothing else changes. A run under "review" writes that much at once,
 * since those meetings' ends were mailed at once; what its drafts give waits for the publication.
 */
export async function writeMatchOutcomes({ db }: Queryable, marketplaceId: string, options: { endedOnly?: boolean } = {}): Promise<StatusChange[]> {
  const match = responseTransitions.match;
  const notMatch = responseTransitions['not-match'];
  const requestMatch = requestTransitions.match;
  const result = await sql<StatusChange>`
    WITH active AS (
      SELECT response_id, request_id FROM meetings WHERE marketplace_id = ${marketplaceId} AND status IN (${sql.join(meetingStatusSets.active)})
      UNION
      SELECT t.response_id, t.request_id FROM meeting_topics t JOIN meetings m ON m.id = t.meeting_id
      WHERE m.marketplace_id = ${marketplaceId} AND m.status IN (${sql.join(meetingStatusSets.active)})
    ), target AS (
      SELECT s.id, s.status AS from_status, CASE WHEN a.response_id IS NULL THEN ${notMatch.to!} ELSE ${match.to!} END AS to_status
      FROM responses s
      JOIN requests r ON r.id = s.request_id
      LEFT JOIN active a ON a.response_id = s.id
      WHERE r.marketplace_id = ${marketplaceId} AND r.status IN (${sql.join(requestStatusSets.deadlinePassed)}) AND s.status IN (${sql.join(responseStatusSets.offered)})
    ), responses_changed AS (
      -- Only the rows that change are locked (by this UPDATE), not every response of the marketplace; one that
      -- changed status since the read above keeps it (s.status = t.from_status is checked again on the locked row).
      UPDATE responses s SET status = t.to_status, updated_at = now()
      FROM target t
      WHERE s.id = t.id AND t.from_status <> t.to_status AND s.status = t.from_status
        AND ((t.to_status = ${match.to!} AND t.from_status IN (${sql.join(match.from)})) OR (t.to_status = ${notMatch.to!} AND t.from_status IN (${sql.join(notMatch.from)})))
        AND (NOT ${options.endedOnly ?? false}::boolean OR (t.from_status = ${match.to!} AND t.to_status = ${notMatch.to!}))
      RETURNING s.id, t.from_status, t.to_status
    ), requests_changed AS (
      UPDATE requests r SET status = ${requestMatch.to}, updated_at = now()
      WHERE NOT ${options.endedOnly ?? false}::boolean
        AND r.marketplace_id = ${marketplaceId} AND r.status IN (${sql.join(requestMatch.from)}) AND EXISTS (SELECT 1 FROM active a WHERE a.request_id = r.id)
      RETURNING r.id, ${requestMatch.from[0]!}::text AS from_status, r.status AS to_status
    ), audited AS (
      INSERT INTO audit_events (entity, entity_id, action, from_status, to_status, actor_id, actor_label)
      SELECT 'response', id, CASE WHEN to_status = ${match.to!} THEN 'match' ELSE 'not-match' END, from_status, to_status, NULL::uuid, 'system' FROM responses_changed
      UNION ALL
      SELECT 'request', id, 'match', from_status, to_status, NULL::uuid, 'system' FROM requests_changed
    )
    SELECT 'response' AS kind, id, from_status, to_status FROM responses_changed
    UNION ALL SELECT 'request', id, from_status, to_status FROM requests_changed`.execute(db);
  return result.rows;
}

/** The active meetings of these requests after the run's writes, for the requesters' summaries. */
export async function listActiveMeetingsOfRequests({ db }: Queryable, requestIds: string[]) {
  if (requestIds.length === 0) return [];
  // A joint meeting counts for each request it serves.
  const active = sql.join(meetingStatusSets.active);
  const result = await sql<{ request_id: string; provider_org_id: string; provider_name: string; room_id: string; room_name: string; starts_at: Date }>`
    SELECT a.*, o.name AS provider_name, rm.name AS room_name FROM (
      SELECT m.request_id, m.provider_org_id, m.room_id, m.starts_at FROM meetings m
      WHERE m.request_id = ANY(${requestIds}::uuid[]) AND m.status IN (${active})
      UNION ALL
      SELECT t.request_id, m.provider_org_id, m.room_id, m.starts_at FROM meeting_topics t JOIN meetings m ON m.id = t.meeting_id
      WHERE t.request_id = ANY(${requestIds}::uuid[]) AND m.status IN (${active})
    ) a JOIN organizations o ON o.id = a.provider_org_id JOIN rooms rm ON rm.id = a.room_id
    ORDER BY a.request_id, a.starts_at`.execute(db);
  return result.rows;
}

/** A running run's stage, and the solver's progress when it has some; the clock is the database's, as for the start. */
export async function setMatchingRunStage({ db }: Queryable, runId: string, stage: MatchingRunStage, progress?: unknown): Promise<void> {
  await db
    .updateTable('matching_runs')
    .set({ stage, ...(progress !== undefined ? { progress: JSON.stringify(progress) } : {}) })
    .where('id', '=', runId)
    .where('status', '=', 'running')
    .execute();
}

/** The solver's progress, while the run is still solving (a late write never drags a storing run back). */
export async function setMatchingRunProgress({ db }: Queryable, runId: string, progress: unknown): Promise<void> {
  await db.updateTable('matching_runs').set({ progress: JSON.stringify(progress) }).where('id', '=', runId).where('status', '=', 'running').where('stage', '=', 'solving').execute();
}
