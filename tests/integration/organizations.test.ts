import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEnvironment, type TestEnvironment } from '../helpers/environment.ts';
import { apiClient } from '../helpers/http.ts';
import { createPerson, createTestMarketplace, sampleRequest, type TestPerson, castMember } from '../helpers/factories.ts';

let env: TestEnvironment;
let api: ReturnType<typeof apiClient>;
let organizer: TestPerson;

beforeAll(async () => {
  env = await startTestEnvironment({ organizers: ['secretariat@gfmd.test'] });
  api = apiClient(env.baseUrl);
  organizer = await castMember(env.ctx, 'organizer');
  await createTestMarketplace(env.ctx, organizer);
});
afterAll(async () => env?.close());

describe('organizations', () => {
  it('a new organization is pending: it can browse but not post until an organizer verifies it', async () => {
    const focal = await createPerson(env.ctx, { email: 'focal@mole.gov.np' });
    const created = await api('PUT', '/api/v1/me/organization', { token: focal.token, body: { name: 'Ministry of Labour, Nepal', kind: 'government', country: 'np' } });
    expect(created.status).toBe(201);
    expect(created.body.organization).toMatchObject({ status: 'pending', country: 'NP' });
    const organizerMail = await env.mail.waitFor((m) => m.envelopeTo.includes('secretariat@gfmd.test') && /Verify Ministry of Labour, Nepal/.test(m.parsed.subject ?? ''));
    expect(organizerMail.parsed.text).toContain('focal@mole.gov.np');

    expect((await api('GET', '/api/v1/marketplaces/gfmd-2007/requests', { token: focal.token })).status).toBe(200);
    const refused = await api('POST', '/api/v1/marketplaces/gfmd-2007/requests', { token: focal.token, body: sampleRequest });
    expect(refused.status).toBe(403);
    expect(refused.body.detail).toMatch(/waiting for verification/);

    const notOrganizer = await api('POST', `/api/v1/organizations/${created.body.organization.id}/verify`, { token: focal.token });
    expect(notOrganizer.status).toBe(403);

    const verified = await api('POST', `/api/v1/organizations/${created.body.organization.id}/verify`, { token: organizer.token });
    expect(verified.status).toBe(200);
    expect(verified.body.status).toBe('verified');
    await env.mail.waitFor((m) => m.envelopeTo.includes('focal@mole.gov.np') && /is verified/.test(m.parsed.subject ?? ''));

    const again = await api('POST', `/api/v1/organizations/${created.body.organization.id}/verify`, { token: organizer.token });
    expect(again.status).toBe(409);

    const posted = await api('POST', '/api/v1/marketplaces/gfmd-2007/requests', { token: focal.token, body: sampleRequest });
    expect(posted.status).toBe(201);
  });

  it('joining an existing organization waits for an organizer to approve the membership', async () => {
    const first = await createPerson(env.ctx, { email: 'first@ilo.org', organization: { name: 'International Labour Organization (ILO)', kind: 'un_agency' } });
    expect(first.organizationId).toBeTruthy();
    const second = await createPerson(env.ctx, { email: 'second@ilo.org' });
    const joined = await api('PUT', '/api/v1/me/organization', { token: second.token, body: { name: 'international labour organization (ilo)', kind: 'un_agency' } });
    expect(joined.status).toBe(200);
    expect(joined.body.membership).toBe('pending');
    const me = await api('GET', '/api/v1/me', { token: second.token });
    expect(me.body.membership).toBe('pending');

    const approved = await api('POST', `/api/v1/organizations/${first.organizationId}/members/${second.id}/approve`, { token: organizer.token });
    expect(approved.status).toBe(200);
    expect((await api('GET', '/api/v1/me', { token: second.token })).body.membership).toBe('active');
  });

  it('names the fields of a bad organization', async () => {
    const person = await createPerson(env.ctx, { email: 'bad-org@example.org' });
    const response = await api('PUT', '/api/v1/me/organization', { token: person.token, body: { name: 'X', kind: 'club', country: 'ZZ' } });
    expect(response.status).toBe(422);
    expect(response.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['country', 'kind', 'name']);
  });

  it('a government needs a country', async () => {
    const person = await createPerson(env.ctx, { email: 'no-country@gov.example' });
    const response = await api('PUT', '/api/v1/me/organization', { token: person.token, body: { name: 'Ministry without a country', kind: 'government' } });
    expect(response.status).toBe(422);
    expect(response.body.errors).toEqual([{ path: 'country', message: 'is required for a government' }]);
  });

  it('only organizers list organizations', async () => {
    const person = await createPerson(env.ctx, { email: 'curious@example.org' });
    expect((await api('GET', '/api/v1/organizations', { token: person.token })).status).toBe(403);
    expect((await api('GET', '/api/v1/organizations')).status).toBe(401);
    await createPerson(env.ctx, { email: 'focal@waiting.example', organization: { name: 'Institute awaiting verification', kind: 'research', status: 'pending' } });
    const list = await api('GET', '/api/v1/organizations?status=pending', { token: organizer.token });
    expect(list.status).toBe(200);
    expect(list.body.items.map((o: { name: string }) => o.name)).toContain('Institute awaiting verification');
    expect(list.body.items.every((o: { status: string }) => o.status === 'pending')).toBe(true);
    const verified = await api('GET', '/api/v1/organizations?status=verified', { token: organizer.token });
    expect(verified.body.items.map((o: { name: string }) => o.name)).not.toContain('Institute awaiting verification');
  });
});
