import { DateTime } from 'luxon';
import { sql } from 'kysely';
import type { Queryable } from '../shared/db.ts';
import { meetingStatusSets } from '../meetings/meeting-status.ts';

/**
 * Opens the demo marketplace and every request in it (opened a day ago, published an hour ago) with
 * the response deadline `seconds` from now by the database clock. Returns that deadline.
 */
export async function openMarketplaceUntil({ db }: Queryable, marketplaceId: string, seconds: number): Promise<Date> {
  const { rows } = await sql<{ deadline: Date }>`SELECT now() + make_interval(secs => ${seconds}) AS deadline`.execute(db);
  const deadline = rows[0]!.deadline;
  await db
    .updateTable('marketplaces')
    // On the compressed timeline questions are taken until the deadline (question_days 0), not 7 days
    // before it, and the matching runs at once (no review window).
    .set({ opens_at: sql`now() - interval '1 day'`, response_deadline: deadline, question_days: 0, review_hours: 0, updated_at: sql`now()` })
    .where('id', '=', marketplaceId)
    .execute();
  await db
    .updateTable('requests')
    .set({ response_deadline: deadline, own_deadline: null, status: 'open', published_at: sql`now() - interval '1 hour'`, closed_at: null })
    .where('marketplace_id', '=', marketplaceId)
    .execute();
  return deadline;
}

/**
 * Moves the forum (its days, its agenda, its times without side meetings) by whole weeks so that it
 * starts at least `daysAhead` days from today: on the compressed timeline the forum comes after the
 * deadline, as in the note, and on the same weekdays. Wall-clock times stay as they were in the
 * marketplace's zone. Returns the number of days moved.
 */
export async function moveForumAhead({ db }: Queryable, marketplaceId: string, daysAhead: number): Promise<{ days: number; startsOn: string; endsOn: string }> {
  const m = await db.selectFrom('marketplaces').select(['time_zone', 'no_meeting_windows', sql<number>`(current_date + ${daysAhead}::int) - forum_starts_on`.as('behind')]).where('id', '=', marketplaceId).executeTakeFirstOrThrow();
  const days = Math.max(0, Math.ceil(Number(m.behind) / 7) * 7);
  const shift = (iso: string) => DateTime.fromISO(iso, { zone: m.time_zone }).plus({ days }).toUTC().toISO()!;
  await db
    .updateTable('marketplaces')
    .set({
      forum_starts_on: sql`forum_starts_on + ${days}::int`,
      forum_ends_on: sql`forum_ends_on + ${days}::int`,
      no_meeting_windows: JSON.stringify(m.no_meeting_windows.map((w) => ({ ...w, startsAt: shift(w.startsAt), endsAt: shift(w.endsAt) }))),
    })
    .where('id', '=', marketplaceId)
    .execute();
  await db
    .updateTable('agenda_sessions')
    .set({
      starts_at: sql`((starts_at AT TIME ZONE ${m.time_zone}) + make_interval(days => ${days})) AT TIME ZONE ${m.time_zone}`,
      ends_at: sql`((ends_at AT TIME ZONE ${m.time_zone}) + make_interval(days => ${days})) AT TIME ZONE ${m.time_zone}`,
    })
    .where('marketplace_id', '=', marketplaceId)
    .execute();
  const moved = await db.selectFrom('marketplaces').select(['forum_starts_on', 'forum_ends_on']).where('id', '=', marketplaceId).executeTakeFirstOrThrow();
  return { days, startsOn: String(moved.forum_starts_on).slice(0, 10), endsOn: String(moved.forum_ends_on).slice(0, 10) };
}

export async function listRequestsToAnswer({ db }: Queryable, marketplaceId: string) {
  return db.selectFrom('requests').select(['id', 'organization_id', 'created_by', 'category', 'themes', 'languages', 'title']).where('marketplace_id', '=', marketplaceId).orderBy('created_at').orderBy('id').execute();
}

/** Who holds a role in the agenda, outside governments, with an active member to respond as. */
export async function listAgendaRoleHolders({ db }: Queryable, marketplaceId: string) {
  return db
    .selectFrom('session_roles as r')
    .innerJoin('agenda_sessions as s', 's.id', 'r.session_id')
    .innerJoin('organizations as o', 'o.id', 'r.organization_id')
    .innerJoin('users as u', (join) => join.onRef('u.organization_id', '=', 'o.id').on('u.membership', '=', 'active'))
    .select(['s.code', 's.title as session_title', 'r.role', 'r.note', 'o.id as organization_id', 'o.name', 'o.kind', 'u.id as user_id'])
    .where('s.marketplace_id', '=', marketplaceId)
    .where('o.kind', '!=', 'government')
    .execute();
}

export async function listRequestDeadlines({ db }: Queryable, marketplaceId: string) {
  return db.selectFrom('requests').select(['id', 'response_deadline']).where('marketplace_id', '=', marketplaceId).execute();
}

/** What the demo's progress line says: requests by status, the matching runs, active meetings, emails sent. */
export async function countDemoProgress({ db }: Queryable) {
  const [requests, runs, meetings, emails] = await Promise.all([
    db
      .selectFrom('requests')
      .select(['status', sql<number>`count(*)`.as('n')])
      .groupBy('status')
      .execute(),
    db.selectFrom('matching_runs').select(['status']).execute(),
    db
      .selectFrom('meetings')
      .select([sql<number>`count(*)`.as('n'), sql<number>`count(*) FILTER (WHERE published_at IS NULL)`.as('drafts')])
      .where('status', 'in', meetingStatusSets.active)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('outbox')
      .select(sql<number>`count(*)`.as('n'))
      .where('status', '=', 'sent')
      .executeTakeFirstOrThrow(),
  ]);
  return { requests, runs, meetings, emails };
}

/** Every person, with their organization, governments first: whom the demo page signs in as. */
export async function listPeopleWithOrganizations({ db }: Queryable) {
  return db
    .selectFrom('users as u')
    .leftJoin('organizations as o', 'o.id', 'u.organization_id')
    .select(['u.id', 'u.email', 'o.name as organization', 'o.kind'])
    .orderBy('o.kind')
    .orderBy('o.name')
    .execute();
}

/** Emails not yet sent (pending or being sent): the demo says "every email sent" at zero. */
export async function countUnsentEmails({ db }: Queryable): Promise<number> {
  const row = await db.selectFrom('outbox').select(sql<number>`count(*)`.as('n')).where('status', 'in', ['pending', 'sending']).executeTakeFirstOrThrow();
  return Number(row.n);
}
