import { describe, expect, it } from 'vitest';
import { useTestEnvironment } from '../helpers/environment.ts';
import { castMember, createPerson, publishedRequest, sampleRequest, sampleResponse } from '../helpers/factories.ts';
import { PageClient } from '../helpers/http.ts';

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

  it('the list comes a page at a time, pending first, then verified, then rejected, each by name; a search keeps those whose name or a member’s address holds it', async () => {
    const { organizer } = t.people;
    for (const [n, status] of [[1, 'pending'], [2, 'verified'], [3, 'pending'], [4, 'pending'], [5, 'verified']] as const) {
      await createPerson(t.env.ctx, { email: `focal${n}@paged-list.example`, organization: { name: `Paged list organization ${n}`, kind: 'ngo', status } });
    }
    await t.env.ctx.db.updateTable('organizations').set({ status: 'rejected', rejection_reason: 'Not found in any register.' }).where('name', '=', 'Paged list organization 3').execute();
    const rank = { pending: 0, verified: 1, rejected: 2 } as const;
    const walked: Array<{ name: string; status: keyof typeof rank }> = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: { items: Array<{ name: string; status: keyof typeof rank }>; nextCursor: string | null } } = await t.api('GET', `/api/v1/organizations?limit=2${cursor ? `&cursor=${cursor}` : ''}`, { token: organizer.token });
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      walked.push(...page.body.items.map((o) => ({ name: o.name, status: o.status })));
      cursor = page.body.nextCursor;
    } while (cursor && walked.length < 1000);
    const all = await t.env.ctx.db.selectFrom('organizations').select('name').execute();
    expect(walked.map((o) => o.name).sort()).toEqual(all.map((o) => o.name).sort());
    // Pending first (it sorted by the status's text, so verified came first), then verified, then rejected; by name within each (the names below).
    expect(walked.map((o) => rank[o.status])).toEqual([...walked.map((o) => rank[o.status])].sort((a, b) => a - b));
    // By part of its name, or of a member's address.
    const named = await t.api('GET', '/api/v1/organizations?q=paged%20list%20organization', { token: organizer.token });
    expect(named.body.items.map((o: { name: string }) => o.name)).toEqual(['Paged list organization 1', 'Paged list organization 4', 'Paged list organization 2', 'Paged list organization 5', 'Paged list organization 3']);
    const byAddress = await t.api('GET', '/api/v1/organizations?q=focal3%40paged', { token: organizer.token });
    expect(byAddress.body.items.map((o: { name: string }) => o.name)).toEqual(['Paged list organization 3']);
    expect((await t.api('GET', '/api/v1/organizations?cursor=nope', { token: organizer.token })).body.errors).toEqual([{ path: 'cursor', message: 'is not a cursor from a previous page' }]);
    // The page: a search field, and a next page when there is one.
    const page = await t.pages.organizer.get('/organizer/organizations?q=paged%20list');
    expect(page.html).toContain('value="paged list"');
    expect(page.html.match(/Paged list organization \d/g)?.length).toBeGreaterThanOrEqual(5);
    const first = await t.pages.organizer.get('/organizer/organizations?status=pending&q=paged');
    expect(first.html).toContain('Paged list organization 1');
    expect(first.html).not.toContain('Paged list organization 2');
  });

  it('PUT /me/organization says where a person stands: the creator of a pending organization waits for its verification, a joiner of a verified one for approval', async () => {
    const { env, api } = t;
    const { organizer } = t.people;
    const creator = await createPerson(env.ctx, { email: 'focal@labour.gov.lk' });
    const created = await api('PUT', '/api/v1/me/organization', { token: creator.token, body: { name: 'Ministry of Foreign Employment, Sri Lanka', kind: 'government', country: 'LK' } });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ organization: expect.objectContaining({ status: 'pending', kind: 'government', country: 'LK' }), membership: 'active', actsForOrganization: false });
    // Naming it again (to change nothing) is not a creation, and answers the same standing.
    const again = await api('PUT', '/api/v1/me/organization', { token: creator.token, body: { name: 'ministry of foreign employment, sri lanka', kind: 'government', country: 'LK' } });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ organization: { id: created.body.organization.id, status: 'pending' }, membership: 'active', actsForOrganization: false });

    const ilo = await castMember(env.ctx, 'ilo');
    const joiner = await createPerson(env.ctx, { email: 'new.colleague@ilo.org' });
    const joined = await api('PUT', '/api/v1/me/organization', { token: joiner.token, body: { name: 'International Labour Organization (ILO)', kind: 'un_agency' } });
    expect(joined.status).toBe(200);
    expect(joined.body).toEqual({ organization: expect.objectContaining({ id: ilo.organizationId, status: 'verified' }), membership: 'pending', actsForOrganization: false });

    // Each is refused for its own reason.
    const bangladesh = await castMember(env.ctx, 'bangladesh');
    const request = await publishedRequest(api, bangladesh, organizer, { title: 'Request the waiting people cannot answer' });
    const creatorRefused = await api('POST', `/api/v1/requests/${request.id}/responses`, { token: creator.token, body: sampleResponse });
    expect(creatorRefused.status).toBe(403);
    expect(creatorRefused.body.detail).toMatch(/organization is waiting for verification/);
    const joinerRefused = await api('POST', `/api/v1/requests/${request.id}/responses`, { token: joiner.token, body: sampleResponse });
    expect(joinerRefused.status).toBe(403);
    expect(joinerRefused.body.detail).toBe('Your membership is waiting for approval.');

    await api('POST', `/api/v1/organizations/${ilo.organizationId}/members/${joiner.id}/approve`, { token: organizer.token });
    const approved = await api('PUT', '/api/v1/me/organization', { token: joiner.token, body: { name: 'International Labour Organization (ILO)', kind: 'un_agency' } });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ membership: 'active', actsForOrganization: true });
  });

  it('the secretariat turns away a person waiting to join an agency: they are told, belong to no organization, and may name theirs again', async () => {
    const { env, api } = t;
    const { organizer } = t.people;
    // A member of the agency (found by its name, as earlier tests of this file made it).
    const ilo = await createPerson(env.ctx, { email: 'colleague@ilo-refusal.example', organization: { name: 'International Labour Organization (ILO)', kind: 'un_agency' } });
    const stranger = await createPerson(env.ctx, { email: 'claims-ilo@gmail.example' });
    expect((await api('PUT', '/api/v1/me/organization', { token: stranger.token, body: { name: 'International Labour Organization (ILO)', kind: 'un_agency' } })).body.membership).toBe('pending');
    // Only the secretariat turns people away; the agency's own members do not.
    expect((await api('POST', `/api/v1/organizations/${ilo.organizationId}/members/${stranger.id}/refuse`, { token: ilo.token, body: {} })).status).toBe(403);
    const page = await t.pages.organizer.get('/organizer/organizations?status=pending');
    expect(page.html).toContain(`/organizer/organizations/${ilo.organizationId}/members/${stranger.id}/refuse`);
    const refused = await api('POST', `/api/v1/organizations/${ilo.organizationId}/members/${stranger.id}/refuse`, { token: organizer.token, body: { reason: 'The ILO does not know this address.' } });
    expect(refused.status).toBe(200);
    expect(refused.body).toEqual({ membership: null });
    expect((await api('GET', '/api/v1/me', { token: stranger.token })).body).toMatchObject({ organization: null, membership: null });
    const told = await env.ctx.db.selectFrom('outbox').select(['template', 'subject', 'text_body']).where('to_email', '=', 'claims-ilo@gmail.example').where('template', '=', 'membership-refused').executeTakeFirstOrThrow();
    expect(told.subject).toBe('Your request to act for International Labour Organization (ILO) was not accepted');
    expect(told.text_body).toContain('The ILO does not know this address.');
    // Nothing waits any more; a second refusal is a 409.
    expect((await t.pages.organizer.get('/organizer/organizations?status=pending')).html).not.toContain('claims-ilo@gmail.example');
    expect((await api('POST', `/api/v1/organizations/${ilo.organizationId}/members/${stranger.id}/refuse`, { token: organizer.token, body: {} })).status).toBe(409);
  });

  it('a person approved while their organization is pending is not told it is verified until it is', async () => {
    const { env, api } = t;
    const { organizer } = t.people;
    const founder = await createPerson(env.ctx, { email: 'founder@diaspora.example', organization: { name: 'Diaspora network awaiting verification', kind: 'diaspora', status: 'pending' } });
    const colleague = await createPerson(env.ctx, { email: 'colleague@diaspora.example' });
    expect((await api('PUT', '/api/v1/me/organization', { token: colleague.token, body: { name: 'Diaspora network awaiting verification', kind: 'diaspora' } })).body.membership).toBe('pending');
    const approved = await api('POST', `/api/v1/organizations/${founder.organizationId}/members/${colleague.id}/approve`, { token: organizer.token });
    expect(approved.status).toBe(200);
    expect((await api('GET', '/api/v1/me', { token: colleague.token })).body).toMatchObject({ membership: 'active', actsForOrganization: false, organization: { status: 'pending' } });
    const toColleague = () => env.ctx.db.selectFrom('outbox').select(['template', 'subject']).where('to_email', '=', 'colleague@diaspora.example').execute();
    expect(await toColleague()).toEqual([]);

    await api('POST', `/api/v1/organizations/${founder.organizationId}/verify`, { token: organizer.token });
    expect((await toColleague()).map((e) => e.template)).toEqual(['organization-verified']);
    expect((await api('GET', '/api/v1/me', { token: colleague.token })).body.actsForOrganization).toBe(true);
  });

  it('a rejected organization can be neither joined nor have its waiting members approved, and its page row offers no approval', async () => {
    const { env, api } = t;
    const { organizer } = t.people;
    const focal = await createPerson(env.ctx, { email: 'focal@refused.example', organization: { name: 'Refused institute', kind: 'research' } });
    const waiting = await createPerson(env.ctx, { email: 'waiting@refused.example' });
    expect((await api('PUT', '/api/v1/me/organization', { token: waiting.token, body: { name: 'Refused institute', kind: 'research' } })).body.membership).toBe('pending');
    await env.ctx.db.updateTable('organizations').set({ status: 'rejected' }).where('id', '=', focal.organizationId!).execute();

    const latecomer = await createPerson(env.ctx, { email: 'latecomer@refused.example' });
    const join = await api('PUT', '/api/v1/me/organization', { token: latecomer.token, body: { name: 'Refused institute', kind: 'research' } });
    expect(join.status).toBe(409);
    expect(join.body.detail).toMatch(/was not accepted by the forum secretariat/);
    const approve = await api('POST', `/api/v1/organizations/${focal.organizationId}/members/${waiting.id}/approve`, { token: organizer.token });
    expect(approve.status).toBe(409);
    expect((await api('GET', '/api/v1/me', { token: waiting.token })).body.membership).toBe('pending');

    const secretariat = new PageClient(env.baseUrl);
    secretariat.setCookie('fm_session', organizer.browserToken);
    const page = await secretariat.get('/organizer/organizations?status=rejected');
    expect(page.html).toContain('waiting@refused.example');
    expect(page.html).not.toContain(`/organizer/organizations/${focal.organizationId}/members/${waiting.id}/approve`);
    expect(page.html).not.toContain(`/organizer/organizations/${focal.organizationId}/verify`);
  });

  it('lists organizations with their members in the API’s own field names', async () => {
    const { api } = t;
    const { organizer } = t.people;
    const list = await api('GET', '/api/v1/organizations', { token: organizer.token });
    expect(list.status).toBe(200);
    const ilo = list.body.items.find((o: { name: string }) => o.name === 'International Labour Organization (ILO)');
    expect(ilo).toMatchObject({ kind: 'un_agency', status: 'verified', createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
    expect(ilo).not.toHaveProperty('created_at');
    expect(ilo.members).toContainEqual({ id: expect.any(String), email: 'focal@ilo.org', name: null, membership: 'active' });
  });
});

describe('what waits for the secretariat', () => {
  it('the header counts the organizations and people to verify and the requests to moderate, for organizers only; the list names the people', async () => {
    await createPerson(t.env.ctx, { email: 'sita@queue-test.example', organization: { name: 'Ministry of Foreign Employment (queue test)', kind: 'government', country: 'NP', status: 'pending' } });
    await t.env.ctx.db.updateTable('users').set({ name: 'Sita Sharma' }).where('email', '=', 'sita@queue-test.example').execute();
    const requester = await createPerson(t.env.ctx, { email: 'focal@queue-test-lk.example', organization: { name: 'Ministry of Labour (queue test)', kind: 'government', country: 'LK' } });
    expect((await t.api('POST', '/api/v1/marketplaces/gfmd-2007/requests', { token: requester.token, body: sampleRequest })).status).toBe(201);
    // A person waiting to join a verified organization.
    await createPerson(t.env.ctx, { email: 'joiner@queue-test-lk.example', organization: { name: 'Ministry of Labour (queue test)', kind: 'government', country: 'LK' }, membership: 'pending' });
    const counts = await t.env.ctx.db.selectFrom('organizations').select((eb) => eb.fn.countAll<string>().as('n')).where('status', '=', 'pending').executeTakeFirstOrThrow();
    const people = await t.env.ctx.db.selectFrom('users').select((eb) => eb.fn.countAll<string>().as('n')).where('membership', '=', 'pending').executeTakeFirstOrThrow();
    const page = await t.pages.organizer.get('/m/gfmd-2007');
    // Organizations and people are counted apart: "(2 organizations waiting, 1 person waiting)".
    const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many} waiting`;
    expect(page.html).toContain(`Organizations <span class="count">(${plural(Number(counts.n), 'organization', 'organizations')}, ${plural(Number(people.n), 'person', 'people')})</span>`);
    expect(page.html).toMatch(/\d+ requests? to moderate/);
    expect(page.html).toContain('/m/gfmd-2007?status=submitted');
    // One whose deadline passed can no longer be published: it does not wait for the secretariat.
    const before = Number(/(\d+) requests? to moderate/.exec(page.html)![1]);
    const overdue = await t.api('POST', '/api/v1/marketplaces/gfmd-2007/requests', { token: requester.token, body: { ...sampleRequest, title: 'A request not moderated in time' } });
    expect(Number(/(\d+) requests? to moderate/.exec((await t.pages.organizer.get('/m/gfmd-2007')).html)![1])).toBe(before + 1);
    await t.env.ctx.db.updateTable('requests').set({ response_deadline: new Date(Date.now() - 60_000) }).where('id', '=', overdue.body.id).execute();
    expect(Number(/(\d+) requests? to moderate/.exec((await t.pages.organizer.get('/m/gfmd-2007')).html)![1])).toBe(before);
    const asRequester = (await t.pageAs(requester).get('/m/gfmd-2007')).html;
    expect(asRequester).not.toMatch(/requests? to moderate/);
    expect(asRequester).not.toContain('class="count"');
    const list = await t.pages.organizer.get('/organizer/organizations?status=pending');
    expect(list.html).toContain('Sita Sharma, sita@queue-test.example');
    // The person waiting to join a verified organization is in the "Pending" list too, and the header links there.
    expect(list.html).toContain('joiner@queue-test-lk.example');
    expect(page.html).toContain('href="/organizer/organizations?status=pending"');
    // The filter in force is the one marked current, for a screen reader and the eye alike.
    expect(list.html.match(/<a [^>]*aria-current="page"[^>]*>([^<]+)<\/a>/g)).toEqual([expect.stringContaining('>Pending</a>')]);
    const all = await t.pages.organizer.get('/organizer/organizations');
    expect(all.html.match(/<a [^>]*aria-current="page"[^>]*>([^<]+)<\/a>/g)).toEqual([expect.stringContaining('>All</a>')]);
  });
});

describe('rejecting an organization', () => {
  it('the secretariat rejects a pending organization with a reason its members are emailed; a missing reason is named beside its field; a second rejection is a 409', async () => {
    const focal = await createPerson(t.env.ctx, { email: 'focal@unknown-agency.example', organization: { name: 'Unknown Development Agency (reject test)', kind: 'ngo', country: null, status: 'pending' } });
    const page = t.pages.organizer;
    const field = `reason-${focal.organizationId}`;
    const empty = await page.post(`/organizer/organizations/${focal.organizationId}/reject`, { [field]: '' }, { formPage: '/organizer/organizations?status=pending' });
    expect(empty.status).toBe(422);
    expect(empty.html).toContain(`href="#${field}"`);
    const done = await page.post(`/organizer/organizations/${focal.organizationId}/reject`, { [field]: 'We could not find this agency in any register.' }, { formPage: '/organizer/organizations?status=pending' });
    expect(done.status).toBe(303);
    const row = await t.env.ctx.db.selectFrom('organizations').select(['status', 'rejection_reason']).where('id', '=', focal.organizationId!).executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'rejected', rejection_reason: 'We could not find this agency in any register.' });
    const email = await t.env.ctx.db.selectFrom('outbox').select(['subject', 'text_body']).where('to_email', '=', 'focal@unknown-agency.example').where('template', '=', 'organization-rejected').executeTakeFirstOrThrow();
    expect(email.subject).toBe('Unknown Development Agency (reject test) was not verified');
    expect(email.text_body).toContain('Reason: We could not find this agency in any register.');
    expect((await page.get('/organizer/organizations?status=rejected')).html).toContain('Reason: We could not find this agency in any register.');
    const again = await t.api('POST', `/api/v1/organizations/${focal.organizationId}/reject`, { token: t.people.organizer.token, body: { reason: 'Still not found anywhere.' } });
    expect(again.status).toBe(409);
    // The member cannot act for it.
    expect((await t.api('POST', '/api/v1/marketplaces/gfmd-2007/requests', { token: focal.token, body: sampleRequest })).status).toBe(403);
    // Their account page says so, with the reason and what they can do; nobody else's does.
    const account = await t.pageAs(focal).get('/account/organization');
    expect(account.html).toContain('The forum secretariat did not verify Unknown Development Agency (reject test), so it cannot post requests or respond.');
    expect(account.html).toContain('Reason: We could not find this agency in any register.');
    expect(account.html).toContain('name your organization again below');
    expect((await t.pages.organizer.get('/account/organization')).html).not.toContain('We could not find this agency');
    // The secretariat's list says when each organization registered, in the reader's zone.
    expect((await page.get('/organizer/organizations?status=rejected')).html).toMatch(/<th scope="col">Registered<\/th>/);
  });
});
