import { describe, expect, it } from 'vitest';
import type { RequestStatus } from '../../db/types.ts';
import type { Actor } from '../../src/auth/actor.ts';
import { requestStatusSets } from '../../src/requests/request-status.ts';
import {
  canChangeDeadline,
  canEditRequest,
  canModerateRequest,
  canPostRequest,
  canPublishRequest,
  canSeeRequest,
  canUnsealResponses,
  canWithdrawRequest,
  isUnreviewedPastDeadline,
  listableStatuses,
  seesRequestInternals,
} from '../../src/requests/requests.policy.ts';

const ministry = { id: 'org-bd', name: 'Ministry of Expatriates Welfare, Bangladesh', kind: 'government' as const, country: 'BD' };
const agency = { id: 'org-ilo', name: 'International Labour Organization (ILO)', kind: 'un_agency' as const, country: null };

function person(over: Partial<Actor> = {}): Actor {
  return { id: 'u', email: 'someone@example.org', name: null, isOrganizer: false, locale: 'en', timeZone: null, organization: null, affiliation: null, ...over };
}
const member = person({ organization: ministry, affiliation: { organization: { ...ministry, status: 'verified' }, membership: 'active' } });
// Named the ministry, not approved yet: `organization` is null, only `affiliation` says who they claim to be.
const pendingMember = person({ affiliation: { organization: { ...ministry, status: 'verified' }, membership: 'pending' } });
const provider = person({ organization: agency, affiliation: { organization: { ...agency, status: 'verified' }, membership: 'active' } });
const organizer = person({ isOrganizer: true });
const request = (status: RequestStatus, deadline = new Date(Date.now() + 86_400_000)) => ({ organization_id: ministry.id, status, response_deadline: deadline });
const past = new Date(Date.now() - 60_000);

describe('the requests policy', () => {
  it('everyone sees a published request; before publication and after a rejection or withdrawal only its organization and the organizers', () => {
    for (const status of requestStatusSets.all) {
      const published = requestStatusSets.public.includes(status);
      expect(canSeeRequest(null, request(status)), status).toBe(published);
      expect(canSeeRequest(provider, request(status)), status).toBe(published);
      expect(canSeeRequest(pendingMember, request(status)), status).toBe(published);
      expect(canSeeRequest(member, request(status)), status).toBe(true);
      expect(canSeeRequest(organizer, request(status)), status).toBe(true);
    }
  });

  it('a pending member, a provider and a visitor never see the rejection reason; the requester and the organizers do', () => {
    expect([null, provider, pendingMember, member, organizer].map((a) => seesRequestInternals(a, request('rejected')))).toEqual([false, false, false, true, true]);
  });

  it('the requester and the organizers edit and withdraw while it is submitted or open, and nobody after', () => {
    for (const status of requestStatusSets.all) {
      const editable = status === 'submitted' || status === 'open';
      for (const actor of [member, organizer]) {
        expect(canEditRequest(actor, request(status)), status).toBe(editable);
        expect(canWithdrawRequest(actor, request(status)), status).toBe(editable);
      }
      for (const actor of [null, provider, pendingMember]) {
        expect(canEditRequest(actor, request(status)), status).toBe(false);
        expect(canWithdrawRequest(actor, request(status)), status).toBe(false);
      }
    }
  });

  it('only organizers publish (a submitted request), reject (submitted or open) and move deadlines (until matched)', () => {
    for (const status of requestStatusSets.all) {
      expect(canPublishRequest(organizer, request(status)), status).toBe(status === 'submitted');
      expect(canModerateRequest(organizer, request(status)), status).toBe(status === 'submitted' || status === 'open');
      expect(canChangeDeadline(organizer, request(status)), status).toBe(['submitted', 'open', 'closed'].includes(status));
      for (const actor of [null, member, provider]) {
        expect(canPublishRequest(actor, request(status)) || canModerateRequest(actor, request(status)) || canChangeDeadline(actor, request(status)), status).toBe(false);
      }
    }
  });

  it('after the deadline nobody is offered to edit, withdraw or publish it; one still awaiting review then is told apart', () => {
    for (const status of requestStatusSets.all) {
      for (const actor of [member, organizer]) {
        expect(canEditRequest(actor, request(status, past)), status).toBe(false);
        expect(canWithdrawRequest(actor, request(status, past)), status).toBe(false);
      }
      expect(canPublishRequest(organizer, request(status, past)), status).toBe(false);
      // The secretariat can still reject it or move its deadline (then publish it).
      expect(canModerateRequest(organizer, request(status, past)), status).toBe(status === 'submitted' || status === 'open');
      expect(canChangeDeadline(organizer, request(status, past)), status).toBe(['submitted', 'open', 'closed'].includes(status));
      expect(isUnreviewedPastDeadline(request(status, past)), status).toBe(status === 'submitted');
      expect(isUnreviewedPastDeadline(request(status)), status).toBe(false);
    }
  });

  it('only a verified government with an active membership posts requests', () => {
    expect([null, provider, pendingMember, member, organizer].map(canPostRequest)).toEqual([false, false, false, true, false]);
  });

  it('the status filter offers every status to organizers and to an organization browsing its own, the published ones to others', () => {
    expect(listableStatuses(organizer, false)).toEqual(requestStatusSets.all);
    expect(listableStatuses(member, true)).toEqual(requestStatusSets.all);
    expect(listableStatuses(member, false)).toEqual(requestStatusSets.public);
    expect(listableStatuses(null, false)).toEqual(requestStatusSets.public);
  });

  it('sealed responses stay sealed once one was submitted; a request nobody answered can be unsealed', () => {
    expect(canUnsealResponses({ sealed_responses: true, response_count: 1 })).toBe(false);
    expect(canUnsealResponses({ sealed_responses: true, response_count: 0 })).toBe(true);
    expect(canUnsealResponses({ sealed_responses: false, response_count: 3 })).toBe(true);
  });
});
