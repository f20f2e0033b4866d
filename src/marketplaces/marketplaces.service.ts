import type { NoMeetingWindow } from '../../db/types.ts';
import type { AppContext } from '../context.ts';
import type { Marketplace } from '../../db/types.ts';
import { requireOrganizer, type Actor } from '../auth/actor.ts';
import { conflict, invalid, notFound, type FieldError } from '../shared/errors.ts';
import { N_ } from '../i18n/i18n.ts';
import { resolveTimeInput } from '../shared/time-input.ts';
import { DateTime } from 'luxon';
import { isoInZone } from '../shared/time.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import { inTransaction } from '../shared/transaction.ts';
import type { Queryable } from '../shared/db.ts';
import { planMatchingRun } from '../meetings/matching-schedule.ts';
import type { CreateMarketplaceInput, MarketplaceAnswer, MarketplaceSummaryAnswer, SessionInput, UpdateMarketplaceInput } from './marketplaces.schemas.ts';
import {
  countRequestsFollowingDeadline,
  existingOrganizationIds,
  findMarketplaceBySlug,
  findMarketplaceIdsOfOrganization,
  findOrganizationIdsByName,
  insertMarketplace,
  listMarketplaceRows,
  listRooms,
  listSessionsWithRoles,
  lockMarketplaceBySlug,
  replaceRooms,
  replaceSessions,
  updateMarketplaceRow,
  type MarketplaceValues,
  type SessionRow,
} from './marketplaces.repository.ts';

/** "Close of business": the time a deadline given as a date alone takes. */
export const CLOSE_OF_BUSINESS = '17:00';

function resolveOrCollect(value: string, timeZone: string, defaultTime: string, path: string, errors: FieldError[]): Date {
  const instant = resolveTimeInput(value, timeZone, defaultTime);
  if (!instant) errors.push({ path, message: `does not exist in ${timeZone} (a clock change skips it)` });
  return instant ?? new Date(0);
}

async function resolveSessions(q: Queryable, sessions: SessionInput[], timeZone: string, errors: FieldError[]): Promise<SessionRow[]> {
  const names = sessions.flatMap((s) => s.roles.filter((r) => !r.organizationId && r.organization).map((r) => r.organization!));
  const idByName = await findOrganizationIdsByName(q, names);
  const knownIds = await existingOrganizationIds(q, sessions.flatMap((s) => s.roles.flatMap((r) => (r.organizationId ? [r.organizationId] : []))));
  return sessions.map((session, i) => {
    const startsAt = resolveOrCollect(session.startsAt, timeZone, '09:00', `sessions.${i}.startsAt`, errors);
    const endsAt = resolveOrCollect(session.endsAt, timeZone, '18:00', `sessions.${i}.endsAt`, errors);
    if (endsAt <= startsAt) errors.push({ path: `sessions.${i}.endsAt`, message: 'must be after the start' });
    const roles = session.roles.map((role, j) => {
      const organizationId = role.organizationId ?? idByName.get(role.organization!.toLowerCase());
      if (!organizationId || (role.organizationId && !knownIds.has(role.organizationId))) {
        errors.push({ path: `sessions.${i}.roles.${j}.organization`, message: `is not a registered organization (${role.organization ?? role.organizationId})` });
      }
      return { organizationId: organizationId ?? '', role: role.role, note: role.note ?? null };
    });
    return { code: session.code, title: session.title, startsAt, endsAt, roles };
  });
}

/** Times with no side meetings, as instants; a date alone is the whole day. */
function resolveWindows(windows: Array<{ startsAt: string; endsAt: string; label: string }>, timeZone: string, errors: FieldError[]): NoMeetingWindow[] {
  return windows.map((w, i) => {
    const startsAt = resolveOrCollect(w.startsAt, timeZone, '00:00', `noMeetingWindows.${i}.startsAt`, errors);
    const endsAt = resolveOrCollect(w.endsAt, timeZone, '23:59', `noMeetingWindows.${i}.endsAt`, errors);
    if (endsAt <= startsAt) errors.push({ path: `noMeetingWindows.${i}.endsAt`, message: 'must be after the start' });
    return { startsAt: startsAt.toISOString(), endsAt: endsAt.toISOString(), label: w.label };
  });
}

/**
 * The instant the forum's first day begins in its zone (its first moment where a clock change skips
 * midnight): every response deadline lies before it, so the matching has its days.
 */
export function forumStartInstant(m: Pick<Marketplace, 'forum_starts_on' | 'time_zone'>): Date {
  return DateTime.fromISO(String(m.forum_starts_on).slice(0, 10), { zone: m.time_zone }).startOf('day').toJSDate();
}

function checkMarketplaceTimes(values: Pick<Marketplace, 'opens_at' | 'response_deadline' | 'forum_starts_on' | 'forum_ends_on' | 'meeting_day_starts' | 'meeting_day_ends' | 'time_zone'>, errors: FieldError[]) {
  if (values.response_deadline <= values.opens_at) errors.push({ path: 'responseDeadline', message: 'must be after the opening' });
  // A deadline on or after the forum's first day leaves no time to match and schedule the side meetings.
  else if (values.response_deadline >= forumStartInstant(values)) errors.push({ path: 'responseDeadline', message: "must be before the forum's first day" });
  if (values.forum_ends_on < values.forum_starts_on) errors.push({ path: 'forumEndsAt', message: 'must not be before the first forum day' });
  if (values.meeting_day_ends.slice(0, 5) <= values.meeting_day_starts.slice(0, 5)) errors.push({ path: 'sideMeetingsUntil', message: 'must be after the start of the side meetings' });
}

export async function createMarketplace(ctx: AppContext, actorOrNull: Actor | null, input: CreateMarketplaceInput) {
  const actor = requireOrganizer(actorOrNull);
  const errors: FieldError[] = [];
  const values: MarketplaceValues = {
    slug: input.slug,
    name: input.name,
    time_zone: input.timeZone,
    opens_at: resolveOrCollect(input.opensAt, input.timeZone, '00:00', 'opensAt', errors),
    response_deadline: resolveOrCollect(input.responseDeadline, input.timeZone, CLOSE_OF_BUSINESS, 'responseDeadline', errors),
    forum_starts_on: input.forumStartsAt,
    forum_ends_on: input.forumEndsAt,
    meeting_minutes: input.meetingMinutes,
    meeting_day_starts: input.sideMeetingsFrom,
    meeting_day_ends: input.sideMeetingsUntil,
    sealed_responses: input.sealedResponses,
    meeting_publication: input.meetingPublication,
    question_days: input.questionDays,
    review_hours: input.reviewHours,
    max_meetings_per_day: input.maxMeetingsPerDay,
    move_penalty: input.movePenalty,
    break_after: input.breakAfter,
    late_change_days: input.lateChangeDays,
    followup_weeks: input.followupWeeks,
    no_meeting_windows: JSON.stringify(resolveWindows(input.noMeetingWindows, input.timeZone, errors)),
    created_by: actor.id,
  };
  checkMarketplaceTimes(values as Parameters<typeof checkMarketplaceTimes>[0], errors);
  const sessions = await resolveSessions(ctx, input.sessions, input.timeZone, errors);
  if (errors.length) throw invalid(errors);
  const slug = await inTransaction(ctx, async (tx) => {
    if (await findMarketplaceBySlug(tx, input.slug)) throw invalid([{ path: 'slug', message: `is already used by another marketplace` }]);
    const marketplace = await insertMarketplace(tx, values);
    await replaceRooms(tx, marketplace.id, input.rooms);
    await replaceSessions(tx, marketplace.id, sessions);
    await recordAudit(tx, actor, { entity: 'marketplace', entityId: marketplace.id, action: 'create' });
    return marketplace.slug;
  });
  const detail = await getMarketplace(ctx, slug);
  await planMatchingRun(ctx, detail.marketplace.id);
  return detail;
}

/** Why an edit may not move a deadline that requests follow. */
export const DEADLINE_FOLLOWED = 'is the deadline of requests already posted: extend it with "Extend the response deadline", which moves them and tells the people concerned';

/**
 * Edits a marketplace. Its deadline changes here only while no request follows it (setting the
 * marketplace up); after that, the deadline extension is its own action, which moves the requests'
 * deadlines, re-plans their jobs and tells the people affected.
 */
/** Said when the form's copy of the marketplace is older than the saved one (`unchangedSince`). */
export const EDITED_MEANWHILE = N_('Someone saved this marketplace after you opened it, so your changes are not saved: saving them as they are would undo theirs (a room, a session, a role). Your changes are kept below. Open the marketplace again in another tab to see what changed, then save again.');

export async function updateMarketplace(ctx: AppContext, actorOrNull: Actor | null, slug: string, input: UpdateMarketplaceInput, options: { unchangedSince?: Date | undefined } = {}) {
  const actor = requireOrganizer(actorOrNull);
  const newSlug = await inTransaction(ctx, async (tx) => {
    const current = await lockMarketplaceBySlug(tx, slug);
    if (!current) throw notFound('The marketplace');
    // The form sends the whole marketplace, rooms and agenda included: a copy opened before a colleague's
    // save would undo it in silence.
    if (options.unchangedSince && current.updated_at.getTime() !== options.unchangedSince.getTime()) throw conflict('edited-meanwhile', EDITED_MEANWHILE);
    const errors: FieldError[] = [];
    const timeZone = input.timeZone ?? current.time_zone;
    const values: Partial<MarketplaceValues> = {};
    if (input.slug !== undefined && input.slug !== current.slug) {
      if (await findMarketplaceBySlug(tx, input.slug)) errors.push({ path: 'slug', message: 'is already used by another marketplace' });
      values.slug = input.slug;
    }
    if (input.name !== undefined) values.name = input.name;
    if (input.timeZone !== undefined) values.time_zone = input.timeZone;
    if (input.opensAt !== undefined) values.opens_at = resolveOrCollect(input.opensAt, timeZone, '00:00', 'opensAt', errors);
    if (input.responseDeadline !== undefined) {
      const deadline = resolveOrCollect(input.responseDeadline, timeZone, CLOSE_OF_BUSINESS, 'responseDeadline', errors);
      if (deadline.getTime() !== current.response_deadline.getTime()) {
        // Requests that follow the deadline would keep the old one in silence, and a past one would close
        // the marketplace to new requests while they stay open: moving it is the extension's job.
        if ((await countRequestsFollowingDeadline(tx, current.id)) > 0) errors.push({ path: 'responseDeadline', message: DEADLINE_FOLLOWED });
        // A live marketplace (its deadline ahead) is not closed by a typo; an edition of the past keeps its history editable.
        else if (current.response_deadline.getTime() > Date.now() && deadline.getTime() <= Date.now()) errors.push({ path: 'responseDeadline', message: 'must be in the future' });
      }
      values.response_deadline = deadline;
    }
    if (input.forumStartsAt !== undefined) values.forum_starts_on = input.forumStartsAt;
    if (input.forumEndsAt !== undefined) values.forum_ends_on = input.forumEndsAt;
    if (input.meetingMinutes !== undefined) values.meeting_minutes = input.meetingMinutes;
    if (input.sideMeetingsFrom !== undefined) values.meeting_day_starts = input.sideMeetingsFrom;
    if (input.sideMeetingsUntil !== undefined) values.meeting_day_ends = input.sideMeetingsUntil;
    if (input.sealedResponses !== undefined) values.sealed_responses = input.sealedResponses;
    if (input.meetingPublication !== undefined) values.meeting_publication = input.meetingPublication;
    if (input.questionDays !== undefined) values.question_days = input.questionDays;
    if (input.reviewHours !== undefined) values.review_hours = input.reviewHours;
    if (input.maxMeetingsPerDay !== undefined) values.max_meetings_per_day = input.maxMeetingsPerDay;
    if (input.movePenalty !== undefined) values.move_penalty = input.movePenalty;
    if (input.breakAfter !== undefined) values.break_after = input.breakAfter;
    if (input.lateChangeDays !== undefined) values.late_change_days = input.lateChangeDays;
    if (input.followupWeeks !== undefined) values.followup_weeks = input.followupWeeks;
    if (input.noMeetingWindows !== undefined) values.no_meeting_windows = JSON.stringify(resolveWindows(input.noMeetingWindows, timeZone, errors));
    checkMarketplaceTimes({ ...current, ...values } as Parameters<typeof checkMarketplaceTimes>[0], errors);
    const sessions = input.sessions ? await resolveSessions(tx, input.sessions, timeZone, errors) : null;
    if (errors.length) throw invalid(errors);
    // Always written, so that a change of its rooms or agenda alone is a new version too (updated_at).
    const updated = await updateMarketplaceRow(tx, current.id, values);
    if (input.rooms) await replaceRooms(tx, current.id, input.rooms);
    if (sessions) await replaceSessions(tx, current.id, sessions);
    await recordAudit(tx, actor, { entity: 'marketplace', entityId: current.id, action: 'edit', detail: { fields: Object.keys(input) } });
    tx.changes('listing');
    return updated.slug;
  });
  const detail = await getMarketplace(ctx, newSlug);
  if (input.responseDeadline !== undefined || input.reviewHours !== undefined) await planMatchingRun(ctx, detail.marketplace.id);
  return detail;
}

export async function findMarketplace(ctx: AppContext, slug: string): Promise<Marketplace> {
  const marketplace = await findMarketplaceBySlug(ctx, slug);
  if (!marketplace) throw notFound('The marketplace');
  return marketplace;
}

/** A marketplace with its rooms and agenda, as the API shows it. */
export async function getMarketplace(ctx: AppContext, slug: string) {
  const marketplace = await findMarketplace(ctx, slug);
  const [rooms, sessions] = await Promise.all([listRooms(ctx, marketplace.id), listSessionsWithRoles(ctx, marketplace.id)]);
  return { marketplace, rooms, sessions };
}

export type MarketplaceDetail = Awaited<ReturnType<typeof getMarketplace>>;

/** The same from the public cache: for pages that only show it (PUBLIC_CACHE_SECONDS). */
export async function getPublicMarketplace(ctx: AppContext, slug: string): Promise<MarketplaceDetail> {
  return ctx.caches.listing.get(`marketplace-detail:${slug}`, () => getMarketplace(ctx, slug));
}

/** A marketplace with its rooms and agenda, as the API answers it. */
export function marketplaceToJson({ marketplace: m, rooms, sessions }: MarketplaceDetail): MarketplaceAnswer {
  const tz = m.time_zone;
  return {
    id: m.id,
    slug: m.slug,
    name: m.name,
    timeZone: tz,
    opensAt: isoInZone(m.opens_at, tz),
    responseDeadline: isoInZone(m.response_deadline, tz),
    forumStartsAt: m.forum_starts_on,
    forumEndsAt: m.forum_ends_on,
    meetingMinutes: m.meeting_minutes,
    sideMeetingsFrom: m.meeting_day_starts.slice(0, 5),
    sideMeetingsUntil: m.meeting_day_ends.slice(0, 5),
    sealedResponses: m.sealed_responses,
    meetingPublication: m.meeting_publication,
    questionDays: m.question_days,
    reviewHours: m.review_hours,
    maxMeetingsPerDay: m.max_meetings_per_day,
    movePenalty: m.move_penalty,
    breakAfter: m.break_after,
    lateChangeDays: m.late_change_days,
    followupWeeks: m.followup_weeks,
    noMeetingWindows: m.no_meeting_windows.map((w) => ({ startsAt: isoInZone(new Date(w.startsAt), tz), endsAt: isoInZone(new Date(w.endsAt), tz), label: w.label })),
    rooms: rooms.map((r) => ({ id: r.id, name: r.name })),
    sessions: sessions.map((s) => ({
      id: s.id,
      code: s.code,
      title: s.title,
      startsAt: isoInZone(s.starts_at, tz),
      endsAt: isoInZone(s.ends_at, tz),
      roles: s.roles,
    })),
  };
}

/** The ids of the marketplaces an organization took part in: it posted a request there or responded. */
export async function marketplacesTakenPartIn(ctx: AppContext, organizationId: string): Promise<Set<string>> {
  return new Set(await findMarketplaceIdsOfOrganization(ctx, organizationId));
}

export async function listMarketplaces(ctx: AppContext) {
  return listMarketplaceRows(ctx);
}

export type MarketplaceListRow = Awaited<ReturnType<typeof listMarketplaces>>[number];

/** A marketplace in the list, with how many requests are open. */
export function marketplaceSummaryToJson(m: MarketplaceListRow): MarketplaceSummaryAnswer {
  return { slug: m.slug, name: m.name, timeZone: m.time_zone, responseDeadline: isoInZone(m.response_deadline, m.time_zone), openRequests: m.open_requests ?? 0 };
}
