import type { AppContext } from '../context.ts';
import { requireActor, type Actor } from '../auth/actor.ts';
import { inTransaction } from '../shared/transaction.ts';
import { conflict, forbidden, notFound } from '../shared/errors.ts';
import { decodeKeyset, encodeKeyset, pageOf, UUID_TEXT } from '../shared/cursor.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import { findUserLocaleByEmail } from '../auth/auth.repository.ts';
import { t } from '../i18n/i18n.ts';
import {
  countAwaitingSecretariat,
  rejectOrganizationIfPending,
  activateMembership,
  detachMembership,
  findOrganization,
  findOrganizationByName,
  insertOrganization,
  listMemberEmails,
  listOrganizationsWithMembers,
  type OrganizationsAfter,
  searchOrganizations,
  setUserOrganization,
  verifyOrganizationIfPending,
} from './organizations.repository.ts';
import { organizationKindLabels, type OrganizationListQuery, type SetOrganizationInput } from './organizations.schemas.ts';
import { renderMembershipRefusedEmail, renderOrganizationAwaitingVerificationEmail, renderOrganizationRejectedEmail, renderOrganizationVerifiedEmail } from './organizations.emails.ts';
import { canApproveMembersOf, canJoinOrganization, canManageOrganizations, canSeeOrganizationMembers } from './organizations.policy.ts';
import { organizationStatusSets } from './organization-status.ts';

/** The secretariat's work on organizations, or a 403 that says whose it is. */
function requireOrganizationManager(actorOrNull: Actor | null): Actor {
  const actor = requireActor(actorOrNull);
  if (!canManageOrganizations(actor)) throw forbidden('Only the forum secretariat (organizers) can do this.');
  return actor;
}


/**
 * Creates the person's organization, or joins an existing one of that name and country. A new
 * organization waits for verification; joining an existing one waits for an organizer's approval.
 */
export async function setMyOrganization(ctx: AppContext, actorOrNull: Actor | null, input: SetOrganizationInput) {
  const actor = requireActor(actorOrNull);
  return inTransaction(ctx, async (tx) => {
    tx.changes('actors');
    const country = input.country ?? null;
    const existing = await findOrganizationByName(tx, input.name, country);
    if (existing && !canJoinOrganization(actor, existing)) throw conflict('organization-rejected', `${existing.name} was not accepted by the forum secretariat. Contact them if this is a mistake.`);
    if (existing && existing.kind !== input.kind) {
      throw conflict('organization-kind-mismatch', `${existing.name} is registered as ${organizationKindLabels[existing.kind]}, not ${organizationKindLabels[input.kind]}.`);
    }
    if (existing) {
      const alreadyMember = actor.affiliation?.organization.id === existing.id;
      if (!alreadyMember) {
        await setUserOrganization(tx, actor.id, existing.id, 'pending', input.personName);
        await recordAudit(tx, actor, { entity: 'membership', entityId: existing.id, action: 'join', toStatus: 'pending', detail: { userId: actor.id } });
      } else if (input.personName !== undefined) {
        await setUserOrganization(tx, actor.id, existing.id, actor.affiliation?.membership ?? 'pending', input.personName);
      }
      return { organization: existing, membership: alreadyMember ? (actor.affiliation?.membership ?? 'pending') : ('pending' as const), created: false };
    }
    const organization = await insertOrganization(tx, { name: input.name, kind: input.kind, country });
    await setUserOrganization(tx, actor.id, organization.id, 'active', input.personName);
    await recordAudit(tx, actor, { entity: 'organization', entityId: organization.id, action: 'create', toStatus: 'pending' });
    const url = new URL('/organizer/organizations', ctx.config.BASE_URL).toString();
    for (const organizer of ctx.config.ORGANIZER_EMAILS) {
      // An organizer who never signed in has no account, hence no language of their own: English.
      const locale = (await findUserLocaleByEmail(tx, organizer)) ?? 'en';
      const kind = t(locale, organizationKindLabels[organization.kind]);
      const email = renderOrganizationAwaitingVerificationEmail({ organizationName: organization.name, kind, country, email: actor.email, url }, locale);
      await tx.queueEmail({ idempotencyKey: `organization-awaiting:${organization.id}:${organizer}`, template: 'organization-awaiting-verification', to: organizer, ...email });
    }
    return { organization, membership: 'active' as const, created: true };
  });
}

export async function verifyOrganization(ctx: AppContext, actorOrNull: Actor | null, organizationId: string) {
  const actor = requireOrganizationManager(actorOrNull);
  return inTransaction(ctx, async (tx) => {
    const current = await findOrganization(tx, organizationId);
    if (!current) throw notFound('The organization');
    const verified = await verifyOrganizationIfPending(tx, organizationId, actor.id);
    if (!verified) throw conflict('illegal-transition', `${current.name} is ${current.status}; only a pending organization can be verified.`);
    tx.changes('actors');
    await recordAudit(tx, actor, { entity: 'organization', entityId: organizationId, action: 'verify', fromStatus: 'pending', toStatus: 'verified' });
    for (const member of await listMemberEmails(tx, organizationId, 'active')) {
      const email = renderOrganizationVerifiedEmail({ organizationName: verified.name, url: ctx.config.BASE_URL }, member.locale);
      await tx.queueEmail({ idempotencyKey: `organization-verified:${organizationId}:${member.id}`, template: 'organization-verified', to: member.email, ...email });
    }
    return verified;
  });
}

/** The secretariat refuses a pending organization with a reason; every member (active or waiting) is told why. */
export async function rejectOrganization(ctx: AppContext, actorOrNull: Actor | null, organizationId: string, reason: string) {
  const actor = requireOrganizationManager(actorOrNull);
  return inTransaction(ctx, async (tx) => {
    const current = await findOrganization(tx, organizationId);
    if (!current) throw notFound('The organization');
    const rejected = await rejectOrganizationIfPending(tx, organizationId, reason);
    if (!rejected) throw conflict('illegal-transition', `${current.name} is ${current.status}; only a pending organization can be rejected.`);
    tx.changes('actors');
    await recordAudit(tx, actor, { entity: 'organization', entityId: organizationId, action: 'reject', fromStatus: 'pending', toStatus: 'rejected', detail: { reason } });
    for (const member of await listMemberEmails(tx, organizationId)) {
      const email = renderOrganizationRejectedEmail({ organizationName: rejected.name, reason, url: new URL('/account/organization', ctx.config.BASE_URL).toString() }, member.locale);
      await tx.queueEmail({ idempotencyKey: `organization-rejected:${organizationId}:${member.id}`, template: 'organization-rejected', to: member.email, ...email });
    }
    return rejected;
  });
}

/**
 * Approves a person waiting to join an organization. A member of an organization still pending is
 * told when it is verified (that email goes to every active member): telling them now that it is
 * verified would be false.
 */
export async function approveMembership(ctx: AppContext, actorOrNull: Actor | null, organizationId: string, userId: string) {
  const actor = requireOrganizationManager(actorOrNull);
  return inTransaction(ctx, async (tx) => {
    const organization = await findOrganization(tx, organizationId);
    if (!organization) throw notFound('The organization');
    if (!canApproveMembersOf(actor, organization)) throw conflict('organization-rejected', `${organization.name} is ${organization.status}; its members cannot be approved.`);
    const member = await activateMembership(tx, organizationId, userId);
    if (!member) throw conflict('illegal-transition', 'This person is not waiting to join this organization.');
    tx.changes('actors');
    await recordAudit(tx, actor, { entity: 'membership', entityId: organizationId, action: 'approve', fromStatus: 'pending', toStatus: 'active', detail: { userId } });
    if (organizationStatusSets.actsInMarketplace.includes(organization.status)) {
      const email = renderOrganizationVerifiedEmail({ organizationName: organization.name, url: ctx.config.BASE_URL }, member.locale);
      await tx.queueEmail({ idempotencyKey: `membership-approved:${organizationId}:${userId}`, template: 'membership-approved', to: member.email, ...email });
    }
    return member;
  });
}

/** The secretariat turns away a person waiting to join an organization; they are told, with the reason if one is given. */
export async function refuseMembership(ctx: AppContext, actorOrNull: Actor | null, organizationId: string, userId: string, reason: string | null = null) {
  const actor = requireOrganizationManager(actorOrNull);
  return inTransaction(ctx, async (tx) => {
    const organization = await findOrganization(tx, organizationId);
    if (!organization) throw notFound('The organization');
    const person = await detachMembership(tx, organizationId, userId);
    if (!person) throw conflict('illegal-transition', 'This person is not waiting to join this organization.');
    tx.changes('actors');
    await recordAudit(tx, actor, { entity: 'membership', entityId: organizationId, action: 'refuse', fromStatus: 'pending', toStatus: null, detail: { userId, ...(reason ? { reason } : {}) } });
    const email = renderMembershipRefusedEmail({ organizationName: organization.name, reason, url: `${ctx.config.BASE_URL}/account/organization` }, person.locale);
    await tx.queueEmail({ idempotencyKey: `membership-refused:${organizationId}:${userId}:${Date.now()}`, template: 'membership-refused', to: person.email, ...email });
    return person;
  });
}

/**
 * A page of the organizations, with their members, pending first, for the secretariat: `limit` at a
 * time after the cursor, those whose name or a member's address holds `q`.
 */
export async function listOrganizations(ctx: AppContext, actorOrNull: Actor | null, query: Pick<OrganizationListQuery, 'status' | 'q' | 'cursor' | 'limit'>) {
  const actor = requireActor(actorOrNull);
  if (!canSeeOrganizationMembers(actor)) throw forbidden('Only the forum secretariat (organizers) can do this.');
  const rows = await listOrganizationsWithMembers(ctx, { status: query.status, q: query.q || undefined, after: decodeOrganizationsCursor(query.cursor), limit: query.limit });
  return pageOf(rows, query.limit, (last) => encodeKeyset([last.rank, last.name, last.id]));
}

/** The (rank, name, id) of the last organization of a page (`OrganizationsAfter`). */
function decodeOrganizationsCursor(cursor: string | undefined): OrganizationsAfter | undefined {
  return decodeKeyset(cursor, (values) => {
    const [rank, name, id] = Array.isArray(values) ? (values as unknown[]) : [];
    return (rank === 0 || rank === 1 || rank === 2) && typeof name === 'string' && name.length <= 300 && typeof id === 'string' && UUID_TEXT.test(id) ? { rank, name, id } : undefined;
  });
}

/**
 * Why the secretariat rejected the person's own organization (they are its member, active or waiting),
 * for their account page; null when it was not rejected.
 */
export async function rejectionReasonForMember(ctx: AppContext, actor: Actor): Promise<string | null> {
  const organization = actor.affiliation?.organization;
  if (!organization || organization.status !== 'rejected') return null;
  return (await findOrganization(ctx, organization.id))?.rejection_reason ?? null;
}

/** The organizations a person may name as theirs (the account page suggests them as they type). */
export async function listJoinableOrganizations(ctx: AppContext) {
  return searchOrganizations(ctx);
}

/** What waits for the secretariat (the header shows it to organizers on every page); nothing for anyone else. */
export async function awaitingSecretariat(ctx: AppContext, actor: Actor | null) {
  if (!canManageOrganizations(actor)) return null;
  return countAwaitingSecretariat(ctx);
}
