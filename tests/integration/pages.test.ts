import { closeContext, createContext } from '../../src/context.ts';
import { signOut } from '../../src/auth/auth.service.ts';
import { describe, expect, it } from 'vitest';
import { useTestEnvironment } from '../helpers/environment.ts';
import { createPerson, sampleRequest } from '../helpers/factories.ts';

// A cache that outlives every poll below: what a test sees changing comes from invalidation, not expiry.
const t = useTestEnvironment({ cast: ['organizer', 'bangladesh', 'ilo'], marketplace: true, env: { SESSION_CACHE_SECONDS: '60' } });

describe('pages', () => {
  it('the home page shows the marketplace; unknown pages are a 404 page, not a stack trace', async () => {
    const browser = t.anonymousPage();
    const home = await browser.get('/');
    expect(home.status).toBe(302);
    expect(home.location).toBe('/m/gfmd-2007');
    const missing = await browser.get('/no/such/page');
    expect(missing.status).toBe(404);
    expect(missing.html).toContain('Page not found');
    const badId = await browser.get('/requests/not-a-uuid');
    expect(badId.status).toBe(404);
    expect((await browser.get('/dev/mail')).status).toBe(404);
    // Every page names its icon: without one, browsers asked for /favicon.ico on each load and got the 404 page (2.4 KB).
    expect(missing.html).toContain('<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">');
    const icon = await browser.get('/static/favicon.svg');
    expect(icon.status).toBe(200);
    expect(icon.html).toMatch(/^<svg /);
  });

  it('a new person names an organization with the form: errors beside the fields, then pending', async () => {
    const person = await createPerson(t.env.ctx, { email: 'new.focal@gov.sn' });
    const browser = t.pageAs(person);
    const bad = await browser.post('/account/organization', { name: 'Ministère des Sénégalais de l’Extérieur', kind: 'government', country: '' });
    expect(bad.status).toBe(422);
    expect(bad.html).toMatch(/id="country-error"[^>]*>.*Country: is required for a government/s);
    expect(bad.html).toContain('value="Ministère des Sénégalais de l’Extérieur"');
    const good = await browser.post('/account/organization', { name: 'Ministère des Sénégalais de l’Extérieur', kind: 'government', country: 'SN', personName: 'Awa Diop' });
    expect(good.status).toBe(303);
    const page = await browser.get(good.location!);
    expect(page.html).toContain('waits for verification');
    expect(page.html).toMatch(/badge--pending/);

    // The organizer verifies it from the organizations page.
    const secretariat = t.pages.organizer;
    const id = (await t.api('GET', '/api/v1/me', { token: person.token })).body.organization.id as string;
    const list = await secretariat.get('/organizer/organizations?status=pending');
    expect(list.html).toContain(`action="/organizer/organizations/${id}/verify"`);
    const verified = await secretariat.post(`/organizer/organizations/${id}/verify`, {}, { formPage: '/organizer/organizations?status=pending' });
    expect(verified.status).toBe(303);
    expect((await t.api('GET', '/api/v1/me', { token: person.token })).body.organization.status).toBe('verified');
  });

  it('the requester edits a request with the form and withdraws it from its page', async () => {
    const created = await t.api('POST', '/api/v1/marketplaces/gfmd-2007/requests', { token: t.people.bangladesh.token, body: sampleRequest });
    const id = created.body.id as string;
    const browser = t.pages.bangladesh;
    const form = await browser.get(`/requests/${id}/edit`);
    expect(form.status).toBe(200);
    expect(form.html).toContain(`value="${sampleRequest.title}"`);
    const bad = await browser.post(`/requests/${id}/edit`, { title: sampleRequest.title, category: 'training', themes: ['1.2'], otherThemes: '', description: sampleRequest.description, expectedOutcome: sampleRequest.expectedOutcome, countries: 'BD', languages: 'en', maxMatches: 'three', responseDeadlineDate: '', responseDeadlineTime: '17:00' }, { formPage: `/requests/${id}/edit` });
    expect(bad.status).toBe(422);
    expect(bad.html).toContain('Number of providers to meet: must be a number');
    const saved = await browser.post(`/requests/${id}/edit`, { title: 'An edited title for the request', category: 'advice', themes: [], otherThemes: 'reintegration', description: sampleRequest.description, expectedOutcome: sampleRequest.expectedOutcome, countries: 'BD, NP', languages: 'en', maxMatches: '1', responseDeadlineDate: '', responseDeadlineTime: '17:00' }, { formPage: `/requests/${id}/edit` });
    expect(saved.status).toBe(303);
    expect((await t.api('GET', `/api/v1/requests/${id}`, { token: t.people.bangladesh.token })).body).toMatchObject({ title: 'An edited title for the request', category: 'advice', themes: ['reintegration'], countries: ['BD', 'NP'], maxMatches: 1 });

    // A provider sees no edit form and cannot post one.
    await t.api('POST', `/api/v1/requests/${id}/publish`, { token: t.people.organizer.token });
    const provider = t.pages.ilo;
    const detail = await provider.get(`/requests/${id}`);
    expect(detail.html).not.toContain('Withdraw this request');
    const edit = await provider.post(`/requests/${id}/edit`, { title: 'Hijacked title' }, { formPage: `/requests/${id}` });
    expect(edit.status).toBe(403);

    const withdrawn = await browser.post(`/requests/${id}/withdraw`, {}, { formPage: `/requests/${id}` });
    expect(withdrawn.status).toBe(303);
    expect((await browser.get(withdrawn.location!)).html).toContain('The request is withdrawn.');
    const again = await browser.post(`/requests/${id}/withdraw`, {}, { formPage: `/requests/${id}` });
    expect(again.status).toBe(409);
    expect(again.html).toContain('This request is withdrawn; it cannot be withdrawn.');
  });

  it('text that looks like HTML is shown as text everywhere', async () => {
    const created = await t.api('POST', '/api/v1/marketplaces/gfmd-2007/requests', {
      token: t.people.bangladesh.token,
      body: { ...sampleRequest, title: '<script>alert(1)</script> training', description: 'A "quoted" <img src=x onerror=alert(1)> description, long enough.' },
    });
    await t.api('POST', `/api/v1/requests/${created.body.id}/publish`, { token: t.people.organizer.token });
    const page = await t.anonymousPage().get(`/requests/${created.body.id}`);
    expect(page.html).not.toContain('<script>alert(1)</script>');
    expect(page.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; training');
    expect(page.html).not.toContain('<img src=x');
    const list = await t.anonymousPage().get('/m/gfmd-2007');
    expect(list.html).not.toContain('<script>alert(1)</script>');
  });

  it('security headers and a CSP without inline scripts are on every page', async () => {
    const response = await fetch(new URL('/m/gfmd-2007', t.env.baseUrl));
    const csp = response.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    // No page asks for the camera, the microphone or the reader's location: nothing on it may.
    expect(response.headers.get('permissions-policy')).toMatch(/(^|, )camera=\(\)/);
    expect(response.headers.get('permissions-policy')).toMatch(/(^|, )geolocation=\(\)/);
  });

  it('what a signed-in person or an emailed link shows is stored by no cache; public pages are revalidated', async () => {
    const asMinistry = { headers: { cookie: `fm_session=${t.people.bangladesh.browserToken}` } };
    for (const path of ['/account/preferences', '/meetings', '/m/gfmd-2007']) {
      const response = await fetch(new URL(path, t.env.baseUrl), asMinistry);
      expect([response.status, response.headers.get('cache-control')], path).toEqual([200, 'no-store']);
    }
    const anonymous = await fetch(new URL('/m/gfmd-2007', t.env.baseUrl));
    expect(anonymous.headers.get('cache-control')).toBe('no-cache');
    // A page reached by a token in its address (here one that is not valid: the page says so, still not stored).
    const link = await fetch(new URL('/unsubscribe/not-a-valid-token', t.env.baseUrl));
    expect(link.headers.get('cache-control')).toBe('no-store');
    const me = await t.api('GET', '/api/v1/me', { token: t.people.bangladesh.token });
    expect(me.headers.get('cache-control')).toBe('no-store');
  });

  it("API answers carry an API's security headers, errors and the OpenAPI document too, and none that steers a document", async () => {
    for (const [path, status] of [
      ['/api/v1/marketplaces/gfmd-2007/requests', 200],
      ['/api/v1/openapi.json', 200],
      ['/api/v1/no/such/route', 404],
      ['/api/v1/requests/%E0%A4%A', 400],
    ] as const) {
      const response = await fetch(new URL(path, t.env.baseUrl));
      expect(response.status, path).toBe(status);
      expect(response.headers.get('content-security-policy'), path).toBe("default-src 'none';frame-ancestors 'none'");
      expect(response.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(response.headers.get('x-frame-options'), path).toBe('DENY');
      expect(response.headers.get('cross-origin-resource-policy'), path).toBe('same-origin');
      expect(response.headers.get('x-request-id'), path).toMatch(/^[0-9a-f-]{36}$/);
      for (const header of ['referrer-policy', 'cross-origin-opener-policy', 'origin-agent-cluster', 'x-xss-protection', 'x-dns-prefetch-control']) expect(response.headers.get(header), `${path} ${header}`).toBeNull();
    }
  });

  it('the API signs out a bearer token', async () => {
    const person = await createPerson(t.env.ctx, { email: 'leaving@example.org' });
    expect((await t.api('POST', '/api/v1/auth/sign-out', { token: person.token })).status).toBe(204);
    const after = await t.api('GET', '/api/v1/me', { token: person.token });
    expect(after.status).toBe(401);
    expect(after.headers.get('content-type')).toContain('application/problem+json');
  });

  it('a sign-out through another process ends the session here at once, though sessions are remembered for SESSION_CACHE_SECONDS', async () => {
    const person = await createPerson(t.env.ctx, { email: 'leaving-elsewhere@example.org' });
    expect((await t.api('GET', '/api/v1/me', { token: person.token })).status).toBe(200);
    const other = createContext(t.env.config, 'other-web-process');
    try {
      await signOut(other, person.token);
    } finally {
      await closeContext(other);
    }
    await expect.poll(async () => (await t.api('GET', '/api/v1/me', { token: person.token })).status, { timeout: 20_000, interval: 50 }).toBe(401);
  });

  it('lists marketplaces over the API', async () => {
    const response = await t.api('GET', '/api/v1/marketplaces');
    expect(response.body.items).toEqual([expect.objectContaining({ slug: 'gfmd-2007', timeZone: 'Europe/Brussels' })]);
    expect((await t.api('GET', '/api/v1/marketplaces/nope')).status).toBe(404);
  });
});
