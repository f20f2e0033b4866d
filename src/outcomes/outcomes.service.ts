import type { AppContext } from '../context.ts';
import type { AssistanceStatus, MeetingOutcome } from '../../db/types.ts';
import { requireActor, type Actor } from '../auth/actor.ts';
import { AppError, conflict, forbidden, notFound } from '../shared/errors.ts';
import { inTransaction } from '../shared/transaction.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import { linkPlaceholder } from '../email/sealed-links.ts';
import { updatesBatch } from '../email/batches.ts';
import { findMeeting, type MeetingDetail } from '../meetings/meetings.repository.ts';
import { canSeeMeeting, partyOf } from '../meetings/meetings.policy.ts';
import { getRequest } from '../requests/requests.service.ts';
import { managesRequest } from '../requests/requests.policy.ts';
import { findMarketplace } from '../marketplaces/marketplaces.service.ts';
import { requireTimetableAccess } from '../meetings/meetings.service.ts';
import { toCsv } from '../shared/csv.ts';
import { requestCategories, requestCategoryLabels } from '../requests/requests.schemas.ts';
import { t } from '../i18n/i18n.ts';
import { assistanceToken, outcomeToken, sameToken } from './outcome-links.ts';
import { findAssistance, listOutcomesOfMeeting, loadFunnelRows, setAssistance, takeMeetingsDueForOutcome, takeRequestsDueForFollowup, upsertOutcomeAfterEnd } from './outcomes.repository.ts';
import { renderFollowupEmail, renderOutcomeRequestEmail } from './outcomes.emails.ts';
import { assistanceStatuses, funnelStageLabels, funnelStages, meetingOutcomes, type AssistanceInput, type FunnelStage, type OutcomeInput } from './outcomes.schemas.ts';

type Party = 'requester' | 'provider';


export function outcomeUrl(ctx: AppContext, meetingId: string, party: Party, outcome?: MeetingOutcome): string {
  const url = new URL(`/meetings/${meetingId}/outcome/${party}/${outcomeToken(ctx.config.SESSION_SECRET, meetingId, party)}`, ctx.config.BASE_URL);
  if (outcome) url.searchParams.set('outcome', outcome);
  return url.toString();
}

export function assistanceUrl(ctx: AppContext, requestId: string, status?: AssistanceStatus): string {
  const url = new URL(`/requests/${requestId}/assistance/${assistanceToken(ctx.config.SESSION_SECRET, requestId)}`, ctx.config.BASE_URL);
  if (status) url.searchParams.set('status', status);
  return url.toString();
}

async function record(ctx: AppContext, meeting: MeetingDetail, party: Party, input: OutcomeInput, actor: Actor | null) {
  await inTransaction(ctx, async (tx) => {
    const saved = await upsertOutcomeAfterEnd(tx, { meetingId: meeting.id, party, outcome: input.outcome, note: input.note || null, answeredBy: actor?.id ?? null });
    if (!saved) throw conflict('meeting-not-ended', 'What came of a meeting can be told once it has ended, if it was not declined or cancelled.');
    await recordAudit(tx, actor ?? 'system', { entity: 'meeting', entityId: meeting.id, action: 'outcome', detail: { party, outcome: input.outcome } });
  });
  return { meetingId: meeting.id, party, outcome: input.outcome, note: input.note || null };
}

/** A side of the meeting, signed in, tells what came of it (the API and the meeting's page). */
export async function recordOutcome(ctx: AppContext, actorOrNull: Actor | null, meetingId: string, input: OutcomeInput) {
  const actor = requireActor(actorOrNull);
  const meeting = await findMeeting(ctx, meetingId);
  if (!meeting || !canSeeMeeting(actor, meeting)) throw notFound('The meeting');
  const party = partyOf(actor, meeting);
  if (!party) throw forbidden('Only the two sides of a meeting tell what came of it.');
  return record(ctx, meeting, party, input, actor);
}

/** The emailed link's page: the link is the authorization, for one side of one meeting. */
export async function getMeetingByOutcomeLink(ctx: AppContext, meetingId: string, party: string, token: string): Promise<{ meeting: MeetingDetail; party: Party; current: MeetingOutcome | null; note: string | null }> {
  if ((party !== 'requester' && party !== 'provider') || !sameToken(outcomeToken(ctx.config.SESSION_SECRET, meetingId, party), token)) throw linkNotValid();
  const meeting = await findMeeting(ctx, meetingId);
  if (!meeting) throw linkNotValid();
  const mine = (await listOutcomesOfMeeting(ctx, meetingId)).find((o) => o.party === party);
  return { meeting, party, current: mine?.outcome ?? null, note: mine?.note ?? null };
}

export async function recordOutcomeByLink(ctx: AppContext, meetingId: string, party: string, token: string, input: OutcomeInput) {
  const found = await getMeetingByOutcomeLink(ctx, meetingId, party, token);
  return record(ctx, found.meeting, found.party, input, null);
}

/** What each side said, for the meeting's page (its sides and the secretariat). */
export async function outcomesOf(ctx: AppContext, actor: Actor | null, meeting: MeetingDetail) {
  if (!canSeeMeeting(actor, meeting)) return [];
  return listOutcomesOfMeeting(ctx, meeting.id);
}

function linkNotValid() {
  return new AppError(404, 'not-found', 'Link not valid', 'This link is not valid.');
}

/** The sweep: asks both sides of every meeting that ended, once, with one link per answer. */
export async function sendOutcomeRequests(ctx: AppContext, limit = 200): Promise<number> {
  return inTransaction(ctx, async (tx) => {
    const due = await takeMeetingsDueForOutcome(tx, limit);
    const emails = [];
    for (const m of due) {
      for (const side of [
        { party: 'requester' as const, user: m.requester_user, email: m.requester_email, locale: m.requester_locale, other: m.provider_name },
        { party: 'provider' as const, user: m.provider_user, email: m.provider_email, locale: m.provider_locale, other: m.requester_name },
      ]) {
        if (!side.email || !side.user) continue;
        const placeholders = Object.fromEntries(meetingOutcomes.map((o) => [o, linkPlaceholder()])) as Record<MeetingOutcome, string>;
        emails.push({
          idempotencyKey: `meeting-outcome:${m.id}:${side.party}`,
          template: 'meeting-outcome',
          to: side.email,
          // An agency that met seven governments on one day is asked of them in one email, each with its own links.
          batchKey: updatesBatch(side.locale ?? 'en', side.email),
          ...renderOutcomeRequestEmail({ title: m.title, other: side.other, startsAt: m.starts_at, timeZone: m.time_zone, links: placeholders }, side.locale ?? 'en'),
          links: Object.fromEntries(meetingOutcomes.map((o) => [placeholders[o], outcomeUrl(ctx, m.id, side.party, o)])),
        });
      }
    }
    await tx.queueEmails(emails);
    return due.length;
  });
}

/** The sweep: some weeks after the forum, asks each requester that had side meetings whether the assistance started. */
export async function sendFollowups(ctx: AppContext, limit = 200): Promise<number> {
  return inTransaction(ctx, async (tx) => {
    const due = await takeRequestsDueForFollowup(tx, limit);
    const emails = [];
    for (const r of due) {
      if (!r.email) continue;
      const placeholders = Object.fromEntries(assistanceStatuses.map((s) => [s, linkPlaceholder()])) as Record<AssistanceStatus, string>;
      emails.push({
        idempotencyKey: `assistance-followup:${r.id}`,
        template: 'assistance-followup',
        to: r.email,
        batchKey: updatesBatch(r.locale ?? 'en', r.email),
        ...renderFollowupEmail({ title: r.title, marketplaceName: r.marketplace_name, links: placeholders }, r.locale ?? 'en'),
        links: Object.fromEntries(assistanceStatuses.map((s) => [placeholders[s], assistanceUrl(ctx, r.id, s)])),
      });
    }
    await tx.queueEmails(emails);
    return due.length;
  });
}

async function saveAssistance(ctx: AppContext, requestId: string, input: AssistanceInput, actor: Actor | null) {
  await inTransaction(ctx, async (tx) => {
    await setAssistance(tx, requestId, input.status, input.note || null);
    await recordAudit(tx, actor ?? 'system', { entity: 'request', entityId: requestId, action: 'assistance', detail: { status: input.status } });
  });
  return { requestId, status: input.status, note: input.note || null };
}

/** The requester (or the secretariat for it) says whether the assistance started, once the request was matched. */
export async function recordAssistance(ctx: AppContext, actorOrNull: Actor | null, requestId: string, input: AssistanceInput) {
  const actor = requireActor(actorOrNull);
  const request = await getRequest(ctx, actor, requestId);
  if (!managesRequest(actor, request)) throw forbidden(`Only ${request.organization_name} and the forum secretariat tell whether the assistance started.`);
  if (!['closed', 'matched'].includes(request.status)) throw conflict('request-not-closed', 'Whether the assistance started is told after the request closed.');
  return saveAssistance(ctx, requestId, input, actor);
}

export async function getRequestByAssistanceLink(ctx: AppContext, requestId: string, token: string) {
  if (!sameToken(assistanceToken(ctx.config.SESSION_SECRET, requestId), token)) throw linkNotValid();
  const request = await findAssistance(ctx, requestId);
  if (!request) throw linkNotValid();
  return request;
}

export async function recordAssistanceByLink(ctx: AppContext, requestId: string, token: string, input: AssistanceInput) {
  await getRequestByAssistanceLink(ctx, requestId, token);
  return saveAssistance(ctx, requestId, input, null);
}

type Counts = Record<FunnelStage, number>;
const zero = (): Counts => Object.fromEntries(funnelStages.map((s) => [s, 0])) as Counts;

/**
 * The outcome funnel of a marketplace (the secretariat's): requests → with responses → matched →
 * meetings held → cooperation possible → assistance started, in all, by category and by requesting
 * organization. A request counts at a stage when any of its meetings got there (by either side's word).
 */
export async function outcomeFunnel(ctx: AppContext, actorOrNull: Actor | null, slug: string) {
  requireTimetableAccess(actorOrNull);
  const marketplace = await findMarketplace(ctx, slug);
  const rows = await loadFunnelRows(ctx, marketplace.id);
  const total = zero();
  const byCategory = new Map<string, Counts>(requestCategories.map((c) => [c, zero()]));
  const byOrganization = new Map<string, { organization: { id: string; name: string }; counts: Counts }>();
  for (const r of rows) {
    const reached: Record<FunnelStage, boolean> = { requests: true, withResponses: r.with_responses, matched: r.matched, held: r.held, cooperationPossible: r.cooperation, assistanceStarted: r.started };
    let org = byOrganization.get(r.organization_id);
    if (!org) byOrganization.set(r.organization_id, (org = { organization: { id: r.organization_id, name: r.organization_name }, counts: zero() }));
    for (const stage of funnelStages) {
      if (!reached[stage]) continue;
      total[stage]++;
      byCategory.get(r.category)![stage]++;
      org.counts[stage]++;
    }
  }
  return {
    marketplace,
    stages: [...funnelStages],
    total,
    byCategory: [...byCategory].filter(([, c]) => c.requests > 0).map(([category, counts]) => ({ category, counts })),
    byOrganization: [...byOrganization.values()],
  };
}

export type OutcomeFunnel = Awaited<ReturnType<typeof outcomeFunnel>>;

export function funnelToJson(f: OutcomeFunnel) {
  return { stages: f.stages, total: f.total, byCategory: f.byCategory, byOrganization: f.byOrganization };
}

/** The funnel as CSV, in the reader's language: one row for all, then one per category and per requesting organization. */
export function funnelToCsv(f: OutcomeFunnel, locale: string): string {
  const header = [t(locale, 'Scope'), t(locale, 'Name'), ...f.stages.map((s) => t(locale, funnelStageLabels[s]))];
  const line = (scope: string, name: string, counts: Counts) => [scope, name, ...f.stages.map((s) => String(counts[s]))];
  return toCsv(header, [
    line(t(locale, 'All'), f.marketplace.name, f.total),
    ...f.byCategory.map((c) => line(t(locale, 'Category'), t(locale, requestCategoryLabels[c.category as keyof typeof requestCategoryLabels] ?? c.category), c.counts)),
    ...f.byOrganization.map((o) => line(t(locale, 'Organization'), o.organization.name, o.counts)),
  ]);
}

/** A horizontal bar chart of the funnel's totals, as SVG drawn on the server (no script): label, bar, count. */
export function funnelChart(f: OutcomeFunnel, locale: string) {
  const max = Math.max(1, f.total.requests);
  // Bars start at 200 of the chart's 640; a full bar leaves room for its figure after it ("25000 (100%)"), which 360 cut off.
  const barWidth = 300;
  return f.stages.map((stage, i) => ({
    label: t(locale, funnelStageLabels[stage]),
    count: f.total[stage],
    y: 8 + i * 34,
    width: Math.round((f.total[stage] / max) * barWidth),
    share: f.total.requests ? Math.round((f.total[stage] / f.total.requests) * 100) : 0,
  }));
}
