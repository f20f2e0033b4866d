import { confirmationBatch } from '../email/batches.ts';
import type { AppContext } from '../context.ts';
import type { ResponseStatus } from '../../db/types.ts';
import { issueReceipt } from './receipts.service.ts';
import type { Receipt } from './receipts.ts';
import { requireActor, requireVerifiedMember, whyNotMember, type Actor } from '../auth/actor.ts';
import { canChangeResponse, canMarkPreferred, canPresentJointlyWith, canRespondTo, canSeeResponse, responseListScope } from './responses.policy.ts';
import { responseActionVerbs, responseStatusSets, responseTransitions } from './response-status.ts';
export { canSeeResponse } from './responses.policy.ts';
import { AppError, conflict, forbidden, invalid, notFound } from '../shared/errors.ts';
import { findOrganization, searchOrganizations } from '../organizations/organizations.repository.ts';
import { inTransaction, type Tx } from '../shared/transaction.ts';
import { isoInZone } from '../shared/time.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import { deadlinePassedError, requestStatusSets } from '../requests/request-status.ts';
import { getRequest, requestUrl } from '../requests/requests.service.ts';
import { canSeeRequest } from '../requests/requests.policy.ts';
import { findReceiptSource, type ReceiptSource } from './receipts.repository.ts';
import type { RequestRow } from '../requests/requests.repository.ts';
import {
  adjustResponseCount,
  findJointState,
  setJointWithBeforeDeadline,
  type LockedRequest,
  findResponse,
  findResponseOfOrganization,
  insertResponseBeforeDeadline,
  listResponsesOfOrganization,
  listResponsesOfRequest,
  lockRequestForResponse,
  updateResponseBeforeDeadline,
  type ResponseChanges,
  type ResponseRow,
  findRequestsRespondedBy,
} from './responses.repository.ts';
import type { CreateResponseInput, MyResponsesQuery, ResponseAnswer, UpdateResponseInput } from './responses.schemas.ts';
import { decodeCursor, encodeCursor, pageOf } from '../shared/cursor.ts';
import { renderResponseReceivedEmail, renderResponseSubmittedEmail, renderResponseEditedEmail } from './responses.emails.ts';

type ProviderActor = Actor & { organization: NonNullable<Actor['organization']> };

/** Any verified organization other than the requester's may respond. */
export function requireVerifiedProvider(actorOrNull: Actor | null, request: { organization_id: string }): ProviderActor {
  const actor = requireVerifiedMember(actorOrNull, 'respond');
  if (!canRespondTo(actor, request)) throw forbidden('An organization cannot respond to its own request.');
  return actor as ProviderActor;
}

/** Why a response write found nothing to write: the request is not open, or its deadline passed. */
async function refusalFor(tx: Tx, requestId: string): Promise<AppError> {
  const request = await lockRequestForResponse(tx, requestId);
  if (!request) return notFound('The request');
  // Closed or matched means its deadline passed: say so, with the deadline.
  if (!requestStatusSets.public.includes(request.status)) return conflict('request-not-open', `This request is ${request.status}; it does not take responses.`);
  return deadlinePassedError(request.response_deadline, request.time_zone);
}

/** A receipt as an email attachment: the JSON file the verification page and API take back. */
function receiptAttachment(receipt: Receipt) {
  return { filename: `receipt-${receipt.receipt.response.slice(0, 8)}-${receipt.receipt.at.replace(/[:.]/g, '')}.json`, contentType: 'application/json', content: `${JSON.stringify(receipt, null, 2)}\n` };
}

export function responseUrl(ctx: AppContext, requestId: string): string {
  return `${requestUrl(ctx, requestId)}#response`;
}

/**
 * Emails for a response that just became submitted: the provider's confirmation with its signed receipt,
 * and the requester's notice (unless sealed). `request` is the row the caller locked (with the
 * requester's address); `written` the response as just written (a new one: nothing read back), or its
 * id (read here); `count` the request's responses after this one.
 */
async function queueSubmittedEmails(ctx: AppContext, tx: Tx, actor: Actor, request: LockedRequest, written: string | ReceiptSource, submittedAt: Date, count: number) {
  const requestId = request.id;
  const response = typeof written === 'string' ? await findReceiptSource(tx, written) : written;
  const responseId = response.id;
  const stamp = submittedAt.getTime();
  // The provider's signed receipt, attached to its confirmation (and downloadable from the response).
  const receipt = await issueReceipt(ctx, tx, response, 'submitted');
  await tx.queueEmail({
    idempotencyKey: `response-submitted:${responseId}:${stamp}`,
    template: 'response-submitted',
    to: actor.email,
    batchKey: confirmationBatch(actor.locale, actor.email),
    ...renderResponseSubmittedEmail({ requestTitle: request.title, deadline: request.response_deadline, timeZone: request.time_zone, url: responseUrl(ctx, requestId) }, actor.locale),
    attachments: [receiptAttachment(receipt)],
  });
  if (!request.sealed_responses && !request.marketplace_sealed && request.requester_email) {
    await tx.queueEmail({
      idempotencyKey: `response-received:${responseId}:${stamp}`,
      template: 'response-received',
      to: request.requester_email,
      ...renderResponseReceivedEmail({ requestTitle: request.title, providerName: response.organization_name, summary: response.summary, url: requestUrl(ctx, requestId), responseCount: count }, request.requester_locale),
    });
  }
}

/**
 * Writes a response, its audit row, its receipt and its emails. The request is read once, under its
 * lock, and who may respond is decided on that row; the answer is the row written, not read back.
 */
export async function createResponse(ctx: AppContext, actorOrNull: Actor | null, requestId: string, input: CreateResponseInput): Promise<ResponseRow & { time_zone: string }> {
  return inTransaction(ctx, async (tx) => {
    const locked = await lockRequestForResponse(tx, requestId);
    if (!locked || !canSeeRequest(actorOrNull, locked)) throw notFound('The request');
    const actor = requireVerifiedProvider(actorOrNull, locked);
    const status = input.draft ? 'draft' : 'submitted';
    const written = await insertResponseBeforeDeadline(tx, {
      requestId,
      organizationId: actor.organization.id,
      createdBy: actor.id,
      summary: input.summary,
      details: input.details,
      offerCategories: input.offerCategories,
      modality: input.modality,
      languages: input.languages,
      funding: input.funding,
      status,
    });
    if (!written) {
      const existing = await findResponseOfOrganization(tx, requestId, actor.organization.id);
      if (existing) {
        const error = conflict('already-responded', `${actor.organization.name} already responded to this request. Edit that response instead.`);
        (error as AppError & { existingId?: string }).existingId = existing.id;
        throw error;
      }
      throw await refusalFor(tx, requestId);
    }
    const { response_count: count, ...response } = written;
    await recordAudit(tx, actor, { entity: 'response', entityId: response.id, action: 'create', toStatus: status });
    if (status === 'submitted' && response.submitted_at && count !== null) {
      const source = { id: response.id, request_id: requestId, title: locked.title, marketplace_id: locked.marketplace_id, slug: locked.marketplace_slug, organization_name: actor.organization.name, updated_at: response.updated_at, summary: input.summary, details: input.details, offer_categories: input.offerCategories, modality: input.modality, languages: input.languages, funding: input.funding };
      await queueSubmittedEmails(ctx, tx, actor, locked, source, response.submitted_at, count);
    }
    return { ...response, organization_name: actor.organization.name, organization_kind: actor.organization.kind, time_zone: locked.time_zone };
  });
}

function withSeal(request: RequestRow) {
  return { ...request, sealed: request.sealed_responses || request.marketplace_sealed };
}

async function requestWithSeal(ctx: AppContext, actor: Actor | null, requestId: string) {
  return withSeal(await getRequest(ctx, actor, requestId));
}

/** The responses a person may see on a request: all for organizers and the requester (unless sealed), a provider's own only. */
export async function listVisibleResponses(ctx: AppContext, actor: Actor | null, requestId: string) {
  return visibleResponsesOf(ctx, actor, await getRequest(ctx, actor, requestId));
}

/** The same for a request the caller already loaded (and may see). */
export async function visibleResponsesOf(ctx: AppContext, actor: Actor | null, loaded: RequestRow) {
  const request = withSeal(loaded);
  const requestId = request.id;
  const a = requireActor(actor);
  const scope = responseListScope(a, request);
  if (scope === 'all') return { request, sealedUntilClose: false, items: await listResponsesOfRequest(ctx, requestId, [...responseStatusSets.all]) };
  if (scope === 'sealed') return { request, sealedUntilClose: true, items: [] };
  if (scope === 'sent') return { request, sealedUntilClose: false, items: await listResponsesOfRequest(ctx, requestId, [...responseStatusSets.sentToRequester]) };
  const own = a.organization ? await findResponseOfOrganization(ctx, requestId, a.organization.id) : undefined;
  return { request, sealedUntilClose: false, items: own ? [own] : [] };
}

/** The provider's own response to a request, if it wrote one (draft or not). */
export async function findOwnResponse(ctx: AppContext, actor: ProviderActor, requestId: string) {
  return findResponseOfOrganization(ctx, requestId, actor.organization.id);
}

/** Every response of the person's organization, with its request; none without an organization. */
export async function listOwnResponses(ctx: AppContext, actor: Actor) {
  return actor.organization ? listResponsesOfOrganization(ctx, actor.organization.id) : [];
}

export async function getResponse(ctx: AppContext, actor: Actor | null, id: string) {
  return (await getResponseWithRequest(ctx, actor, id)).response;
}

/** A response the person may see, with its request (a 404 for anyone else, as for a response that does not exist). */
async function getResponseWithRequest(ctx: AppContext, actor: Actor | null, id: string) {
  const response = await findResponse(ctx, id);
  if (!response) throw notFound('The response');
  const request = await requestWithSeal(ctx, actor, response.request_id).catch(() => null);
  if (!request || !canSeeResponse(actor, response, request)) throw notFound('The response');
  return { response, request };
}

function requireResponseOwner(actorOrNull: Actor | null, response: ResponseRow): ProviderActor {
  const actor = requireActor(actorOrNull);
  if (!canChangeResponse(actor, response)) throw forbidden(actor.organization ? `Only ${response.organization_name} can change its response.` : whyNotMember(actor, 'respond'));
  return actor as ProviderActor;
}

export type ProviderResponseAction = 'edit' | 'submit' | 'withdraw';

/** A response's joint partner as its organization and the API see it. */
export async function jointStateOf(ctx: AppContext, responseId: string): Promise<{ jointWith: { id: string; name: string } | null; mutual: boolean }> {
  const state = await findJointState(ctx, responseId);
  return state ? { jointWith: { id: state.id, name: state.name }, mutual: state.back_id !== null } : { jointWith: null, mutual: false };
}

/** The responding organization's own response, not withdrawn, with its request: what its joint partner is chosen for. */
async function ownResponseForJoint(ctx: AppContext, actorOrNull: Actor | null, responseId: string) {
  const { response, request } = await getResponseWithRequest(ctx, actorOrNull, responseId);
  const actor = requireResponseOwner(actorOrNull, response);
  if (response.status === 'withdrawn') throw conflict('response-withdrawn', 'This response was withdrawn; submit it again first.');
  return { actor, response, request };
}

/**
 * What the joint partner's form offers: the response, its request, whom it names now, and the
 * organizations it may name (canPresentJointlyWith), by name. Only the responding organization, and
 * on a page of its own: at fifty times a forum the list is a thousand organizations, which the request
 * page, where every save of a response returns, carried on every view (144 KB against 6 KB).
 */
export async function jointChoicesOf(ctx: AppContext, actorOrNull: Actor | null, responseId: string) {
  const { response, request } = await ownResponseForJoint(ctx, actorOrNull, responseId);
  const [state, organizations] = await Promise.all([jointStateOf(ctx, responseId), searchOrganizations(ctx)]);
  return { response, request, ...state, organizations: organizations.filter((o) => canPresentJointlyWith(o, response, request)) };
}

/**
 * The responding organization names another it presents jointly with (or nobody). The two meet the
 * requester together once the other's response to the same request names this one back; one it may
 * name (canPresentJointlyWith), while the response is not withdrawn.
 */
export async function setResponseJointWith(ctx: AppContext, actorOrNull: Actor | null, responseId: string, organizationId: string | null) {
  const { actor, response, request } = await ownResponseForJoint(ctx, actorOrNull, responseId);
  if (organizationId !== null) {
    const partner = await findOrganization(ctx, organizationId);
    if (!partner || !canPresentJointlyWith(partner, response, request)) {
      throw invalid([{ path: 'organizationId', message: 'must be another verified organization, not the requesting one' }]);
    }
  }
  // The change and its audit row together, under the request's lock and before its deadline, as every other change of a
  // response: after the deadline the requester reviews the responses as they stand, and the matching pairs them.
  await inTransaction(ctx, async (tx) => {
    await lockRequestForResponse(tx, response.request_id);
    if (!(await setJointWithBeforeDeadline(tx, responseId, organizationId))) throw await refusalFor(tx, response.request_id);
    await recordAudit(tx, actor, { entity: 'response', entityId: responseId, action: 'joint', detail: { jointWith: organizationId } });
  });
  return { requestId: response.request_id, ...(await jointStateOf(ctx, responseId)) };
}

/** Whether the person may mark this response preferred (the requester, once it may read it; organizers). */
export async function requireMayMarkPreferred(ctx: AppContext, actor: Actor | null, responseId: string): Promise<ResponseRow> {
  const response = await findResponse(ctx, responseId);
  if (!response) throw notFound('The response');
  const request = await requestWithSeal(ctx, actor, response.request_id).catch(() => null);
  if (!request || !canSeeResponse(actor, response, request)) throw notFound('The response');
  if (!canMarkPreferred(actor, response, request)) {
    throw forbidden(response.status === 'draft' || response.status === 'withdrawn' ? `This response is ${response.status}; it cannot be marked.` : `Only ${request.organization_name} and the forum secretariat mark its preferred responses.`);
  }
  return response;
}

/** Every change of a response goes through here: under the request's lock, before the deadline. */
export async function changeResponse(ctx: AppContext, actorOrNull: Actor | null, id: string, action: ProviderResponseAction, input: UpdateResponseInput = {}) {
  const existing = await getResponse(ctx, actorOrNull, id);
  const actor = requireResponseOwner(actorOrNull, existing);
  const rule = responseTransitions[action];
  await inTransaction(ctx, async (tx) => {
    const locked = (await lockRequestForResponse(tx, existing.request_id))!;
    const current = (await findResponse(tx, id))!;
    if (!rule.from.includes(current.status)) throw conflict('illegal-transition', `This response is ${current.status.replace('_', ' ')}; it cannot be ${responseActionVerbs[action]}.`);
    const changes: ResponseChanges & { status?: ResponseStatus } = {};
    if (input.summary !== undefined) changes.summary = input.summary;
    if (input.details !== undefined) changes.details = input.details;
    if (input.offerCategories !== undefined) changes.offer_categories = input.offerCategories;
    if (input.modality !== undefined) changes.modality = input.modality;
    if (input.languages !== undefined) changes.languages = input.languages;
    if (input.funding !== undefined) changes.funding = input.funding;
    if (rule.to) changes.status = rule.to;
    const updated = await updateResponseBeforeDeadline(tx, id, [current.status], changes);
    if (!updated) throw await refusalFor(tx, existing.request_id);
    const wasCounted = current.status === 'submitted';
    const isCounted = updated.status === 'submitted';
    const count = wasCounted !== isCounted ? await adjustResponseCount(tx, existing.request_id, isCounted ? 1 : -1) : locked.response_count;
    await recordAudit(tx, actor, { entity: 'response', entityId: id, action, fromStatus: current.status, toStatus: updated.status });
    if (action === 'submit' && updated.submitted_at) await queueSubmittedEmails(ctx, tx, actor, locked, id, updated.submitted_at, count);
    // An edit of a submitted response gets its own receipt, emailed to the person who made it.
    if (action === 'edit' && updated.status === 'submitted') {
      const receipt = await issueReceipt(ctx, tx, id, 'edited');
      await tx.queueEmail({
        idempotencyKey: `response-edited:${id}:${receipt.receipt.at}`,
        template: 'response-edited',
        to: actor.email,
        batchKey: confirmationBatch(actor.locale, actor.email),
        ...renderResponseEditedEmail({ requestTitle: locked.title, at: new Date(receipt.receipt.at), timeZone: locked.time_zone, url: responseUrl(ctx, existing.request_id) }, actor.locale),
        attachments: [receiptAttachment(receipt)],
      });
    }
  });
  return (await findResponse(ctx, id))!;
}

export function responseToJson(r: ResponseRow, timeZone: string): ResponseAnswer {
  return {
    id: r.id,
    requestId: r.request_id,
    organization: { id: r.organization_id, name: r.organization_name },
    summary: r.summary,
    details: r.details,
    offerCategories: r.offer_categories as ResponseAnswer['offerCategories'],
    modality: r.modality,
    languages: r.languages,
    funding: r.funding,
    status: r.status,
    submittedAt: r.submitted_at ? isoInZone(r.submitted_at, timeZone) : null,
    updatedAt: isoInZone(r.updated_at, timeZone),
  };
}


/** The responses of the person's organization; none for someone who does not act for one. */
/** A page of my organization's responses (none until it is verified and my membership approved), soonest deadline first. */
export async function listMyResponses(ctx: AppContext, actor: Actor | null, query: MyResponsesQuery) {
  const a = requireActor(actor);
  if (!a.organization) return { items: [], nextCursor: null };
  const rows = await listResponsesOfOrganization(ctx, a.organization.id, { after: decodeCursor(query.cursor), limit: query.limit });
  return pageOf(rows, query.limit, (last) => encodeCursor(last.cursor_at, last.id));
}

/** The requests of a list that the person's organization responded to, for the browse list's mark; none for anyone without one. */
export async function requestsAnsweredBy(ctx: AppContext, actor: Actor | null, requestIds: string[]): Promise<string[]> {
  if (!actor?.organization) return [];
  return findRequestsRespondedBy(ctx, actor.organization.id, requestIds);
}
