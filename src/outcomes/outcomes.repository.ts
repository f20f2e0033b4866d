import { sql } from 'kysely';
import type { AssistanceStatus, MeetingOutcome } from '../../db/types.ts';
import type { Queryable } from '../shared/db.ts';
import { meetingStatusSets } from '../meetings/meeting-status.ts';

/** A meeting that stood (not declined or cancelled): the one set the meetings module names. */
const active = sql.join(meetingStatusSets.active);

/**
 * Whether a meeting of the request `request` (an SQL reference to its id) meets `condition` (on the
 * meeting `mt`, and on `mo`, its outcomes, when `withOutcomes`): a meeting about it as its own request,
 * or one that serves it beside another (a provider's one meeting about several of a government's
 * requests, `meeting_topics`). Counting only the first left out most of the requests such meetings
 * serve: at fifty times a forum, 694 "matched" requests in the report's funnel against 2,740 matched,
 * and the follow-up emails of the other 2,046 never sent.
 */
function servedBy(request: ReturnType<typeof sql.ref>, condition: ReturnType<typeof sql>, withOutcomes = false) {
  const outcomes = withOutcomes ? sql`JOIN meeting_outcomes mo ON mo.meeting_id = mt.id` : sql``;
  return sql<boolean>`(EXISTS (SELECT 1 FROM meetings mt ${outcomes} WHERE mt.request_id = ${request} AND ${condition})
    OR EXISTS (SELECT 1 FROM meeting_topics tt JOIN meetings mt ON mt.id = tt.meeting_id ${outcomes} WHERE tt.request_id = ${request} AND ${condition}))`;
}
const standing = sql`mt.status IN (${active})`;
const published = sql`mt.status IN (${active}) AND mt.published_at IS NOT NULL`;

/** Records one side's outcome of a meeting that has ended (by the database clock); nothing when it has not. */
export async function upsertOutcomeAfterEnd({ db }: Queryable, v: { meetingId: string; party: 'requester' | 'provider'; outcome: MeetingOutcome; note: string | null; answeredBy: string | null }) {
  const result = await sql<{ meeting_id: string }>`
    INSERT INTO meeting_outcomes (meeting_id, party, outcome, note, answered_by)
    SELECT mt.id, ${v.party}, ${v.outcome}, ${v.note}, ${v.answeredBy}
    FROM meetings mt
    WHERE mt.id = ${v.meetingId} AND mt.ends_at <= now() AND mt.status IN (${active}) AND mt.published_at IS NOT NULL
    ON CONFLICT (meeting_id, party) DO UPDATE SET outcome = excluded.outcome, note = excluded.note, answered_by = excluded.answered_by, updated_at = now()
    RETURNING meeting_id`.execute(db);
  return result.rows.length > 0;
}

export async function listOutcomesOfMeeting({ db }: Queryable, meetingId: string) {
  return db.selectFrom('meeting_outcomes').select(['party', 'outcome', 'note', 'updated_at']).where('meeting_id', '=', meetingId).execute();
}

/**
 * Marks the meetings that ended (published, not ended by a decline or a cancellation) and were never
 * asked, up to `limit`, and returns them with each side's contact: the author of the request and of
 * the response. Rows another worker holds are left to it.
 */
export async function takeMeetingsDueForOutcome({ db }: Queryable, limit: number) {
  const result = await sql<{
    id: string;
    starts_at: Date;
    title: string;
    time_zone: string;
    requester_name: string;
    provider_name: string;
    requester_user: string | null;
    requester_email: string | null;
    requester_locale: string | null;
    provider_user: string | null;
    provider_email: string | null;
    provider_locale: string | null;
  }>`
    WITH due AS (
      UPDATE meetings mt SET outcome_asked_at = now()
      WHERE mt.id IN (
        SELECT id FROM meetings
        WHERE outcome_asked_at IS NULL AND status IN (${active}) AND published_at IS NOT NULL AND ends_at <= now()
        ORDER BY ends_at LIMIT ${limit} FOR UPDATE SKIP LOCKED)
      RETURNING mt.id, mt.request_id, mt.response_id, mt.starts_at, mt.requester_org_id, mt.provider_org_id, mt.marketplace_id
    )
    SELECT due.id, due.starts_at, r.title, m.time_zone, ro.name AS requester_name, po.name AS provider_name,
           ru.id AS requester_user, ru.email AS requester_email, ru.locale AS requester_locale,
           pu.id AS provider_user, pu.email AS provider_email, pu.locale AS provider_locale
    FROM due
    JOIN requests r ON r.id = due.request_id
    JOIN responses s ON s.id = due.response_id
    JOIN marketplaces m ON m.id = due.marketplace_id
    JOIN organizations ro ON ro.id = due.requester_org_id
    JOIN organizations po ON po.id = due.provider_org_id
    LEFT JOIN users ru ON ru.id = r.created_by AND ru.organization_id = due.requester_org_id AND ru.membership = 'active'
    LEFT JOIN users pu ON pu.id = s.created_by AND pu.organization_id = due.provider_org_id AND pu.membership = 'active'`.execute(db);
  return result.rows;
}

/**
 * Marks the requests whose forum ended `followup_weeks` ago, that had a side meeting and were never
 * asked, and returns them with their author, to be asked whether the assistance started.
 */
export async function takeRequestsDueForFollowup({ db }: Queryable, limit: number) {
  const result = await sql<{ id: string; title: string; marketplace_name: string; email: string | null; locale: string | null }>`
    WITH due AS (
      UPDATE requests r SET followup_asked_at = now()
      WHERE r.id IN (
        SELECT q.id FROM requests q JOIN marketplaces m ON m.id = q.marketplace_id
        WHERE q.followup_asked_at IS NULL AND q.assistance_status IS NULL
          AND ((m.forum_ends_on + 1) + make_interval(weeks => m.followup_weeks)) AT TIME ZONE m.time_zone <= now()
          AND ${servedBy(sql.ref('q.id'), published)}
        LIMIT ${limit} FOR UPDATE OF q SKIP LOCKED)
      RETURNING r.id, r.title, r.created_by, r.organization_id, r.marketplace_id
    )
    SELECT due.id, due.title, m.name AS marketplace_name, u.email, u.locale
    FROM due
    JOIN marketplaces m ON m.id = due.marketplace_id
    LEFT JOIN users u ON u.id = due.created_by AND u.organization_id = due.organization_id AND u.membership = 'active'`.execute(db);
  return result.rows;
}

export async function setAssistance({ db }: Queryable, requestId: string, status: AssistanceStatus, note: string | null) {
  await db.updateTable('requests').set({ assistance_status: status, assistance_note: note, assistance_answered_at: sql<Date>`now()` }).where('id', '=', requestId).execute();
}

export async function findAssistance({ db }: Queryable, requestId: string) {
  return db.selectFrom('requests').select(['id', 'title', 'organization_id', 'status', 'assistance_status', 'assistance_note']).where('id', '=', requestId).executeTakeFirst();
}

/** For each published request of a marketplace, how far it went: responses, a meeting, a meeting held, cooperation, assistance. */
export async function loadFunnelRows({ db }: Queryable, marketplaceId: string) {
  const result = await sql<{
    category: string;
    organization_id: string;
    organization_name: string;
    with_responses: boolean;
    matched: boolean;
    held: boolean;
    cooperation: boolean;
    started: boolean;
  }>`
    SELECT r.category, o.id AS organization_id, o.name AS organization_name,
      r.response_count > 0 AS with_responses,
      ${servedBy(sql.ref('r.id'), published)} AS matched,
      ${servedBy(sql.ref('r.id'), sql`${standing} AND mo.outcome <> 'did_not_take_place'`, true)} AS held,
      ${servedBy(sql.ref('r.id'), sql`${standing} AND mo.outcome = 'cooperation_possible'`, true)} AS cooperation,
      coalesce(r.assistance_status = 'started', false) AS started
    FROM requests r JOIN organizations o ON o.id = r.organization_id
    WHERE r.marketplace_id = ${marketplaceId} AND r.status IN ('open', 'closed', 'matched')
    ORDER BY o.name, r.id`.execute(db);
  return result.rows;
}
