import { describe, expect, it, onTestFinished } from 'vitest';
import { useTestEnvironment } from '../helpers/environment.ts';
import { linkIn } from '../helpers/http.ts';
import { createPerson, publishedRequest, sampleRequest, sampleResponse, passDeadline } from '../helpers/factories.ts';
import { createApp } from '../../src/http/app.ts';
import { runMatching } from '../../src/meetings/matching-run.service.ts';
import { removeRedisKeys } from '../../src/queue/redis.ts';

type Layer = { route?: { path: string; methods: Record<string, boolean> }; handle?: { stack?: Layer[] }; name?: string };
function postRoutes(stack: Layer[]): string[] {
  return stack.flatMap((layer) => (layer.route ? (layer.route.methods.post ? [layer.route.path] : []) : layer.handle?.stack && layer.name === 'router' ? postRoutes(layer.handle.stack) : []));
}

describe('intruders', () => {
  const t = useTestEnvironment({ cast: ['organizer', 'bangladesh'], marketplace: true });

  it('every form refuses a post without its CSRF token', async () => {
    const app = createApp(t.env.ctx) as unknown as { router: { stack: Layer[] } };
    // The emailed links' tokens are their authorization (the one-click unsubscribe, a meeting's answer and outcome, the assistance follow-up).
    const routes = postRoutes(app.router.stack).filter((p) => !p.startsWith('/unsubscribe/') && !p.startsWith('/meetings/:id/answer/') && !p.startsWith('/meetings/:id/outcome/') && !/^\/requests\/:id\/assistance\//.test(p));
    expect(routes.length).toBeGreaterThan(20);
    const browser = t.pages.organizer;
    await browser.get('/m/gfmd-2007');
    for (const route of routes) {
      const path = route.replace(/:slug/g, 'gfmd-2007').replace(/:(id|userId|token|party)/g, '00000000-0000-4000-8000-000000000000');
      const response = await browser.post(path, {}, { csrf: null });
      expect(response.status, `${route} without CSRF`).toBe(403);
    }
  });

  it('signing in replaces a session id planted beforehand (no session fixation), and the sign-in link cannot redirect elsewhere', async () => {
    const planted = await createPerson(t.env.ctx, { email: 'attacker@example.org' });
    const browser = t.pageAs(planted); // its session id planted by an attacker who knows it
    const login = await browser.get('/login?next=//evil.example/steal');
    expect(login.html).not.toContain('evil.example');
    await browser.post('/login', { email: 'victim@labour.gov.np', next: 'https://evil.example/' }, { formPage: '/login' });
    const mail = await t.env.mail.waitFor((m) => m.envelopeTo.includes('victim@labour.gov.np'));
    const link = linkIn(mail.parsed.text ?? '', `${t.env.baseUrl}/auth/callback`);
    const page = await browser.get(link.slice(t.env.baseUrl.length));
    const signedIn = await browser.post('/auth/callback', { token: new URL(link).searchParams.get('token')! }, { csrf: browser.csrfFrom(page.html) });
    expect(signedIn.status).toBe(303);
    expect(signedIn.location?.startsWith('/')).toBe(true);
    expect(signedIn.location).not.toContain('evil');
    // The planted session was ended; the browser holds a new one.
    const attacker = t.pageAs(planted);
    expect((await attacker.get('/account/organization')).status).toBe(303);
  });

  it('text with markup and CRLF comes back escaped in pages and emails (no header injection)', async () => {
    const crlf = await t.api('POST', '/api/v1/marketplaces/gfmd-2007/requests', { token: t.people.bangladesh.token, body: { ...sampleRequest, title: 'Training\r\nBcc: victim@example.org' } });
    expect(crlf.status).toBe(422);
    expect(crlf.body.errors).toEqual([{ path: 'title', message: 'must be on one line' }]);
    const title = 'Training <b>now</b> \u202Egnp.exe';
    const request = await publishedRequest(t.api, t.people.bangladesh, t.people.organizer, { title, description: 'A description that spans\r\nBcc: two lines, which is fine in a body.' });
    const page = await t.anonymousPage().get(`/requests/${request.id}`);
    expect(page.html).not.toContain('<b>now</b>');
    const received = await t.env.mail.waitFor((m) => m.envelopeTo.includes('focal@mole.gov.bd') && !!m.parsed.text?.includes(`/requests/${request.id}`));
    expect(received.envelopeTo).toEqual(['focal@mole.gov.bd']);
    expect(received.raw.split(/\r?\n\r?\n/)[0]).not.toMatch(/^Bcc:/m);
    expect(received.parsed.subject).not.toMatch(/[\r\n]/);
    expect(received.parsed.html).toContain('Training &lt;b&gt;now&lt;/b&gt;');
  });

  it('brute-forcing sign-in tokens is rate limited', async () => {
    // A fresh window before (other tests' sign-ins here used some of the 30 tries) and after (they would be refused).
    // (On the Postgres queue backend the limits live in Postgres: this file runs on Redis in CI.)
    const freshWindow = async () => void (t.env.ctx.redis && (await removeRedisKeys(t.env.ctx.redis, `${t.env.config.REDIS_PREFIX}rl-tokenExchangePerIp*`)));
    await freshWindow();
    onTestFinished(freshWindow);
    const statuses: number[] = [];
    for (let i = 0; i < 35; i++) statuses.push((await t.api('POST', '/api/v1/auth/token', { body: { token: `guess-${i}-${'x'.repeat(30)}` } })).status);
    // 30 tries per address in 15 minutes, then only 429.
    const firstLimited = statuses.indexOf(429);
    expect(firstLimited).toBe(30);
    expect(statuses.slice(0, firstLimited).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(firstLimited).every((s) => s === 429)).toBe(true);
  });
});

// The CSV test runs the matching itself: with no workers here, no sweep closes its request at the same time.
describe('intruders in the exports', () => {
  const t = useTestEnvironment({ cast: ['organizer', 'bangladesh'], marketplace: true, workers: false });

  it('text with formula tricks comes back defused in the meetings and report CSV', async () => {
    const provider = await createPerson(t.env.ctx, { email: 'focal@ilo.org', organization: { name: '=HYPERLINK("http://evil.example","ILO")', kind: 'un_agency' } });
    const request = await publishedRequest(t.api, t.people.bangladesh, t.people.organizer, { title: 'Request whose offer looks like a formula' });
    expect((await t.api('POST', `/api/v1/requests/${request.id}/responses`, { token: provider.token, body: { ...sampleResponse, summary: '=SUM(A1:A9) and @cmd' } })).status).toBe(201);
    await passDeadline(t.env.ctx, [request.id]);
    await runMatching(t.env.ctx, t.marketplace.marketplace.id, 'organizer');
    const asOrganizer = { headers: { cookie: `fm_session=${t.people.organizer.browserToken}` } };
    const csv = await fetch(new URL('/organizer/marketplaces/gfmd-2007/meetings.csv', t.env.baseUrl), asOrganizer).then((r) => r.text());
    expect(csv).toContain("'=HYPERLINK");
    expect(csv).toContain("'=SUM(A1:A9)");
    expect(csv).not.toMatch(/(^|,)"?=/m);
    const report = await fetch(new URL('/organizer/marketplaces/gfmd-2007/report.csv', t.env.baseUrl), asOrganizer).then((r) => r.text());
    expect(report).toContain("'=HYPERLINK");
  });
});
