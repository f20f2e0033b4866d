import type { OrganizationStatus, RequestStatus, ResponseStatus } from '../../db/types.ts';
import type { Actor } from '../auth/actor.ts';
import { requestStatusSets } from '../requests/request-status.ts';
import { responseStatusSets, responseTransitions } from './response-status.ts';

/** What a response policy needs to know of its request. */
export interface RequestForResponses {
  organization_id: string;
  status: RequestStatus;
  /** The request's or its marketplace's responses are sealed until the close. */
  sealed: boolean;
}

export interface ResponseForPolicy {
  organization_id: string;
  status: ResponseStatus;
}

/** A member of the organization that posted the request. */
export function isRequesterOf(actor: Actor | null, request: { organization_id: string }): boolean {
  return !!actor?.organization && actor.organization.id === request.organization_id;
}

/** A member of the organization that wrote the response. */
export function isAuthorOf(actor: Actor | null, response: { organization_id: string }): boolean {
  return !!actor?.organization && actor.organization.id === response.organization_id;
}

/** Sealed responses stay hidden from the requester until the request closes. */
export function responsesUnsealedFor(request: RequestForResponses): boolean {
  return !request.sealed || requestStatusSets.deadlinePassed.includes(request.status);
}

/** Who may see a response: its organization, the organizers, and the requester once it is submitted (after the close if sealed). */
export function canSeeResponse(actor: Actor | null, response: ResponseForPolicy, request: RequestForResponses): boolean {
  if (!actor) return false;
  if (actor.isOrganizer || isAuthorOf(actor, response)) return true;
  return isRequesterOf(actor, request) && responseStatusSets.sentToRequester.includes(response.status) && responsesUnsealedFor(request);
}

/** Which responses of a request a person sees in its list: `all`, `sent` (the requester's view), `own`, or `sealed` (none yet). */
export function responseListScope(actor: Actor, request: RequestForResponses): 'all' | 'sent' | 'sealed' | 'own' {
  if (actor.isOrganizer) return 'all';
  if (isRequesterOf(actor, request)) return responsesUnsealedFor(request) ? 'sent' : 'sealed';
  return 'own';
}

/** Only the responding organization edits, submits or withdraws its response. */
export function canChangeResponse(actor: Actor | null, response: ResponseForPolicy): boolean {
  return isAuthorOf(actor, response);
}

/**
 * The requester (or an organizer for them) marks a response preferred, once it may read it: a sealed
 * response cannot be marked before the close, since the requester cannot see it yet.
 */
export function canMarkPreferred(actor: Actor | null, response: ResponseForPolicy, request: RequestForResponses): boolean {
  if (!actor || !responseStatusSets.sentToRequester.includes(response.status)) return false;
  if (actor.isOrganizer) return true;
  return isRequesterOf(actor, request) && canSeeResponse(actor, response, request);
}

/** Any verified organization other than the requester's may respond. */
export function canRespondTo(actor: Actor | null, request: { organization_id: string }): boolean {
  return !!actor?.organization && actor.organization.id !== request.organization_id;
}

/**
 * Whom a response may present jointly with: a verified organization other than its own and other
 * than the requester's, which may not respond to its own request (canRespondTo), so could never name
 * it back.
 */
export function canPresentJointlyWith(partner: { id: string; status: OrganizationStatus }, response: { organization_id: string }, request: { organization_id: string }): boolean {
  return partner.status === 'verified' && partner.id !== response.organization_id && partner.id !== request.organization_id;
}

/**
 * Responses change (their fields, their status by their organization, their joint partner) while their
 * request is open, before its deadline: the pages offer the forms then (each write checks it again on
 * the database clock).
 */
export function responsesOpen(request: { status: string; response_deadline: Date }, now = new Date()): boolean {
  return request.status === 'open' && request.response_deadline > now;
}

/** The edit form of a response and its link: its organization, while the response is a draft or submitted and responses are open. */
export function canEditResponse(actor: Actor | null, response: ResponseForPolicy & { status: ResponseStatus }, request: { status: string; response_deadline: Date }, now = new Date()): boolean {
  return canChangeResponse(actor, response) && responseTransitions.edit.from.includes(response.status) && responsesOpen(request, now);
}
