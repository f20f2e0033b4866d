import type { OrganizationStatus } from '../../db/types.ts';
import type { Actor } from '../auth/actor.ts';
import { membershipTransitions, organizationStatusSets, organizationTransitions, type MembershipStatus } from './organization-status.ts';

/**
 * Who may do what with organizations and memberships. Pure functions of (actor, entity): the
 * services call them before they read or write, and the pages call the same ones to decide what to
 * show. What a person named (`actor.affiliation`) is never a reason to allow anything here.
 */

/**
 * The list of organizations with their members (their addresses, who waits for approval) is the
 * forum secretariat's: a member of one organization never sees the people of another, nor its own
 * roster (there is no roster to see over the API).
 */
export function canSeeOrganizationMembers(actor: Actor | null): boolean {
  return !!actor?.isOrganizer;
}

/** Only the forum secretariat verifies organizations and approves memberships. */
export function canManageOrganizations(actor: Actor | null): boolean {
  return !!actor?.isOrganizer;
}

/** The secretariat verifies an organization while it is pending (for the page's button; the service answers 409 otherwise). */
export function canVerifyOrganization(actor: Actor | null, organization: { status: OrganizationStatus }): boolean {
  return canManageOrganizations(actor) && organizationTransitions.verify.from.includes(organization.status);
}

/** The secretariat refuses a pending organization, with a reason its members are told. */
export function canRejectOrganization(actor: Actor | null, organization: { status: OrganizationStatus }): boolean {
  return canManageOrganizations(actor) && organizationTransitions.reject.from.includes(organization.status);
}

/**
 * The secretariat approves a person waiting to join an organization it has not rejected. An
 * organization still pending can have its members approved: they act for it once it is verified.
 */
export function canApproveMembersOf(actor: Actor | null, organization: { status: OrganizationStatus }): boolean {
  return canManageOrganizations(actor) && organizationStatusSets.joinable.includes(organization.status);
}

/** `canApproveMembersOf`, for a person whose membership waits for approval (for the page's button; the service answers 409 otherwise). */
export function canApproveMembership(actor: Actor | null, organization: { status: OrganizationStatus }, member: { membership: MembershipStatus | null }): boolean {
  return canApproveMembersOf(actor, organization) && !!member.membership && membershipTransitions.approve.from.includes(member.membership);
}

/**
 * The secretariat refuses a person waiting to join an organization (a stranger's address claiming an
 * agency): whatever the organization's status, a waiting person may be turned away.
 */
export function canRefuseMembership(actor: Actor | null, member: { membership: MembershipStatus | null }): boolean {
  return canManageOrganizations(actor) && !!member.membership && membershipTransitions.refuse.from.includes(member.membership);
}

/**
 * Anyone signed in names the organization they act for: a new one (which they create, as its first
 * member) or an existing one they ask to join. An organization the secretariat rejected cannot be
 * joined: joining would only hide the refusal from the person.
 */
export function canJoinOrganization(actor: Actor | null, organization: { status: OrganizationStatus }): boolean {
  return !!actor && organizationStatusSets.joinable.includes(organization.status);
}
