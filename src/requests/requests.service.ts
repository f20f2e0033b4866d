import { countryNamedIn } from '../shared/reference-data.ts';
import { confirmationBatch, updatesBatch } from '../email/batches.ts';
import type { AppContext } from '../context.ts';
import { oncePerLocale } from '../email/render.ts';
import type { Marketplace, RequestStatus } from '../../db/types.ts';
import { requireActor, requireOrganizer, requireVerifiedMember, requireVerifiedRequester, type Actor } from '../auth/actor.ts';
import { conflict, forbidden, invalid, notFound, type FieldError } from '../shared/errors.ts';
import { inTransaction, type Tx } from '../shared/transaction.ts';
import { resolveTimeInput } from '../shared/time-input.ts';
import { isoInZone } from '../shared/time.ts';
import { DateTime } from 'luxon';
import { decodeCursor, encodeCursor, pageOf } from '../shared/cursor.ts';
import { listAudit, recordAudit } from '../audit/audit.repository.ts';
import { findUserLocaleByEmail } from '../auth/auth.repository.ts';
import { findMarketplace, forumStartInstant, getPublicMarketplace, CLOSE_OF_BUSINESS } from '../marketplaces/marketplaces.service.ts';
import { changeRequestStatus, deadlinePassedError, requestStatusSets, type RequestAction } from './request-status.ts';
import { canSeeRequest, canUnsealResponses, listsUnpublishedRequests, managesRequest, seesRequestInternals } from './requests.policy.ts';
export { canSeeRequest } from './requests.policy.ts';
import {
  browseRequestRows,
  countBrowseRequestRows,
  checkDeadlineAgainstNow,
  databaseNow,
  findPeopleConcernedByRequest,
  countDeadlineAudience,
  findRequest,
  findRequestsFollowingMarketplaceDeadline,
  setRequestDeadline,
  findUserEmail,
  listThemesInUse,
  insertRequestIfMarketplaceOpen,
  lockRequest,
  updateRequestFieldsBeforeDeadline,
  type RequestFieldChanges,
  type RequestRow,
} from './requests.repository.ts';
import type { BrowseRequestsQuery, CreateRequestInput, RequestAnswer, UpdateRequestInput } from './requests.schemas.ts';
import { planRequestDeadline } from './deadline-jobs.ts';
import { defaultQuestionDeadline, questionDeadlineOf } from '../questions/questions.policy.ts';
import { planMatchingRun } from '../meetings/matching-schedule.ts';
import { lockMarketplaceBySlug, updateMarketplaceRow } from '../marketplaces/marketplaces.repository.ts';
import {
  renderDeadlineChangedEmail,
  renderRequestAwaitingModerationEmail,
  renderRequestPublishedEmail,
  renderRequestReceivedEmail,
  renderRequestEditedBySecretariatEmail,
  renderRequestGoneEmail,
  renderRequestRejectedEmail,
  renderRequestWithdrawnForRequesterEmail,
} from './requests.emails.ts';

export function requestUrl(ctx: AppContext, id: string): string {
  return new URL(`/requests/${id}`, ctx.config.BASE_URL).toString();
}

/** What happened to a request (status changes, edits, deadlines), for those who see its internals (see `seesRequestInternals`); nobody else sees it. */
export async function listRequestHistory(ctx: AppContext, actor: Actor | null, request: { id: string; organization_id: string }) {
  if (!seesRequestInternals(actor, request)) return [];
  return listAudit(ctx, 'request', request.id);
}
/** An own deadline must lie ahead and not after the marketplace's deadline. */
async function resolveOwnDeadline(tx: Tx, value: string | null | undefined, timeZone: string, marketplaceDeadline: Date): Promise<Date | null | undefined> {
  if (value === undefined || value === null) return value;
  const instant = resolveTimeInput(value, timeZone, CLOSE_OF_BUSINESS);
  if (!instant) throw invalid([{ path: 'responseDeadline', message: `does not exist in ${timeZone} (a clock change skips it)` }]);
  const check = await checkDeadlineAgainstNow(tx, instant, marketplaceDeadline);
  if (!check.in_future) throw invalid([{ path: 'responseDeadline', message: 'must be in the future' }]);
  if (!check.within_marketplace) {
    throw invalid([{ path: 'responseDeadline', message: `must not be later than the marketplace's deadline (${isoInZone(marketplaceDeadline, timeZone)})` }]);
  }
  return instant;
}

/**
 * A request's own question deadline closes questions earlier than the marketplace's default, never
 * later: providers were told they could ask until then.
 */
function resolveQuestionDeadline(value: string | null, timeZone: string, responseDeadline: Date, questionDays: number): Date | null {
  if (value === null) return null;
  const instant = resolveTimeInput(value, timeZone, CLOSE_OF_BUSINESS);
  if (!instant) throw invalid([{ path: 'questionDeadline', message: `does not exist in ${timeZone} (a clock change skips it)` }]);
  const latest = defaultQuestionDeadline(responseDeadline, questionDays, timeZone);
  if (instant > latest) throw invalid([{ path: 'questionDeadline', message: `must not be later than ${isoInZone(latest, timeZone)} (${questionDays} days before the response deadline)` }]);
  return instant;
}

/**
 * The deadline rules a form's other mistakes would otherwise hide until the next round: an own
 * response deadline must lie ahead and not after the marketplace's. Given the form's raw value (or
 * nothing), says what is wrong with it; nothing when it is fine or cannot be read (the schema says so).
 */
export async function deadlineProblems(ctx: AppContext, marketplaceSlug: string, value: unknown): Promise<FieldError[]> {
  if (typeof value !== 'string' || !value) return [];
  const marketplace = await findMarketplace(ctx, marketplaceSlug);
  const instant = resolveTimeInput(value, marketplace.time_zone, CLOSE_OF_BUSINESS);
  if (!instant) return [];
  const check = await checkDeadlineAgainstNow(ctx, instant, marketplace.response_deadline);
  if (!check.in_future) return [{ path: 'responseDeadline', message: 'must be in the future' }];
  if (!check.within_marketplace) return [{ path: 'responseDeadline', message: `must not be later than the marketplace's deadline (${isoInZone(marketplace.response_deadline, marketplace.time_zone)})` }];
  return [];
}

export async function createRequest(ctx: AppContext, actorOrNull: Actor | null, marketplaceSlug: string, input: CreateRequestInput) {
  const actor = requireVerifiedRequester(actorOrNull);
  const marketplace = await findMarketplace(ctx, marketplaceSlug);
  const id = await inTransaction(ctx, async (tx) => {
    const ownDeadline = await resolveOwnDeadline(tx, input.responseDeadline, marketplace.time_zone, marketplace.response_deadline);
    const id = await insertRequestIfMarketplaceOpen(tx, {
      marketplaceId: marketplace.id,
      organizationId: actor.organization.id,
      createdBy: actor.id,
      title: input.title,
      category: input.category,
      themes: input.themes,
      description: input.description,
      expectedOutcome: input.expectedOutcome,
      countries: input.countries,
      languages: input.languages,
      maxMatches: input.maxMatches,
      ownDeadline: ownDeadline ?? null,
      sealedResponses: input.sealedResponses,
    });
    if (!id) {
      const now = await databaseNow(tx);
      if (now < marketplace.opens_at) throw conflict('marketplace-not-open', `${marketplace.name} takes requests from ${isoInZone(marketplace.opens_at, marketplace.time_zone)}.`);
      throw deadlinePassedError(marketplace.response_deadline, marketplace.time_zone);
    }
    if (input.questionDeadline != null) {
      const created = (await findRequest(tx, id))!;
      await updateRequestFieldsBeforeDeadline(tx, id, { question_deadline: resolveQuestionDeadline(input.questionDeadline, marketplace.time_zone, created.response_deadline, marketplace.question_days) });
    }
    await recordAudit(tx, actor, { entity: 'request', entityId: id, action: 'create', toStatus: 'submitted' });
    const request = (await findRequest(tx, id))!;
    const summary = { title: request.title, marketplaceName: marketplace.name, responseDeadline: request.response_deadline, timeZone: marketplace.time_zone, url: requestUrl(ctx, id) };
    await tx.queueEmail({ idempotencyKey: `request-received:${id}`, template: 'request-received', to: actor.email, batchKey: confirmationBatch(actor.locale, actor.email), ...renderRequestReceivedEmail(summary, actor.locale) });
    for (const organizer of ctx.config.ORGANIZER_EMAILS) {
      // An organizer who never signed in has no account, hence no language of their own: English.
      const locale = (await findUserLocaleByEmail(tx, organizer)) ?? 'en';
      const email = renderRequestAwaitingModerationEmail({ ...summary, organizationName: actor.organization.name }, locale);
      await tx.queueEmail({ idempotencyKey: `request-awaiting-moderation:${id}:${organizer}`, template: 'request-awaiting-moderation', to: organizer, ...email });
    }
    return id;
  });
  return (await findRequest(ctx, id))!;
}

export async function getRequest(ctx: AppContext, actor: Actor | null, id: string): Promise<RequestRow> {
  const request = await findRequest(ctx, id);
  if (!request || !canSeeRequest(actor, request)) throw notFound('The request');
  return request;
}

/** Only the requesting organization and the organizers change a request; others learn why (or that it does not exist). */
export function requireOwnerOrOrganizer(actorOrNull: Actor | null, request: RequestRow, doing: string): Actor {
  const actor = requireActor(actorOrNull);
  if (managesRequest(actor, request)) return actor;
  if (!canSeeRequest(actor, request)) throw notFound('The request');
  throw forbidden(`Only ${request.organization_name} and the forum secretariat can ${doing} this request.`);
}

export async function updateRequest(ctx: AppContext, actorOrNull: Actor | null, id: string, input: UpdateRequestInput) {
  const existing = await getRequest(ctx, actorOrNull, id);
  const actor = requireOwnerOrOrganizer(actorOrNull, existing, 'edit');
  let movedLate = false;
  await inTransaction(ctx, async (tx) => {
    const request = (await lockRequest(tx, id))!;
    if (requestStatusSets.deadlinePassed.includes(request.status)) throw deadlinePassedError(request.response_deadline, request.time_zone);
    if (!requestStatusSets.editable.includes(request.status)) throw conflict('illegal-transition', `This request is ${request.status}; it can no longer be edited.`);
    // Read under the lock a response takes, so no response slips in between this check and the edit.
    if (input.sealedResponses === false && !canUnsealResponses(request)) {
      throw invalid([{ path: 'sealedResponses', message: 'cannot be turned off: responses were sent on the promise that they stay sealed until the close' }]);
    }
    const changes: RequestFieldChanges = {};
    if (input.title !== undefined) changes.title = input.title;
    if (input.category !== undefined) changes.category = input.category;
    if (input.themes !== undefined) changes.themes = input.themes;
    if (input.description !== undefined) changes.description = input.description;
    if (input.expectedOutcome !== undefined) changes.expected_outcome = input.expectedOutcome;
    if (input.countries !== undefined) changes.countries = input.countries;
    if (input.languages !== undefined) changes.languages = input.languages;
    if (input.maxMatches !== undefined) changes.max_matches = input.maxMatches;
    if (input.sealedResponses !== undefined) changes.sealed_responses = input.sealedResponses;
    if (input.responseDeadline !== undefined) {
      const own = await resolveOwnDeadline(tx, input.responseDeadline, request.time_zone, request.marketplace_deadline);
      changes.own_deadline = own ?? null;
      changes.response_deadline = own ?? request.marketplace_deadline;
    }
    if (input.questionDeadline !== undefined) {
      changes.question_deadline = resolveQuestionDeadline(input.questionDeadline, request.time_zone, changes.response_deadline ?? request.response_deadline, request.question_days);
    }
    const updated = await updateRequestFieldsBeforeDeadline(tx, id, changes);
    if (!updated) throw deadlinePassedError(request.response_deadline, request.time_zone);
    await recordAudit(tx, actor, { entity: 'request', entityId: id, action: 'edit', detail: { fields: Object.keys(input) } });
    tx.changes('listing');
    // The secretariat edited a government's request: the government hears of it, with a link to read it as it now stands.
    const changedSomething = Object.entries(changes).some(([field, value]) => JSON.stringify(value) !== JSON.stringify(request[field as keyof typeof request]));
    if (changedSomething && actor.organization?.id !== request.organization_id) {
      const creator = await findUserEmail(tx, request.created_by);
      if (creator) {
        const summary = { title: changes.title ?? request.title, marketplaceName: request.marketplace_name, responseDeadline: changes.response_deadline ?? request.response_deadline, timeZone: request.time_zone, url: requestUrl(ctx, id) };
        await tx.queueEmail({ idempotencyKey: `request-edited:${id}:${Date.now()}`, template: 'request-edited', to: creator.email, batchKey: updatesBatch(creator.locale, creator.email), ...renderRequestEditedBySecretariatEmail(summary, creator.locale) });
      }
    }
    if (input.responseDeadline === undefined) movedLate = await moveDeadlineAfterLateChange(ctx, tx, actor, request, changes);
  });
  const request = (await findRequest(ctx, id))!;
  if ((input.responseDeadline !== undefined || movedLate) && request.status === 'open') await planRequestDeadline(ctx, request);
  if (movedLate) await planMatchingRun(ctx, request.marketplace_id);
  return request;
}

/** What a provider answers to: a change of these within the marketplace's late-change days moves the deadline. */
const substantiveFields = ['category', 'description', 'expected_outcome', 'countries', 'languages'] as const;

/**
 * A published request whose requester changes what it asks close to its deadline gives providers
 * time again: the deadline moves to the marketplace's `late_change_days` after the change (by the
 * database clock), never past the forum's first day, and everyone concerned is emailed. An edit that
 * sets the deadline itself, or that changes nothing providers answer to, moves nothing.
 */
async function moveDeadlineAfterLateChange(ctx: AppContext, tx: Tx, actor: Actor, request: RequestRow, changes: RequestFieldChanges): Promise<boolean> {
  const days = request.late_change_days;
  if (days === 0 || request.status !== 'open') return false;
  const changed = substantiveFields.filter((field) => changes[field] !== undefined && JSON.stringify(changes[field]) !== JSON.stringify(request[field]));
  if (changed.length === 0) return false;
  const now = DateTime.fromJSDate(await databaseNow(tx), { zone: request.time_zone });
  if (now < DateTime.fromJSDate(request.response_deadline, { zone: request.time_zone }).minus({ days })) return false;
  const wanted = now.plus({ days }).startOf('minute').plus({ minutes: 1 });
  const forumStarts = DateTime.fromJSDate(forumStartInstant(request), { zone: request.time_zone });
  const deadline = (forumStarts.isValid && forumStarts < wanted ? forumStarts : wanted).toJSDate();
  if (deadline <= request.response_deadline) return false;
  return moveRequestDeadline(ctx, tx, actor, request.id, deadline, true, { cause: 'late-change', fields: changed, days });
}

/** Publish, reject or withdraw, with the emails each one sends. */
export async function moderateRequest(ctx: AppContext, actorOrNull: Actor | null, id: string, action: Extract<RequestAction, 'publish' | 'reject' | 'withdraw'>, reason?: string) {
  let actor: Actor;
  if (action === 'withdraw') {
    const existing = await getRequest(ctx, actorOrNull, id);
    actor = requireOwnerOrOrganizer(actorOrNull, existing, 'withdraw');
  } else {
    actor = requireOrganizer(actorOrNull);
  }
  if (action === 'reject' && !reason) throw invalid([{ path: 'reason', message: 'is required' }]);
  await inTransaction(ctx, async (tx) => {
    const { before } = await changeRequestStatus(tx, actor, id, action, reason ? { reason } : {});
    const creator = await findUserEmail(tx, before.created_by);
    if (!creator) return;
    const summary = { title: before.title, marketplaceName: before.marketplace_name, responseDeadline: before.response_deadline, timeZone: before.time_zone, url: requestUrl(ctx, id) };
    const wasPublished = before.status === 'open';
    // A withdrawal by the requesting government's own people, or by the secretariat on its behalf.
    const byRequester = action === 'withdraw' && actor.organization?.id === before.organization_id;
    if (action === 'publish') {
      await tx.queueEmail({ idempotencyKey: `request-published:${id}`, template: 'request-published', to: creator.email, ...renderRequestPublishedEmail(summary, creator.locale) });
    } else if (action === 'reject') {
      await tx.queueEmail({ idempotencyKey: `request-rejected:${id}`, template: 'request-rejected', to: creator.email, ...renderRequestRejectedEmail({ ...summary, reason: reason!, wasPublished }, creator.locale) });
    } else if (action === 'withdraw' && !byRequester) {
      // The secretariat withdrew it: its requester hears it from us, not from a provider.
      await tx.queueEmail({ idempotencyKey: `request-withdrawn:${id}`, template: 'request-withdrawn', to: creator.email, ...renderRequestWithdrawnForRequesterEmail({ ...summary, wasPublished }, creator.locale) });
    }
    // Providers that answered or drafted an answer, and the people following it, saw it published: they are told it is gone.
    if (wasPublished && action !== 'publish') {
      const render = oncePerLocale((locale) => renderRequestGoneEmail({ ...summary, by: byRequester ? 'requester' : 'secretariat' }, locale));
      await tx.queueEmails(
        (await findPeopleConcernedByRequest(tx, id))
          .filter((person) => person.id !== creator.id)
          .map((person) => ({ idempotencyKey: `request-gone:${id}:${person.id}`, template: 'request-gone', to: person.email, batchKey: updatesBatch(person.locale, person.email), ...render(person.locale) })),
      );
    }
  });
  const request = (await findRequest(ctx, id))!;
  if (action === 'publish') await planRequestDeadline(ctx, request);
  return request;
}

/**
 * Moves one request's deadline (organizers): it takes effect at once, a closed request reopens, the
 * old jobs find nothing to do, new ones are planned, and everyone concerned is emailed.
 */
async function moveRequestDeadline(
  ctx: AppContext,
  tx: Tx,
  actor: Actor,
  requestId: string,
  deadline: Date,
  own: boolean,
  why: { reason?: string | undefined } | { cause: 'late-change'; fields: readonly string[]; days: number } = {},
): Promise<boolean> {
  const request = await lockRequest(tx, requestId);
  if (!request) throw notFound('The request');
  if (!requestStatusSets.deadlineMovable.includes(request.status)) return false;
  if (request.response_deadline.getTime() === deadline.getTime()) return false;
  await setRequestDeadline(tx, requestId, deadline, own);
  tx.changes('listing');
  await recordAudit(tx, actor, {
    entity: 'request',
    entityId: requestId,
    action: 'deadline',
    detail: { from: request.response_deadline.toISOString(), to: deadline.toISOString(), ...why },
  });
  if (request.status === 'closed') await changeRequestStatus(tx, actor, requestId, 'reopen');
  const summary = {
    title: request.title,
    marketplaceName: request.marketplace_name,
    responseDeadline: deadline,
    timeZone: request.time_zone,
    url: requestUrl(ctx, requestId),
    previous: request.response_deadline,
    lateChangeDays: 'cause' in why ? why.days : null,
    reason: 'reason' in why ? (why.reason ?? null) : null,
  };
  const render = oncePerLocale((locale) => renderDeadlineChangedEmail(summary, locale));
  await tx.queueEmails(
    (await findPeopleConcernedByRequest(tx, requestId)).map((person) => ({
      idempotencyKey: `deadline-changed:${requestId}:${deadline.getTime()}:${person.id}`,
      template: 'deadline-changed',
      to: person.email,
      // An extension of the marketplace moves every request that follows it: a provider that answered
      // ten of them gets one email of the ten new deadlines, not ten.
      batchKey: updatesBatch(person.locale, person.email),
      ...render(person.locale),
    })),
  );
  return true;
}

async function requireFutureDeadline(tx: Tx, value: string, timeZone: string): Promise<Date> {
  const instant = resolveTimeInput(value, timeZone, CLOSE_OF_BUSINESS);
  if (!instant) throw invalid([{ path: 'responseDeadline', message: `does not exist in ${timeZone} (a clock change skips it)` }]);
  const check = await checkDeadlineAgainstNow(tx, instant, instant);
  if (!check.in_future) throw invalid([{ path: 'responseDeadline', message: 'must be in the future' }]);
  return instant;
}

/**
 * What moving a request's deadline earlier would do, for the secretariat's confirmation: the new
 * deadline, and how many providers with a draft or a response and followers it affects. Null when
 * the new deadline is not earlier (nothing to warn about) or not valid (the change itself says why).
 */
export async function previewEarlierDeadline(ctx: AppContext, actorOrNull: Actor | null, requestId: string, value: string) {
  requireOrganizer(actorOrNull);
  const request = await findRequest(ctx, requestId);
  if (!request) throw notFound('The request');
  const deadline = resolveTimeInput(value, request.time_zone, CLOSE_OF_BUSINESS);
  if (!deadline || deadline >= request.response_deadline) return null;
  return { from: request.response_deadline, to: deadline, ...(await countDeadlineAudience(ctx, requestId)) };
}

export async function changeRequestDeadline(ctx: AppContext, actorOrNull: Actor | null, requestId: string, value: string, reason?: string) {
  const actor = requireOrganizer(actorOrNull);
  const existing = await findRequest(ctx, requestId);
  if (!existing) throw notFound('The request');
  await inTransaction(ctx, async (tx) => {
    const deadline = await requireFutureDeadline(tx, value, existing.time_zone);
    if (deadline > existing.marketplace_deadline) {
      throw invalid([{ path: 'responseDeadline', message: `must not be later than the marketplace's deadline (${isoInZone(existing.marketplace_deadline, existing.time_zone)}); extend the marketplace instead` }]);
    }
    const moved = await moveRequestDeadline(ctx, tx, actor, requestId, deadline, true, { reason });
    if (!moved && !requestStatusSets.deadlineMovable.includes(existing.status)) throw conflict('illegal-transition', `This request is ${existing.status}; its deadline can no longer change.`);
  });
  const request = (await findRequest(ctx, requestId))!;
  if (request.status === 'open') await planRequestDeadline(ctx, request);
  await planMatchingRun(ctx, request.marketplace_id);
  return request;
}

/** Extends the marketplace's deadline and every request that follows it (not those with an earlier deadline of their own). */
export async function extendMarketplaceDeadline(ctx: AppContext, actorOrNull: Actor | null, slug: string, value: string) {
  const actor = requireOrganizer(actorOrNull);
  const moved: string[] = [];
  await inTransaction(ctx, async (tx) => {
    const marketplace = await lockMarketplaceBySlug(tx, slug);
    if (!marketplace) throw notFound('The marketplace');
    const deadline = await requireFutureDeadline(tx, value, marketplace.time_zone);
    if (deadline <= marketplace.response_deadline) {
      throw invalid([{ path: 'responseDeadline', message: `must be later than the current deadline (${isoInZone(marketplace.response_deadline, marketplace.time_zone)})` }]);
    }
    // On or after the forum's first day there would be no time left to match and schedule the side meetings.
    if (deadline >= forumStartInstant(marketplace)) throw invalid([{ path: 'responseDeadline', message: "must be before the forum's first day" }]);
    await updateMarketplaceRow(tx, marketplace.id, { response_deadline: deadline });
    tx.changes('listing');
    await recordAudit(tx, actor, { entity: 'marketplace', entityId: marketplace.id, action: 'deadline', detail: { from: marketplace.response_deadline.toISOString(), to: deadline.toISOString() } });
    for (const { id } of await findRequestsFollowingMarketplaceDeadline(tx, marketplace.id)) {
      if (await moveRequestDeadline(ctx, tx, actor, id, deadline, false)) moved.push(id);
    }
  });
  for (const id of moved) {
    const request = (await findRequest(ctx, id))!;
    if (request.status === 'open') await planRequestDeadline(ctx, request);
  }
  await planMatchingRun(ctx, (await findMarketplace(ctx, slug)).id);
  return { requestsMoved: moved.length };
}

/** Whether `actor` is answered the public listing for `query` (the same for everyone who is not an organizer). */
function getsPublicListing(actor: Actor | null, query: BrowseRequestsQuery): boolean {
  return !query.mine && !listsUnpublishedRequests(actor);
}

/** Browse a marketplace's requests: the public sees published ones; an organization also its own. */
export async function browseRequests(ctx: AppContext, actor: Actor | null, marketplaceSlug: string, query: BrowseRequestsQuery): Promise<RequestsPage> {
  if (getsPublicListing(actor, query)) return browsePublicRequests(ctx, marketplaceSlug, query);
  const marketplace = await findMarketplace(ctx, marketplaceSlug);
  const { statuses, organizationId } = privateBrowseScope(actor, query);
  return { ...(await loadRequestsPage(ctx, marketplace.id, statuses, organizationId, query)), marketplace };
}

/** What a browse that is not the public listing reads: an organization's own requests (`mine`), or an organizer's view of every status. */
function privateBrowseScope(actor: Actor | null, query: BrowseRequestsQuery): { statuses: readonly RequestStatus[]; organizationId: string | undefined } {
  if (query.mine) {
    // Only the organization a person acts for: a pending member does not list its requests.
    return { organizationId: requireVerifiedMember(actor).organization.id, statuses: query.status && query.status !== 'any' ? [query.status] : requestStatusSets.all };
  }
  return { organizationId: undefined, statuses: query.status === 'any' ? requestStatusSets.all : [query.status ?? 'open'] };
}

export interface RequestsPage {
  marketplace: Marketplace;
  items: RequestRow[];
  nextCursor: string | null;
}

/**
 * The public listing as `encode` makes it from the page (the API's gzipped JSON), kept in the public
 * cache under its own key without the page's rows, or null when `actor` is not answered the public
 * listing (`mine`, an organizer). A kept API page then weighs its compressed answer (a few KB), not its
 * rows, their JSON and its compressed copy together (about 60 KB).
 */
export async function browsePublicRequestsEncoded<T>(
  ctx: AppContext,
  actor: Actor | null,
  marketplaceSlug: string,
  query: BrowseRequestsQuery,
  encoding: { name: string; encode: (page: RequestsPage) => T; size: (value: T) => number },
): Promise<T | null> {
  return getsPublicListing(actor, query) ? cachedPublicListing(ctx, marketplaceSlug, query, encoding) : null;
}

/**
 * The public listing (published requests, as anyone but an organizer sees them): it does not depend on
 * who asks, so a page is kept in the public cache for PUBLIC_CACHE_SECONDS and shared.
 */
function browsePublicRequests(ctx: AppContext, marketplaceSlug: string, query: BrowseRequestsQuery): Promise<RequestsPage> {
  return cachedPublicListing(ctx, marketplaceSlug, query, {
    name: 'rows',
    encode: (page) => page,
    size: (page) => 2000 + page.items.reduce((n, r) => n + r.description.length + r.expected_outcome.length + r.title.length + 500, 0),
  });
}

/** A page of the public listing in one of its kept shapes (`encoding.name`: the rows, the API's gzip), from the public cache. */
async function cachedPublicListing<T>(ctx: AppContext, marketplaceSlug: string, query: BrowseRequestsQuery, encoding: { name: string; encode: (page: RequestsPage) => T; size: (value: T) => number }): Promise<T> {
  const { marketplace, status, statuses } = await publicBrowseScope(ctx, marketplaceSlug, query);
  // The whole parsed query is the key, so a filter added to the schema can never be left out of it.
  const key = `${encoding.name}:requests:${marketplace.id}:${JSON.stringify({ ...query, status })}`;
  return ctx.caches.listing.get(key, async () => encoding.encode({ ...(await loadRequestsPage(ctx, marketplace.id, statuses, undefined, query)), marketplace }), { size: encoding.size });
}

/** What the public listing reads: the published marketplace and the public statuses asked for (open by default). */
async function publicBrowseScope(ctx: AppContext, marketplaceSlug: string, query: BrowseRequestsQuery) {
  const status = query.status ?? 'open';
  if (status !== 'any' && !requestStatusSets.public.includes(status)) throw forbidden(`Only organizers can list ${status} requests; use mine=true for your own.`);
  const { marketplace } = await getPublicMarketplace(ctx, marketplaceSlug);
  return { marketplace, status, statuses: status === 'any' ? requestStatusSets.public : [status] };
}

/** The themes the published requests of a marketplace use (for the filters), from the public cache. */
export async function listPublicThemes(ctx: AppContext, marketplaceId: string): Promise<string[]> {
  return ctx.caches.listing.get(`themes:${marketplaceId}`, () => listThemesInUse(ctx, marketplaceId));
}

/** A browse query's filters as the repository takes them (without the page's cursor and size). */
function browseFilters(marketplaceId: string, statuses: readonly RequestStatus[], organizationId: string | undefined, query: BrowseRequestsQuery) {
  return {
    marketplaceId,
    statuses,
    organizationId,
    category: query.category,
    theme: query.theme,
    country: query.country,
    language: query.language,
    q: query.q || undefined,
    qCountry: query.q ? countryNamedIn(query.q) : undefined,
  };
}

async function loadRequestsPage(ctx: AppContext, marketplaceId: string, statuses: readonly RequestStatus[], organizationId: string | undefined, query: BrowseRequestsQuery) {
  const rows = await browseRequestRows(ctx, {
    ...browseFilters(marketplaceId, statuses, organizationId, query),
    after: ((c) => (c ? { deadline: c.time, id: c.id } : undefined))(decodeCursor(query.cursor)),
    limit: query.limit,
  });
  return pageOf(rows, query.limit, (last) => encodeCursor(last.cursor_at, last.id));
}

/**
 * How many requests a browse matches on all its pages together (the page says "12 requests"): what the
 * same actor and query list, counted. The public listing's count is kept in the public cache beside its
 * pages and cleared with them.
 */
export async function countRequests(ctx: AppContext, actor: Actor | null, marketplaceSlug: string, query: BrowseRequestsQuery): Promise<number> {
  const { cursor: _cursor, limit: _limit, ...filters } = query;
  if (getsPublicListing(actor, query)) {
    const { marketplace, status, statuses } = await publicBrowseScope(ctx, marketplaceSlug, query);
    return ctx.caches.listing.get(`count:requests:${marketplace.id}:${JSON.stringify({ ...filters, status })}`, () => countBrowseRequestRows(ctx, browseFilters(marketplace.id, statuses, undefined, query)));
  }
  const marketplace = await findMarketplace(ctx, marketplaceSlug);
  const { statuses, organizationId } = privateBrowseScope(actor, query);
  return countBrowseRequestRows(ctx, browseFilters(marketplace.id, statuses, organizationId, query));
}

/** A request as the API answers it; the rejection reason only for those who see its internals. */
export function requestToJson(r: RequestRow, actor: Actor | null): RequestAnswer {
  const tz = r.time_zone;
  return {
    id: r.id,
    marketplace: r.marketplace_slug,
    organization: { id: r.organization_id, name: r.organization_name, country: r.organization_country },
    title: r.title,
    category: r.category,
    themes: r.themes,
    description: r.description,
    expectedOutcome: r.expected_outcome,
    countries: r.countries,
    languages: r.languages,
    maxMatches: r.max_matches,
    responseDeadline: isoInZone(r.response_deadline, tz),
    questionDeadline: isoInZone(questionDeadlineOf(r), tz),
    status: r.status,
    responseCount: r.response_count,
    sealedResponses: r.sealed_responses,
    ...(seesRequestInternals(actor, r) ? { rejectionReason: r.rejection_reason } : {}),
    createdAt: isoInZone(r.created_at, tz),
    publishedAt: r.published_at ? isoInZone(r.published_at, tz) : null,
    closedAt: r.closed_at ? isoInZone(r.closed_at, tz) : null,
  };
}
