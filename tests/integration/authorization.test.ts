import { cacheChanged } from '../../src/shared/process-cache.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEnvironment, type TestEnvironment } from '../helpers/environment.ts';
import { apiClient } from '../helpers/http.ts';
import { createPerson, createTestMarketplace, publishedRequest, sampleRequest, sampleResponse, type TestPerson, castMember } from '../helpers/factories.ts';
import { apiOperations } from '../../src/http/openapi.ts';
import { insertMeeting } from '../../src/meetings/meetings.repository.ts';
import { hashToken, newSecretToken } from '../../src/auth/tokens.ts';

/**
 * Every API route × every kind of caller, from one table. A route missing from the table fails the
 * test, so a new route cannot ship without saying who may use it.
 */
const roles = ['anonymous', 'pending', 'requester', 'otherRequester', 'provider', 'otherProvider', 'organizer'] as const;
type Role = (typeof roles)[number];
type Rule = 'everyone' | 'signedIn' | 'organizer' | Role[];

interface Fixture {
  requestId: string;
  /** A published request nobody responded to yet. */
  freshRequestId: string;
  /** A draft response of the provider (on another request). */
  draftResponseId: string;
  draftRequestId: string;
  responseId: string;
  meetingId: string;
  organizationId: string;
  pendingUserId: string;
}

const table: Record<string, { who: Rule; body?: (f: Fixture) => unknown; path?: (f: Fixture) => string }> = {
  'post /auth/magic-link': { who: 'everyone', body: () => ({ email: `someone-${Math.random().toString(36).slice(2)}@example.org` }) },
  'post /auth/token': { who: [], body: () => ({ token: 'x'.repeat(43) }) },
  'post /auth/sign-out': { who: 'signedIn' },
  'get /me': { who: 'signedIn' },
  'put /me/organization': { who: 'signedIn', body: () => ({ name: 'Ministry of Labour, Nepal', kind: 'government', country: 'NP' }) },
  'get /me/interests': { who: 'signedIn' },
  'put /me/interests': { who: 'signedIn', body: () => ({ categories: ['training'] }) },
  'get /me/responses': { who: 'signedIn' },
  'get /organizations': { who: 'organizer' },
  'post /organizations/{id}/verify': { who: 'organizer' },
  'post /organizations/{id}/members/{userId}/approve': { who: 'organizer' },
  'get /marketplaces': { who: 'everyone' },
  'post /marketplaces': { who: 'organizer', body: () => ({ slug: `m-${Math.random().toString(36).slice(2, 8)}`, name: 'Another edition', timeZone: 'Europe/Brussels', opensAt: '2030-01-01', responseDeadline: '2030-02-01', forumStartsAt: '2030-03-01', forumEndsAt: '2030-03-02' }) },
  'get /marketplaces/{slug}': { who: 'everyone' },
  'patch /marketplaces/{slug}': { who: 'organizer', body: () => ({ name: 'GFMD 2007 Brussels (renamed)' }) },
  'patch /marketplaces/{slug}/deadline': { who: 'organizer', body: () => ({ responseDeadline: new Date(Date.now() + 90 * 24 * 3600 * 1000).toISOString() }) },
  'post /marketplaces/{slug}/requests': { who: ['requester', 'otherRequester'], body: () => sampleRequest },
  'get /marketplaces/{slug}/requests': { who: 'everyone' },
  'get /requests/{id}': { who: 'everyone' },
  'patch /requests/{id}': { who: ['requester', 'organizer'], body: () => ({ maxMatches: 2 }) },
  'post /requests/{id}/withdraw': { who: ['requester', 'organizer'] },
  'post /requests/{id}/publish': { who: 'organizer', path: (f) => `/requests/${f.draftRequestId}/publish` },
  'post /requests/{id}/reject': { who: 'organizer', body: () => ({ reason: 'Please split the request in two.' }) },
  'patch /requests/{id}/deadline': { who: 'organizer', body: () => ({ responseDeadline: new Date(Date.now() + 5 * 24 * 3600 * 1000).toISOString() }) },
  'put /requests/{id}/follow': { who: 'signedIn' },
  'delete /requests/{id}/follow': { who: 'signedIn' },
  'post /requests/{id}/responses': { who: ['otherRequester', 'provider', 'otherProvider'], body: () => sampleResponse, path: (f) => `/requests/${f.freshRequestId}/responses` },
  'get /requests/{id}/responses': { who: 'signedIn' },
  'get /responses/{id}': { who: ['requester', 'provider', 'organizer'] },
  'patch /responses/{id}': { who: ['provider'], body: () => ({ summary: 'A better summary of the offer' }) },
  'post /responses/{id}/submit': { who: ['provider'], path: (f) => `/responses/${f.draftResponseId}/submit` },
  'post /responses/{id}/withdraw': { who: ['provider'] },
  'put /responses/{id}/preferred': { who: ['requester', 'organizer'], body: () => ({ preferred: true }) },
  'post /marketplaces/{slug}/matching-runs': { who: 'organizer' },
  'get /marketplaces/{slug}/matching-runs': { who: 'organizer' },
  'get /marketplaces/{slug}/meetings': { who: 'organizer' },
  'get /marketplaces/{slug}/report': { who: 'organizer' },
  'post /marketplaces/{slug}/unavailability': { who: ['requester', 'otherRequester', 'provider', 'otherProvider'], body: () => ({ startsAt: '2027-07-10T09:00', endsAt: '2027-07-10T10:00' }) },
  'get /meetings': { who: 'signedIn' },
  'get /meetings/{id}': { who: ['requester', 'provider', 'organizer'] },
  'post /meetings/{id}/accept': { who: ['requester', 'provider'] },
  'post /meetings/{id}/decline': { who: ['requester', 'provider'] },
  'get /emails': { who: 'organizer' },
  'post /emails/{id}/resend': { who: 'organizer' },
};

function allowed(rule: Rule, role: Role): boolean {
  if (rule === 'everyone') return true;
  if (rule === 'signedIn') return role !== 'anonymous';
  if (rule === 'organizer') return role === 'organizer';
  return rule.includes(role);
}

let env: TestEnvironment;
let api: ReturnType<typeof apiClient>;
const people = {} as Record<Exclude<Role, 'anonymous'>, TestPerson>;

beforeAll(async () => {
  env = await startTestEnvironment({ organizers: ['secretariat@gfmd.test'] });
  api = apiClient(env.baseUrl);
  people.organizer = await castMember(env.ctx, 'organizer');
  people.pending = await createPerson(env.ctx, { email: 'focal@pending.example', organization: { name: 'Pending ministry', kind: 'government', country: 'NP', status: 'pending' } });
  people.requester = await castMember(env.ctx, 'bangladesh');
  people.otherRequester = await castMember(env.ctx, 'mexico');
  people.provider = await castMember(env.ctx, 'ilo');
  people.otherProvider = await castMember(env.ctx, 'iom');
  await createTestMarketplace(env.ctx, people.organizer);
});
afterAll(async () => env?.close());

async function newApiToken(userId: string): Promise<string> {
  const token = newSecretToken();
  await env.ctx.db.insertInto('auth_sessions').values({ token_hash: hashToken(token), user_id: userId, kind: 'api', expires_at: new Date(Date.now() + 3600_000) }).execute();
  return token;
}

let fixtureCount = 0;

/** Fresh records for one (route, role) call, so no call sees what another changed. */
async function fixture(): Promise<Fixture> {
  const request = await publishedRequest(api, people.requester, people.organizer, { title: `Request ${Math.random().toString(36).slice(2)}` });
  const draft = await api('POST', '/api/v1/marketplaces/gfmd-2007/requests', { token: people.requester.token, body: sampleRequest });
  const response = await api('POST', `/api/v1/requests/${request.id}/responses`, { token: people.provider.token, body: { ...sampleResponse, draft: true } });
  await api('POST', `/api/v1/responses/${response.body.id}/submit`, { token: people.provider.token });
  const fresh = await publishedRequest(api, people.requester, people.organizer, { title: `Fresh request ${Math.random().toString(36).slice(2)}` });
  const other = await publishedRequest(api, people.requester, people.organizer, { title: `Other request ${Math.random().toString(36).slice(2)}` });
  const draftResponse = await api('POST', `/api/v1/requests/${other.id}/responses`, { token: people.provider.token, body: { ...sampleResponse, draft: true } });
  const marketplace = await env.ctx.db.selectFrom('marketplaces').select('id').where('slug', '=', 'gfmd-2007').executeTakeFirstOrThrow();
  const room = await env.ctx.db.selectFrom('rooms').select('id').where('marketplace_id', '=', marketplace.id).limit(1).executeTakeFirstOrThrow();
  const run = await env.ctx.db.insertInto('matching_runs').values({ marketplace_id: marketplace.id, trigger: 'organizer', status: 'done' }).returning('id').executeTakeFirstOrThrow();
  // Each fixture's meeting gets its own hour: the room and the parties may hold only one meeting at a time.
  fixtureCount += 1;
  const start = new Date(Date.UTC(2027, 6, 10, 7, 0) + fixtureCount * 3600_000);
  const meeting = await insertMeeting(env.ctx, {
    marketplaceId: marketplace.id,
    runId: run.id,
    requestId: request.id,
    responseId: response.body.id,
    requesterOrgId: people.requester.organizationId!,
    providerOrgId: people.provider.organizationId!,
    roomId: room.id,
    startsAt: start,
    endsAt: new Date(start.getTime() + 30 * 60_000),
    score: 0.5,
    scoreParts: [],
  });
  const pendingOrg = await env.ctx.db.insertInto('organizations').values({ name: `Pending org ${Math.random()}`, kind: 'ngo', country: null }).returning('id').executeTakeFirstOrThrow();
  const joiner = await env.ctx.db.insertInto('users').values({ email: `joiner-${Math.random()}@example.org`, organization_id: people.provider.organizationId, membership: 'pending' }).returning('id').executeTakeFirstOrThrow();
  const email = await env.ctx.db
    .insertInto('outbox')
    .values({ idempotency_key: `failed-${Math.random()}`, template: 'test', to_email: 'nobody@example.org', subject: 'A failed email', text_body: 'x', html_body: 'x', message_id: `<${Math.random()}@localhost>`, status: 'failed' })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { freshRequestId: fresh.id, draftResponseId: draftResponse.body.id, requestId: request.id, draftRequestId: draft.body.id, responseId: response.body.id, meetingId: meeting.id, organizationId: pendingOrg.id, pendingUserId: joiner.id, emailId: email.id } as Fixture & { emailId: string };
}

function concretePath(template: string, f: Fixture & { emailId?: string }): string {
  return template
    .replace('/organizations/{id}/members/{userId}', `/organizations/${people.provider.organizationId}/members/${f.pendingUserId}`)
    .replace('/organizations/{id}', `/organizations/${f.organizationId}`)
    .replace('{slug}', 'gfmd-2007')
    .replace('/requests/{id}', `/requests/${f.requestId}`)
    .replace('/responses/{id}', `/responses/${f.responseId}`)
    .replace('/meetings/{id}', `/meetings/${f.meetingId}`)
    .replace('/emails/{id}', `/emails/${f.emailId}`);
}

describe('the authorization matrix', () => {
  it('has a row for every API route', () => {
    expect(Object.keys(table).sort()).toEqual(apiOperations.map((o) => `${o.method} ${o.path}`).sort());
  });

  for (const operation of apiOperations) {
    const key = `${operation.method} ${operation.path}`;
    it(`${key}: ${roles.map((r) => `${r} ${allowed(table[key]?.who ?? [], r) ? 'yes' : 'no'}`).join(', ')}`, async () => {
      const row = table[key];
      expect(row, `no row for ${key}`).toBeDefined();
      const outcomes: string[] = [];
      for (const role of roles) {
        const f = await fixture();
        const path = `/api/v1${row!.path ? row!.path(f) : concretePath(operation.path, f)}`;
        const token = role === 'anonymous' ? undefined : people[role].token;
        const response = await api(operation.method.toUpperCase(), path, { token, ...(row!.body ? { body: row!.body(f) } : {}) });
        const ok = response.status < 300;
        const refused = [401, 403, 404].includes(response.status);
        const expected = allowed(row!.who, role);
        if (expected !== ok || (!expected && !refused)) outcomes.push(`${role}: expected ${expected ? 'success' : '401/403/404'}, got ${response.status} ${JSON.stringify(response.body).slice(0, 160)}`);
        if (!expected && role === 'anonymous' && row!.who !== 'everyone' && operation.path !== '/auth/token') {
          if (response.status !== 401) outcomes.push(`anonymous: expected 401, got ${response.status}`);
        }
        // Joining another organization changes who the person acts for: put them back.
        for (const person of Object.values(people)) {
          await env.ctx.db.updateTable('users').set({ organization_id: person.organizationId, membership: person.organizationId ? (person === people.pending ? 'active' : 'active') : null }).where('id', '=', person.id).execute();
        }
        cacheChanged(env.ctx, 'actors');
        // Sign-out ends the person's token: give them a new one for the next routes.
        if (key === 'post /auth/sign-out' && ok && role !== 'anonymous') people[role] = { ...people[role], token: await newApiToken(people[role].id) };
      }
      expect(outcomes).toEqual([]);
    }, 60_000);
  }
});
