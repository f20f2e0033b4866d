import type { RequesterMark } from '../../db/types.ts';
import { DateTime } from 'luxon';
import type { Funding, Modality, RequestCategory, ScorePart } from '../../db/types.ts';
import type { Instance } from '../matching/instance.schema.ts';
import { scoreResponse, scoreValue } from '../matching/score.ts';

/**
 * Turns a marketplace's state into the optimizer's plain instance (docs/matching-format.md). Pure:
 * the run service loads the rows, this decides what the optimizer sees.
 *
 * - Slots: each forum day, from the side-meeting start to its end, one per meeting length, in the
 *   marketplace's time zone.
 * - Parties are organizations: a request's party is its government, a provider's party its
 *   organization; one meeting per organization at a time, in either role.
 * - Busy: each organization's agenda commitments (a role in a session) and declared unavailability,
 *   on every request of that organization and on its provider entry.
 * - Meetings that still hold are kept: their pair leaves the offers, the request's maxMatches (of each
 *   request a joint meeting serves) and the provider's capacity shrink by one, and their time is busy
 *   for both organizations and the room.
 * - One meeting per pair of organizations: when a provider answered several requests of one
 *   government, it is offered one meeting about all of them that still have a meeting to give (the
 *   format's `alsoRequests`), scored as their sum, in a slot of one meeting length per request (up to
 *   MAX_JOINT_SPAN; such long slots are added, and the other offers keep to one length).
 * - The instance's rules (version 2): fairness (every requesting organization that can meet gets a
 *   meeting before scores count), and the marketplace's limits (meetings per organization per day, a
 *   free slot after `breakAfter` in a row), by the organization (its party) in the marketplace's zone.
 *   The kept meetings are its `fixedMeetings`: they count toward both, and serve their requester.
 */
export interface MarketplaceShape {
  timeZone: string;
  forumStartsOn: string;
  forumEndsOn: string;
  meetingMinutes: number;
  dayStarts: string;
  dayEnds: string;
  sessionCodes: string[];
  /** Times with no side meetings (a Civil Society Day): no slot overlapping one is offered. */
  noMeetingWindows?: Array<{ startsAt: Date; endsAt: Date }>;
  /** The most meetings an organization has in a day, and in a row before a free slot (null: no limit). */
  maxMeetingsPerDay?: number | null;
  breakAfter?: number | null;
}

/** A stored marketplace as the slot builder reads it: the one conversion every caller uses. */
export function marketplaceShape(
  m: { time_zone: string; forum_starts_on: string; forum_ends_on: string; meeting_minutes: number; meeting_day_starts: string; meeting_day_ends: string; no_meeting_windows: Array<{ startsAt: string; endsAt: string; label?: string }>; max_meetings_per_day?: number | null; break_after?: number | null },
  sessionCodes: string[] = [],
): MarketplaceShape {
  return {
    timeZone: m.time_zone,
    forumStartsOn: m.forum_starts_on,
    forumEndsOn: m.forum_ends_on,
    meetingMinutes: m.meeting_minutes,
    dayStarts: m.meeting_day_starts.slice(0, 5),
    dayEnds: m.meeting_day_ends.slice(0, 5),
    sessionCodes,
    noMeetingWindows: m.no_meeting_windows.map((w) => ({ startsAt: new Date(w.startsAt), endsAt: new Date(w.endsAt) })),
    maxMeetingsPerDay: m.max_meetings_per_day ?? null,
    breakAfter: m.break_after ?? null,
  };
}

export interface RequestInput {
  id: string;
  organizationId: string;
  category: RequestCategory;
  themes: string[];
  countries: string[];
  languages: string[];
  maxMatches: number;
}

export interface ResponseInput {
  id: string;
  requestId: string;
  organizationId: string;
  organizationCountry: string | null;
  offerCategories: RequestCategory[];
  languages: string[];
  modality: Modality;
  funding: Funding;
  preferred: boolean;
  /** The requester's mark: "must" meet, "like", "exclude" (never offered). */
  mark?: RequesterMark | null;
  /** The organization it presents jointly with; when that one's response to the same request names this one back, they meet together. */
  jointWith?: string | null;
}

/**
 * Added to a "must meet" offer's score in the instance (not to the meeting's stored score): every
 * factor score is at most 1, so the optimizer prefers a "must meet" offer to any single offer
 * without the mark that competes with it for a slot, a room or a capacity.
 */
export const MUST_MEET_PRIORITY = 1;

/**
 * A request a meeting serves, and the response of its provider to it; or, for providers that answered
 * jointly, the partner's response to the meeting's own request (`organizationId`: the partner).
 */
export interface Topic {
  requestId: string;
  responseId: string;
  /** The organization of the response, when it is not the meeting's provider: a partner in the meeting. */
  organizationId?: string;
}

/** Whether a topic is a joint partner's response (its organization is not the meeting's provider), not another request. */
export function isPartnerTopic(t: Topic, providerOrgId: string): boolean {
  return t.organizationId !== undefined && t.organizationId !== providerOrgId;
}

/** The joint partners in a meeting, each once, from its topics. */
export function partnersOf(topics: readonly Topic[], providerOrgId: string): string[] {
  return [...new Set(topics.flatMap((t) => (isPartnerTopic(t, providerOrgId) ? [t.organizationId!] : [])))];
}

/**
 * One meeting per pair of organizations: a government and a provider that match on several requests
 * meet once about all of them, in a slot of one meeting length per request, up to this many.
 */
export const MAX_JOINT_SPAN = 3;

export interface Interval {
  organizationId: string;
  startsAt: Date;
  endsAt: Date;
}

export interface KeptMeeting {
  responseId: string;
  requestId: string;
  /** The other requests the meeting serves (one meeting per pair of organizations), with their responses. */
  alsoFor?: Topic[];
  requesterOrgId: string;
  providerOrgId: string;
  roomId: string;
  startsAt: Date;
  endsAt: Date;
}

export interface InstanceInput {
  marketplace: MarketplaceShape;
  roomIds: string[];
  requests: RequestInput[];
  responses: ResponseInput[];
  /** Agenda commitments and declared unavailability, per organization. */
  busy: Interval[];
  /** Agenda sessions in which each organization holds a role. */
  sessionCodesByOrganization: Map<string, string[]>;
  capacityByOrganization: Map<string, number>;
  kept: KeptMeeting[];
  /**
   * Pairs of organizations (`requesterOrg|providerOrg`) offered one meeting per request instead of
   * one joint meeting: the run's second solve, when a joint meeting found no place (planRun).
   */
  separately?: ReadonlySet<string>;
  /**
   * Each response's score by its id, filled as they are computed: the instances of one run (a run builds
   * up to four, planRun) share it, since scoring writes every factor's explanation each time.
   */
  scores?: Map<string, number>;
}

export interface BuiltInstance {
  instance: Instance;
  /** The response behind each (request, provider) pair of the instance: for a joint offer, its first request's. */
  responseByPair: Map<string, ResponseInput>;
  /** For a pair that serves several requests (`alsoRequests`), the others, with their responses. */
  alsoByPair: Map<string, Topic[]>;
  /** For each joint offer (by pairKey), what `separately` takes to offer it apart: `requesterOrg|providerOrg`, or `together|<response id>` for providers that answered jointly. */
  jointOrganizations: Map<string, string>;
  /**
   * A response's score and its parts with their explanations, computed again when asked for: a run
   * asks only for the meetings it creates, and keeping the parts of every offer (tens of thousands
   * at fifty times a forum) would hold their explanation strings for the whole run.
   */
  explainScore(responseId: string): { score: number; parts: ScorePart[] };
  slotTimes: Map<string, { startsAt: Date; endsAt: Date }>;
}

export const pairKey = (requestId: string, providerOrgId: string) => `${requestId}|${providerOrgId}`;

function iso(d: Date): string {
  return d.toISOString();
}

export function forumSlots(m: MarketplaceShape): Array<{ id: string; startsAt: Date; endsAt: Date }> {
  const slots: Array<{ id: string; startsAt: Date; endsAt: Date }> = [];
  let day = DateTime.fromISO(m.forumStartsOn, { zone: m.timeZone });
  const lastDay = DateTime.fromISO(m.forumEndsOn, { zone: m.timeZone });
  const [fromH, fromM] = m.dayStarts.split(':').map(Number) as [number, number];
  const [toH, toM] = m.dayEnds.split(':').map(Number) as [number, number];
  while (day <= lastDay) {
    let start = day.set({ hour: fromH, minute: fromM, second: 0, millisecond: 0 });
    const dayEnd = day.set({ hour: toH, minute: toM, second: 0, millisecond: 0 });
    for (;;) {
      const end = start.plus({ minutes: m.meetingMinutes });
      if (end > dayEnd) break;
      const closed = (m.noMeetingWindows ?? []).some((w) => w.startsAt < end.toJSDate() && start.toJSDate() < w.endsAt);
      if (!closed) slots.push({ id: start.toFormat("yyyy-LL-dd'T'HH:mm"), startsAt: start.toJSDate(), endsAt: end.toJSDate() });
      start = end;
    }
    day = day.plus({ days: 1 });
  }
  return slots;
}

/**
 * Slots of `span` meeting lengths: every run of that many base slots back to back (a day's end or a
 * time with no side meetings breaks a run). Ids: the first slot's, then `+span`.
 */
export function longSlots(base: Array<{ id: string; startsAt: Date; endsAt: Date }>, span: number): Array<{ id: string; startsAt: Date; endsAt: Date }> {
  const long: Array<{ id: string; startsAt: Date; endsAt: Date }> = [];
  for (let i = 0; i + span <= base.length; i++) {
    let touching = true;
    for (let k = i + 1; k < i + span; k++) if (base[k]!.startsAt.getTime() !== base[k - 1]!.endsAt.getTime()) touching = false;
    if (touching) long.push({ id: `${base[i]!.id}+${span}`, startsAt: base[i]!.startsAt, endsAt: base[i + span - 1]!.endsAt });
  }
  return long;
}

export function buildMatchingInstance(input: InstanceInput): BuiltInstance {
  const baseSlots = forumSlots(input.marketplace);
  const busyByOrg = new Map<string, Array<[string, string]>>();
  const addBusy = (org: string, start: Date, end: Date) => {
    const list = busyByOrg.get(org) ?? [];
    list.push([iso(start), iso(end)]);
    busyByOrg.set(org, list);
  };
  for (const b of input.busy) addBusy(b.organizationId, b.startsAt, b.endsAt);
  const roomBusy = new Map<string, Array<[string, string]>>();
  const keptPerRequest = new Map<string, number>();
  const keptPerProvider = new Map<string, number>();
  const keptResponses = new Set<string>();
  for (const k of input.kept) {
    // A joint meeting takes one of the maxMatches of every request it serves, and one of each partner's capacity.
    const partners = partnersOf(k.alsoFor ?? [], k.providerOrgId);
    for (const t of k.alsoFor ?? []) {
      keptResponses.add(t.responseId);
      if (!isPartnerTopic(t, k.providerOrgId)) keptPerRequest.set(t.requestId, (keptPerRequest.get(t.requestId) ?? 0) + 1);
    }
    for (const partner of partners) {
      keptPerProvider.set(partner, (keptPerProvider.get(partner) ?? 0) + 1);
      addBusy(partner, k.startsAt, k.endsAt);
    }
    addBusy(k.requesterOrgId, k.startsAt, k.endsAt);
    addBusy(k.providerOrgId, k.startsAt, k.endsAt);
    const times = roomBusy.get(k.roomId);
    if (times) times.push([iso(k.startsAt), iso(k.endsAt)]);
    else roomBusy.set(k.roomId, [[iso(k.startsAt), iso(k.endsAt)]]);
    keptPerRequest.set(k.requestId, (keptPerRequest.get(k.requestId) ?? 0) + 1);
    keptPerProvider.set(k.providerOrgId, (keptPerProvider.get(k.providerOrgId) ?? 0) + 1);
    keptResponses.add(k.responseId);
  }

  const requestById = new Map(input.requests.map((r) => [r.id, r]));
  const responseById = new Map(input.responses.map((r) => [r.id, r]));
  // What scoring reads of a pair; the run scores every pair (scoreValue) and explains those it schedules (scoreResponse).
  const scoring = (request: RequestInput, response: ResponseInput) =>
    [
      { category: request.category, themes: request.themes, countries: request.countries, languages: request.languages },
      { offerCategories: response.offerCategories, languages: response.languages, modality: response.modality, funding: response.funding, preferred: response.preferred, mustMeet: response.mark === 'must' },
      { sessionCodes: input.sessionCodesByOrganization.get(response.organizationId) ?? [], countries: response.organizationCountry ? [response.organizationCountry] : [] },
      { sessionCodes: input.marketplace.sessionCodes },
    ] as const;
  const responseByPair = new Map<string, ResponseInput>();
  const alsoByPair = new Map<string, Topic[]>();
  const jointOrganizations = new Map<string, string>();
  const offers: Instance['offers'] = [];
  const providerOrgs = new Set<string>();
  // One meeting per pair of organizations: a government's requests that one provider answered meet
  // that provider once, about all of them (those with a meeting left to give), in a longer slot.
  const byOrganizations = new Map<string, Array<{ request: RequestInput; response: ResponseInput }>>();
  const offered = input.responses.filter((response) => requestById.has(response.requestId) && !keptResponses.has(response.id) && response.mark !== 'exclude');
  // Providers that answered jointly: two responses to one request that name each other's organization
  // meet the requester together (the format's `alsoProviders`), scored as their sum; as for one
  // provider, one meeting covers every request of the government they answered together.
  const remaining = (r: RequestInput) => r.maxMatches - (keptPerRequest.get(r.id) ?? 0);
  const { meetingMinutes } = input.marketplace;
  let longestSpan = 1;
  const scores = input.scores ?? new Map<string, number>();
  const scoreOf = (request: RequestInput, r: ResponseInput) => {
    let known = scores.get(r.id);
    if (known === undefined) scores.set(r.id, (known = scoreValue(...scoring(request, r)) + (r.mark === 'must' ? MUST_MEET_PRIORITY : 0)));
    return known;
  };
  const byRequestAndOrganization = new Map(offered.map((r) => [`${r.requestId}|${r.organizationId}`, r]));
  const jointlyAnswered = new Set<string>();
  const couples = new Map<string, Array<{ request: RequestInput; lead: ResponseInput; partner: ResponseInput }>>();
  for (const response of offered) {
    const partner = response.jointWith ? byRequestAndOrganization.get(`${response.requestId}|${response.jointWith}`) : undefined;
    if (!partner || partner.jointWith !== response.organizationId || response.organizationId > partner.organizationId) continue;
    const request = requestById.get(response.requestId)!;
    const key = `together|${request.organizationId}|${response.organizationId}|${partner.organizationId}`;
    // A joint meeting that found no place in the first solve is offered apart (planRun).
    if (input.separately?.has(key)) continue;
    jointlyAnswered.add(response.id).add(partner.id);
    const list = couples.get(key);
    if (list) list.push({ request, lead: response, partner });
    else couples.set(key, [{ request, lead: response, partner }]);
  }
  /**
   * One offer for a provider's answers (with its joint partner's, if any) to several requests of one
   * government: about all of them, in a slot of one meeting length per request, scored as their sum.
   * `separatelyKey` is what planRun gives back to offer it apart.
   */
  type Answer = { request: RequestInput; responses: ResponseInput[] };
  const offerOnce = (answers: Answer[], separatelyKey: string, withPartner: boolean) => {
    const [first, ...others] = answers as [Answer, ...Answer[]];
    const lead = first.responses[0]!;
    const key = pairKey(first.request.id, lead.organizationId);
    const topic = (a: Answer, r: ResponseInput): Topic => ({ requestId: a.request.id, responseId: r.id, ...(withPartner ? { organizationId: r.organizationId } : {}) });
    responseByPair.set(key, lead);
    alsoByPair.set(key, [...others.map((a) => topic(a, a.responses[0]!)), ...answers.flatMap((a) => a.responses.slice(1).map((r) => topic(a, r)))]);
    jointOrganizations.set(key, separatelyKey);
    const span = Math.min(answers.length, MAX_JOINT_SPAN);
    longestSpan = Math.max(longestSpan, span);
    const partners = first.responses.slice(1).map((r) => r.organizationId);
    offers.push({
      request: first.request.id,
      ...(others.length > 0 ? { alsoRequests: others.map((a) => a.request.id), minMinutes: span * meetingMinutes, maxMinutes: span * meetingMinutes } : {}),
      provider: lead.organizationId,
      ...(partners.length > 0 ? { alsoProviders: partners } : {}),
      score: answers.reduce((sum, a) => sum + a.responses.reduce((total, r) => total + scoreOf(a.request, r), 0), 0),
    });
    for (const r of first.responses) providerOrgs.add(r.organizationId);
  };
  // The requests with a meeting left, in a stable order (the first is the meeting's own request, run after run).
  const openInOrder = <T extends { request: RequestInput }>(list: T[]) => list.filter((x) => remaining(x.request) > 0).sort((a, b) => (a.request.id < b.request.id ? -1 : 1));
  for (const [together, list] of couples) {
    const open = openInOrder(list);
    if (open.length > 0) offerOnce(open.map((c) => ({ request: c.request, responses: [c.lead, c.partner] })), together, true);
  }
  for (const response of offered) {
    if (jointlyAnswered.has(response.id)) continue;
    const request = requestById.get(response.requestId)!;
    const key = `${request.organizationId}|${response.organizationId}`;
    const group = byOrganizations.get(key);
    if (group) group.push({ request, response });
    else byOrganizations.set(key, [{ request, response }]);
    providerOrgs.add(response.organizationId);
  }
  for (const [organizations, group] of byOrganizations) {
    const open = openInOrder(group);
    const joint = open.length > 1 && !input.separately?.has(organizations) ? open : [];
    if (joint.length > 0) offerOnce(joint.map((g) => ({ request: g.request, responses: [g.response] })), organizations, false);
    for (const g of group) {
      if (joint.includes(g)) continue;
      responseByPair.set(pairKey(g.request.id, g.response.organizationId), g.response);
      offers.push({ request: g.request.id, provider: g.response.organizationId, score: scoreOf(g.request, g.response) });
    }
  }
  // Long slots only when a joint meeting needs them; then a one-request meeting keeps to one length.
  const slots = [...baseSlots];
  for (let span = 2; span <= longestSpan; span++) slots.push(...longSlots(baseSlots, span));
  if (longestSpan > 1) for (const offer of offers) if (!offer.alsoRequests) offer.maxMinutes = meetingMinutes;
  const explainScore = (responseId: string) => {
    const response = responseById.get(responseId)!;
    return scoreResponse(...scoring(requestById.get(response.requestId)!, response));
  };

  // Version 2 (docs/matching-format.md): every requesting government gets a meeting, where any is
  // possible, before scores count (fairness), within the marketplace's meeting limits, in its zone.
  const { maxMeetingsPerDay, breakAfter, timeZone } = input.marketplace;
  const instance: Instance = {
    format: 'marketplace-matching/2',
    rules: { fairness: true, timeZone, ...(maxMeetingsPerDay ? { maxMeetingsPerDay } : {}), ...(breakAfter ? { maxConsecutive: breakAfter } : {}) },
    // The kept meetings count toward the limits (a day's cap, a run without a break) and serve their requester.
    fixedMeetings: input.kept.map((k) => {
      // A kept meeting's joint partners count it too (their day, their runs).
      const partners = partnersOf(k.alsoFor ?? [], k.providerOrgId);
      return { requester: k.requesterOrgId, provider: k.providerOrgId, ...(partners.length > 0 ? { alsoProviders: partners } : {}), start: iso(k.startsAt), end: iso(k.endsAt) };
    }),
    slots: slots.map((s) => ({ id: s.id, start: iso(s.startsAt), end: iso(s.endsAt) })),
    rooms: input.roomIds.map((id) => ({ id, busy: roomBusy.get(id) ?? [] })),
    requests: input.requests.map((r) => ({
      id: r.id,
      party: r.organizationId,
      maxMatches: Math.max(0, r.maxMatches - (keptPerRequest.get(r.id) ?? 0)),
      busy: busyByOrg.get(r.organizationId) ?? [],
    })),
    providers: [...providerOrgs].map((org) => ({
      id: org,
      party: org,
      capacity: Math.max(0, (input.capacityByOrganization.get(org) ?? 10) - (keptPerProvider.get(org) ?? 0)),
      busy: busyByOrg.get(org) ?? [],
    })),
    offers,
  } as Instance;
  return { instance, responseByPair, alsoByPair, jointOrganizations, explainScore, slotTimes: new Map(slots.map((s) => [s.id, { startsAt: s.startsAt, endsAt: s.endsAt }])) };
}
