import { randomUUID } from 'node:crypto';
import type { MatchingResult } from '../matching/instance.schema.ts';
import { marketplaceShape, buildMatchingInstance, pairKey, type BuiltInstance, type Interval, type KeptMeeting } from './matching-instance.ts';
import type { MatchingSnapshot, MeetingWrites, SnapshotMeeting } from './matching-store.repository.ts';

/**
 * A run's decisions, from its snapshot and the solver's answer: pure, so what a run would do can be
 * read and tested without a database. Every lookup goes through a map built once: nothing searches
 * a list inside a loop over rows.
 */

function overlaps(aStart: Date, aEnd: Date, bStart: Date, bEnd: Date): boolean {
  return aStart < bEnd && bStart < aEnd;
}

/** Agenda commitments and declared unavailability, per organization. */
export function busyTimes(snapshot: MatchingSnapshot): Interval[] {
  return [
    ...snapshot.sessions.filter((s) => s.organization_id).map((s) => ({ organizationId: s.organization_id!, startsAt: s.starts_at, endsAt: s.ends_at })),
    ...snapshot.busy.map((b) => ({ organizationId: b.organization_id, startsAt: b.starts_at, endsAt: b.ends_at })),
  ];
}

/**
 * Which active meetings still hold: their response is still on offer and not declined, their request
 * still in the run, their room still there, and neither organization became busy then.
 */
export function splitKeptMeetings(snapshot: MatchingSnapshot, busy: Interval[]): { kept: SnapshotMeeting[]; released: SnapshotMeeting[] } {
  // "Not this one" marked after a run: its meeting no longer holds.
  const responses = new Set(snapshot.responses.filter((r) => r.requester_mark !== 'exclude').map((r) => r.id));
  const requests = new Set(snapshot.requests.map((r) => r.id));
  const rooms = new Set(snapshot.rooms.map((r) => r.id));
  const busyByOrganization = new Map<string, Interval[]>();
  for (const b of busy) {
    const list = busyByOrganization.get(b.organizationId);
    if (list) list.push(b);
    else busyByOrganization.set(b.organizationId, [b]);
  }
  const busyAt = (organizationId: string, m: SnapshotMeeting) => (busyByOrganization.get(organizationId) ?? []).some((b) => overlaps(b.startsAt, b.endsAt, m.starts_at, m.ends_at));
  // A meeting inside a time with no side meetings (declared after it was scheduled) no longer holds.
  const windows = snapshot.marketplace.no_meeting_windows.map((w) => ({ startsAt: new Date(w.startsAt), endsAt: new Date(w.endsAt) }));
  const inClosedWindow = (m: SnapshotMeeting) => windows.some((w) => overlaps(w.startsAt, w.endsAt, m.starts_at, m.ends_at));
  const kept: SnapshotMeeting[] = [];
  const released: SnapshotMeeting[] = [];
  for (const m of snapshot.meetings) {
    const holds =
      responses.has(m.response_id) &&
      !snapshot.declinedResponses.has(m.response_id) &&
      requests.has(m.request_id) &&
      rooms.has(m.room_id) &&
      !busyAt(m.requester_org_id, m) &&
      !busyAt(m.provider_org_id, m) &&
      !inClosedWindow(m);
    (holds ? kept : released).push(m);
  }
  return { kept, released };
}

/** The optimizer's instance of a snapshot, with the meetings that still hold kept. */
export function instanceOfSnapshot(snapshot: MatchingSnapshot, busy: Interval[], kept: SnapshotMeeting[]): BuiltInstance {
  const m = snapshot.marketplace;
  const sessionCodesByOrganization = new Map<string, string[]>();
  for (const s of snapshot.sessions) {
    if (!s.organization_id) continue;
    const codes = sessionCodesByOrganization.get(s.organization_id);
    if (codes) codes.push(s.code);
    else sessionCodesByOrganization.set(s.organization_id, [s.code]);
  }
  return buildMatchingInstance({
    marketplace: marketplaceShape(m, [...new Set(snapshot.sessions.map((s) => s.code))]),
    roomIds: snapshot.rooms.map((r) => r.id),
    requests: snapshot.requests.map((r) => ({ id: r.id, organizationId: r.organization_id, category: r.category, themes: r.themes, countries: r.countries, languages: r.languages, maxMatches: r.max_matches })),
    responses: snapshot.responses
      .filter((r) => !snapshot.declinedResponses.has(r.id))
      .map((r) => ({
        id: r.id,
        requestId: r.request_id,
        organizationId: r.organization_id,
        organizationCountry: r.country,
        offerCategories: r.offer_categories as never,
        languages: r.languages,
        modality: r.modality,
        funding: r.funding,
        preferred: r.preferred,
        mark: r.requester_mark,
      })),
    busy,
    sessionCodesByOrganization,
    // A provider's capacity, from its responses (the only organizations the instance gives a capacity).
    capacityByOrganization: new Map(snapshot.responses.map((s) => [s.organization_id, s.meeting_capacity])),
    kept: kept.map(
      (k): KeptMeeting => ({ responseId: k.response_id, requestId: k.request_id, requesterOrgId: k.requester_org_id, providerOrgId: k.provider_org_id, roomId: k.room_id, startsAt: k.starts_at, endsAt: k.ends_at }),
    ),
  });
}

/** What the run will write: a released meeting whose pair is placed again moves, one not placed is cancelled. */
export function planMeetingWrites(
  snapshot: MatchingSnapshot,
  built: BuiltInstance,
  result: MatchingResult | null,
  released: SnapshotMeeting[],
  run: { runId: string; cancelReason: string },
): MeetingWrites {
  const releasedByResponse = new Map(released.map((m) => [m.response_id, m]));
  const requestOrganization = new Map(snapshot.requests.map((r) => [r.id, r.organization_id]));
  // Under "review", the run's new meetings are a draft until an organizer publishes the schedule.
  const publish = snapshot.marketplace.meeting_publication === 'immediate';
  const writes: MeetingWrites = { runId: run.runId, marketplaceId: snapshot.marketplace.id, creates: [], moves: [], cancels: [], cancelReason: run.cancelReason, publish };
  const placedResponses = new Set<string>();
  for (const placed of result?.meetings ?? []) {
    const response = built.responseByPair.get(pairKey(placed.request, placed.provider))!;
    const slot = built.slotTimes.get(placed.slot)!;
    placedResponses.add(response.id);
    const previous = releasedByResponse.get(response.id);
    if (previous) {
      writes.moves.push({ id: previous.id, roomId: placed.room, startsAt: slot.startsAt, endsAt: slot.endsAt });
    } else {
      const scored = built.explainScore(response.id);
      writes.creates.push({
        id: randomUUID(),
        requestId: placed.request,
        responseId: response.id,
        requesterOrgId: requestOrganization.get(placed.request)!,
        providerOrgId: placed.provider,
        roomId: placed.room,
        startsAt: slot.startsAt,
        endsAt: slot.endsAt,
        score: scored.score,
        scoreParts: scored.parts,
      });
    }
  }
  for (const meeting of released) if (!placedResponses.has(meeting.response_id)) writes.cancels.push({ id: meeting.id });
  return writes;
}
