import type { RequestStatus } from '../../db/types.ts';
import type { Actor } from '../auth/actor.ts';
import { isRequesterOf } from '../responses/responses.policy.ts';
import { requestStatusSets, requestTransitions } from './request-status.ts';

/**
 * Who may see, change and moderate a request: pure functions of (actor, request). The services call
 * them before they read or write, and the pages and `requestToJson` call the same ones to decide what
 * to show. "Member" always means the organization a person acts for (`Actor.organization`: verified,
 * membership active); what they merely named (`Actor.affiliation`) never allows anything.
 *
 * The `manages`/`moderates` functions say WHO may act; the `can` functions add WHEN (the status), for
 * pages that show a button only when it would work. Services ask who, then let the transition table
 * refuse a wrong status with 409 under the row lock, since a status read earlier may be stale.
 */
export interface RequestForPolicy {
  organization_id: string;
  status: RequestStatus;
}

/** Everyone sees a published request; before that (and once rejected or withdrawn) only its organization and the organizers. */
export function canSeeRequest(actor: Actor | null, request: RequestForPolicy): boolean {
  if (requestStatusSets.public.includes(request.status)) return true;
  return seesRequestInternals(actor, request);
}

/** The requesting organization and the organizers see what others do not: the rejection reason, the history, the meetings list. */
export function seesRequestInternals(actor: Actor | null, request: { organization_id: string }): boolean {
  return !!actor && (actor.isOrganizer || isRequesterOf(actor, request));
}

/** Who changes a request's fields or withdraws it: its organization and the organizers (the status decides when). */
export function managesRequest(actor: Actor | null, request: { organization_id: string }): boolean {
  return !!actor && (actor.isOrganizer || isRequesterOf(actor, request));
}

/** Who publishes or rejects requests and moves their deadlines: the forum secretariat. */
export function moderatesRequests(actor: Actor | null): boolean {
  return !!actor?.isOrganizer;
}

/** Governments post requests for assistance, once verified with an active membership. */
export function canPostRequest(actor: Actor | null): boolean {
  return !!actor?.organization && actor.organization.kind === 'government';
}

/** A request as the page's buttons see it: what is done before the deadline is offered only before it. */
export interface RequestWithDeadline extends RequestForPolicy {
  response_deadline: Date;
}

/**
 * Still awaiting review after its deadline passed: it can no longer be published, edited or withdrawn
 * (the transitions refuse after the deadline), only rejected, or its deadline moved by the secretariat.
 * Its requester is told by email once (`tellUnreviewedPastDeadline`).
 */
export function isUnreviewedPastDeadline(request: RequestWithDeadline, now = new Date()): boolean {
  return request.status === 'submitted' && request.response_deadline <= now;
}

/** The edit form and its button: the requester or an organizer, while the request is editable and before its deadline. */
export function canEditRequest(actor: Actor | null, request: RequestWithDeadline, now = new Date()): boolean {
  return managesRequest(actor, request) && requestStatusSets.editable.includes(request.status) && request.response_deadline > now;
}

export function canWithdrawRequest(actor: Actor | null, request: RequestWithDeadline, now = new Date()): boolean {
  return managesRequest(actor, request) && requestTransitions.withdraw.from.includes(request.status) && request.response_deadline > now;
}

export function canPublishRequest(actor: Actor | null, request: RequestWithDeadline, now = new Date()): boolean {
  return moderatesRequests(actor) && requestTransitions.publish.from.includes(request.status) && request.response_deadline > now;
}

/** Reject (with a reason): an organizer, while the request is submitted or open. */
export function canModerateRequest(actor: Actor | null, request: RequestForPolicy): boolean {
  return moderatesRequests(actor) && requestStatusSets.moderatable.includes(request.status);
}

/** An organizer moves a deadline until the request is matched (a closed request reopens). */
export function canChangeDeadline(actor: Actor | null, request: RequestForPolicy): boolean {
  return moderatesRequests(actor) && requestStatusSets.deadlineMovable.includes(request.status);
}

/** Organizers list a marketplace's requests of every status; everyone else the published ones (and, with `mine`, their organization's). */
export function listsUnpublishedRequests(actor: Actor | null): boolean {
  return !!actor?.isOrganizer;
}

/** The statuses a person may filter a marketplace's list by. */
export function listableStatuses(actor: Actor | null, mine: boolean): readonly RequestStatus[] {
  return listsUnpublishedRequests(actor) || mine ? requestStatusSets.all : requestStatusSets.public;
}

/**
 * Sealed responses may not be unsealed once one was submitted: its provider sent it on the promise
 * that the requester reads it only after the close. Sealing more is always allowed.
 */
export function canUnsealResponses(request: { sealed_responses: boolean; response_count: number }): boolean {
  return !request.sealed_responses || request.response_count === 0;
}
