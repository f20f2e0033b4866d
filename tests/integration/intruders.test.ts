import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEnvironment, type TestEnvironment } from '../helpers/environment.ts';
import { apiClient, linkIn, PageClient } from '../helpers/http.ts';
import { createPerson, createTestMarketplace, publishedRequest, sampleRequest, sampleResponse, type TestPerson, castMember, passDeadline } from '../helpers/factories.ts';
import { createApp } from '../../src/http/app.ts';
import { runMatching } from '../../src/meetings/matching-run.service.ts';

let env: TestEnvironment;
let api: ReturnType<typeof apiClient>;
let organizer: TestPerson;
let requester: TestPerson;
let provider: TestPerson;

beforeAll(async () => {
  env = await startTestEnvironment({ organizers: ['secretariat@gfmd.test'] });
  api = apiClient(env.baseUrl);
  organizer = await castMember(env.ctx, 'organizer');
  requester = await castMember(env.ctx, 'bangladesh');
  provider = await createPerson(env.ctx, { email: 'focal@ilo.org', organization: { name: '=HYPERLINK("http://evil.example","ILO")', kind: 'un_agency' } });
  await createTestMarketplace(env.ctx, organizer);
});
afterAll(async () => env?.close());

type Layer = { route?: { path: string; methods: Record<string, boolean> }; handle?: { stack?: Layer[] }; name?: string };
function postRoutes(stack: Layer[]): string[] {
  return stack.flatMap((layer) => (layer.route ? (layer.route.methods.post ? [layer.route.path] : []) : layer.handle?.stack && layer.name === 'router' ? postRoutes(layer.handle.stack) : []));
}

describe('intruders', () => {
  it('every form refuses a post without its CSRF token', async () => {
    const app = createApp(env.ctx) as unknown as { router: { stack: Layer[] } };
    const routes = postRoutes(app.router.stack).filter((p) => !p.startsWith('/unsubscribe/') && !p.startsWith('/meetings/:id/answer/'));
    expect(routes.length).toBeGreaterThan(20);
    const browser = new PageClient(env.baseUrl);
    browser.setCookie('fm_session', organizer.browserToken);
    await browser.get('/m/gfmd-2007');
    for (const route of routes) {
      const path = route.replace(/:slug/g, 'gfmd-2007').replace(/:(id|userId|token|party)/g, '00000000-0000-4000-8000-000000000000');
      const response = await browser.post(path, {}, { csrf: null });
      expect(response.status, `${route} without CSRF`).toBe(403);
    }
  });

  it('signing in replaces a session id planted beforehand (no session fixation), and the sign-in link cannot redirect elsewhere', async () => {
    const planted = await createPerson(env.ctx, { email: 'attacker@example.org' });
    const browser = new PageClient(env.baseUrl);
    browser.setCookie('fm_session', planted.browserToken); // planted by an attacker who knows it
    const login = await browser.get('/login?next=//evil.example/steal');
    expect(login.html).not.toContain('evil.example');
    await browser.post('/login', { email: 'victim@labour.gov.np', next: 'https://evil.example/' }, { formPage: '/login' });
    const mail = await env.mail.waitFor((m) => m.envelopeTo.includes('victim@labour.gov.np'));
    const link = linkIn(mail.parsed.text ?? '', `${env.baseUrl}/auth/callback`);
    const page = await browser.get(link.slice(env.baseUrl.length));
    const signedIn = await browser.post('/auth/callback', { token: new URL(link).searchParams.get('token')! }, { csrf: browser.csrfFrom(page.html) });
    expect(signedIn.status).toBe(303);
    expect(signedIn.location?.startsWith('/')).toBe(true);
    expect(signedIn.location).not.toContain('evil');
    // The planted session was ended; the browser holds a new one.
    const attacker = new PageClient(env.baseUrl);
    attacker.setCookie('fm_session', planted.browserToken);
    expect((await attacker.get('/account/organization')).status).toBe(303);
  });

  it('text with markup, CRLF and formula tricks comes back escaped in pages, emails (no header injection) and CSV', async () => {
    const crlf = await api('POST', '/api/v1/marketplaces/gfmd-2007/requests', { token: requester.token, body: { ...sampleRequest, title: 'Training\r\nBcc: victim@example.org' } });
    expect(crlf.status).toBe(422);
    expect(crlf.body.errors).toEqual([{ path: 'title', message: 'must be on one line' }]);
    const title = 'Training <b>now</b> \u202Egnp.exe';
    const request = await publishedRequest(api, requester, organizer, { title, description: 'A description that spans\r\nBcc: two lines, which is fine in a body.' });
    const page = await new PageClient(env.baseUrl).get(`/requests/${request.id}`);
    expect(page.html).not.toContain('<b>now</b>');
    const received = await env.mail.waitFor((m) => m.envelopeTo.includes('focal@mole.gov.bd') && /Training/.test(m.parsed.subject ?? ''));
    expect(received.envelopeTo).toEqual(['focal@mole.gov.bd']);
    expect(received.raw.split(/\r?\n\r?\n/)[0]).not.toMatch(/^Bcc:/m);
    expect(received.parsed.subject).not.toMatch(/[\r\n]/);
    expect(received.parsed.html).toContain('Training &lt;b&gt;now&lt;/b&gt;');

    await api('POST', `/api/v1/requests/${request.id}/responses`, { token: provider.token, body: { ...sampleResponse, summary: '=SUM(A1:A9) and @cmd' } });
    await passDeadline(env.ctx, [request.id]);
    const marketplace = await env.ctx.db.selectFrom('marketplaces').select('id').where('slug', '=', 'gfmd-2007').executeTakeFirstOrThrow();
    await runMatching(env.ctx, marketplace.id, 'organizer');
    const csv = await fetch(new URL('/organizer/marketplaces/gfmd-2007/meetings.csv', env.baseUrl), { headers: { cookie: `fm_session=${organizer.browserToken}` } }).then((r) => r.text());
    expect(csv).toContain("'=HYPERLINK");
    expect(csv).toContain("'=SUM(A1:A9)");
    expect(csv).not.toMatch(/(^|,)"?=/m);
    const report = await fetch(new URL('/organizer/marketplaces/gfmd-2007/report.csv', env.baseUrl), { headers: { cookie: `fm_session=${organizer.browserToken}` } }).then((r) => r.text());
    expect(report).toContain("'=HYPERLINK");
  });

  it('brute-forcing sign-in tokens is rate limited', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 35; i++) statuses.push((await api('POST', '/api/v1/auth/token', { body: { token: `guess-${i}-${'x'.repeat(30)}` } })).status);
    // At most 30 tries per address in 15 minutes (earlier sign-ins in this file used some): then only 429.
    const firstLimited = statuses.indexOf(429);
    expect(firstLimited).toBeGreaterThan(20);
    expect(statuses.slice(0, firstLimited).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(firstLimited).every((s) => s === 429)).toBe(true);
  });
});
