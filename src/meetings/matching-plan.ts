import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
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
 * Which active meetings still hold: their response (and every other a joint meeting serves) is still
 * on offer and not declined, their request
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
      // A joint meeting holds while every response it serves is still on offer (a withdrawn or excluded one re-plans it).
      m.alsoFor.every((t) => responses.has(t.responseId)) &&
      requests.has(m.request_id) &&
      rooms.has(m.room_id) &&
      !busyAt(m.requester_org_id, m) &&
      !busyAt(m.provider_org_id, m) &&
      !inClosedWindow(m);
    (holds ? kept : released).push(m);
  }
  return { kept, released };
}

/** The responses' scores of each snapshot: a run builds up to four instances of one snapshot. */
const scoresOfSnapshot = new WeakMap<MatchingSnapshot, Map<string, number>>();

/** The optimizer's instance of a snapshot, with the meetings that still hold kept. */
export function instanceOfSnapshot(snapshot: MatchingSnapshot, busy: Interval[], kept: SnapshotMeeting[], separately?: ReadonlySet<string>): BuiltInstance {
  let scores = scoresOfSnapshot.get(snapshot);
  if (!scores) scoresOfSnapshot.set(snapshot, (scores = new Map()));
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
        jointWith: r.joint_with,
      })),
    busy,
    sessionCodesByOrganization,
    // A provider's capacity, from its responses (the only organizations the instance gives a capacity).
    capacityByOrganization: new Map(snapshot.responses.map((s) => [s.organization_id, s.meeting_capacity])),
    ...(separately ? { separately } : {}),
    scores,
    kept: kept.map(
      (k): KeptMeeting => ({ responseId: k.response_id, requestId: k.request_id, alsoFor: k.alsoFor, requesterOrgId: k.requester_org_id, providerOrgId: k.provider_org_id, roomId: k.room_id, startsAt: k.starts_at, endsAt: k.ends_at }),
    ),
  });
}

/** What the run will write: a released meeting whose pair is placed again moves, one not placed is cancelled. */
export function planMeetingWrites(
  snapshot: MatchingSnapshot,
  built: BuiltInstance,
  result: MatchingResult | null,
  released: SnapshotMeeting[],
  run: { runId: string; cancelReason: string; replacesDecline?: boolean },
): MeetingWrites {
  const releasedByResponse = new Map(released.map((m) => [m.response_id, m]));
  const requestOrganization = new Map(snapshot.requests.map((r) => [r.id, r.organization_id]));
  // Under "review", the run's new meetings are a draft until an organizer publishes the schedule. Not the
  // re-run after a decline on a published schedule (no draft waiting): it proposes the replacement at once,
  // as the party that declined was told. Its replacement sat as a draft nobody was told of, during the
  // forum too, and every party's page said the secretariat was reviewing the schedule. With a draft
  // waiting, the replacement joins it.
  const publish = snapshot.marketplace.meeting_publication === 'immediate' || (!!run.replacesDecline && snapshot.meetings.every((m) => m.published_at !== null));
  const writes: MeetingWrites = { runId: run.runId, marketplaceId: snapshot.marketplace.id, creates: [], moves: [], cancels: [], cancelReason: run.cancelReason, publish };
  const placedResponses = new Set<string>();
  for (const placed of result?.meetings ?? []) {
    const key = pairKey(placed.request, placed.provider);
    const response = built.responseByPair.get(key)!;
    const alsoFor = built.alsoByPair.get(key) ?? [];
    const slot = built.slotTimes.get(placed.slot)!;
    placedResponses.add(response.id);
    const previous = releasedByResponse.get(response.id);
    if (previous) {
      // A meeting that now serves other requests than before is a change too: its topics are rewritten.
      const topicsChanged = !sameTopics(previous, alsoFor);
      // A movable meeting the re-plan left where it was stays as it is: no write, no email.
      if (!topicsChanged && samePlace(previous, { roomId: placed.room, startsAt: slot.startsAt, endsAt: slot.endsAt })) continue;
      writes.moves.push({ id: previous.id, roomId: placed.room, startsAt: slot.startsAt, endsAt: slot.endsAt, ...(topicsChanged ? { alsoFor } : {}) });
    } else {
      const scored = built.explainScore(response.id);
      writes.creates.push({
        id: randomUUID(),
        requestId: placed.request,
        responseId: response.id,
        ...(alsoFor.length > 0 ? { alsoFor } : {}),
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

/** Whether a standing meeting serves exactly these other requests (by their responses). */
function sameTopics(meeting: SnapshotMeeting, alsoFor: readonly { responseId: string }[]): boolean {
  if (meeting.alsoFor.length !== alsoFor.length) return false;
  const before = new Set(meeting.alsoFor.map((t) => t.responseId));
  return alsoFor.every((t) => before.has(t.responseId));
}

/**
 * The meetings a re-run keeps, split: those it may move (proposed, not pinned, in a marketplace with a
 * move penalty) and those it never moves (confirmed by both parties, pinned by the secretariat or
 * placed by hand, or all of them when the marketplace's `move_penalty` is null).
 */
export function movableMeetings(snapshot: MatchingSnapshot, kept: SnapshotMeeting[]): { fixed: SnapshotMeeting[]; movable: SnapshotMeeting[] } {
  if (snapshot.marketplace.move_penalty === null) return { fixed: kept, movable: [] };
  const fixed: SnapshotMeeting[] = [];
  const movable: SnapshotMeeting[] = [];
  for (const m of kept) (m.status === 'proposed' && !m.pinned ? movable : fixed).push(m);
  return { fixed, movable };
}

/**
 * One meeting per pair of organizations, where it fits: solved with joint offers first; when some
 * joint meeting found no place (its hour taken, or its requests better served by others), solved
 * again with those pairs offered one meeting per request, and that answer taken when it serves as
 * many governments and scores at least as much (the first answer is a schedule of the second
 * instance too, so it nearly always does).
 */
async function solveJointFirst(
  snapshot: MatchingSnapshot,
  make: (separately?: ReadonlySet<string>) => BuiltInstance,
  solve: (instance: BuiltInstance['instance'], step: PlanStep, solvesAhead: number) => Promise<MatchingResult | null>,
  step: { first: PlanStep; apart: PlanStep; solvesAfter: (joint: boolean) => number },
  admits: (step: PlanStep) => boolean,
): Promise<PlannedSolve> {
  const built = make();
  const joint = built.jointOrganizations.size > 0;
  const result = built.instance.offers.length > 0 ? await solve(built.instance, step.first, (joint ? 2 : 1) + step.solvesAfter(joint)) : null;
  if (!result || !joint) return { built, result };
  const placed = new Set(result.meetings.map((m) => pairKey(m.request, m.provider)));
  const separately = new Set([...built.jointOrganizations].filter(([key]) => !placed.has(key)).map(([, organizations]) => organizations));
  if (separately.size === 0) return { built, result };
  // Building the second instance takes time too (0.3 s of a 2 s re-run at fifty times a forum): not for a solve the time left would skip.
  if (!admits(step.apart)) return { built, result };
  const again = make(separately);
  const second = await solve(again.instance, step.apart, 1 + step.solvesAfter(joint));
  if (!second) return { built, result };
  const served = servedCounter(snapshot);
  const [before, after] = [served([], result), served([], second)];
  const better = after !== before ? after > before : second.objective >= result.objective - 1e-9;
  return better ? { built: again, result: second } : { built, result };
}

/** How many requesting governments the standing meetings and a result's meetings serve together (the fairness rule's count). */
function servedCounter(snapshot: MatchingSnapshot): (standing: SnapshotMeeting[], result: MatchingResult | null) => number {
  const requesterOf = new Map(snapshot.requests.map((r) => [r.id, r.organization_id]));
  return (standing, result) => new Set([...standing.map((m) => m.requester_org_id), ...(result?.meetings ?? []).map((m) => requesterOf.get(m.request)!)]).size;
}

/** A solve and what it was given. */
export interface PlannedSolve {
  built: BuiltInstance;
  result: MatchingResult | null;
}

/** A placement is the meeting's own when it starts and ends at the meeting's instants in its room. */
function samePlace(m: SnapshotMeeting, place: { roomId: string; startsAt: Date; endsAt: Date }): boolean {
  return m.room_id === place.roomId && m.starts_at.getTime() === place.startsAt.getTime() && m.ends_at.getTime() === place.endsAt.getTime();
}

/**
 * Puts each movable meeting the re-plan left at its time back in its own room: rooms of a slot are
 * interchangeable to the optimizer, so it may have swapped them. Where another meeting of the re-plan
 * took the room at that slot, the two swap rooms (both rooms are free for the whole slot, since both
 * meetings were placed there). Returns the result with the rooms changed.
 */
export function keepOwnRooms(plan: PlannedSolve, movable: SnapshotMeeting[]): MatchingResult | null {
  const { built, result } = plan;
  if (!result || movable.length === 0) return result;
  const meetings = result.meetings.map((m) => ({ ...m }));
  const movableByPair = new Map(movable.map((m) => [pairKey(m.request_id, m.provider_org_id), m]));
  const atSlotRoom = new Map(meetings.map((m, i) => [`${m.slot}|${m.room}`, i]));
  for (const [i, placed] of meetings.entries()) {
    const own = movableByPair.get(pairKey(placed.request, placed.provider));
    if (!own || placed.room === own.room_id) continue;
    const slot = built.slotTimes.get(placed.slot)!;
    if (slot.startsAt.getTime() !== own.starts_at.getTime() || slot.endsAt.getTime() !== own.ends_at.getTime()) continue;
    const other = atSlotRoom.get(`${placed.slot}|${own.room_id}`);
    const from = placed.room;
    if (other !== undefined) {
      meetings[other]!.room = from;
      atSlotRoom.set(`${placed.slot}|${from}`, other);
    } else atSlotRoom.delete(`${placed.slot}|${from}`);
    placed.room = own.room_id;
    atSlotRoom.set(`${placed.slot}|${own.room_id}`, i);
  }
  return { ...result, meetings };
}

/** What the comparison of the two plans found, stored with the run's stats. */
export interface ReplanChoice {
  /** Whether the re-plan (movable meetings free) was taken. */
  replan: boolean;
  /** Movable meetings the re-plan moves or drops. */
  moved: number;
  /** Requesters served, keeping every meeting and re-planning. */
  served: { keep: number; replan: number };
  /** Total score of the active meetings, keeping and re-planning (before the penalty). */
  score: { keep: number; replan: number };
  penalty: number;
}

/**
 * Keeping every held meeting (plan `keep`) against moving proposed ones (plan `replan`, where the
 * movable meetings were offered again): the re-plan is taken when it serves more requesting
 * governments (the fairness rule comes first, as in the optimizer), or as many and its score, less the
 * penalty for each movable meeting it moves or drops, is higher than keeping them. Pure.
 */
export function chooseReplan(snapshot: MatchingSnapshot, fixed: SnapshotMeeting[], movable: SnapshotMeeting[], keep: PlannedSolve, replan: PlannedSolve): ReplanChoice {
  const penalty = snapshot.marketplace.move_penalty ?? Infinity;
  const scoreOf = new Map((replan.built.instance.offers ?? []).map((o) => [pairKey(o.request, o.provider), o.score]));
  const served = servedCounter(snapshot);
  // The movable meetings count in `keep` with the score the re-plan gave their offer, so both sides weigh alike.
  const keepScore = (keep.result?.objective ?? 0) + movable.reduce((sum, m) => sum + (scoreOf.get(pairKey(m.request_id, m.provider_org_id)) ?? 0), 0);
  const placedBy = new Map((replan.result?.meetings ?? []).map((m) => [pairKey(m.request, m.provider), m]));
  let moved = 0;
  for (const m of movable) {
    const placed = placedBy.get(pairKey(m.request_id, m.provider_org_id));
    const slot = placed ? replan.built.slotTimes.get(placed.slot) : undefined;
    if (!placed || !slot || !samePlace(m, { roomId: placed.room, startsAt: slot.startsAt, endsAt: slot.endsAt })) moved++;
  }
  const choice = {
    moved,
    served: { keep: served([...fixed, ...movable], keep.result), replan: served(fixed, replan.result) },
    score: { keep: keepScore, replan: replan.result?.objective ?? 0 },
    penalty: Number.isFinite(penalty) ? penalty : -1,
  };
  const better = choice.served.replan !== choice.served.keep ? choice.served.replan > choice.served.keep : choice.score.replan - penalty * moved > choice.score.keep + 1e-9;
  return { replan: moved > 0 && better, ...choice };
}

/**
 * The solves of a plan: the first with the held meetings kept; `jointApart`, the same with the joint
 * meetings that found no place offered apart; `replan`, with the movable meetings free (and its own
 * `replanJointApart`). Only the first is needed; the others may improve it.
 */
export const PLAN_STEPS = ['first', 'jointApart', 'replan', 'replanJointApart'] as const;
export type PlanStep = (typeof PLAN_STEPS)[number];

export interface PlanOptions {
  /** false: the quick re-run after a decline, which keeps every held meeting (no re-plan). */
  mayMove?: boolean;
  /** The time limit of all the plan's solves together (a run's "solving" stage), in seconds. */
  timeLimitSeconds: number;
  /** Milliseconds from any fixed origin: the plan's clock (default performance.now). */
  now?: () => number;
}

/** Least time limit a solve is given, even when the plan's time is spent: the first must answer. */
const LEAST_SOLVE_SECONDS = 0.05;

/**
 * The time limit of a plan's solves together. Each solve is given a share of what is left: twice the
 * share of each solve that may still follow it (those only improve on it), so the first does not spend
 * what a second needs; what a solve leaves unused goes to the next. The solver's start (compiling the
 * problem, its two LPs) cannot be interrupted, so a solve that only may improve the plan starts only
 * if what is left covers the longest solve so far; else it is skipped, its instance not even built, and
 * the plan says so (`skipped`).
 */
export class PlanBudget {
  private readonly startedAt: number;
  private longestSolveSeconds = 0;
  readonly skipped: PlanStep[] = [];

  constructor(
    private readonly timeLimitSeconds: number,
    private readonly now: () => number,
  ) {
    this.startedAt = now();
  }

  remainingSeconds(): number {
    return this.timeLimitSeconds - (this.now() - this.startedAt) / 1000;
  }

  /**
   * Whether the time left covers a solve of `step` (the first always runs; any other only when the
   * time left covers the longest solve so far); when not, the step is recorded as skipped. Asked
   * before its instance is built, and again by `run` once it is.
   */
  admits(step: PlanStep): boolean {
    if (step === 'first' || this.remainingSeconds() >= Math.max(LEAST_SOLVE_SECONDS, this.longestSolveSeconds)) return true;
    if (!this.skipped.includes(step)) this.skipped.push(step);
    return false;
  }

  /** Runs one solve with its share of the time left (`solvesAhead`: this one and those that may follow), or skips an optional one the time left does not cover (null). */
  async run<T>(step: PlanStep, solvesAhead: number, solve: (timeLimitSeconds: number) => Promise<T>): Promise<T | null> {
    if (!this.admits(step)) return null;
    const left = this.remainingSeconds();
    const started = this.now();
    // This solve weighs twice each one that may follow: the earlier ones decide, the later only improve.
    const ahead = Math.max(1, solvesAhead);
    const result = await solve(Math.max(LEAST_SOLVE_SECONDS, (left * 2) / (ahead + 1)));
    this.longestSolveSeconds = Math.max(this.longestSolveSeconds, (this.now() - started) / 1000);
    return result;
  }
}

/**
 * A run's plan from its snapshot: the held meetings kept, solved once; then, when some kept meetings
 * are movable and the first solve left pairs without a meeting, solved again with those meetings
 * offered anew, and the better of the two taken (chooseReplan). `solve` is the solver (a thread in a
 * run). The run and its preview both plan through here, so the preview says what the run does.
 * `mayMove: false` (the quick re-run after a decline, which nobody reviews first) keeps every held
 * meeting and only fills what was freed. All the solves share the time limit (PlanBudget): a solve
 * that would only improve the plan is skipped when the time left does not cover it (`skipped`).
 */
export async function planRun(snapshot: MatchingSnapshot, solve: (instance: BuiltInstance['instance'], timeLimitSeconds: number) => Promise<MatchingResult>, options: PlanOptions) {
  const busy = busyTimes(snapshot);
  const { kept, released } = splitKeptMeetings(snapshot, busy);
  const { fixed, movable } = movableMeetings(snapshot, kept);
  const mayReplan = options.mayMove !== false && movable.length > 0;
  const budget = new PlanBudget(options.timeLimitSeconds, options.now ?? (() => performance.now()));
  const skipped = budget.skipped;
  // The steps whose instance was built, in order (a step the time left skips is not built).
  const builtFor: PlanStep[] = [];
  const makeFor =
    (step: { first: PlanStep; apart: PlanStep }, meetings: SnapshotMeeting[]) =>
    (separately?: ReadonlySet<string>): BuiltInstance => {
      builtFor.push(separately ? step.apart : step.first);
      return instanceOfSnapshot(snapshot, busy, meetings, separately);
    };
  const admits = (step: PlanStep) => budget.admits(step);
  const solveWithin = (instance: BuiltInstance['instance'], step: PlanStep, solvesAhead: number) => budget.run(step, solvesAhead, (limit) => solve(instance, limit));
  // A re-plan, when one may follow, counts as many solves as the first plan took.
  const firstSteps = { first: 'first', apart: 'jointApart' } as const;
  const { built, result } = await solveJointFirst(snapshot, makeFor(firstSteps, kept), solveWithin, { ...firstSteps, solvesAfter: (joint) => (mayReplan ? (joint ? 2 : 1) : 0) }, admits);
  /** The plan that keeps every held meeting (the first solve's). */
  const keeping = (choice: ReplanChoice | null) => ({ built, result, kept, released, choice, skipped, builtFor });
  // A re-plan the time left would skip is not even built.
  if (!mayReplan || !result || result.unscheduled.length === 0 || !admits('replan')) return keeping(null);
  const replanSteps = { first: 'replan', apart: 'replanJointApart' } as const;
  const replanned = await solveJointFirst(snapshot, makeFor(replanSteps, fixed), solveWithin, { ...replanSteps, solvesAfter: () => 0 }, admits);
  if (!replanned.result) return keeping(null);
  const replan: PlannedSolve = { built: replanned.built, result: keepOwnRooms(replanned, movable) };
  const choice = chooseReplan(snapshot, fixed, movable, { built, result }, replan);
  if (!choice.replan) return keeping(choice);
  return { built: replan.built, result: replan.result, kept: fixed, released: [...released, ...movable], choice, skipped, builtFor };
}
