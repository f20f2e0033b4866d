import { randomUUID } from 'node:crypto';
import type { AppContext } from '../context.ts';
import type { Actor } from '../auth/actor.ts';
import { requireSecretariat } from './meetings.service.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import { conflict, invalid, notFound } from '../shared/errors.ts';
import { inTransaction, type Tx } from '../shared/transaction.ts';
import { getMarketplace } from '../marketplaces/marketplaces.service.ts';
import { instantToLocal } from '../shared/time.ts';
import { forumSlots, longSlots, marketplaceShape } from './matching-instance.ts';
import { withMatchingLock } from './matching-store.repository.ts';
import { insertHandMeeting, listBusyOfMarketplace, latestRunOfMarketplace, listClosedRequests, listEndedResponses, listOfferedResponses, listResponsesWithoutMeeting, moveMeetingTo, setMeetingPinned } from './meeting-edits.repository.ts';
import { endMeeting, findMeeting, listMeetingsOfMarketplace, type MeetingDetail } from './meetings.repository.ts';
import { meetingStatusSets } from './meeting-status.ts';
import { cancellationReasons, queueMeetingEmails } from './meeting-notifications.ts';
import { canPublishSchedule } from './meetings.policy.ts';

/** Why the secretariat's hand edit ended a meeting, as the cancellation email says it (completes "will not take place: ..."). */
const REMOVED_BY_SECRETARIAT = cancellationReasons.removedBySecretariat;

/** A place a meeting can go: a slot of the forum and a room free then, with both organizations free too. */
export interface FreePlace {
  /** `2027-07-10T09:30|<roomId>`: what a form sends back. */
  key: string;
  startsAt: Date;
  endsAt: Date;
  roomId: string;
  roomName: string;
  /** The slot in the marketplace's zone, as the pages show it. */
  local: { date: string; time: string };
}

const requireEditor = (actorOrNull: Actor | null): Actor => requireSecretariat(actorOrNull, canPublishSchedule);

/** A marketplace with its rooms, agenda and standing meetings, as the timetable already read them. */
export type BoardSource = Awaited<ReturnType<typeof getMarketplace>> & { meetings: MeetingDetail[] };

/** What a marketplace's schedule holds, loaded once (or taken from what the caller read): the slots, rooms, standing meetings and every organization's busy times. */
async function loadBoard(ctx: AppContext, slug: string, source?: BoardSource) {
  const { marketplace, rooms, sessions } = source ?? (await getMarketplace(ctx, slug));
  const [meetings, otherBusy] = await Promise.all([
    source?.meetings ?? listMeetingsOfMarketplace(ctx, marketplace.id, meetingStatusSets.active),
    listBusyOfMarketplace(ctx, marketplace.id),
  ]);
  const busy = new Map<string, Array<{ startsAt: Date; endsAt: Date }>>();
  const addBusy = (org: string, startsAt: Date, endsAt: Date) => busy.set(org, [...(busy.get(org) ?? []), { startsAt, endsAt }]);
  for (const s of sessions) for (const r of s.roles) addBusy(r.organizationId, s.starts_at, s.ends_at);
  for (const u of otherBusy) addBusy(u.organization_id, u.starts_at, u.ends_at);
  const slots = forumSlots(marketplaceShape(marketplace));
  return { marketplace, rooms, meetings, busy, slots };
}
export type Board = Awaited<ReturnType<typeof loadBoard>>;

const overlaps = (a: { startsAt: Date; endsAt: Date }, s: Date, e: Date) => a.startsAt < e && s < a.endsAt;

/** Per slot, the meetings then (by organization and room); per organization, the slots it is busy: built once per board. */
export function indexBoard(board: Board) {
  const atSlot = board.slots.map((slot) => board.meetings.filter((m) => overlaps({ startsAt: m.starts_at, endsAt: m.ends_at }, slot.startsAt, slot.endsAt)));
  const busySlots = new Map<string, Set<number>>();
  const busyOf = (org: string) => {
    let set = busySlots.get(org);
    if (!set) {
      set = new Set(board.slots.flatMap((slot, i) => ((board.busy.get(org) ?? []).some((b) => overlaps(b, slot.startsAt, slot.endsAt)) ? [i] : [])));
      busySlots.set(org, set);
    }
    return set;
  };
  const byOrganization = new Map<string, MeetingDetail[]>();
  for (const m of board.meetings) for (const org of new Set([m.requester_org_id, m.provider_org_id, ...m.partners.map((p) => p.id)])) byOrganization.set(org, [...(byOrganization.get(org) ?? []), m]);
  return { atSlot, busyOf, meetingsOf: (org: string) => byOrganization.get(org) ?? [] };
}

/**
 * Whether a meeting of `org` at this slot keeps the marketplace's limits, as the matching run keeps
 * them (docs/matching-format.md, version 2): no more than `max_meetings_per_day` that local day, and
 * no run of back-to-back meetings longer than `break_after`. `except`: the meeting being moved.
 */
function keepsLimits(board: Board, index: ReturnType<typeof indexBoard>, org: string, slot: { startsAt: Date; endsAt: Date }, except: string | null): boolean {
  const { max_meetings_per_day: perDay, break_after: breakAfter, time_zone: zone } = board.marketplace;
  if (!perDay && !breakAfter) return true;
  const mine = index.meetingsOf(org).filter((m) => m.id !== except);
  if (perDay) {
    const day = instantToLocal(slot.startsAt, zone).date;
    if (mine.filter((m) => instantToLocal(m.starts_at, zone).date === day).length >= perDay) return false;
  }
  if (breakAfter) {
    let run = 1;
    for (let at = slot.startsAt, before; (before = mine.find((m) => m.ends_at.getTime() === at.getTime())); at = before.starts_at) run++;
    for (let at = slot.endsAt, after; (after = mine.find((m) => m.starts_at.getTime() === at.getTime())); at = after.ends_at) run++;
    if (run > breakAfter) return false;
  }
  return true;
}

/**
 * Where two organizations could meet: each slot not begun yet when neither has another meeting, an agenda role or a
 * declared unavailability (`times`), and within those, the rooms free (`places`). `except` is the
 * meeting being moved. The matching run's rules, the marketplace's meeting limits included (`withinLimits`:
 * the common free times that keep them); the database's exclusion constraints still decide.
 */
export function placesOnBoard(board: Board, index: ReturnType<typeof indexBoard>, organizations: readonly string[], except: string | null, now = Date.now()): { times: number; withinLimits: number; places: FreePlace[] } {
  const places: FreePlace[] = [];
  let times = 0;
  let withinLimits = 0;
  const busy = organizations.map((org) => index.busyOf(org));
  board.slots.forEach((slot, i) => {
    // A place that has begun is no place to meet: during the forum the morning's slots were offered in the afternoon,
    // and a meeting moved there was published with an invitation for a time already past.
    if (slot.startsAt.getTime() <= now) return;
    if (busy.some((set) => set.has(i))) return;
    const atThisTime = index.atSlot[i]!.filter((m) => m.id !== except);
    // Anyone of them in another meeting then, as requester, provider or a provider's joint partner.
    if (atThisTime.some((m) => [m.requester_org_id, m.provider_org_id, ...m.partners.map((p) => p.id)].some((org) => organizations.includes(org)))) return;
    times++;
    if (!organizations.every((org) => keepsLimits(board, index, org, slot, except))) return;
    withinLimits++;
    // The rooms taken then (a place several slots long overlaps several meetings of one room: counted once).
    const taken = new Set(atThisTime.map((m) => m.room_id));
    if (taken.size >= board.rooms.length) return;
    for (const room of board.rooms) {
      if (taken.has(room.id)) continue;
      places.push({ key: `${slot.id}|${room.id}`, startsAt: slot.startsAt, endsAt: slot.endsAt, roomId: room.id, roomName: room.name, local: instantToLocal(slot.startsAt, board.marketplace.time_zone) });
    }
  });
  return { times, withinLimits, places };
}

/**
 * Every place two organizations could meet in a marketplace (see placesOnBoard), for the meeting
 * `except` when it is moved: a place as long as it (a joint meeting, one per pair of organizations,
 * may last several meeting lengths).
 */
export async function freePlaces(ctx: AppContext, slug: string, organizations: readonly string[], except: { id: string; room_id: string; starts_at: Date; ends_at: Date } | null = null): Promise<FreePlace[]> {
  const loaded = await loadBoard(ctx, slug);
  const span = except ? spanOf(except, loaded.marketplace) : 1;
  const board = span > 1 ? { ...loaded, slots: longSlots(loaded.slots, span) } : loaded;
  const { places } = placesOnBoard(board, indexBoard(board), organizations, except?.id ?? null);
  // Where the meeting is now is no place to move it to.
  return except ? places.filter((p) => !(p.roomId === except.room_id && p.startsAt.getTime() === except.starts_at.getTime())) : places;
}

/** The organizations in a meeting: its requester, its provider and any provider that answered jointly with it. */
function attendeesOf(meeting: MeetingDetail): string[] {
  return [meeting.requester_org_id, meeting.provider_org_id, ...meeting.partners.map((p) => p.id)];
}

/** How many meeting lengths a meeting lasts (a joint meeting may last several). */
function spanOf(meeting: { starts_at: Date; ends_at: Date }, marketplace: { meeting_minutes: number }): number {
  return Math.max(1, Math.round((meeting.ends_at.getTime() - meeting.starts_at.getTime()) / (marketplace.meeting_minutes * 60_000)));
}

/** Why an offer of a request that got fewer meetings than it asked for has none. */
export type UnmetReason = 'declined' | 'excluded' | 'no-common-time' | 'meeting-limits' | 'rooms-full' | 'provider-capacity' | 'free-now';

/**
 * The requests of a marketplace that got fewer meetings than they asked for, each offer without a
 * meeting with the reason that bound it, checked in this order: a party declined it or the
 * secretariat removed it; the two organizations have no slot in common; every common slot would break
 * a daily limit or a break of one of them; every room is taken whenever
 * they are both free; the provider already has as many meetings as it can take; otherwise a place
 * is free now (freed since the run, or the run stopped at its time limit): the next run, or the
 * secretariat by hand, can schedule it.
 */
export async function unmetRequests(ctx: AppContext, actorOrNull: Actor | null, slug: string, options: { limit?: number; source?: BoardSource } = {}) {
  requireEditor(actorOrNull);
  const limit = options.limit ?? 100;
  const board = await loadBoard(ctx, slug, options.source);
  const requests = await listClosedRequests(ctx, board.marketplace.id);
  if (requests.length === 0) return { requests: [], more: 0 };
  const responses = await listOfferedResponses(ctx, requests.map((r) => r.id));
  const ended = await listEndedResponses(ctx, board.marketplace.id, cancellationReasons.removedBySecretariat);
  const endedResponses = new Set(ended.map((e) => e.response_id));
  const index = indexBoard(board);
  // A joint meeting counts for every request it serves.
  const meetingsOfResponse = new Set(board.meetings.flatMap((m) => [m.response_id, ...m.topic_response_ids]));
  const meetingsPerRequest = new Map<string, number>();
  for (const m of board.meetings) for (const requestId of [m.request_id, ...m.also_requests.map((t) => t.id)]) meetingsPerRequest.set(requestId, (meetingsPerRequest.get(requestId) ?? 0) + 1);
  const responsesOfRequest = new Map<string, typeof responses>();
  for (const r of responses) responsesOfRequest.set(r.request_id, [...(responsesOfRequest.get(r.request_id) ?? []), r]);
  const meetingsPerProvider = new Map<string, number>();
  for (const m of board.meetings) meetingsPerProvider.set(m.provider_org_id, (meetingsPerProvider.get(m.provider_org_id) ?? 0) + 1);
  const out = [];
  let more = 0;
  for (const request of requests) {
    const got = meetingsPerRequest.get(request.id) ?? 0;
    if (got >= request.max_matches) continue;
    // The page lists the first ones; the count says how many there are.
    if (out.length >= limit) {
      more++;
      continue;
    }
    const offers = (responsesOfRequest.get(request.id) ?? [])
      .filter((s) => !meetingsOfResponse.has(s.id))
      .map((s) => {
        let reason: UnmetReason;
        if (endedResponses.has(s.id)) reason = 'declined';
        else if (s.requester_mark === 'exclude') reason = 'excluded';
        else {
          const { times, withinLimits, places } = placesOnBoard(board, index, [request.organization_id, s.organization_id], null);
          if (times === 0) reason = 'no-common-time';
          else if (withinLimits === 0) reason = 'meeting-limits';
          else if (places.length === 0) reason = 'rooms-full';
          else if ((meetingsPerProvider.get(s.organization_id) ?? 0) >= s.meeting_capacity) reason = 'provider-capacity';
          else reason = 'free-now';
        }
        return { responseId: s.id, provider: s.organization_name, reason };
      });
    out.push({ requestId: request.id, title: request.title, requester: request.organization_name, asked: request.max_matches, got, offers });
  }
  return { requests: out, more };
}

async function meetingForEdit(ctx: AppContext, meetingId: string): Promise<MeetingDetail> {
  const meeting = await findMeeting(ctx, meetingId);
  if (!meeting) throw notFound('The meeting');
  return meeting;
}

/** The free places a meeting can move to, for the secretariat. */
export async function placesForMeeting(ctx: AppContext, actorOrNull: Actor | null, meetingId: string) {
  requireEditor(actorOrNull);
  const meeting = await meetingForEdit(ctx, meetingId);
  return { meeting, places: await freePlaces(ctx, meeting.marketplace_slug, attendeesOf(meeting), meeting) };
}

/** Turns an exclusion-constraint refusal (a double booking) into the 409 a person reads. */
async function refusingDoubleBooking<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if ((error as { code?: string }).code === '23P01') throw conflict('double-booking', 'That room, or one of the two organizations, has another meeting at that time now. Choose another place.');
    throw error;
  }
}

function placeOf(places: FreePlace[], key: string, field: string): FreePlace {
  const place = places.find((p) => p.key === key);
  if (!place) throw invalid([{ path: field, message: 'is not a free slot and room for both organizations any more; choose one from the list' }]);
  return place;
}

/**
 * The secretariat moves a meeting to a free place. Its answers go back to pending (the time changed),
 * its sequence grows, and its parties are told if it was published. Runs of the marketplace wait.
 */
export async function moveMeetingByOrganizer(ctx: AppContext, actorOrNull: Actor | null, meetingId: string, placeKey: string) {
  const actor = requireEditor(actorOrNull);
  const meeting = await meetingForEdit(ctx, meetingId);
  if (!meetingStatusSets.active.includes(meeting.status)) throw conflict('meeting-ended', `This meeting was ${meeting.status}; it cannot be moved.`);
  return withMatchingLock(ctx, meeting.marketplace_id, async (connection) => {
    const place = placeOf(await freePlaces(ctx, meeting.marketplace_slug, attendeesOf(meeting), meeting), placeKey, 'place');
    await inTransaction(
      ctx,
      (tx) =>
        refusingDoubleBooking(async () => {
          const moved = await moveMeetingTo(tx, meetingId, place);
          if (!moved) throw conflict('meeting-ended', 'This meeting ended meanwhile; it cannot be moved.');
          await recordAudit(tx, actor, { entity: 'meeting', entityId: meetingId, action: 'move', fromStatus: meeting.status, toStatus: 'proposed', detail: { by: 'secretariat', startsAt: place.startsAt.toISOString(), roomId: place.roomId } });
          await queueMeetingEmails(ctx, tx, meetingId, 'moved');
        }),
      { db: connection },
    );
    return findMeeting(ctx, meetingId);
  });
}

/**
 * The secretariat pins a meeting (no matching run moves it, whatever the move penalty) or unpins it.
 * Nothing changes for its parties, so nobody is emailed.
 */
export async function pinMeetingByOrganizer(ctx: AppContext, actorOrNull: Actor | null, meetingId: string, pinned: boolean) {
  const actor = requireEditor(actorOrNull);
  const meeting = await meetingForEdit(ctx, meetingId);
  await inTransaction(ctx, async (tx) => {
    const done = await setMeetingPinned(tx, meetingId, pinned);
    if (!done) throw conflict('meeting-ended', `This meeting was ${meeting.status}; it cannot be pinned.`);
    await recordAudit(tx, actor, { entity: 'meeting', entityId: meetingId, action: pinned ? 'pin' : 'unpin', detail: { by: 'secretariat' } });
  });
  return findMeeting(ctx, meetingId);
}

/** The secretariat removes a meeting from the schedule; its parties are told if it was published. */
export async function removeMeetingByOrganizer(ctx: AppContext, actorOrNull: Actor | null, meetingId: string) {
  const actor = requireEditor(actorOrNull);
  const meeting = await meetingForEdit(ctx, meetingId);
  await inTransaction(ctx, async (tx) => {
    const ended = await endMeeting(tx, meetingId, 'cancelled', REMOVED_BY_SECRETARIAT);
    if (!ended) throw conflict('meeting-ended', `This meeting was ${meeting.status}; it cannot be removed.`);
    await recordAudit(tx, actor, { entity: 'meeting', entityId: meetingId, action: 'cancel', fromStatus: meeting.status, toStatus: 'cancelled', detail: { by: 'secretariat' } });
    await queueMeetingEmails(ctx, tx, meetingId, 'cancelled', REMOVED_BY_SECRETARIAT);
  });
  return findMeeting(ctx, meetingId);
}

/** The responses of a marketplace that could get a meeting by hand: on offer, of a closed request, with no meeting standing. */
export async function responsesWithoutMeeting(ctx: AppContext, actorOrNull: Actor | null, slug: string) {
  requireEditor(actorOrNull);
  const { marketplace } = await getMarketplace(ctx, slug);
  const rows = await listResponsesWithoutMeeting(ctx, marketplace.id);
  return { marketplace, responses: rows };
}

/** Offers listed at once on the add-a-meeting page; a search narrows a longer list (fifty times a forum has 20,000). */
export const OFFERS_SHOWN = 200;

/**
 * The offers without a meeting, as the add-a-meeting page lists them: those whose requester, request
 * title or provider contains `q` (any case), the first `limit` of them, and the chosen one always.
 */
export async function offersWithoutMeeting(ctx: AppContext, actorOrNull: Actor | null, slug: string, options: { q?: string; chosenId?: string; limit?: number } = {}) {
  const { marketplace, responses } = await responsesWithoutMeeting(ctx, actorOrNull, slug);
  const words = (options.q ?? '').trim().toLocaleLowerCase();
  const matching = words ? responses.filter((r) => `${r.requester_name} ${r.request_title} ${r.provider_name}`.toLocaleLowerCase().includes(words)) : responses;
  const shown = matching.slice(0, options.limit ?? OFFERS_SHOWN);
  const chosen = responses.find((r) => r.id === options.chosenId);
  if (chosen && !shown.includes(chosen)) shown.unshift(chosen);
  return { marketplace, responses: shown, chosen, total: responses.length, matching: matching.length };
}

/**
 * The secretariat adds a meeting by hand for a response that has none, at a free place. Under
 * "review" it is a draft like the run's; under "immediate" its parties are invited at once.
 */
export async function addMeetingByOrganizer(ctx: AppContext, actorOrNull: Actor | null, slug: string, input: { responseId: string; place: string }) {
  const actor = requireEditor(actorOrNull);
  const { marketplace, responses } = await responsesWithoutMeeting(ctx, actor, slug);
  const response = responses.find((r) => r.id === input.responseId);
  if (!response) throw invalid([{ path: 'responseId', message: 'is not a response of this marketplace that is on offer without a meeting' }]);
  const id = randomUUID();
  await withMatchingLock(ctx, marketplace.id, async (connection) => {
    const place = placeOf(await freePlaces(ctx, slug, [response.requester_org_id, response.provider_org_id]), input.place, 'place');
    await inTransaction(
      ctx,
      (tx) =>
        refusingDoubleBooking(async () => {
          await insertHandMeetingOfRun(tx, { id, marketplaceId: marketplace.id, response, place, publish: marketplace.meeting_publication === 'immediate' });
          await recordAudit(tx, actor, { entity: 'meeting', entityId: id, action: 'create', toStatus: 'proposed', detail: { by: 'secretariat' } });
          await queueMeetingEmails(ctx, tx, id, 'added');
        }),
      { db: connection },
    );
  });
  return (await findMeeting(ctx, id))!;
}

async function insertHandMeetingOfRun(
  tx: Tx,
  m: { id: string; marketplaceId: string; response: { id: string; request_id: string; requester_org_id: string; provider_org_id: string }; place: FreePlace; publish: boolean },
) {
  // The latest run of the marketplace owns it, as the run's own meetings; a marketplace with no run yet gets none by hand.
  const run = await latestRunOfMarketplace(tx, m.marketplaceId);
  if (!run) throw conflict('no-run-yet', 'Add meetings by hand after the first matching run.');
  await insertHandMeeting(tx, { ...m, runId: run.id });
}
