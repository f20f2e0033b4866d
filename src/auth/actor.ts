import type { OrganizationKind, OrganizationStatus } from '../../db/types.ts';
import { forbidden, unauthorized } from '../shared/errors.ts';

/** The signed-in person a request acts for. */
export interface Actor {
  id: string;
  email: string;
  name: string | null;
  isOrganizer: boolean;
  locale: string;
  /** The zone the person chose, for showing times in "your time". */
  timeZone: string | null;
  membership: 'pending' | 'active' | null;
  organization: { id: string; name: string; kind: OrganizationKind; country: string | null; status: OrganizationStatus } | null;
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
export function isVerifiedMember(actor: Actor): boolean {
  return actor.organization?.status === 'verified' && actor.membership === 'active';
}

/** Governments post requests for assistance. */
export function requireVerifiedRequester(actor: Actor | null): Actor & { organization: NonNullable<Actor['organization']> } {
  const a = requireActor(actor);
  if (!a.organization) throw forbidden('Name your organization first (Account → Organization).');
  if (!isVerifiedMember(a)) {
    throw forbidden('Your organization is waiting for verification by the forum secretariat. You can browse, but not post yet.');
  }
  if (a.organization.kind !== 'government') throw forbidden('Only government organizations post requests for assistance.');
  return a as Actor & { organization: NonNullable<Actor['organization']> };
}
