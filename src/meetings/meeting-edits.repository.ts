import { sql } from 'kysely';
import type { Queryable } from '../shared/db.ts';
import { responseStatusSets } from '../responses/response-status.ts';
import { requestStatusSets } from '../requests/request-status.ts';
import { meetingStatusSets } from './meeting-status.ts';

/** The queries of the secretariat's hand edits, the unmet-requests list and the publication (meeting-edits.service.ts, publication.service.ts). */

/**
 * When organizations of a marketplace cannot meet, besides their agenda roles: the times they said so
 * there, and their meetings in other marketplaces. The matching run's snapshot and the schedule board read it.
 */
export async function listBusyOfMarketplace({ db }: Queryable, marketplaceId: string) {
  return db
    .selectFrom('organization_unavailability')
    .select(['organization_id', 'starts_at', 'ends_at'])
    .where('marketplace_id', '=', marketplaceId)
    .unionAll(
      // An organization's meetings in another marketplace around this forum's days (two marketplaces of one forum, say): it
      // cannot be in two meetings at once, whichever marketplace they belong to (the attendance constraint holds across them).
      db
        .selectFrom('meeting_attendance as a')
        .innerJoin('meetings as g', 'g.id', 'a.meeting_id')
        .select(['a.organization_id', sql<Date>`lower(a.during)`.as('starts_at'), sql<Date>`upper(a.during)`.as('ends_at')])
        .where('a.active', '=', true)
        .where('g.marketplace_id', '<>', marketplaceId)
        .where(sql<boolean>`a.during && (SELECT tstzrange((forum_starts_on - 1)::timestamptz, (forum_ends_on + 2)::timestamptz) FROM marketplaces WHERE id = ${marketplaceId})`),
    )
    .execute();
}

/** The requests of a marketplace whose deadline passed, with their organization's name. */
export async function listClosedRequests({ db }: Queryable, marketplaceId: string) {
  return db
    .selectFrom('requests as r')
    .innerJoin('organizations as o', 'o.id', 'r.organization_id')
    .select(['r.id', 'r.title', 'r.max_matches', 'r.organization_id', 'o.name as organization_name'])
    .where('r.marketplace_id', '=', marketplaceId)
    .where('r.status', 'in', requestStatusSets.deadlinePassed)
    .orderBy('o.name')
    .execute();
}

/** The responses on offer for these requests, with the provider's name and capacity. */
export async function listOfferedResponses({ db }: Queryable, requestIds: string[]) {
  if (requestIds.length === 0) return [];
  return db
    .selectFrom('responses as s')
    .innerJoin('organizations as o', 'o.id', 's.organization_id')
    .select(['s.id', 's.request_id', 's.organization_id', 's.requester_mark', 'o.name as organization_name', 'o.meeting_capacity'])
    .where('s.request_id', 'in', requestIds)
    .where('s.status', 'in', responseStatusSets.offered)
    .execute();
}

/** Responses whose meeting a party declined, or the secretariat removed (`removedReason`): not scheduled again. */
export async function listEndedResponses({ db }: Queryable, marketplaceId: string, removedReason: string) {
  // A joint meeting's other responses end with it.
  const ended = db
    .selectFrom('meetings')
    .select('id')
    .where('marketplace_id', '=', marketplaceId)
    .where((eb) => eb.or([eb('status', '=', 'declined'), eb('ended_reason', '=', removedReason)]));
  return db
    .selectFrom('meetings')
    .select('response_id')
    .where('id', 'in', ended)
    .unionAll(db.selectFrom('meeting_topics').select('response_id').where('meeting_id', 'in', ended))
    .execute();
}

/** Moves a standing meeting to a place: pending answers again, one more in its sequence, its attendance with it. Undefined when it ended meanwhile. */
export async function moveMeetingTo({ db }: Queryable, meetingId: string, place: { roomId: string; startsAt: Date; endsAt: Date }) {
  const moved = await db
    .updateTable('meetings')
    // Placed by hand: pinned, so no run moves it back.
    .set({ room_id: place.roomId, starts_at: place.startsAt, ends_at: place.endsAt, status: 'proposed', requester_answer: 'pending', provider_answer: 'pending', sequence: sql`sequence + 1`, pinned: true, updated_at: sql`now()` })
    .where('id', '=', meetingId)
    .where('status', 'in', meetingStatusSets.active)
    .returning('id')
    .executeTakeFirst();
  if (moved) await db.updateTable('meeting_attendance').set({ during: `[${place.startsAt.toISOString()},${place.endsAt.toISOString()})`, active: true }).where('meeting_id', '=', meetingId).execute();
  return moved;
}

/** Offers of a marketplace's closed requests with no standing meeting. */
export async function listResponsesWithoutMeeting({ db }: Queryable, marketplaceId: string) {
  return db
    .selectFrom('responses as s')
    .innerJoin('requests as r', 'r.id', 's.request_id')
    .innerJoin('organizations as ro', 'ro.id', 'r.organization_id')
    .innerJoin('organizations as po', 'po.id', 's.organization_id')
    .select(['s.id', 's.summary', 'r.id as request_id', 'r.title as request_title', 'ro.id as requester_org_id', 'ro.name as requester_name', 'po.id as provider_org_id', 'po.name as provider_name'])
    .where('r.marketplace_id', '=', marketplaceId)
    .where('r.status', 'in', requestStatusSets.deadlinePassed)
    .where('s.status', 'in', responseStatusSets.offered)
    .where((eb) => eb.not(eb.exists(eb.selectFrom('meetings as m').select('m.id').whereRef('m.response_id', '=', 's.id').where('m.status', 'in', meetingStatusSets.active))))
    // Nor one that a joint meeting serves (one per pair of organizations, or a provider's joint partner).
    .where((eb) =>
      eb.not(eb.exists(eb.selectFrom('meeting_topics as t').innerJoin('meetings as m', 'm.id', 't.meeting_id').select('t.meeting_id').whereRef('t.response_id', '=', 's.id').where('m.status', 'in', meetingStatusSets.active))),
    )
    .orderBy('r.title')
    .orderBy('po.name')
    .execute();
}

/** The marketplace's latest run that started (a queued one has not: a meeting added by hand belongs to a run that was). */
export async function latestRunOfMarketplace({ db }: Queryable, marketplaceId: string) {
  return db.selectFrom('matching_runs').select('id').where('marketplace_id', '=', marketplaceId).where('status', '!=', 'queued').orderBy('started_at', 'desc').limit(1).executeTakeFirst();
}

/** A meeting added by hand, with its attendance rows (the exclusion constraints check both). */
export async function insertHandMeeting(
  { db }: Queryable,
  m: { id: string; marketplaceId: string; runId: string; response: { id: string; request_id: string; requester_org_id: string; provider_org_id: string }; place: { roomId: string; startsAt: Date; endsAt: Date }; publish: boolean },
) {
  await db
    .insertInto('meetings')
    .values({
      id: m.id,
      marketplace_id: m.marketplaceId,
      run_id: m.runId,
      request_id: m.response.request_id,
      response_id: m.response.id,
      requester_org_id: m.response.requester_org_id,
      provider_org_id: m.response.provider_org_id,
      room_id: m.place.roomId,
      starts_at: m.place.startsAt,
      ends_at: m.place.endsAt,
      score: 0,
      score_parts: JSON.stringify([]),
      status: 'proposed',
      // Placed by hand: pinned, so no run moves it.
      pinned: true,
      published_at: m.publish ? sql`now()` : null,
    })
    .execute();
  await db
    .insertInto('meeting_attendance')
    .values([...new Set([m.response.requester_org_id, m.response.provider_org_id])].map((organization_id) => ({ meeting_id: m.id, organization_id, during: `[${m.place.startsAt.toISOString()},${m.place.endsAt.toISOString()})` })))
    .execute();
}

/** Pins or unpins a standing meeting (no run moves a pinned one); answers whether it stood. */
export async function setMeetingPinned({ db }: Queryable, meetingId: string, pinned: boolean) {
  return db.updateTable('meetings').set({ pinned, updated_at: sql`now()` }).where('id', '=', meetingId).where('status', 'in', meetingStatusSets.active).returning('id').executeTakeFirst();
}

/** Publishes a marketplace's standing drafts; answers their ids. */
export async function publishDrafts({ db }: Queryable, marketplaceId: string) {
  return db
    .updateTable('meetings')
    .set({ published_at: sql`now()` })
    .where('marketplace_id', '=', marketplaceId)
    .where('published_at', 'is', null)
    .where('status', 'in', meetingStatusSets.active)
    .returning('id')
    .execute();
}

/** Requests with the person who posted them (title, address, language, zone): whom a requester's summary goes to. */
export async function listRequestsWithPoster({ db }: Queryable, requestIds: string[]) {
  if (requestIds.length === 0) return [];
  return db
    .selectFrom('requests as r')
    .innerJoin('users as u', 'u.id', 'r.created_by')
    .select(['r.id', 'r.title', 'u.email', 'u.name', 'u.locale', 'u.time_zone'])
    .where('r.id', 'in', requestIds)
    .orderBy('r.id')
    .execute();
}

/** These responses of a marketplace, if not matched, with their request and the address and language of their writer. */
export async function listNotMatchedResponses({ db }: Queryable, marketplaceId: string, responseIds: string[], removedReason: string) {
  if (responseIds.length === 0) return [];
  return db
    .selectFrom('responses as s')
    .innerJoin('requests as r', 'r.id', 's.request_id')
    .innerJoin('organizations as ro', 'ro.id', 'r.organization_id')
    .innerJoin('users as u', 'u.id', 's.created_by')
    .select(['s.id', 's.request_id', 'r.title', 'ro.name as requester_name', 'u.email', 'u.locale'])
    // Whether the secretariat removed the meeting a run had planned for it: its note says so, not that other offers were chosen.
    .select((eb) => eb.exists(eb.selectFrom('meetings as m').select('m.id').whereRef('m.response_id', '=', 's.id').where('m.status', '=', 'cancelled').where('m.ended_reason', '=', removedReason)).as('removed'))
    .where('r.marketplace_id', '=', marketplaceId)
    .where('s.id', 'in', responseIds)
    .where('s.status', '=', 'not_matched')
    // Grouped by request: each request's note is rendered once per language as its rows are written.
    .orderBy('s.request_id')
    .execute();
}
