import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { useTestEnvironment, type TestHandle } from '../helpers/environment.ts';
import { closeContext, createContext } from '../../src/context.ts';
import { closeRequest } from '../../src/requests/close.service.ts';
import { createPerson, sampleRequest, sampleResponse, type TestPerson, passDeadline } from '../helpers/factories.ts';
import { PageClient } from '../helpers/http.ts';
import { cacheChanged } from '../../src/shared/process-cache.ts';
import type { CaughtMail } from '../../src/email/mail-catcher.ts';

// A cache that outlives every poll below: what a test sees changing comes from invalidation, not expiry.
const settings = { cast: ['organizer', 'bangladesh', 'mexico', 'ilo'], marketplace: true, env: { PUBLIC_CACHE_SECONDS: '300' } } as const;
const t = useTestEnvironment(settings);

async function postRequest(person: TestPerson, overrides: Record<string, unknown> = {}, on: TestHandle<never> = t) {
  const response = await on.api('POST', '/api/v1/marketplaces/gfmd-2007/requests', { token: person.token, body: { ...sampleRequest, ...overrides } });
  expect(response.status).toBe(201);
  return response.body as { id: string; status: string; responseDeadline: string };
}

/** A focal point of a government the secretariat has not verified yet. */
function pendingGovernment(email: string): Promise<TestPerson> {
  return createPerson(t.env.ctx, { email, organization: { name: 'Ministry awaiting verification', kind: 'government', country: 'NP', status: 'pending' } });
}

/** Whether an email links to this request: other tests' requests share titles and subjects. */
function isAboutRequest(mail: CaughtMail, id: string): boolean {
  return !!mail.parsed.text?.includes(`/requests/${id}`);
}

async function auditOf(id: string) {
  return t.env.ctx.db.selectFrom('audit_events').select(['action', 'from_status', 'to_status', 'actor_label']).where('entity_id', '=', id).orderBy('id').execute();
}

describe('posting a request', () => {
  it('a verified government posts a request: it is submitted, the requester and the organizers are emailed', async () => {
    const response = await t.api('POST', '/api/v1/marketplaces/gfmd-2007/requests', { token: t.people.bangladesh.token, body: sampleRequest });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ status: 'submitted', title: sampleRequest.title, countries: ['BD'], languages: ['en', 'bn'], maxMatches: 3, themes: ['1.2'] });
    expect(response.body.responseDeadline).toMatch(/\+0[12]:00$/);
    const received = await t.env.mail.waitFor((m) => m.envelopeTo.includes('focal@mole.gov.bd') && /We received your request/.test(m.parsed.subject ?? '') && isAboutRequest(m, response.body.id));
    expect(received.parsed.html).toContain('Pre-departure orientation training');
    await t.env.mail.waitFor((m) => m.envelopeTo.includes('secretariat@gfmd.test') && /Review a new request/.test(m.parsed.subject ?? '') && isAboutRequest(m, response.body.id));
    expect(await auditOf(response.body.id)).toEqual([{ action: 'create', from_status: null, to_status: 'submitted', actor_label: 'focal@mole.gov.bd' }]);
  });

  it('names each bad field in problem+json', async () => {
    const response = await t.api('POST', '/api/v1/marketplaces/gfmd-2007/requests', {
      token: t.people.bangladesh.token,
      body: { ...sampleRequest, title: 'Hi', category: 'money', countries: ['XX'], languages: ['english'], maxMatches: 0 },
    });
    expect(response.status).toBe(422);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(response.body).toMatchObject({ type: expect.stringContaining('validation-failed'), status: 422, title: 'Invalid input' });
    expect(response.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['category', 'countries.0', 'languages.0', 'maxMatches', 'title']);
  });

  it('refuses unknown fields, bad JSON, a wrong content type and an oversized body', async () => {
    const extra = await t.api('POST', '/api/v1/marketplaces/gfmd-2007/requests', { token: t.people.bangladesh.token, body: { ...sampleRequest, status: 'open' } });
    expect(extra.status).toBe(422);
    const malformed = await t.api('POST', '/api/v1/marketplaces/gfmd-2007/requests', { token: t.people.bangladesh.token, rawBody: '{"title": ' });
    expect(malformed.status).toBe(400);
    const form = await t.api('POST', '/api/v1/marketplaces/gfmd-2007/requests', { token: t.people.bangladesh.token, rawBody: 'title=x', contentType: 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(415);
    const huge = await t.api('POST', '/api/v1/marketplaces/gfmd-2007/requests', { token: t.people.bangladesh.token, body: { ...sampleRequest, description: 'x'.repeat(200_000) } });
    expect(huge.status).toBe(413);
  });

  it('a pending organization, a provider and an anonymous visitor cannot post', async () => {
    const pending = await pendingGovernment('focal@gov.example');
    expect((await t.api('POST', '/api/v1/marketplaces/gfmd-2007/requests', { token: pending.token, body: sampleRequest })).status).toBe(403);
    const provider = await t.api('POST', '/api/v1/marketplaces/gfmd-2007/requests', { token: t.people.ilo.token, body: sampleRequest });
    expect(provider.status).toBe(403);
    expect(provider.body.detail).toMatch(/Only government organizations/);
    expect((await t.api('POST', '/api/v1/marketplaces/gfmd-2007/requests', { body: sampleRequest })).status).toBe(401);
  });

  it('an earlier deadline must lie ahead and not after the marketplace deadline', async () => {
    const late = await t.api('POST', '/api/v1/marketplaces/gfmd-2007/requests', { token: t.people.bangladesh.token, body: { ...sampleRequest, responseDeadline: '2099-01-01' } });
    expect(late.status).toBe(422);
    expect(late.body.errors[0]).toMatchObject({ path: 'responseDeadline', message: expect.stringMatching(/not be later than the marketplace/) });
    const past = await t.api('POST', '/api/v1/marketplaces/gfmd-2007/requests', { token: t.people.bangladesh.token, body: { ...sampleRequest, responseDeadline: '2001-01-01' } });
    expect(past.status).toBe(422);
    expect(past.body.errors[0].message).toBe('must be in the future');
    const soon = new Date(Date.now() + 3 * 24 * 3600 * 1000).toISOString().slice(0, 10);
    const ok = await postRequest(t.people.bangladesh, { responseDeadline: soon });
    expect(ok.responseDeadline).toMatch(new RegExp(`^${soon}T17:00:00\\+0[12]:00$`));
  });
});

describe('moderation and status changes', () => {
  it('an organizer publishes; publishing again is an illegal transition (409); each change is audited', async () => {
    const request = await postRequest(t.people.bangladesh);
    expect((await t.api('POST', `/api/v1/requests/${request.id}/publish`, { token: t.people.bangladesh.token })).status).toBe(403);
    const published = await t.api('POST', `/api/v1/requests/${request.id}/publish`, { token: t.people.organizer.token });
    expect(published.status).toBe(200);
    expect(published.body.status).toBe('open');
    await t.env.mail.waitFor((m) => m.envelopeTo.includes('focal@mole.gov.bd') && /is published/.test(m.parsed.subject ?? '') && isAboutRequest(m, request.id));
    const twice = await t.api('POST', `/api/v1/requests/${request.id}/publish`, { token: t.people.organizer.token });
    expect(twice.status).toBe(409);
    expect(twice.body.type).toContain('illegal-transition');
    expect((await auditOf(request.id)).map((a) => [a.action, a.to_status, a.actor_label])).toEqual([
      ['create', 'submitted', 'focal@mole.gov.bd'],
      ['publish', 'open', 'secretariat@gfmd.test'],
    ]);
  });

  it('a rejection needs a reason, which the requester receives', async () => {
    const request = await postRequest(t.people.bangladesh, { title: 'Request to be rejected for a test' });
    const noReason = await t.api('POST', `/api/v1/requests/${request.id}/reject`, { token: t.people.organizer.token, body: {} });
    expect(noReason.status).toBe(422);
    expect(noReason.body.errors[0].path).toBe('reason');
    const rejected = await t.api('POST', `/api/v1/requests/${request.id}/reject`, { token: t.people.organizer.token, body: { reason: 'Please split it into <two> requests & resubmit.' } });
    expect(rejected.status).toBe(200);
    expect(rejected.body.status).toBe('rejected');
    const mail = await t.env.mail.waitFor((m) => m.envelopeTo.includes('focal@mole.gov.bd') && /was not published/.test(m.parsed.subject ?? '') && isAboutRequest(m, request.id));
    expect(mail.parsed.text).toContain('Please split it into <two> requests & resubmit.');
    expect(mail.parsed.html).toContain('Please split it into &lt;two&gt; requests &amp; resubmit.');
    const withdrawRejected = await t.api('POST', `/api/v1/requests/${request.id}/withdraw`, { token: t.people.bangladesh.token });
    expect(withdrawRejected.status).toBe(409);
  });

  it('a published request that is removed or withdrawn: its responders are told, and its requester in the right words', async () => {
    const { api, people } = t;
    const { bangladesh, organizer, ilo } = people;
    const published = async (title: string) => {
      const request = await postRequest(bangladesh, { title });
      await api('POST', `/api/v1/requests/${request.id}/publish`, { token: organizer.token });
      expect((await api('POST', `/api/v1/requests/${request.id}/responses`, { token: ilo.token, body: sampleResponse })).status).toBe(201);
      return request;
    };
    const emails = (id: string) => t.env.ctx.db.selectFrom('outbox').select(['template', 'to_email', 'subject', 'text_body']).where('idempotency_key', 'like', `%:${id}%`).where('template', 'in', ['request-rejected', 'request-withdrawn', 'request-gone']).orderBy('template').execute();

    const removed = await published('Removed after publication');
    expect((await api('POST', `/api/v1/requests/${removed.id}/reject`, { token: organizer.token, body: { reason: 'A duplicate of another request.' } })).status).toBe(200);
    const afterRemoval = await emails(removed.id);
    expect(afterRemoval.map((e) => [e.template, e.to_email])).toEqual([
      ['request-gone', ilo.email],
      ['request-rejected', bangladesh.email],
    ]);
    expect(afterRemoval[0]!.text_body).toContain('The forum secretariat took "Removed after publication" off');
    // It was published: not "was not published".
    expect(afterRemoval[1]!.subject).toBe('Your request "Removed after publication" was removed from the marketplace: see the reason');
    // The provider's list of its responses names it without a link (the link was a 404) and says it is gone.
    const ours = (await t.pages.ilo.get('/account/responses')).html;
    expect(ours).toContain('Removed after publication<br><span class="meta">No longer open: withdrawn or taken off the marketplace.');
    expect(ours).not.toContain(`href="/requests/${removed.id}"`);

    const withdrawn = await published('Withdrawn by its requester');
    expect((await api('POST', `/api/v1/requests/${withdrawn.id}/withdraw`, { token: bangladesh.token })).status).toBe(200);
    const afterWithdrawal = await emails(withdrawn.id);
    expect(afterWithdrawal.map((e) => [e.template, e.to_email])).toEqual([['request-gone', ilo.email]]);
    expect(afterWithdrawal[0]!.text_body).toContain('The government that posted "Withdrawn by its requester"');

    const bySecretariat = await published('Withdrawn by the secretariat');
    expect((await api('POST', `/api/v1/requests/${bySecretariat.id}/withdraw`, { token: organizer.token })).status).toBe(200);
    expect((await emails(bySecretariat.id)).map((e) => [e.template, e.to_email])).toEqual([
      ['request-gone', ilo.email],
      ['request-withdrawn', bangladesh.email],
    ]);
  });

  it('the secretariat edits a government’s request: the government is told, an edit by its own people or one that changes nothing is not', async () => {
    const { api, people } = t;
    const request = await postRequest(people.bangladesh, { title: 'Edited by the secretariat' });
    const edited = () => t.env.ctx.db.selectFrom('outbox').select(['to_email', 'subject']).where('template', '=', 'request-edited').where('idempotency_key', 'like', `request-edited:${request.id}:%`).execute();
    expect((await api('PATCH', `/api/v1/requests/${request.id}`, { token: people.bangladesh.token, body: { maxMatches: 2 } })).status).toBe(200);
    expect((await api('PATCH', `/api/v1/requests/${request.id}`, { token: people.organizer.token, body: { maxMatches: 2 } })).status).toBe(200);
    expect(await edited()).toEqual([]);
    expect((await api('PATCH', `/api/v1/requests/${request.id}`, { token: people.organizer.token, body: { title: 'Edited by the secretariat, clearer' } })).status).toBe(200);
    expect(await edited()).toEqual([{ to_email: people.bangladesh.email, subject: 'The forum secretariat edited your request "Edited by the secretariat, clearer"' }]);
  });

  it('the requester edits and withdraws its request until the deadline; others cannot', async () => {
    const request = await postRequest(t.people.bangladesh, { title: 'Request to edit and withdraw' });
    const edited = await t.api('PATCH', `/api/v1/requests/${request.id}`, { token: t.people.bangladesh.token, body: { maxMatches: 2, themes: ['1.2', 'gender'] } });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ maxMatches: 2, themes: ['1.2', 'gender'] });

    // Another government: the request is not published, so it does not even exist for them.
    expect((await t.api('PATCH', `/api/v1/requests/${request.id}`, { token: t.people.mexico.token, body: { maxMatches: 1 } })).status).toBe(404);
    await t.api('POST', `/api/v1/requests/${request.id}/publish`, { token: t.people.organizer.token });
    const otherGovernment = await t.api('PATCH', `/api/v1/requests/${request.id}`, { token: t.people.mexico.token, body: { maxMatches: 1 } });
    expect(otherGovernment.status).toBe(403);
    const provider = await t.api('PATCH', `/api/v1/requests/${request.id}`, { token: t.people.ilo.token, body: { maxMatches: 1 } });
    expect(provider.status).toBe(403);
    expect((await t.api('POST', `/api/v1/requests/${request.id}/withdraw`, { token: t.people.ilo.token })).status).toBe(403);

    const withdrawn = await t.api('POST', `/api/v1/requests/${request.id}/withdraw`, { token: t.people.bangladesh.token });
    expect(withdrawn.status).toBe(200);
    expect(withdrawn.body.status).toBe('withdrawn');
    expect((await t.api('PATCH', `/api/v1/requests/${request.id}`, { token: t.people.bangladesh.token, body: { maxMatches: 1 } })).status).toBe(409);
  });

  it('after its deadline a request can no longer be edited or withdrawn (409 deadline-passed)', async () => {
    const request = await postRequest(t.people.bangladesh, { title: 'Request whose deadline passes' });
    await t.api('POST', `/api/v1/requests/${request.id}/publish`, { token: t.people.organizer.token });
    await passDeadline(t.env.ctx, [request.id]);
    const edit = await t.api('PATCH', `/api/v1/requests/${request.id}`, { token: t.people.bangladesh.token, body: { maxMatches: 1 } });
    expect(edit.status).toBe(409);
    expect(edit.body.type).toContain('deadline-passed');
    expect(edit.body.detail).toMatch(/The response deadline passed on .*Europe\/Brussels/);
    const withdraw = await t.api('POST', `/api/v1/requests/${request.id}/withdraw`, { token: t.people.bangladesh.token });
    expect(withdraw.status).toBe(409);
    expect((await t.api('GET', `/api/v1/requests/${request.id}`)).body.maxMatches).toBe(3);
  });
});

describe('browsing', () => {
  it('lists open requests with filters, full-text search and pagination; unpublished ones stay private', async () => {
    const titles = ['Remittance cost survey for Mexico corridors', 'Diaspora investment fund design', 'Labour market information system equipment'];
    const ids: string[] = [];
    for (const [i, title] of titles.entries()) {
      const r = await postRequest(t.people.mexico, {
        title,
        category: i === 2 ? 'equipment' : 'advice',
        themes: i === 0 ? ['2.2'] : ['diaspora'],
        countries: ['MX'],
        languages: i === 1 ? ['es'] : ['es', 'en'],
        description: i === 0 ? 'We want to measure what migrants pay to send remittances home and lower the cost.' : 'A description long enough to pass validation for this request.',
      });
      await t.api('POST', `/api/v1/requests/${r.id}/publish`, { token: t.people.organizer.token });
      ids.push(r.id);
    }
    const hidden = await postRequest(t.people.mexico, { title: 'Unpublished request about remittances', countries: ['MX'] });

    const byCategory = await t.api('GET', '/api/v1/marketplaces/gfmd-2007/requests?category=equipment&country=MX');
    expect(byCategory.body.items.map((r: { id: string }) => r.id)).toEqual([ids[2]]);
    const byTheme = await t.api('GET', '/api/v1/marketplaces/gfmd-2007/requests?theme=2.2&country=MX');
    expect(byTheme.body.items.map((r: { id: string }) => r.id)).toEqual([ids[0]]);
    const byLanguage = await t.api('GET', '/api/v1/marketplaces/gfmd-2007/requests?language=es&country=MX');
    expect(byLanguage.body.items).toHaveLength(3);
    const search = await t.api('GET', '/api/v1/marketplaces/gfmd-2007/requests?q=remittances%20cost');
    expect(search.body.items.map((r: { id: string }) => r.id)).toEqual([ids[0]]);
    expect(search.body.items[0]).not.toHaveProperty('rejectionReason');
    // A search that names a country (in English, French or Spanish) finds the requests of or about it,
    // with its other words in their text; before, "Mexico" matched only requests whose text said it.
    const ofMexico = async (q: string) => (await t.api('GET', `/api/v1/marketplaces/gfmd-2007/requests?limit=100&q=${encodeURIComponent(q)}`)).body.items.map((r: { id: string }) => r.id).sort();
    const byCountry = (await t.api('GET', '/api/v1/marketplaces/gfmd-2007/requests?limit=100&country=MX')).body.items.map((r: { id: string }) => r.id).sort();
    expect(byCountry).toEqual(expect.arrayContaining(ids));
    expect(await ofMexico('Mexico')).toEqual(byCountry);
    expect(await ofMexico('méxico')).toEqual(byCountry);
    expect(await ofMexico('Mexique')).toEqual(byCountry);
    expect(await ofMexico('remittances Mexico')).toEqual([ids[0]]);
    expect(await ofMexico('Senegal')).toEqual([]);
    expect(await ofMexico('remittances Senegal')).toEqual([]);

    const walk = async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { body: { items: Array<{ id: string }>; nextCursor: string | null } } = await t.api('GET', `/api/v1/marketplaces/gfmd-2007/requests?country=MX&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        expect(page.body.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.body.items.map((r) => r.id));
        // Never a row twice (and no endless walk).
        expect(new Set(seen).size).toBe(seen.length);
        cursor = page.body.nextCursor;
      } while (cursor);
      return seen;
    };
    const seen = await walk();
    expect(seen.sort()).toEqual([...ids].sort());
    expect(seen).not.toContain(hidden.id);
    // Deadlines to the microsecond, shared (as rows written from the database's clock have them): each page
    // goes on from the one before; a cursor cut to the millisecond gave the first page again and again.
    await sql`UPDATE requests SET response_deadline = date_trunc('minute', now()) + interval '30 days 0.123456 seconds' WHERE id IN (${sql.join(ids)})`.execute(t.env.ctx.db);
    cacheChanged(t.env.ctx, 'listing');
    const again = await walk();
    expect(again).toHaveLength(ids.length);
    expect(again.sort()).toEqual([...ids].sort());

    expect((await t.api('GET', `/api/v1/requests/${hidden.id}`)).status).toBe(404);
    expect((await t.api('GET', `/api/v1/requests/${hidden.id}`, { token: t.people.mexico.token })).status).toBe(200);
    expect((await t.api('GET', '/api/v1/marketplaces/gfmd-2007/requests?status=submitted')).status).toBe(403);
    const mine = await t.api('GET', '/api/v1/marketplaces/gfmd-2007/requests?mine=true', { token: t.people.mexico.token });
    expect(mine.body.items.map((r: { id: string }) => r.id)).toContain(hidden.id);
    const queue = await t.api('GET', '/api/v1/marketplaces/gfmd-2007/requests?status=submitted', { token: t.people.organizer.token });
    expect(queue.body.items.map((r: { id: string }) => r.id)).toContain(hidden.id);
  });

  it('the public list is shared and cached, yet shows a change made through the service at once, and answers 304 to a repeat visit', async () => {
    const first = await postRequest(t.people.bangladesh, { title: 'First cached request', countries: ['LK'], category: 'training' });
    await t.api('POST', `/api/v1/requests/${first.id}/publish`, { token: t.people.organizer.token });
    const url = '/api/v1/marketplaces/gfmd-2007/requests?country=LK&category=training';
    const asProvider = await t.api('GET', url, { token: t.people.ilo.token });
    const asAnonymous = await t.api('GET', url);
    const asRequester = await t.api('GET', url, { token: t.people.bangladesh.token });
    expect(asProvider.body).toEqual(asAnonymous.body);
    expect(asRequester.body).toEqual(asAnonymous.body);
    expect(asAnonymous.body.items.map((r: { title: string }) => r.title)).toEqual(['First cached request']);

    // Compressed for clients that accept gzip (fetch does, and decodes it), plain for those that do not.
    expect(asAnonymous.headers.get('content-encoding')).toBe('gzip');
    expect(asAnonymous.headers.get('vary')).toMatch(/accept-encoding/i);
    const plain = await fetch(new URL(url, t.env.baseUrl), { headers: { 'accept-encoding': 'identity' } });
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(await plain.json()).toEqual(asAnonymous.body);
    // The cache keeps the compressed answer and inflates it once for plain clients: a repeat is the same.
    const plainAgain = await fetch(new URL(url, t.env.baseUrl), { headers: { 'accept-encoding': 'identity' } });
    expect(await plainAgain.json()).toEqual(asAnonymous.body);
    const page = await fetch(new URL('/m/gfmd-2007', t.env.baseUrl));
    expect(page.headers.get('content-encoding')).toBe('gzip');
    // The organizer's list is not the shared one: it is compressed when it is answered, as every other answer.
    const organizers = await fetch(new URL('/api/v1/marketplaces/gfmd-2007/requests?status=any', t.env.baseUrl), { headers: { authorization: `Bearer ${t.people.organizer.token}` } });
    expect(organizers.headers.get('content-encoding')).toBe('gzip');
    expect((await organizers.json()).items.length).toBeGreaterThan(1);

    const etag = asAnonymous.headers.get('etag')!;
    expect(etag).toMatch(/^W\/"/);
    // (fetch adds `cache-control: no-cache` to a conditional request unless told otherwise, as the Fetch standard asks.)
    const conditional = { 'if-none-match': etag, 'cache-control': 'max-age=0' };
    const repeat = await fetch(new URL(url, t.env.baseUrl), { headers: conditional });
    expect(repeat.status).toBe(304);

    // Publishing, editing and withdrawing show in the next answer, not after the cache's TTL.
    const second = await postRequest(t.people.bangladesh, { title: 'Second cached request', countries: ['LK'], category: 'training' });
    await t.api('POST', `/api/v1/requests/${second.id}/publish`, { token: t.people.organizer.token });
    expect((await t.api('GET', url)).body.items).toHaveLength(2);
    await t.api('PATCH', `/api/v1/requests/${second.id}`, { token: t.people.bangladesh.token, body: { title: 'Second cached request, renamed' } });
    expect((await t.api('GET', url)).body.items.map((r: { title: string }) => r.title)).toContain('Second cached request, renamed');
    await t.api('POST', `/api/v1/requests/${first.id}/withdraw`, { token: t.people.bangladesh.token });
    const after = await t.api('GET', url);
    expect(after.body.items.map((r: { id: string }) => r.id)).toEqual([second.id]);
    expect((await fetch(new URL(url, t.env.baseUrl), { headers: conditional })).status).toBe(200);
  });

  it('names a bad query parameter', async () => {
    const response = await t.api('GET', '/api/v1/marketplaces/gfmd-2007/requests?category=weapons&limit=1000&cursor=!!');
    expect(response.status).toBe(422);
    expect(response.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['category', 'cursor', 'limit']);
  });

  it('the list says how many requests match its filters on all its pages together, and follows a change at once', async () => {
    const published = [];
    for (const title of ['Nepal one', 'Nepal two', 'Nepal three']) {
      const posted = await postRequest(t.people.bangladesh, { title: `${title}: labour migration survey`, countries: ['NP'] });
      await t.api('POST', `/api/v1/requests/${posted.id}/publish`, { token: t.people.organizer.token });
      published.push(posted);
    }
    await postRequest(t.people.bangladesh, { title: 'Nepal unpublished: labour migration survey', countries: ['NP'] });
    const browser = t.anonymousPage();
    const first = await browser.get('/m/gfmd-2007?country=NP&limit=2');
    expect(first.html).toContain('<p class="result-count">3 requests match these filters</p>');
    expect(first.html.match(/<li class="card">/g)).toHaveLength(2);
    const next = /href="([^"]+)" rel="next"/.exec(first.html)![1]!.replaceAll('&amp;', '&');
    expect((await browser.get(next)).html).toContain('3 requests match these filters');
    // Without a filter the page counts every open request.
    expect((await browser.get('/m/gfmd-2007')).html).toMatch(/<p class="result-count">\d+ requests<\/p>/);
    // Kept in the public cache with the pages, and cleared with them.
    await t.api('POST', `/api/v1/requests/${published[0]!.id}/withdraw`, { token: t.people.bangladesh.token });
    expect((await browser.get('/m/gfmd-2007?country=NP')).html).toContain('2 requests match these filters');
    // The requester's own list counts its unpublished request too; one is said in the singular.
    expect((await t.pages.bangladesh.get('/m/gfmd-2007?mine=true&country=NP&status=submitted')).html).toContain('1 request matches these filters');
    expect((await t.anonymousPage().get('/m/gfmd-2007?country=NP&lang=fr')).html).toContain('2 demandes correspondent à ces filtres');
  });

  it('the pages show the deadline in the marketplace time zone with its offset and as relative time', async () => {
    const shown = await postRequest(t.people.bangladesh, { title: 'Survey of recruitment fees in the Philippines', countries: ['PH'] });
    await t.api('POST', `/api/v1/requests/${shown.id}/publish`, { token: t.people.organizer.token });
    await postRequest(t.people.bangladesh, { title: 'Unpublished request about the Philippines', countries: ['PH'] });
    const browser = t.anonymousPage();
    const page = await browser.get('/m/gfmd-2007?country=PH');
    expect(page.status).toBe(200);
    expect(page.html).toMatch(/\(UTC\+0[12]:00, Europe\/Brussels\)/);
    expect(page.html).toMatch(/in \d+ days/);
    expect(page.html).toContain('Survey of recruitment fees in the Philippines');
    expect(page.html).not.toContain('Unpublished request about the Philippines');
    const bad = await browser.get('/m/gfmd-2007?category=weapons');
    expect(bad.status).toBe(200);
    expect(bad.html).toContain('Category: must be one of the options offered');
    expect(bad.html).not.toContain('capacity_building,');
  });
});

describe('the request form', () => {
  it('shows each error beside its field with the values kept, then submits', async () => {
    const browser = t.pages.bangladesh;
    const fields = {
      title: 'Help to set up a <b>migrant</b> resource centre',
      category: 'capacity_building',
      themes: ['1.2'],
      otherThemes: 'return, reintegration',
      description: 'Too short',
      expectedOutcome: 'A resource centre in Dhaka that advises 500 people a month.',
      countries: 'Bangladesh, Atlantis',
      languages: 'English, Bengali',
      maxMatches: '2',
      responseDeadlineDate: '',
      responseDeadlineTime: '17:00',
    };
    const first = await browser.post('/m/gfmd-2007/requests/new', fields, { formPage: '/m/gfmd-2007/requests/new' });
    expect(first.status).toBe(422);
    expect(first.html).toMatch(/id="description-error"[^>]*>.*What do you need: must be at least 20 characters/s);
    expect(first.html).toMatch(/id="countries-error"[^>]*>.*Countries \(item 2\): Atlantis is not a country: give its name or its ISO 3166 code/s);
    // The summary takes the focus when the page comes back, without a script.
    expect(first.html).toMatch(/class="error-summary"[^>]*autofocus/);
    // The page's title says so first: it is what a screen reader announces when the page loads.
    expect(first.html).toMatch(/<title>Error: [^<]+<\/title>/);
    expect(first.html).toContain('value="Help to set up a &lt;b&gt;migrant&lt;/b&gt; resource centre"');
    expect(first.html).toContain('value="return, reintegration"');
    expect(first.html).toMatch(/<input type="checkbox" id="themes" name="themes" value="1.2" checked>/);

    const second = await browser.post('/m/gfmd-2007/requests/new', { ...fields, description: 'A resource centre for migrants before departure and after return, run with NGOs.', countries: 'Bangladesh' }, { formPage: '/m/gfmd-2007/requests/new' });
    expect(second.status).toBe(303);
    const detail = await browser.get(second.location!);
    expect(detail.html).toContain('awaits moderation');
    expect(detail.html).not.toMatch(/<title>Error:/);
    expect(detail.html).toContain('Help to set up a &lt;b&gt;migrant&lt;/b&gt; resource centre');
    const id = second.location!.split('/')[2]!.split('?')[0]!;
    const stored = await t.api('GET', `/api/v1/requests/${id}`, { token: t.people.bangladesh.token });
    expect(stored.body).toMatchObject({ countries: ['BD'], languages: ['en', 'bn'], themes: ['1.2', 'return', 'reintegration'], maxMatches: 2, status: 'submitted' });
  });

  it('gives every mistake in one round, the deadline rule included', async () => {
    const browser = t.pages.bangladesh;
    const answer = await browser.post(
      '/m/gfmd-2007/requests/new',
      { title: 'Help', category: '', themes: [], otherThemes: '', description: 'Too short', expectedOutcome: 'A resource centre in Dhaka that advises 500 people a month.', countries: 'Bangladesh', languages: 'English', maxMatches: '2', responseDeadlineDate: '2020-01-01', responseDeadlineTime: '17:00' },
      { formPage: '/m/gfmd-2007/requests/new' },
    );
    expect(answer.status).toBe(422);
    expect(answer.html).toMatch(/id="title-error"/);
    expect(answer.html).toMatch(/id="description-error"/);
    expect(answer.html).toMatch(/id="responseDeadlineDate-error"[^>]*>.*must be in the future/s);
  });

  it('a pending organization sees why it cannot post', async () => {
    const browser = t.pageAs(await pendingGovernment('focal.form@gov.example'));
    const response = await browser.post('/m/gfmd-2007/requests/new', { ...sampleRequest, countries: 'NP', languages: 'en', themes: [], maxMatches: '3' } as never, { formPage: '/m/gfmd-2007/requests/new' });
    expect(response.status).toBe(403);
    expect(response.html).toContain('waiting for verification');
  });

  it('an organizer publishes and rejects from the request page', async () => {
    const request = await postRequest(t.people.bangladesh, { title: 'Request moderated in the browser' });
    const browser = t.pages.organizer;
    const empty = await browser.post(`/requests/${request.id}/reject`, { reason: '' }, { formPage: `/requests/${request.id}` });
    expect(empty.status).toBe(422);
    expect(empty.html).toContain('Reason: is required');
    const published = await browser.post(`/requests/${request.id}/publish`, {}, { formPage: `/requests/${request.id}` });
    expect(published.status).toBe(303);
    expect((await t.api('GET', `/api/v1/requests/${request.id}`)).body.status).toBe('open');
  });
});

// This test closes the request itself, as the worker does: with no workers here, no sweep closes it first
// (which would clear the cached list before the test looks, and leave its close nothing to do).
describe('the public list and a close in another process', () => {
  const t = useTestEnvironment({ ...settings, workers: false });

  it('a close committed by another process (the worker) clears this process’s copy of the list at once, through Redis', async () => {
    const request = await postRequest(t.people.bangladesh, { title: 'Request closed by another process', countries: ['NP'], category: 'equipment' }, t);
    await t.api('POST', `/api/v1/requests/${request.id}/publish`, { token: t.people.organizer.token });
    const url = '/api/v1/marketplaces/gfmd-2007/requests?country=NP&category=equipment';
    expect((await t.api('GET', url)).body.items.map((r: { id: string }) => r.id)).toEqual([request.id]);
    await passDeadline(t.env.ctx, [request.id]);
    // Not yet closed: the cached page still lists it (the cache's TTL here is 300 s).
    expect((await t.api('GET', url)).body.items).toHaveLength(1);
    const other = createContext(t.env.config, 'other-process');
    try {
      expect(await closeRequest(other, request.id)).toBe('closed');
    } finally {
      await closeContext(other);
    }
    await expect.poll(async () => (await t.api('GET', url)).body.items.length, { timeout: 20_000, interval: 50 }).toBe(0);
  });
});

describe('who sees and does what on a request', () => {
  it('a pending member of the requesting ministry is a stranger to its unpublished and rejected requests; an active member sees the reason', async () => {
    const { env, api } = t;
    const { bangladesh, organizer } = t.people;
    const newcomer = await createPerson(env.ctx, { email: 'newcomer@mole.gov.bd', organization: { name: 'Ministry of Expatriates Welfare, Bangladesh', kind: 'government', country: 'BD' }, membership: 'pending' });
    const request = await postRequest(bangladesh, { title: 'Request a newcomer must not see' });
    expect((await api('GET', `/api/v1/requests/${request.id}`, { token: newcomer.token })).status).toBe(404);
    await api('POST', `/api/v1/requests/${request.id}/reject`, { token: organizer.token, body: { reason: 'Too close to another request of yours.' } });
    expect((await api('GET', `/api/v1/requests/${request.id}`, { token: newcomer.token })).status).toBe(404);
    expect((await api('GET', `/api/v1/requests/${request.id}`, { token: bangladesh.token })).body.rejectionReason).toBe('Too close to another request of yours.');
    const mine = await api('GET', '/api/v1/marketplaces/gfmd-2007/requests?mine=true', { token: newcomer.token });
    expect(mine.status).toBe(403);
    expect(mine.body.detail).toMatch(/membership is waiting for approval/);

    const member = new PageClient(env.baseUrl);
    member.setCookie('fm_session', bangladesh.browserToken);
    const page = await member.get(`/requests/${request.id}`);
    expect(page.html).toContain('Too close to another request of yours.');
    // Rejected: nothing left to edit or withdraw.
    expect(page.html).not.toContain('Withdraw this request');
    expect(page.html).not.toContain(`href="/requests/${request.id}/edit"`);
    const stranger = new PageClient(env.baseUrl);
    stranger.setCookie('fm_session', newcomer.browserToken);
    expect((await stranger.get(`/requests/${request.id}`)).status).toBe(404);
  });

  it('the request page offers each person the actions they may take, and only those', async () => {
    const { env, api } = t;
    const { bangladesh, ilo, organizer } = t.people;
    const request = await postRequest(bangladesh, { title: 'Request whose page shows the right buttons' });
    const as = (person: TestPerson) => {
      const browser = new PageClient(env.baseUrl);
      browser.setCookie('fm_session', person.browserToken);
      return browser.get(`/requests/${request.id}`).then((p) => p.html);
    };
    const buttons = (html: string) => ({
      edit: html.includes(`href="/requests/${request.id}/edit"`),
      withdraw: html.includes('Withdraw this request'),
      publish: html.includes(`action="/requests/${request.id}/publish"`),
      reject: html.includes(`action="/requests/${request.id}/reject"`),
      deadline: html.includes(`action="/requests/${request.id}/deadline"`),
    });
    expect(buttons(await as(bangladesh))).toEqual({ edit: true, withdraw: true, publish: false, reject: false, deadline: false });
    expect(buttons(await as(organizer))).toEqual({ edit: true, withdraw: true, publish: true, reject: true, deadline: true });
    await api('POST', `/api/v1/requests/${request.id}/publish`, { token: organizer.token });
    expect(buttons(await as(organizer))).toEqual({ edit: true, withdraw: true, publish: false, reject: true, deadline: true });
    expect(buttons(await as(ilo))).toEqual({ edit: false, withdraw: false, publish: false, reject: false, deadline: false });
    await passDeadline(env.ctx, [request.id]);
    expect(await closeRequest(env.ctx, request.id)).toBe('closed');
    // Closed: only the deadline can still move (it reopens the request).
    expect(buttons(await as(organizer))).toEqual({ edit: false, withdraw: false, publish: false, reject: false, deadline: true });
    expect(buttons(await as(bangladesh))).toEqual({ edit: false, withdraw: false, publish: false, reject: false, deadline: false });
  });

  it('sealed responses cannot be unsealed once a provider responded on that promise; before any response they can', async () => {
    const { api } = t;
    const { bangladesh, ilo, organizer } = t.people;
    const sealed = await postRequest(bangladesh, { title: 'Sealed request with a response', sealedResponses: true });
    await api('POST', `/api/v1/requests/${sealed.id}/publish`, { token: organizer.token });
    expect((await api('POST', `/api/v1/requests/${sealed.id}/responses`, { token: ilo.token, body: sampleResponse })).status).toBe(201);
    const unseal = await api('PATCH', `/api/v1/requests/${sealed.id}`, { token: bangladesh.token, body: { sealedResponses: false } });
    expect(unseal.status).toBe(422);
    expect(unseal.body.errors[0]).toMatchObject({ path: 'sealedResponses', message: expect.stringMatching(/cannot be turned off/) });
    const seen = await api('GET', `/api/v1/requests/${sealed.id}/responses`, { token: bangladesh.token });
    expect(seen.body).toMatchObject({ items: [], sealedUntilClose: true });

    const untouched = await postRequest(bangladesh, { title: 'Sealed request nobody answered yet', sealedResponses: true });
    await api('POST', `/api/v1/requests/${untouched.id}/publish`, { token: organizer.token });
    const changed = await api('PATCH', `/api/v1/requests/${untouched.id}`, { token: bangladesh.token, body: { sealedResponses: false } });
    expect(changed.status).toBe(200);
    expect(changed.body.sealedResponses).toBe(false);
  });
});

describe('the requests table under responses and browsing', () => {
  it('a new request reaches the filters’ GIN indexes at once (no pending list for browsing to scan), and its pages leave room for the counts to change in place', async () => {
    const db = t.env.ctx.db;
    await sql`CREATE EXTENSION IF NOT EXISTS pgstattuple`.execute(db);
    const posted = await postRequest(t.people.bangladesh, { title: 'Indexed at once', countries: ['LK'] });
    await t.api('POST', `/api/v1/requests/${posted.id}/publish`, { token: t.people.organizer.token });
    const pending = await sql<{ index: string; pending: number }>`
      SELECT c.relname AS index, (pgstatginindex(c.oid)).pending_tuples::int AS pending
      FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam
      WHERE i.indrelid = 'requests'::regclass AND a.amname = 'gin' ORDER BY 1`.execute(db);
    // (The search vector's index keeps its pending list: see the migration.)
    expect(pending.rows.filter((r) => r.index !== 'requests_search_idx')).toEqual(['requests_countries_idx', 'requests_languages_idx', 'requests_themes_idx'].map((index) => ({ index, pending: 0 })));
    const table = await sql<{ options: string[] }>`SELECT reloptions AS options FROM pg_class WHERE oid = 'requests'::regclass`.execute(db);
    expect(table.rows[0]!.options).toContain('fillfactor=85');
    // And the listing finds it by the arrays those indexes serve.
    const listed = await t.api('GET', '/api/v1/marketplaces/gfmd-2007/requests?country=LK&language=en');
    expect(listed.body.items.map((r: { id: string }) => r.id)).toContain(posted.id);
  });
});
