import { sql, type Kysely } from 'kysely';
import type { Database, MeetingAnswer, MeetingStatus, ScorePart } from '../../db/types.ts';
import { cursorInstant } from '../shared/cursor.repository.ts';
import type { Queryable } from '../shared/db.ts';
import { meetingStatusSets } from './meeting-status.ts';

export async function insertMeeting(
  { db }: Queryable,
  m: { marketplaceId: string; runId: string; requestId: string; responseId: string; requesterOrgId: string; providerOrgId: string; roomId: string; startsAt: Date; endsAt: Date; score: number; scoreParts: ScorePart[] },
) {
  const row = await db
    .insertInto('meetings')
    .values({
      marketplace_id: m.marketplaceId,
      run_id: m.runId,
      request_id: m.requestId,
      response_id: m.responseId,
      requester_org_id: m.requesterOrgId,
      provider_org_id: m.providerOrgId,
      room_id: m.roomId,
      starts_at: m.startsAt,
      ends_at: m.endsAt,
      score: m.score,
      score_parts: JSON.stringify(m.scoreParts),
      status: 'proposed',
      published_at: sql`now()`,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await setAttendance(db, row.id, [m.requesterOrgId, m.providerOrgId], m.startsAt, m.endsAt);
  return row;
}

/** The rows behind "one meeting per organization at a time" (an exclusion constraint) of a new meeting. */
async function setAttendance(db: Kysely<Database>, meetingId: string, organizations: string[], startsAt: Date, endsAt: Date) {
  const during = `[${startsAt.toISOString()},${endsAt.toISOString()})`;
  await db
    .insertInto('meeting_attendance')
    .values([...new Set(organizations)].map((organization_id) => ({ meeting_id: meetingId, organization_id, during })))
    .execute();
}

/** Ends an active meeting (declined by a party); its time frees at once. A run ends meetings in sets (matching-store.repository.ts). */
export async function endMeeting(
  { db }: Queryable,
  meetingId: string,
  status: 'cancelled' | 'declined',
  reason: string,
  answers: Partial<Record<'requester_answer' | 'provider_answer', MeetingAnswer>> = {},
  from: readonly MeetingStatus[] = meetingStatusSets.active,
  declineReason: string | null = null,
) {
  const row = await db
    .updateTable('meetings')
    .set({ status, ended_reason: reason, decline_reason: declineReason, sequence: sql`sequence + 1`, updated_at: sql`now()`, ...answers })
    .where('id', '=', meetingId)
    .where('status', 'in', from)
    .returningAll()
    .executeTakeFirst();
  if (row) await db.updateTable('meeting_attendance').set({ active: false }).where('meeting_id', '=', meetingId).execute();
  return row;
}

/**
 * One party's answer, and the status it leads to (confirmed when it is the second yes). A change of
 * status adds one to the sequence, so the confirmed calendar entry replaces the tentative one.
 */
export async function setMeetingAnswer({ db }: Queryable, meetingId: string, column: 'requester_answer' | 'provider_answer', answer: MeetingAnswer, status: MeetingStatus, from: readonly MeetingStatus[]) {
  return db
    .updateTable('meetings')
    .set({ [column]: answer, status, updated_at: sql`now()`, sequence: sql`CASE WHEN status = ${status} THEN sequence ELSE sequence + 1 END` })
    .where('id', '=', meetingId)
    .where('status', 'in', from)
    .returningAll()
    .executeTakeFirst();
}

/**
 * A party takes back its decline: the meeting stands again (confirmed if the other party had
 * accepted) if its time and room are still free; the exclusion constraints refuse it otherwise
 * (23P01, which the caller turns into a 409).
 */
export async function reinstateMeeting({ db }: Queryable, meetingId: string, column: 'requester_answer' | 'provider_answer', status: MeetingStatus) {
  const row = await db
    .updateTable('meetings')
    .set({ [column]: 'accepted', status, ended_reason: null, decline_reason: null, sequence: sql`sequence + 1`, updated_at: sql`now()` })
    .where('id', '=', meetingId)
    .where('status', '=', 'declined')
    .returningAll()
    .executeTakeFirst();
  if (row) await db.updateTable('meeting_attendance').set({ active: true }).where('meeting_id', '=', meetingId).execute();
  return row;
}

/** A party asks for another time: the secretariat sees it on the timetable, and the next run moves the meeting. */
export async function setRescheduleRequest({ db }: Queryable, meetingId: string, party: 'requester' | 'provider', note: string | null) {
  return db
    .updateTable('meetings')
    .set({ reschedule_requested_by: party, reschedule_note: note, reschedule_requested_at: sql`now()`, updated_at: sql`now()` })
    .where('id', '=', meetingId)
    .where('status', 'in', meetingStatusSets.active)
    .returningAll()
    .executeTakeFirst();
}

/** The times an organization said it cannot meet, in every marketplace, with each marketplace's zone. */
export async function listUnavailabilityOfOrganization({ db }: Queryable, organizationId: string) {
  return db
    .selectFrom('organization_unavailability as u')
    .innerJoin('marketplaces as m', 'm.id', 'u.marketplace_id')
    .select(['u.id', 'u.starts_at', 'u.ends_at', 'u.note', 'm.slug as marketplace_slug', 'm.name as marketplace_name', 'm.time_zone'])
    .where('u.organization_id', '=', organizationId)
    .orderBy('u.starts_at')
    .execute();
}

/** Removes one of the organization's declared times (none of another organization's). */
export async function deleteUnavailability({ db }: Queryable, id: string, organizationId: string) {
  return db.deleteFrom('organization_unavailability').where('id', '=', id).where('organization_id', '=', organizationId).returning('id').executeTakeFirst();
}

/** A time an organization cannot meet (besides its agenda commitments); matching runs keep it free. */
export async function insertUnavailability({ db }: Queryable, v: { organizationId: string; marketplaceId: string; startsAt: Date; endsAt: Date; note: string | null }) {
  return db
    .insertInto('organization_unavailability')
    .values({ organization_id: v.organizationId, marketplace_id: v.marketplaceId, starts_at: v.startsAt, ends_at: v.endsAt, note: v.note })
    .returning(['id', 'starts_at', 'ends_at', 'note'])
    .executeTakeFirstOrThrow();
}

const meetingColumns = [
  'mt.id',
  'mt.marketplace_id',
  'mt.request_id',
  'mt.response_id',
  'mt.requester_org_id',
  'mt.provider_org_id',
  'mt.room_id',
  'mt.starts_at',
  'mt.ends_at',
  'mt.score',
  'mt.score_parts',
  'mt.status',
  'mt.requester_answer',
  'mt.provider_answer',
  'mt.sequence',
  'mt.ended_reason',
  'mt.decline_reason',
  'mt.reschedule_requested_by',
  'mt.reschedule_note',
  'mt.reschedule_requested_at',
  'mt.published_at',
  'mt.pinned',
  'ru.locale as requester_locale',
  'ru.time_zone as requester_time_zone',
  'pu.locale as provider_locale',
  'pu.time_zone as provider_time_zone',
  'mt.updated_at',
  'r.title as own_request_title',
  'r.created_by as requester_user_id',
  's.created_by as provider_user_id',
  'ru.name as requester_person',
  'ru.email as requester_email',
  'pu.name as provider_person',
  'pu.email as provider_email',
  's.summary as offer_summary',
  's.details as offer_details',
  'ro.name as requester_name',
  'po.name as provider_name',
  'rm.name as room_name',
  'm.time_zone',
  'm.name as marketplace_name',
  'm.slug as marketplace_slug',
] as const;

function meetingsWithContext(db: Kysely<Database>) {
  return db
    .selectFrom('meetings as mt')
    .innerJoin('requests as r', 'r.id', 'mt.request_id')
    .innerJoin('responses as s', 's.id', 'mt.response_id')
    .innerJoin('organizations as ro', 'ro.id', 'mt.requester_org_id')
    .innerJoin('organizations as po', 'po.id', 'mt.provider_org_id')
    .innerJoin('rooms as rm', 'rm.id', 'mt.room_id')
    .innerJoin('marketplaces as m', 'm.id', 'mt.marketplace_id')
    .leftJoin('users as ru', 'ru.id', 'r.created_by')
    .leftJoin('users as pu', 'pu.id', 's.created_by')
    .select(meetingColumns)
    // A joint meeting (one per pair of organizations) is about every request it serves: its title names
    // them all, wherever a meeting is shown or mailed; `also_requests` lists the others.
    .select([
      sql<string>`r.title || coalesce((SELECT string_agg('; ' || tr.title, '' ORDER BY tr.title) FROM meeting_topics tt JOIN requests tr ON tr.id = tt.request_id JOIN responses ts ON ts.id = tt.response_id WHERE tt.meeting_id = mt.id AND ts.organization_id = mt.provider_org_id), '')`.as('request_title'),
      sql<Array<{ id: string; title: string; responseId: string }>>`coalesce((SELECT json_agg(json_build_object('id', tr.id, 'title', tr.title, 'responseId', tt.response_id) ORDER BY tr.title) FROM meeting_topics tt JOIN requests tr ON tr.id = tt.request_id JOIN responses ts ON ts.id = tt.response_id WHERE tt.meeting_id = mt.id AND ts.organization_id = mt.provider_org_id), '[]'::json)`.as('also_requests'),
      sql<string[]>`coalesce((SELECT array_agg(tt.response_id) FROM meeting_topics tt WHERE tt.meeting_id = mt.id), '{}')`.as('topic_response_ids'),
      // Providers that answered jointly: the partners in the meeting, with the person who answered for each.
      sql<Array<{ id: string; name: string; responseId: string; summary: string; person: string | null; email: string | null; locale: string | null; timeZone: string | null }>>`coalesce((SELECT json_agg(json_build_object('id', po2.id, 'name', po2.name, 'responseId', ts.id, 'summary', ts.summary, 'person', pu2.name, 'email', pu2.email, 'locale', pu2.locale, 'timeZone', pu2.time_zone) ORDER BY po2.name) FROM (SELECT DISTINCT ON (ts.organization_id) ts.* FROM meeting_topics tt JOIN responses ts ON ts.id = tt.response_id WHERE tt.meeting_id = mt.id AND ts.organization_id <> mt.provider_org_id ORDER BY ts.organization_id, ts.id) ts JOIN organizations po2 ON po2.id = ts.organization_id LEFT JOIN users pu2 ON pu2.id = ts.created_by), '[]'::json)`.as('partners'),
    ]);
}

export type MeetingRow = NonNullable<Awaited<ReturnType<typeof endMeeting>>>;

export type MeetingDetail = NonNullable<Awaited<ReturnType<typeof findMeeting>>>;

export async function findMeeting({ db }: Queryable, id: string) {
  return meetingsWithContext(db).where('mt.id', '=', id).executeTakeFirst();
}

export async function listMeetingsByIds({ db }: Queryable, ids: string[]) {
  if (ids.length === 0) return [];
  return meetingsWithContext(db).where('mt.id', 'in', ids).orderBy('mt.starts_at').execute();
}

export async function lockMeeting({ db }: Queryable, id: string) {
  return meetingsWithContext(db).where('mt.id', '=', id).forUpdate('mt').executeTakeFirst();
}

/** An organization's meetings, as its members see them: published ones only (a draft is the secretariat's). */
export async function listMeetingsOfOrganization({ db }: Queryable, organizationId: string) {
  return meetingsWithContext(db)
    .where((eb) =>
      eb.or([
        eb('mt.requester_org_id', '=', organizationId),
        eb('mt.provider_org_id', '=', organizationId),
        // A partner of providers that answered jointly.
        eb.exists(eb.selectFrom('meeting_topics as tt').innerJoin('responses as ts', 'ts.id', 'tt.response_id').select('tt.meeting_id').whereRef('tt.meeting_id', '=', 'mt.id').where('ts.organization_id', '=', organizationId)),
      ]),
    )
    .where('mt.status', 'in', meetingStatusSets.all)
    .where('mt.published_at', 'is not', null)
    .orderBy('mt.starts_at')
    .execute();
}

export async function listMeetingsOfMarketplace({ db }: Queryable, marketplaceId: string, statuses: readonly MeetingStatus[] = meetingStatusSets.active) {
  return meetingsWithContext(db).where('mt.marketplace_id', '=', marketplaceId).where('mt.status', 'in', statuses).orderBy('mt.starts_at').orderBy('rm.position').orderBy('mt.id').execute();
}

/** Where a page of a marketplace's meetings ends: its last meeting's start, room position and id. */
export interface MeetingKeyset {
  time: string;
  position: number;
  id: string;
}

/** A page of a marketplace's active meetings in the timetable's order (time, room, id), `limit + 1` read to tell whether more follow. */
export async function listMeetingsOfMarketplacePage({ db }: Queryable, marketplaceId: string, page: { after: MeetingKeyset | undefined; limit: number }) {
  let query = meetingsWithContext(db)
    .select([cursorInstant('mt.starts_at').as('cursor_at'), 'rm.position as room_position'])
    .where('mt.marketplace_id', '=', marketplaceId)
    .where('mt.status', 'in', meetingStatusSets.active)
    .orderBy('mt.starts_at')
    .orderBy('rm.position')
    .orderBy('mt.id')
    .limit(page.limit + 1);
  const { after } = page;
  if (after) query = query.where(sql<boolean>`(mt.starts_at, rm.position, mt.id) > (${after.time}::timestamptz, ${after.position}::int, ${after.id}::uuid)`);
  return query.execute();
}

export async function listMeetingsOfRequest({ db }: Queryable, requestId: string, withDrafts: boolean) {
  return meetingsWithContext(db)
    // A joint meeting shows on the page of every request it serves.
    .where((eb) => eb.or([eb('mt.request_id', '=', requestId), eb.exists(eb.selectFrom('meeting_topics as tt').select('tt.meeting_id').whereRef('tt.meeting_id', '=', 'mt.id').where('tt.request_id', '=', requestId))]))
    .where('mt.status', 'in', meetingStatusSets.active)
    .$if(!withDrafts, (q) => q.where('mt.published_at', 'is not', null))
    .orderBy('mt.starts_at')
    .execute();
}

/** A person's calendar feed version (what signs its address). */
export async function findCalendarFeedVersion({ db }: Queryable, userId: string): Promise<number | undefined> {
  return (await db.selectFrom('users').select('calendar_feed_version').where('id', '=', userId).executeTakeFirst())?.calendar_feed_version;
}

/** Adds one to a person's calendar feed version, revoking the address signed with the old one. */
export async function bumpCalendarFeedVersion({ db }: Queryable, userId: string): Promise<number> {
  const row = await db.updateTable('users').set({ calendar_feed_version: sql`calendar_feed_version + 1` }).where('id', '=', userId).returning('calendar_feed_version').executeTakeFirstOrThrow();
  return row.calendar_feed_version;
}
