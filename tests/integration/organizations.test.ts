import { describe, expect, it } from 'vitest';
import { useTestEnvironment } from '../helpers/environment.ts';
import { createPerson, sampleRequest } from '../helpers/factories.ts';

const t = useTestEnvironment({ cast: ['organizer'], marketplace: true });

describe('organizations', () => {
  it('a new organization is pending: it can browse but not post until an organizer verifies it', async () => {
    const focal = await createPerson(t.env.ctx, { email: 'focal@mole.gov.np' });
    const created = await t.api('PUT', '/api/v1/me/organization', { token: focal.token, body: { name: 'Ministry of Labour, Nepal', kind: 'government', country: 'np' } });
    expect(created.status).toBe(201);
    expect(created.body.organization).toMatchObject({ status: 'pending', country: 'NP' });
    const organizerMail = await t.env.mail.waitFor((m) => m.envelopeTo.includes('secretariat@gfmd.test') && /Verify Ministry of Labour, Nepal/.test(m.parsed.subject ?? ''));
    expect(organizerMail.parsed.text).toContain('focal@mole.gov.np');

    expect((await t.api('GET', '/api/v1/marketplaces/gfmd-2007/requests', { token: focal.token })).status).toBe(200);
    const refused = await t.api('POST', '/api/v1/marketplaces/gfmd-2007/requests', { token: focal.token, body: sampleRequest });
    expect(refused.status).toBe(403);
    expect(refused.body.detail).toMatch(/waiting for verification/);

    const notOrganizer = await t.api('POST', `/api/v1/organizations/${created.body.organization.id}/verify`, { token: focal.token });
    expect(notOrganizer.status).toBe(403);

    const verified = await t.api('POST', `/api/v1/organizations/${created.body.organization.id}/verify`, { token: t.people.organizer.token });
    expect(verified.status).toBe(200);
    expect(verified.body.status).toBe('verified');
    await t.env.mail.waitFor((m) => m.envelopeTo.includes('focal@mole.gov.np') && /is verified/.test(m.parsed.subject ?? ''));

    const again = await t.api('POST', `/api/v1/organizations/${created.body.organization.id}/verify`, { token: t.people.organizer.token });
    expect(again.status).toBe(409);

    const posted = await t.api('POST', '/api/v1/marketplaces/gfmd-2007/requests', { token: focal.token, body: sampleRequest });
    expect(posted.status).toBe(201);
  });

  it('joining an existing organization waits for an organizer to approve the membership', async () => {
    const first = await createPerson(t.env.ctx, { email: 'first@ilo.org', organization: { name: 'International Labour Organization (ILO)', kind: 'un_agency' } });
    expect(first.organizationId).toBeTruthy();
    const second = await createPerson(t.env.ctx, { email: 'second@ilo.org' });
    const joined = await t.api('PUT', '/api/v1/me/organization', { token: second.token, body: { name: 'international labour organization (ilo)', kind: 'un_agency' } });
    expect(joined.status).toBe(200);
    expect(joined.body.membership).toBe('pending');
    const me = await t.api('GET', '/api/v1/me', { token: second.token });
    expect(me.body.membership).toBe('pending');

    const approved = await t.api('POST', `/api/v1/organizations/${first.organizationId}/members/${second.id}/approve`, { token: t.people.organizer.token });
    expect(approved.status).toBe(200);
    expect((await t.api('GET', '/api/v1/me', { token: second.token })).body.membership).toBe('active');
  });

  it('names the fields of a bad organization', async () => {
    const person = await createPerson(t.env.ctx, { email: 'bad-org@example.org' });
    const response = await t.api('PUT', '/api/v1/me/organization', { token: person.token, body: { name: 'X', kind: 'club', country: 'ZZ' } });
    expect(response.status).toBe(422);
    expect(response.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['country', 'kind', 'name']);
  });

  it('a government needs a country', async () => {
    const person = await createPerson(t.env.ctx, { email: 'no-country@gov.example' });
    const response = await t.api('PUT', '/api/v1/me/organization', { token: person.token, body: { name: 'Ministry without a country', kind: 'government' } });
    expect(response.status).toBe(422);
    expect(response.body.errors).toEqual([{ path: 'country', message: 'is required for a government' }]);
  });

  it('only organizers list organizations', async () => {
    const person = await createPerson(t.env.ctx, { email: 'curious@example.org' });
    expect((await t.api('GET', '/api/v1/organizations', { token: person.token })).status).toBe(403);
    expect((await t.api('GET', '/api/v1/organizations')).status).toBe(401);
    await createPerson(t.env.ctx, { email: 'focal@waiting.example', organization: { name: 'Institute awaiting verification', kind: 'research', status: 'pending' } });
    const list = await t.api('GET', '/api/v1/organizations?status=pending', { token: t.people.organizer.token });
    expect(list.status).toBe(200);
    expect(list.body.items.map((o: { name: string }) => o.name)).toContain('Institute awaiting verification');
    expect(list.body.items.every((o: { status: string }) => o.status === 'pending')).toBe(true);
    const verified = await t.api('GET', '/api/v1/organizations?status=verified', { token: t.people.organizer.token });
    expect(verified.body.items.map((o: { name: string }) => o.name)).not.toContain('Institute awaiting verification');
  });
});
