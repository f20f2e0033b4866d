import type { AppContext } from '../context.ts';
import type { Actor } from '../auth/actor.ts';
import type { OutboxEmail, ResponderEmails } from '../email/outbox.repository.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import { closeRequests } from '../requests/close.service.ts';
import { findOverdueOpenRequestIds } from '../requests/requests.repository.ts';
import { inTransaction } from '../shared/transaction.ts';
import type { MatchingResult } from '../matching/instance.schema.ts';
import { retireSolverThreadIfBig, solveInWorker, type SolveProgress } from './solve-in-worker.ts';
import { markAbandonedMatchingRuns, insertRunningMatchingRun, markMatchingRunDone, markMatchingRunFailed } from './matching-runs.repository.ts';
import {
  deferDoubleBookingChecks,
  listActiveMeetingsOfRequests,
  loadMatchingSnapshot,
  setMatchingRunProgress,
  setMatchingRunStage,
  withMatchingLock,
  writeMatchOutcomes,
  type MatchingSnapshot,
  type MeetingWrites,
  type WrittenMeeting,
} from './matching-store.repository.ts';
import { writeRunMeetings } from './meeting-status.ts';
import { planMeetingWrites, planRun } from './matching-plan.ts';
import { isPartnerTopic, partnersOf } from './matching-instance.ts';
import { cancellationReasons, meetingNoticeEmails, notMatchedEmails, requesterSummaryEmail, type MeetingNoticeFacts } from './meeting-notifications.ts';
import { BREAK_AFTER, scheduleQuality, type QualityMeeting } from './schedule-quality.ts';

export type RunTrigger = 'deadline' | 'organizer' | 'decline' | 'sweep';

export interface RunChanges {
  kept: number;
  created: number;
  moved: number;
  cancelled: number;
  requestsMatched: number;
  responsesNotMatched: number;
}

/** The solver's progress is written to the run at most this often (organizers read it on the timetable). */
const PROGRESS_EVERY_MS = 500;

/**
 * The matching run of a marketplace, in four stages that organizers see on the run:
 * - waiting: for the run of the same marketplace before it (a session-level lock, held to the end);
 * - loading: one snapshot of everything the run needs, emails' names and addresses included;
 * - solving: outside any transaction, in the process's optimizer thread, up to the time limit;
 * - storing: one short transaction of a few multi-row statements whatever the size, which re-checks
 *   what changed since the snapshot (a decline, a withdrawal: those rows are left alone) and writes
 *   meetings, attendance, statuses, audit rows and every email.
 * A run with nothing changed changes nothing and sends nothing.
 */
export async function runMatching(ctx: AppContext, marketplaceId: string, trigger: RunTrigger, actor: Actor | null = null, startedRunId?: string) {
  // startedRunId: a run an organizer asked for, stored queued and now taken (`startQueuedMatchingRun`); any other run is recorded here.
  let runId = startedRunId;
  try {
    await closeRequests(ctx, await findOverdueOpenRequestIds(ctx, marketplaceId));
    // A run of this marketplace that stopped with its process (a retry of its job is often this run) shows as abandoned, not running.
    await markAbandonedMatchingRuns(ctx, { marketplaceId });
    const id = (runId ??= (await insertRunningMatchingRun(ctx, marketplaceId, trigger, actor?.id ?? null)).id);
    return await withMatchingLock(ctx, marketplaceId, (connection) => solveAndStore(ctx, connection, marketplaceId, trigger, actor, id), id);
  } catch (error) {
    if (runId) await markMatchingRunFailed(ctx, runId, (error as Error).message.slice(0, 2000)).catch(() => {});
    throw error;
  }
}

async function solveAndStore(ctx: AppContext, connection: Parameters<Parameters<typeof withMatchingLock>[2]>[0], marketplaceId: string, trigger: RunTrigger, actor: Actor | null, runId: string) {
  // Where the run's time goes, stored with its stats (seconds per stage).
  const timings: Record<string, number> = {};
  let mark = performance.now();
  const lap = (stage: string) => {
    const now = performance.now();
    timings[stage] = Math.round(now - mark) / 1000;
    mark = now;
  };
  await setMatchingRunStage({ db: connection }, runId, 'loading');
  const snapshot = await loadMatchingSnapshot(connection, marketplaceId);
  lap('loading');

  // Solved once with the held meetings kept; again with the proposed ones free when that may help (planRun).
  await setMatchingRunStage({ db: connection }, runId, 'solving');
  // The quick re-run after a decline fills what was freed and moves nobody else's meeting unreviewed.
  // The run's solves share the optimizer's thread, warm; a big run's thread is stopped before storing.
  // The time limit covers the stage: every solve of the plan and the building of its instances.
  const onProgress = progressWriter(ctx, runId);
  const plan = await planRun(snapshot, (instance, timeLimitSeconds) => solveInWorker(instance, { timeLimitSeconds, onProgress, keepThread: true }), {
    mayMove: trigger !== 'decline',
    timeLimitSeconds: matchingTimeLimit(ctx, trigger),
  }).finally(retireSolverThreadIfBig);
  const { built, result, released } = plan;
  lap('solving');

  const writes = planMeetingWrites(snapshot, built, result, released, { runId, cancelReason: cancellationReasons.noLongerHeld, replacesDecline: trigger === 'decline' });
  const meetingEmails = meetingEmailsOf(ctx, snapshot, writes);

  await setMatchingRunStage({ db: connection }, runId, 'storing', progressOf(result));
  // Kept: the meetings that stood before the run and that it neither moves nor cancels.
  const changes: RunChanges = { kept: snapshot.meetings.length - writes.moves.length - writes.cancels.length, created: 0, moved: 0, cancelled: 0, requestsMatched: 0, responsesNotMatched: 0 };
  await inTransaction(
    ctx,
    async (tx) => {
      const statements = (async () => {
        await deferDoubleBookingChecks(tx);
        const written = await writeRunMeetings(tx, actor ?? 'system', writes);
        // Under "review" the statuses (a request matched, a response matched or not) wait for the
        // publication too, which writes them (publication.service.ts): until then its parties would
        // read the draft's outcome in them. Only a matched response whose meeting ended (declined, or
        // a published one the run cancelled, which is mailed at once) is not matched at once.
        return { written, outcomes: await writeMatchOutcomes(tx, marketplaceId, { endedOnly: !writes.publish }) };
      })();
      statements.catch(() => {}); // awaited just below; this only keeps a failure from counting as unhandled meanwhile
      // While Postgres runs those statements, the invitations of the planned meetings render (in slices,
      // so the statements' answers are read in between); only those of meetings written are sent.
      const prerendered = await prerenderMeetingEmails(snapshot, writes, meetingEmails);
      const { written, outcomes } = await statements;
      lap('writing');

      const changedRequests = new Set<string>();
      const requestOfMeeting = meetingRequests(snapshot, writes);
      for (const w of written) {
        changes[w.kind === 'created' ? 'created' : w.kind === 'moved' ? 'moved' : 'cancelled']++;
        for (const requestId of requestOfMeeting.get(w.id)!) changedRequests.add(requestId);
      }
      // A courteous note to those not matched, once: not to a response whose meeting a re-run cancelled (its cancellation said it).
      const notMatchedIds: string[] = [];
      for (const o of outcomes) {
        if (o.kind === 'request') changes.requestsMatched++;
        else if (o.to_status === 'not_matched' && o.from_status === 'submitted') notMatchedIds.push(o.id);
      }
      changes.responsesNotMatched = notMatchedIds.length;
      if (changes.requestsMatched > 0) tx.changes('listing');
      // The requesters of the requests whose meetings changed, and of those this run left without one (its
      // responses not matched now): they heard nothing before, while their responders got their notes.
      const requestOfResponse = new Map(snapshot.responses.map((r) => [r.id, r.request_id]));
      for (const id of notMatchedIds) changedRequests.add(requestOfResponse.get(id)!);
      const summaries = writes.publish ? await requesterSummaries(ctx, tx, snapshot, runId, [...changedRequests]) : () => [];
      // Only what the statements wrote is mailed; each email is rendered as its chunk is written. Under
      // "review" (meetingEmailsOf), neither those not matched nor the requesters hear anything until the
      // schedule is published (publication.service.ts).
      function* emails() {
        for (const w of written) {
          const key = `${w.id}:${w.sequence}`;
          const ready = prerendered.get(key);
          // Taken out as it goes: a chunk written is garbage, not held until the last one.
          prerendered.delete(key);
          yield* ready ?? meetingEmails(w);
        }
        if (!writes.publish) return;
        yield* summaries();
      }
      await tx.queueEmails(emails());
      if (writes.publish) await tx.queueResponderEmails(notMatchedNotes(ctx, snapshot, notMatchedIds));
      lap('emails');

      const quality = scheduleQuality(scheduleAfter(snapshot, writes, written), snapshot.marketplace.time_zone, snapshot.marketplace.break_after ?? BREAK_AFTER);
      await markMatchingRunDone(tx, runId, {
        method: result?.stats.method ?? 'none',
        objective: result?.objective ?? 0,
        bound: result?.stats.bound ?? null,
        stats: {
          ...(result?.stats ?? {}),
          unscheduled: result?.unscheduled.length ?? 0,
          timings,
          quality,
          ...(plan.choice ? { replan: plan.choice } : {}),
          // A solve that would only have improved the plan was left out for time: the run stopped at its limit.
          ...(plan.skipped.length > 0 ? { skipped: plan.skipped, stoppedOnTimeLimit: true } : {}),
        },
        changes,
      });
      await recordAudit(tx, actor ?? 'system', { entity: 'marketplace', entityId: marketplaceId, action: 'matching-run', detail: { runId, trigger, ...changes } });
    },
    { db: connection },
  );
  return { runId, objective: result?.objective ?? 0, method: result?.stats.method ?? 'none', changes };
}

/** The marketplace's standing meetings after the run's writes: what the quality figures read. */
function scheduleAfter(snapshot: MatchingSnapshot, writes: MeetingWrites, written: WrittenMeeting[]): QualityMeeting[] {
  const done = new Map(written.map((w) => [w.id, w.kind]));
  const moves = new Map(writes.moves.map((m) => [m.id, m]));
  const standing: QualityMeeting[] = [];
  for (const m of snapshot.meetings) {
    const kind = done.get(m.id);
    if (kind === 'cancelled') continue;
    const to = kind === 'moved' ? moves.get(m.id)! : null;
    standing.push({ requesterOrgId: m.requester_org_id, providerOrgId: m.provider_org_id, roomId: to?.roomId ?? m.room_id, startsAt: to?.startsAt ?? m.starts_at, endsAt: to?.endsAt ?? m.ends_at });
  }
  for (const c of writes.creates) if (done.get(c.id) === 'created') standing.push({ requesterOrgId: c.requesterOrgId, providerOrgId: c.providerOrgId, roomId: c.roomId, startsAt: c.startsAt, endsAt: c.endsAt });
  return standing;
}

/**
 * The time limit of a run's solving stage: a re-run after a decline keeps most meetings and should
 * answer quickly; the others may solve longer. The preview of an organizer's run solves within the
 * same limit, so that it plans what the run will.
 */
export function matchingTimeLimit(ctx: AppContext, trigger: RunTrigger): number {
  return trigger === 'decline' ? ctx.config.MATCHING_RERUN_TIME_LIMIT_SECONDS : ctx.config.MATCHING_TIME_LIMIT_SECONDS;
}

function progressOf(result: MatchingResult | null) {
  if (!result) return undefined;
  const { seconds, bound, gap } = result.stats;
  return { phase: 'done', seconds, objective: result.objective, ...(bound !== undefined ? { bound } : {}), ...(gap !== undefined ? { gap } : {}) };
}

/** Writes the solver's progress to the run, at most every PROGRESS_EVERY_MS and one write at a time. */
function progressWriter(ctx: AppContext, runId: string) {
  let last = 0;
  let writing = false;
  return (progress: SolveProgress) => {
    const now = Date.now();
    if (writing || now - last < PROGRESS_EVERY_MS) return;
    last = now;
    writing = true;
    setMatchingRunProgress(ctx, runId, progress)
      .catch((error: Error) => ctx.log.warn({ runId, err: error.message }, 'could not write the run progress'))
      .finally(() => (writing = false));
  };
}

/** The requests each meeting of the run serves (a joint meeting's all, before and after a move that changes them). */
function meetingRequests(snapshot: MatchingSnapshot, writes: MeetingWrites): Map<string, string[]> {
  const map = new Map(snapshot.meetings.map((m) => [m.id, [m.request_id, ...m.alsoFor.map((t) => t.requestId)]]));
  for (const c of writes.creates) map.set(c.id, [c.requestId, ...(c.alsoFor ?? []).map((t) => t.requestId)]);
  for (const m of writes.moves) if (m.alsoFor) map.set(m.id, [...new Set([...(map.get(m.id) ?? []), ...m.alsoFor.map((t) => t.requestId)])]);
  return map;
}

/** Meetings rendered between two turns of the event loop while the run's statements run. */
const PRERENDER_SLICE = 100;

/** The emails of every meeting the run plans to write, by id and the sequence the write will give it. */
async function prerenderMeetingEmails(snapshot: MatchingSnapshot, writes: MeetingWrites, render: (w: WrittenMeeting) => OutboxEmail[]): Promise<Map<string, OutboxEmail[]>> {
  // A move or a cancellation adds one to the sequence the snapshot read; a meeting changed since is not written.
  const sequenceBefore = new Map(snapshot.meetings.map((m) => [m.id, m.sequence]));
  const planned: WrittenMeeting[] = [
    ...writes.creates.map((c) => ({ kind: 'created' as const, id: c.id, sequence: 0 })),
    ...writes.moves.map((m) => ({ kind: 'moved' as const, id: m.id, sequence: (sequenceBefore.get(m.id) ?? 0) + 1 })),
    ...writes.cancels.map((c) => ({ kind: 'cancelled' as const, id: c.id, sequence: (sequenceBefore.get(c.id) ?? 0) + 1 })),
  ];
  const rendered = new Map<string, OutboxEmail[]>();
  for (let i = 0; i < planned.length; i++) {
    if (i % PRERENDER_SLICE === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    const w = planned[i]!;
    rendered.set(`${w.id}:${w.sequence}`, render(w));
  }
  return rendered;
}

/** The emails of a meeting the run wrote, rendered from the snapshot when asked for (no read per meeting). */
function meetingEmailsOf(ctx: AppContext, snapshot: MatchingSnapshot, writes: MeetingWrites): (written: WrittenMeeting) => OutboxEmail[] {
  const requests = new Map(snapshot.requests.map((r) => [r.id, r]));
  const responses = new Map(snapshot.responses.map((r) => [r.id, r]));
  const rooms = new Map(snapshot.rooms.map((r) => [r.id, r.name]));
  const meetings = new Map(snapshot.meetings.map((m) => [m.id, m]));
  const creates = new Map(writes.creates.map((c) => [c.id, c]));
  const moves = new Map(writes.moves.map((m) => [m.id, m]));
  const facts = (m: { id: string; request_id: string; response_id: string; room_id: string; starts_at: Date; ends_at: Date; alsoFor: Array<{ requestId: string; responseId: string; organizationId?: string }> }, sequence: number): MeetingNoticeFacts => {
    const request = requests.get(m.request_id)!;
    const response = responses.get(m.response_id);
    // A joint meeting is about every request it serves, with every provider that answered jointly.
    const providerOrgId = response?.organization_id ?? '';
    const requestTitle = [request.title, ...m.alsoFor.filter((t) => !isPartnerTopic(t, providerOrgId)).map((t) => requests.get(t.requestId)?.title ?? '')].filter(Boolean).join('; ');
    const partners = partnersOf(m.alsoFor, providerOrgId).map((organizationId) => {
      const partner = responses.get(m.alsoFor.find((t) => t.organizationId === organizationId)!.responseId);
      return { organizationId, name: partner?.organization_name ?? '', person: partner ? snapshot.users.get(partner.created_by) : undefined };
    });
    return {
      id: m.id,
      sequence,
      // A run's meeting is new or moved (both answers pending again) or cancelled.
      status: 'proposed',
      requesterAnswer: 'pending',
      providerAnswer: 'pending',
      startsAt: m.starts_at,
      endsAt: m.ends_at,
      requestTitle,
      requesterName: request.organization_name,
      providerName: response?.organization_name ?? '',
      offerSummary: response?.summary ?? '',
      roomName: rooms.get(m.room_id) ?? '',
      marketplaceName: snapshot.marketplace.name,
      timeZone: snapshot.marketplace.time_zone,
      endedReason: null,
      declineReason: null,
      requester: snapshot.users.get(request.created_by),
      provider: response ? snapshot.users.get(response.created_by) : undefined,
      partners,
    };
  };
  // Under "review", a draft's parties hear of it when the schedule is published; a published meeting's move or cancellation is mailed.
  const published = new Set(snapshot.meetings.filter((m) => m.published_at).map((m) => m.id));
  return (w) => {
    if (!writes.publish && !published.has(w.id)) return [];
    if (w.kind === 'created') {
      const c = creates.get(w.id)!;
      return meetingNoticeEmails(ctx, facts({ id: c.id, request_id: c.requestId, response_id: c.responseId, room_id: c.roomId, starts_at: c.startsAt, ends_at: c.endsAt, alsoFor: c.alsoFor ?? [] }, w.sequence), 'new');
    }
    const before = meetings.get(w.id)!;
    if (w.kind === 'moved') {
      const to = moves.get(w.id)!;
      return meetingNoticeEmails(ctx, facts({ ...before, room_id: to.roomId, starts_at: to.startsAt, ends_at: to.endsAt, alsoFor: to.alsoFor ?? before.alsoFor }, w.sequence), 'moved');
    }
    return meetingNoticeEmails(ctx, facts(before, w.sequence), 'cancelled', writes.cancelReason);
  };
}

/** The not-matched notes of these responses, from the snapshot, grouped by request (`notMatchedEmails`). */
function notMatchedNotes(ctx: AppContext, snapshot: MatchingSnapshot, responseIds: string[]): ResponderEmails {
  const requests = new Map(snapshot.requests.map((r) => [r.id, r]));
  const responses = new Map(snapshot.responses.map((r) => [r.id, r]));
  const requestOf = (responseId: string) => responses.get(responseId)!.request_id;
  // Grouped by request (ids compared as plain strings: any order of the groups will do).
  const sorted = [...responseIds].sort((a, b) => (requestOf(a) < requestOf(b) ? -1 : requestOf(a) > requestOf(b) ? 1 : 0));
  function* notes() {
    for (const responseId of sorted) {
      const response = responses.get(responseId)!;
      const request = requests.get(response.request_id)!;
      const writer = snapshot.users.get(response.created_by);
      // A writer the snapshot does not know (none: it reads every response's writer) gets no note.
      if (!writer) continue;
      yield { responseId, requestId: request.id, requestTitle: request.title, requesterName: request.organization_name, to: writer.email, locale: writer.locale ?? 'en' };
    }
  }
  return notMatchedEmails(ctx, snapshot.marketplace.name, notes());
}

/** To each requester whose meetings the run changed: its meetings as they stand after the run (one read for all), rendered when taken. */
async function requesterSummaries(ctx: AppContext, tx: Parameters<typeof listActiveMeetingsOfRequests>[0], snapshot: MatchingSnapshot, runId: string, requestIds: string[]): Promise<() => Generator<OutboxEmail>> {
  const rows = await listActiveMeetingsOfRequests(tx, requestIds);
  const byRequest = new Map<string, typeof rows>();
  for (const row of rows) {
    const list = byRequest.get(row.request_id);
    if (list) list.push(row);
    else byRequest.set(row.request_id, [row]);
  }
  const requests = new Map(snapshot.requests.map((r) => [r.id, r]));
  return function* () {
    for (const requestId of requestIds) {
      const request = requests.get(requestId)!;
      const to = snapshot.users.get(request.created_by);
      if (!to) continue;
      const meetings = (byRequest.get(requestId) ?? []).map((m) => ({ provider: m.provider_name, startsAt: m.starts_at, room: m.room_name }));
      yield requesterSummaryEmail(ctx, { requestId, runId, requestTitle: request.title, to, timeZone: snapshot.marketplace.time_zone, meetings });
    }
  };
}
