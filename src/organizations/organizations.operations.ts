import { z } from 'zod';
import type { OrganizationKind, OrganizationStatus } from '../../db/types.ts';
import { operation, pathParams, recordId, withStatus } from '../http/operation.ts';
import { listOf } from '../shared/answer-fields.ts';
import { actingOrganization } from '../auth/actor.ts';
import {
  myOrganizationAnswer,
  organizationAnswer,
  organizationListQuery,
  organizationWithMembersAnswer,
  refuseMembershipBody,
  rejectOrganizationBody,
  setOrganizationBody,
  type MyOrganizationAnswer,
  type OrganizationAnswer,
  type OrganizationWithMembersAnswer,
} from './organizations.schemas.ts';
import { approveMembership, listOrganizations, refuseMembership, rejectOrganization, setMyOrganization, verifyOrganization } from './organizations.service.ts';
import type { MembershipStatus } from './organization-status.ts';

interface OrganizationRow {
  id: string;
  name: string;
  kind: OrganizationKind;
  country: string | null;
  status: OrganizationStatus;
}

export function organizationToJson(o: OrganizationRow): OrganizationAnswer {
  return { id: o.id, name: o.name, kind: o.kind, country: o.country, status: o.status };
}

/** What a person named, their membership, and whether that lets them act for it now (the rule of `Actor.organization`). */
export function myOrganizationToJson(organization: OrganizationRow, membership: MembershipStatus): MyOrganizationAnswer {
  const json = organizationToJson(organization);
  return { organization: json, membership, actsForOrganization: actingOrganization({ organization: json, membership }) !== null };
}

function organizationWithMembersToJson(o: OrganizationRow & { created_at: Date; members: Array<{ id: string; email: string; name: string | null; membership: MembershipStatus | null }> }): OrganizationWithMembersAnswer {
  return { ...organizationToJson(o), createdAt: o.created_at.toISOString(), members: o.members.map((m) => ({ id: m.id, email: m.email, name: m.name, membership: m.membership })) };
}

const organizationParams = pathParams({ id: recordId('The organization') });

/** Organizations: a person names theirs; the forum secretariat verifies them and approves who joins. */
export const organizationOperations = [
  operation({
    operationId: 'setMyOrganization',
    method: 'put',
    path: '/me/organization',
    tag: 'Account',
    summary: 'Name the organization you act for: create it (201) or ask to join it (200)',
    description:
      'An organization of that name and country that exists is joined: your membership waits for an organizer\'s approval. One that does not is created, with you as its member: it waits for verification. Either way `actsForOrganization` stays false until both are done. An organization the forum secretariat rejected cannot be joined (409), nor one registered as another kind (409).',
    allow: ['signed-in'],
    body: setOrganizationBody,
    status: 200,
    otherStatuses: [201],
    answer: myOrganizationAnswer,
    async handler(ctx, { actor, body }) {
      const result = await setMyOrganization(ctx, actor, body);
      const answer = myOrganizationToJson(result.organization, result.membership);
      return result.created ? withStatus(201, answer) : answer;
    },
  }),
  operation({
    operationId: 'listOrganizations',
    method: 'get',
    path: '/organizations',
    tag: 'Organizations',
    summary: 'Organizations with their members, pending first',
    description: 'Pending first, then verified, then rejected, each by name; `limit` at a time (100 unless given, at most 200), `nextCursor` for the next page. `q` keeps those whose name or a member\'s address holds it.',
    allow: ['organizer'],
    query: organizationListQuery,
    status: 200,
    answer: listOf(organizationWithMembersAnswer),
    async handler(ctx, { actor, query }) {
      const page = await listOrganizations(ctx, actor, query);
      return { items: page.items.map(organizationWithMembersToJson), nextCursor: page.nextCursor };
    },
  }),
  operation({
    operationId: 'verifyOrganization',
    method: 'post',
    path: '/organizations/{id}/verify',
    tag: 'Organizations',
    summary: 'Verify a pending organization: its active members can then post and respond',
    description: 'Its active members are emailed. An organization that is not pending is a 409.',
    allow: ['organizer'],
    params: organizationParams,
    status: 200,
    answer: organizationAnswer,
    handler: async (ctx, { actor, params }) => organizationToJson(await verifyOrganization(ctx, actor, params.id)),
  }),
  operation({
    operationId: 'rejectOrganization',
    method: 'post',
    path: '/organizations/{id}/reject',
    tag: 'Organizations',
    summary: 'Reject a pending organization, with a reason its members are told',
    description: 'Its members, active or waiting, are emailed the reason; the secretariat sees it in the list of organizations. An organization that is not pending is a 409.',
    allow: ['organizer'],
    params: organizationParams,
    body: rejectOrganizationBody,
    status: 200,
    answer: organizationAnswer,
    handler: async (ctx, { actor, params, body }) => organizationToJson(await rejectOrganization(ctx, actor, params.id, body.reason)),
  }),
  operation({
    operationId: 'approveMembership',
    method: 'post',
    path: '/organizations/{id}/members/{userId}/approve',
    tag: 'Organizations',
    summary: 'Approve a person waiting to join an organization',
    description:
      'The person acts for the organization once it is verified: they are emailed now if it is, or with its other members when it is verified. A person not waiting to join it, or an organization that was rejected, is a 409.',
    allow: ['organizer'],
    params: pathParams({ id: recordId('The organization'), userId: recordId('The person') }),
    status: 200,
    answer: z.object({ membership: z.literal('active') }),
    async handler(ctx, { actor, params }) {
      await approveMembership(ctx, actor, params.id, params.userId);
      return { membership: 'active' as const };
    },
  }),
  operation({
    operationId: 'refuseMembership',
    method: 'post',
    path: '/organizations/{id}/members/{userId}/refuse',
    tag: 'Organizations',
    summary: 'Turn away a person waiting to join an organization',
    description:
      'The person is not taken as a member: they belong to no organization again and are emailed, with the reason when one is given, that they may name their organization again. A person not waiting to join it is a 409.',
    allow: ['organizer'],
    params: pathParams({ id: recordId('The organization'), userId: recordId('The person') }),
    body: refuseMembershipBody,
    status: 200,
    answer: z.object({ membership: z.null() }),
    async handler(ctx, { actor, params, body }) {
      await refuseMembership(ctx, actor, params.id, params.userId, body.reason ?? null);
      return { membership: null };
    },
  }),
];
