import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheChanged } from '../../src/shared/process-cache.ts';
import { startTestEnvironment, type TestEnvironment } from '../helpers/environment.ts';
import { apiClient, PageClient } from '../helpers/http.ts';
import { createPerson, createTestMarketplace, meetingFor, publishedRequest, sampleRequest, sampleResponse, type TestPerson, castMember, passDeadline } from '../helpers/factories.ts';
import { apiOperations } from '../../src/http/api-operations.ts';
import type { Caller, Operation } from '../../src/http/operation.ts';
import { hashToken, newSecretToken } from '../../src/auth/tokens.ts';

/**
 * Every API operation × every kind of caller, the expectations made from the operations' own `allow`
 * declarations: what the document promises is what the server does. The half-trusted callers (a
 * pending member of the requester or the provider, a member of a pending or of a rejected
 * organization) must be treated as strangers: the second part compares what they read with what a
 * stranger reads, on the API and on the pages.
 */
const callers = [
  'anonymous',
  'stranger',
  'pendingOfRequester',
  'pendingOfProvider',
  'memberOfPendingOrg',
  'memberOfRejectedOrg',
  'requester',
  'otherRequester',
  'provider',
  'otherProvider',
  'organizer',
] as const;
type CallerKind = (typeof callers)[number];
const halfTrusted = ['pendingOfRequester', 'pendingOfProvider', 'memberOfPendingOrg', 'memberOfRejectedOrg'] as const;

/** Which declared relations each kind of caller has to the fixture (a request of Bangladesh, ILO's response, their meeting). */
const relations: Record<CallerKind, readonly Caller[]> = {
  anonymous: ['anyone'],
  stranger: ['anyone', 'signed-in'],
  pendingOfRequester: ['anyone', 'signed-in'],
  pendingOfProvider: ['anyone', 'signed-in'],
  memberOfPendingOrg: ['anyone', 'signed-in'],
  memberOfRejectedOrg: ['anyone', 'signed-in'],
  requester: ['anyone', 'signed-in', 'verified-member', 'verified-government', 'requester'],
  otherRequester: ['anyone', 'signed-in', 'verified-member', 'verified-government', 'other-verified-member'],
  provider: ['anyone', 'signed-in', 'verified-member', 'other-verified-member', 'provider'],
  otherProvider: ['anyone', 'signed-in', 'verified-member', 'other-verified-member'],
  organizer: ['anyone', 'signed-in', 'organizer'],
};

function expectedToSucceed(op: Operation, caller: CallerKind): boolean {
  return op.allow.some((c) => relations[caller].includes(c));
}

interface Fixture {
  requestId: string;
  /** A published request nobody responded to yet. */
  freshRequestId: string;
  /** A request awaiting moderation. */
  draftRequestId: string;
  responseId: string;
  /** A draft response of the provider (on another request). */
  draftResponseId: string;
  meetingId: string;
  /** An organization awaiting verification. */
  pendingOrganizationId: string;
  /** A person waiting to join the provider's organization. */
  joinerId: string;
  failedEmailId: string;
  /** A question of the provider on the request, not answered yet. */
  questionId: string;
  /** A closed request of the requester whose meeting with the provider has ended. */
  closedRequestId: string;
  endedMeetingId: string;
}

/** What each operation needs beyond its path: a body that passes validation, or another record to act on. */
const samples: Record<string, { body?: (f: Fixture) => unknown | Promise<unknown>; path?: (f: Fixture) => string }> = {
  requestSignInLink: { body: () => ({ email: `someone-${Math.random().toString(36).slice(2)}@example.org` }) },
  exchangeSignInToken: { body: async () => ({ token: await newSignInToken() }) },
  setMyOrganization: { body: () => ({ name: 'Ministry of Labour, Nepal', kind: 'government', country: 'NP' }) },
  setMyInterests: { body: () => ({ categories: ['training'] }) },
  createMarketplace: {
    body: () => ({ slug: `m-${Math.random().toString(36).slice(2, 8)}`, name: 'Another edition', timeZone: 'Europe/Brussels', opensAt: '2030-01-01', responseDeadline: '2030-02-01', forumStartsAt: '2030-03-01', forumEndsAt: '2030-03-02' }),
  },
  updateMarketplace: { body: () => ({ name: 'GFMD 2007 Brussels (renamed)' }) },
  extendMarketplaceDeadline: { body: () => ({ responseDeadline: new Date(Date.now() + 90 * 24 * 3600 * 1000).toISOString() }) },
  createRequest: { body: () => sampleRequest },
  updateRequest: { body: () => ({ maxMatches: 2 }) },
  publishRequest: { path: (f) => `/requests/${f.draftRequestId}/publish` },
  rejectRequest: { body: () => ({ reason: 'Please split the request in two.' }) },
  changeRequestDeadline: { body: () => ({ responseDeadline: new Date(Date.now() + 5 * 24 * 3600 * 1000).toISOString() }) },
  createResponse: { body: () => sampleResponse, path: (f) => `/requests/${f.freshRequestId}/responses` },
  updateResponse: { body: () => ({ summary: 'A better summary of the offer' }) },
  submitResponse: { path: (f) => `/responses/${f.draftResponseId}/submit` },
  markResponsePreferred: { body: () => ({ preferred: true }) },
  markResponse: { body: () => ({ mark: 'like' }) },
  setResponseJoint: { body: () => ({ organizationId: null }) },
  rejectOrganization: { body: () => ({ reason: 'We could not confirm that this organization exists.' }) },
  refuseMembership: { body: () => ({ reason: 'We could not confirm that you work there.' }) },
  askQuestion: { body: () => ({ text: 'Can the training take place in Dhaka rather than abroad?' }) },
  answerQuestion: { body: () => ({ text: 'Yes, in Dhaka, at the training centre of the ministry.' }) },
  recordMeetingOutcome: { body: () => ({ outcome: 'cooperation_possible', note: 'A joint proposal by March.' }), path: (f) => `/meetings/${f.endedMeetingId}/outcome` },
  recordAssistance: { body: () => ({ status: 'in_preparation' }), path: (f) => `/requests/${f.closedRequestId}/assistance` },
  // The fixture response's own receipt, as its provider downloads it.
  verifyReceipt: { body: async (f) => (await api('GET', `/api/v1/responses/${f.responseId}/receipt`, { token: people.organizer.token })).body },
  declareUnavailability: { body: () => ({ startsAt: '2027-07-10T09:00', endsAt: '2027-07-10T10:00' }) },
  // A free place of the fixture's meeting, as the organizer reads it (every caller sends the same body).
  moveMeeting: { body: async (f) => ({ place: (await api('GET', `/api/v1/meetings/${f.meetingId}/places`, { token: people.organizer.token })).body.items[0].place }) },
  pinMeeting: { body: () => ({ pinned: true }) },
};

let env: TestEnvironment;
let api: ReturnType<typeof apiClient>;
const people = {} as Record<Exclude<CallerKind, 'anonymous'>, TestPerson>;

async function newSignInToken(): Promise<string> {
  const token = newSecretToken();
  await env.ctx.db.insertInto('sign_in_tokens').values({ token_hash: hashToken(token), email: `new-${Math.random().toString(36).slice(2)}@example.org`, expires_at: sql<Date>`now() + interval '10 minutes'` }).execute();
  return token;
}

async function newApiToken(userId: string): Promise<string> {
  const token = newSecretToken();
  await env.ctx.db.insertInto('auth_sessions').values({ token_hash: hashToken(token), user_id: userId, kind: 'api', expires_at: new Date(Date.now() + 3600_000) }).execute();
  return token;
}

beforeAll(async () => {
  env = await startTestEnvironment({ organizers: ['secretariat@gfmd.test'], workers: false });
  api = apiClient(env.baseUrl);
  people.organizer = await castMember(env.ctx, 'organizer');
  people.requester = await castMember(env.ctx, 'bangladesh');
  people.otherRequester = await castMember(env.ctx, 'mexico');
  people.provider = await castMember(env.ctx, 'ilo');
  people.otherProvider = await castMember(env.ctx, 'iom');
  people.stranger = await createPerson(env.ctx, { email: 'someone@example.org' });
  // Claimed the requester's and the provider's organization; nobody approved them.
  people.pendingOfRequester = await createPerson(env.ctx, { email: 'claims@mole.gov.bd', organization: { name: 'Ministry of Expatriates Welfare, Bangladesh', kind: 'government', country: 'BD' }, membership: 'pending' });
  people.pendingOfProvider = await createPerson(env.ctx, { email: 'claims@ilo.org', organization: { name: 'International Labour Organization (ILO)', kind: 'un_agency' }, membership: 'pending' });
  people.memberOfPendingOrg = await createPerson(env.ctx, { email: 'focal@pending.example', organization: { name: 'Pending ministry', kind: 'government', country: 'NP', status: 'pending' } });
  people.memberOfRejectedOrg = await createPerson(env.ctx, { email: 'focal@rejected.example', organization: { name: 'Rejected agency', kind: 'ngo', country: null } });
  await env.ctx.db.updateTable('organizations').set({ status: 'rejected' }).where('name', '=', 'Rejected agency').execute();
  cacheChanged(env.ctx, 'actors');
  await createTestMarketplace(env.ctx, people.organizer);
});
afterAll(async () => env?.close());

let meetingHour = 0;

/** Fresh records, so no call sees what another changed. */
async function fixture(): Promise<Fixture> {
  const request = await publishedRequest(api, people.requester, people.organizer, { title: `Request ${Math.random().toString(36).slice(2)}` });
  const draft = await api('POST', '/api/v1/marketplaces/gfmd-2007/requests', { token: people.requester.token, body: sampleRequest });
  const response = await api('POST', `/api/v1/requests/${request.id}/responses`, { token: people.provider.token, body: sampleResponse });
  const fresh = await publishedRequest(api, people.requester, people.organizer, { title: `Fresh request ${Math.random().toString(36).slice(2)}` });
  const other = await publishedRequest(api, people.requester, people.organizer, { title: `Other request ${Math.random().toString(36).slice(2)}` });
  const draftResponse = await api('POST', `/api/v1/requests/${other.id}/responses`, { token: people.provider.token, body: { ...sampleResponse, draft: true } });
  const meetingId = await meetingBetween(request.id, response.body.id);
  const question = await api('POST', `/api/v1/requests/${request.id}/questions`, { token: people.provider.token, body: { text: 'Is the curriculum to be written in Bangla too?' } });
  const closed = await publishedRequest(api, people.requester, people.organizer, { title: `Closed request ${Math.random().toString(36).slice(2)}` });
  const closedResponse = await api('POST', `/api/v1/requests/${closed.id}/responses`, { token: people.provider.token, body: sampleResponse });
  await passDeadline(env.ctx, [closed.id]);
  await env.ctx.db.updateTable('requests').set({ status: 'closed', closed_at: sql`now()` }).where('id', '=', closed.id).execute();
  const endedMeetingId = await meetingBetween(closed.id, closedResponse.body.id, true);
  const pendingOrg = await env.ctx.db.insertInto('organizations').values({ name: `Pending org ${Math.random()}`, kind: 'ngo', country: null }).returning('id').executeTakeFirstOrThrow();
  const joiner = await env.ctx.db.insertInto('users').values({ email: `joiner-${Math.random()}@example.org`, organization_id: people.provider.organizationId, membership: 'pending' }).returning('id').executeTakeFirstOrThrow();
  const email = await env.ctx.db
    .insertInto('outbox')
    .values({ idempotency_key: `failed-${Math.random()}`, template: 'test', to_email: 'nobody@example.org', subject: 'A failed email', text_body: 'x', html_body: 'x', message_id: `<${Math.random()}@localhost>`, status: 'failed' })
    .returning('id')
    .executeTakeFirstOrThrow();
  return {
    requestId: request.id,
    freshRequestId: fresh.id,
    draftRequestId: draft.body.id,
    responseId: response.body.id,
    draftResponseId: draftResponse.body.id,
    meetingId,
    pendingOrganizationId: pendingOrg.id,
    joinerId: joiner.id,
    failedEmailId: email.id,
    questionId: question.body.id,
    closedRequestId: closed.id,
    endedMeetingId,
  };
}

/** A proposed meeting of the requester and the provider; each gets its own hour (a room holds one meeting at a time). */
async function meetingBetween(requestId: string, responseId: string, ended = false): Promise<string> {
  const marketplace = await env.ctx.db.selectFrom('marketplaces').select('id').where('slug', '=', 'gfmd-2007').executeTakeFirstOrThrow();
  meetingHour += 1;
  // An ended meeting lies in 2020, each in its own hour too.
  const startsAt = new Date(Date.UTC(ended ? 2020 : 2027, 6, 10, 7, 0) + meetingHour * 3600_000);
  const meeting = await meetingFor(env.ctx, { marketplaceId: marketplace.id, requestId, responseId, requesterOrgId: people.requester.organizationId!, providerOrgId: people.provider.organizationId!, startsAt });
  return meeting.id;
}

function concretePath(op: Operation, f: Fixture): string {
  const sample = samples[op.operationId];
  if (sample?.path) return sample.path(f);
  return op.path
    .replace('/organizations/{id}/members/{userId}', `/organizations/${people.provider.organizationId}/members/${f.joinerId}`)
    .replace('/organizations/{id}', `/organizations/${f.pendingOrganizationId}`)
    .replace('{slug}', 'gfmd-2007')
    .replace('/requests/{id}', `/requests/${f.requestId}`)
    .replace('/responses/{id}', `/responses/${f.responseId}`)
    .replace('/meetings/{id}', `/meetings/${f.meetingId}`)
    .replace('/emails/{id}', `/emails/${f.failedEmailId}`)
    .replace('/questions/{id}', `/questions/${f.questionId}`);
}

/** People changed by a call (joining an organization, signing out) are put back for the next one. */
async function restorePeople(op: Operation, caller: CallerKind, succeeded: boolean): Promise<void> {
  for (const person of Object.values(people)) {
    const membership = person.organizationId ? (person === people.pendingOfRequester || person === people.pendingOfProvider ? 'pending' : 'active') : null;
    await env.ctx.db.updateTable('users').set({ organization_id: person.organizationId, membership }).where('id', '=', person.id).execute();
  }
  cacheChanged(env.ctx, 'actors');
  if (op.operationId === 'signOut' && succeeded && caller !== 'anonymous') people[caller] = { ...people[caller], token: await newApiToken(people[caller].id) };
}

describe('the authorization matrix, made from the operations', () => {
  it('every operation says who may call it, and every operation that needs a body has a sample', () => {
    for (const op of apiOperations) {
      expect(op.allow.length, op.operationId).toBeGreaterThan(0);
      if (op.body && op.method !== 'get') {
        const needsBody = !op.body.safeParse({}).success;
        if (needsBody) expect(samples[op.operationId]?.body, `${op.operationId} needs a sample body in this test`).toBeDefined();
      }
    }
    expect(new Set(apiOperations.map((o) => o.operationId)).size).toBe(apiOperations.length);
  });

  let shared: Fixture;
  for (const op of apiOperations) {
    const line = callers.map((c) => `${c} ${expectedToSucceed(op, c) ? 'yes' : 'no'}`).join(', ');
    it(`${op.method.toUpperCase()} ${op.path} (${op.operationId}): ${line}`, async () => {
      const outcomes: string[] = [];
      // Reads share one fixture; every write gets its own, so no call sees what another changed.
      for (const caller of callers) {
        const f = op.method === 'get' ? (shared ??= await fixture()) : await fixture();
        const sample = samples[op.operationId];
        const body = sample?.body ? await sample.body(f) : undefined;
        const token = caller === 'anonymous' ? undefined : people[caller].token;
        const response = await api(op.method.toUpperCase(), `/api/v1${concretePath(op, f)}`, { token, ...(body !== undefined ? { body } : {}) });
        const ok = response.status < 300;
        const expected = expectedToSucceed(op, caller);
        if (expected !== ok) outcomes.push(`${caller}: expected ${expected ? 'success' : 'a refusal'}, got ${response.status} ${JSON.stringify(response.body).slice(0, 160)}`);
        else if (!expected && caller === 'anonymous' && response.status !== 401) outcomes.push(`anonymous: expected 401, got ${response.status}`);
        else if (!expected && ![401, 403, 404].includes(response.status)) outcomes.push(`${caller}: expected 401/403/404, got ${response.status}`);
        if (response.status >= 400) expect(response.headers.get('content-type')).toContain('application/problem+json');
        await restorePeople(op, caller, ok);
      }
      expect(outcomes).toEqual([]);
    }, 120_000);
  }
});

describe('half-trusted callers see exactly what a stranger sees', () => {
  /**
   * Records that would leak: the requester's closed request with ILO's response, a sealed open request
   * with ILO's response, their meeting. A pending member of either side, a member of a pending or
   * rejected organization must read the same as a person without any organization.
   */
  let scene: { closedRequestId: string; closedResponseId: string; sealedRequestId: string; sealedResponseId: string; meetingId: string };
  beforeAll(async () => {
    const closed = await publishedRequest(api, people.requester, people.organizer, { title: 'Closed request with a response' });
    const closedResponse = await api('POST', `/api/v1/requests/${closed.id}/responses`, { token: people.provider.token, body: { ...sampleResponse, summary: 'LEAK-MARKER closed offer of ILO' } });
    const sealed = await publishedRequest(api, people.requester, people.organizer, { title: 'Sealed request', sealedResponses: true });
    const sealedResponse = await api('POST', `/api/v1/requests/${sealed.id}/responses`, { token: people.provider.token, body: { ...sampleResponse, summary: 'LEAK-MARKER sealed offer of ILO' } });
    await api('POST', `/api/v1/requests/${sealed.id}/questions`, { token: people.provider.token, body: { text: 'LEAK-MARKER question of ILO, not answered yet' } });
    await passDeadline(env.ctx, [closed.id]);
    await env.ctx.db.updateTable('requests').set({ status: 'closed', closed_at: sql`now()` }).where('id', '=', closed.id).execute();
    const meetingId = await meetingBetween(closed.id, closedResponse.body.id);
    scene = { closedRequestId: closed.id, closedResponseId: closedResponse.body.id, sealedRequestId: sealed.id, sealedResponseId: sealedResponse.body.id, meetingId };
  });

  const reads = () => [
    `/api/v1/requests/${scene.closedRequestId}`,
    `/api/v1/requests/${scene.closedRequestId}/responses`,
    `/api/v1/requests/${scene.sealedRequestId}/responses`,
    `/api/v1/requests/${scene.sealedRequestId}/questions`,
    `/api/v1/responses/${scene.closedResponseId}`,
    `/api/v1/responses/${scene.sealedResponseId}`,
    '/api/v1/me/responses',
    '/api/v1/meetings',
    `/api/v1/meetings/${scene.meetingId}`,
    '/api/v1/marketplaces/gfmd-2007/requests',
  ];

  for (const caller of halfTrusted) {
    it(`${caller}: the same answers as a stranger on every read, and the same refusals on writes`, async () => {
      // The records are there: the requester and the provider do see them.
      expect((await api('GET', `/api/v1/requests/${scene.closedRequestId}/responses`, { token: people.requester.token })).body.items).toHaveLength(1);
      expect((await api('GET', `/api/v1/responses/${scene.sealedResponseId}`, { token: people.provider.token })).status).toBe(200);
      for (const path of reads()) {
        const asStranger = await api('GET', path, { token: people.stranger.token });
        const asCaller = await api('GET', path, { token: people[caller].token });
        expect({ path, status: asCaller.status, body: asCaller.body }).toEqual({ path, status: asStranger.status, body: asStranger.body });
        expect(JSON.stringify(asCaller.body)).not.toContain('LEAK-MARKER');
      }
      const prefer = await api('PUT', `/api/v1/responses/${scene.closedResponseId}/preferred`, { token: people[caller].token, body: { preferred: true } });
      expect(prefer.status).toBe((await api('PUT', `/api/v1/responses/${scene.closedResponseId}/preferred`, { token: people.stranger.token, body: { preferred: true } })).status);
    });

    it(`${caller}: the pages show no more than to a stranger`, async () => {
      const page = new PageClient(env.baseUrl);
      page.setCookie('fm_session', people[caller].browserToken);
      for (const path of [`/requests/${scene.closedRequestId}`, `/requests/${scene.sealedRequestId}`, '/account/responses', '/meetings']) {
        const answer = await page.get(path);
        expect(answer.status, path).toBeLessThan(500);
        expect(page.lastHtml, path).not.toContain('LEAK-MARKER');
      }
    });
  }

  it('a sealed response cannot be marked preferred before the close, by its requester either', async () => {
    const answer = await api('PUT', `/api/v1/responses/${scene.sealedResponseId}/preferred`, { token: people.requester.token, body: { preferred: true } });
    expect(answer.status).toBe(404);
    const row = await env.ctx.db.selectFrom('responses').select('preferred').where('id', '=', scene.sealedResponseId).executeTakeFirstOrThrow();
    expect(row.preferred).toBe(false);
  });

  it('a pending member is told that their membership awaits approval, not that the organization awaits verification', async () => {
    const answer = await api('POST', `/api/v1/requests/${scene.sealedRequestId}/responses`, { token: people.pendingOfProvider.token, body: sampleResponse });
    expect(answer.status).toBe(403);
    expect(answer.body.detail).toBe('Your membership is waiting for approval.');
    const pendingOrg = await api('POST', `/api/v1/requests/${scene.sealedRequestId}/responses`, { token: people.memberOfPendingOrg.token, body: sampleResponse });
    expect(pendingOrg.body.detail).toMatch(/waiting for verification/);
  });
});
