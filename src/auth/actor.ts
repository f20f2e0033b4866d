import type { OrganizationKind, OrganizationStatus } from '../../db/types.ts';
import { forbidden, unauthorized } from '../shared/errors.ts';
import { organizationStatusSets } from '../organizations/organization-status.ts';

export interface ActingOrganization {
  id: string;
  name: string;
  kind: OrganizationKind;
  country: string | null;
}

/** The organization a person named, and where it stands: for their account page and for saying why they cannot act yet. */
export interface Affiliation {
  organization: ActingOrganization & { status: OrganizationStatus };
  membership: 'pending' | 'active';
}

/** The signed-in person a request acts for. */
export interface Actor {
  id: string;
  email: string;
  name: string | null;
  isOrganizer: boolean;
  locale: string;
  /** The zone the person chose, for showing times in "your time". */
  timeZone: string | null;
  /**
   * The organization the person acts for: set only when an organizer verified it and the person's
   * membership is active. Every rule of who may see or change what reads this, so a pending member,
   * or a member of a pending or rejected organization, is a stranger to it.
   */
  organization: ActingOrganization | null;
  /** The organization the person named, whatever its standing. Never a reason to show or allow anything. */
  affiliation: Affiliation | null;
}

/** The organization of an actor, when it may act: verified, with an active membership. */
export function actingOrganization(affiliation: Affiliation | null): ActingOrganization | null {
  if (!affiliation || !organizationStatusSets.actsInMarketplace.includes(affiliation.organization.status) || affiliation.membership !== 'active') return null;
  const { id, name, kind, country } = affiliation.organization;
  return { id, name, kind, country };
}

export function requireActor(actor: Actor | null): Actor {
  if (!actor) throw unauthorized();
  return actor;
}

export function requireOrganizer(actor: Actor | null): Actor {
  const a = requireActor(actor);
  if (!a.isOrganizer) throw forbidden('Only the forum secretariat (organizers) can do this.');
  return a;
}

/** An organization may act once an organizer verified it and the person's membership is active. */
export function isVerifiedMember(actor: Actor): actor is Actor & { organization: ActingOrganization } {
  return actor.organization !== null;
}

/** Why a person cannot act for an organization yet, in the words they need to fix it. */
export function whyNotMember(actor: Actor, doing: 'post' | 'respond' | 'act'): string {
  const a = actor.affiliation;
  if (!a) return 'Name your organization first (Account → Organization).';
  if (a.organization.status === 'rejected') return `${a.organization.name} was not accepted by the forum secretariat. Contact them if this is a mistake.`;
  if (a.organization.status !== 'verified') {
    if (doing === 'post') return 'Your organization is waiting for verification by the forum secretariat. You can browse, but not post yet.';
    if (doing === 'respond') return 'Your organization is waiting for verification by the forum secretariat. You can browse, but not respond yet.';
    return 'Your organization is waiting for verification by the forum secretariat.';
  }
  return 'Your membership is waiting for approval.';
}

/** A member of a verified organization, or a 403 that says what is missing. */
export function requireVerifiedMember(actorOrNull: Actor | null, doing: 'post' | 'respond' | 'act' = 'act'): Actor & { organization: ActingOrganization } {
  const actor = requireActor(actorOrNull);
  if (!isVerifiedMember(actor)) throw forbidden(whyNotMember(actor, doing));
  return actor;
}

/** Governments post requests for assistance. */
export function requireVerifiedRequester(actorOrNull: Actor | null): Actor & { organization: ActingOrganization } {
  const a = requireVerifiedMember(actorOrNull, 'post');
  if (a.organization.kind !== 'government') throw forbidden('Only government organizations post requests for assistance.');
  return a;
}
