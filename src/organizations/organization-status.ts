import type { OrganizationStatus } from '../../db/types.ts';

export const organizationStatuses = ['pending', 'verified', 'rejected'] as const satisfies readonly OrganizationStatus[];

export type MembershipStatus = 'pending' | 'active';
export const membershipStatuses = ['pending', 'active'] as const satisfies readonly MembershipStatus[];

/**
 * Every legal move of an organization's status and of a person's membership. The secretariat
 * verifies a pending organization, and approves a person waiting to join one it did not reject.
 */
export const organizationTransitions: Record<'verify' | 'reject', { from: readonly OrganizationStatus[]; to: OrganizationStatus }> = {
  verify: { from: ['pending'], to: 'verified' },
  /** With a reason its members are told. */
  reject: { from: ['pending'], to: 'rejected' },
};

export const membershipTransitions: Record<'approve' | 'refuse', { from: readonly MembershipStatus[]; to: MembershipStatus | null }> = {
  approve: { from: ['pending'], to: 'active' },
  /** The person is not taken as the organization's: they belong to none again, and may name the right one. */
  refuse: { from: ['pending'], to: null },
};

/** The named sets of organization statuses: each rule that asks "is it one of these" uses one of them. */
export const organizationStatusSets: Record<'all' | 'joinable' | 'actsInMarketplace', readonly OrganizationStatus[]> = {
  all: organizationStatuses,
  /**
   * A person may name it as theirs (and the secretariat approve them): a new one waits for
   * verification, and the forum secretariat's refusal of one is not undone by joining it again.
   */
  joinable: ['pending', 'verified'],
  /** Its active members post, respond and meet (see `actingOrganization`). */
  actsInMarketplace: ['verified'],
};
