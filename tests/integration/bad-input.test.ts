import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { startTestEnvironment, type TestEnvironment } from '../helpers/environment.ts';
import { apiClient } from '../helpers/http.ts';
import { createTestMarketplace, publishedRequest, sampleRequest, sampleResponse, type TestPerson, castMember } from '../helpers/factories.ts';
import { apiOperations } from '../../src/http/openapi.ts';

/**
 * Generated bodies and query strings against every API route: never a 5xx; every refusal is
 * problem+json, and a 422 names the fields.
 */
let env: TestEnvironment;
let api: ReturnType<typeof apiClient>;
let organizer: TestPerson;
let requester: TestPerson;
let provider: TestPerson;
let ids: Record<string, string>;

const RUNS_PER_ROUTE = Number(process.env.FUZZ_RUNS_PER_ROUTE ?? 360);

beforeAll(async () => {
  env = await startTestEnvironment({ organizers: ['secretariat@gfmd.test'], workers: false });
  api = apiClient(env.baseUrl);
  organizer = await castMember(env.ctx, 'organizer');
  requester = await castMember(env.ctx, 'bangladesh');
  provider = await castMember(env.ctx, 'ilo');
  await createTestMarketplace(env.ctx, organizer);
  const request = await publishedRequest(api, requester, organizer);
  const response = await api('POST', `/api/v1/requests/${request.id}/responses`, { token: provider.token, body: sampleResponse });
  ids = { request: request.id, response: response.body.id, organization: provider.organizationId!, user: provider.id };
});
afterAll(async () => env?.close());

/** Strings that break naive code: markup, header injection, control and Unicode tricks, huge numbers. */
const nasty = fc.constantFrom(
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  'line\r\nBcc: victim@example.org',
  '=cmd|" /C calc"!A0',
  '\u202Egnp.exe',
  '\u0000',
  'ﬀ𝔘𝔫𝔦𝔠𝔬𝔡𝔢 🙂 مرحبا',
  ' '.repeat(300),
  '9'.repeat(400),
  '2007-02-30',
  '../../etc/passwd',
  "'; DROP TABLE requests; --",
  '{{7*7}}',
  '__proto__',
);
const anyJson = fc.oneof(fc.jsonValue({ maxDepth: 3 }), nasty, fc.string({ maxLength: 50 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null));

function sampleBodyFor(path: string): Record<string, unknown> {
  if (path.endsWith('/requests') ) return { ...sampleRequest };
  if (path.endsWith('/responses')) return { ...sampleResponse };
  if (path === '/marketplaces') return { slug: 'x-edition', name: 'An edition', timeZone: 'Europe/Brussels', opensAt: '2030-01-01', responseDeadline: '2030-02-01', forumStartsAt: '2030-03-01', forumEndsAt: '2030-03-02' };
  if (path.endsWith('/organization')) return { name: 'Ministry of Labour', kind: 'government', country: 'NP' };
  if (path.endsWith('/deadline')) return { responseDeadline: '2030-01-01' };
  if (path.endsWith('/reject')) return { reason: 'Please split the request.' };
  if (path.endsWith('/interests')) return { categories: ['training'] };
  if (path.endsWith('/unavailability')) return { startsAt: '2027-07-10T09:00', endsAt: '2027-07-10T10:00' };
  if (path.endsWith('/preferred')) return { preferred: true };
  if (path.endsWith('/magic-link')) return { email: 'someone@example.org' };
  if (path.endsWith('/token')) return { token: 'x'.repeat(43) };
  return {};
}

/** A body: anything at all, or a valid one with one field broken, or one extra field. */
function bodies(path: string) {
  const sample = sampleBodyFor(path);
  const keys = Object.keys(sample);
  return fc.oneof(
    anyJson,
    keys.length ? fc.tuple(fc.constantFrom(...keys), anyJson).map(([k, v]) => ({ ...sample, [k]: v })) : anyJson,
    fc.tuple(fc.string({ minLength: 1, maxLength: 10 }), anyJson).map(([k, v]) => ({ ...sample, [k]: v })),
  );
}

function concrete(path: string): string {
  return `/api/v1${path
    .replace('/organizations/{id}/members/{userId}', `/organizations/${ids.organization}/members/${ids.user}`)
    .replace('/organizations/{id}', `/organizations/${ids.organization}`)
    .replace('{slug}', 'gfmd-2007')
    .replace('/requests/{id}', `/requests/${ids.request}`)
    .replace('/responses/{id}', `/responses/${ids.response}`)
    .replace(/\{id\}/g, '00000000-0000-4000-8000-000000000000')}`;
}

function checkProblem(status: number, contentType: string | null, body: any, context: string): void {
  expect(status, context).toBeLessThan(500);
  if (status >= 400) {
    expect(contentType, context).toContain('application/problem+json');
    expect(body, context).toMatchObject({ type: expect.any(String), title: expect.any(String), status });
    if (status === 422) {
      expect(body.errors.length, context).toBeGreaterThan(0);
      for (const e of body.errors) expect(e, context).toMatchObject({ path: expect.any(String), message: expect.any(String) });
    }
  }
}

describe('bad input over the API', () => {
  const withBody = apiOperations.filter((o) => o.method !== 'get' && o.method !== 'delete' && !o.path.startsWith('/auth/sign-out'));
  for (const operation of withBody) {
    it(`${operation.method.toUpperCase()} ${operation.path}: generated bodies never cause a 5xx`, async () => {
      const token = operation.path.includes('/responses') && operation.method === 'post' ? provider.token : operation.path.endsWith('/requests') ? requester.token : organizer.token;
      await fc.assert(
        fc.asyncProperty(bodies(operation.path), async (body) => {
          const response = await api(operation.method.toUpperCase(), concrete(operation.path), { token, rawBody: JSON.stringify(body) ?? 'null' });
          checkProblem(response.status, response.headers.get('content-type'), response.body, `${operation.method} ${operation.path} ${JSON.stringify(body)?.slice(0, 200)}`);
        }),
        { numRuns: RUNS_PER_ROUTE },
      );
    }, 120_000);
  }

  it('generated query strings on the lists never cause a 5xx', async () => {
    const lists = ['/api/v1/marketplaces/gfmd-2007/requests', '/api/v1/organizations', '/api/v1/emails'];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...lists), fc.dictionary(fc.constantFrom('status', 'category', 'theme', 'country', 'language', 'q', 'limit', 'cursor', 'mine', 'x'), fc.oneof(fc.string({ maxLength: 30 }), nasty)), async (path, query) => {
        const response = await api('GET', `${path}?${new URLSearchParams(query)}`, { token: organizer.token });
        checkProblem(response.status, response.headers.get('content-type'), response.body, `${path} ${JSON.stringify(query)}`);
      }),
      { numRuns: RUNS_PER_ROUTE * 2 },
    );
  }, 120_000);

  it('malformed JSON, a wrong content type and an oversized body are refused cleanly', async () => {
    for (const raw of ['{', '[1,', '"unterminated', '\u0000', 'nul']) {
      const response = await api('POST', '/api/v1/marketplaces/gfmd-2007/requests', { token: requester.token, rawBody: raw });
      checkProblem(response.status, response.headers.get('content-type'), response.body, raw);
      expect(response.status).toBe(400);
    }
    const xml = await api('POST', '/api/v1/marketplaces/gfmd-2007/requests', { token: requester.token, rawBody: '<request/>', contentType: 'application/xml' });
    expect(xml.status).toBe(415);
    const huge = await api('POST', '/api/v1/auth/magic-link', { rawBody: JSON.stringify({ email: 'a'.repeat(300_000) }) });
    expect(huge.status).toBe(413);
  });
});

describe('bad input through the forms', () => {
  it('generated form fields on every form never cause a 5xx, and a refusal shows the form again', async () => {
    const { PageClient } = await import('../helpers/http.ts');
    const browser = new PageClient(env.baseUrl);
    browser.setCookie('fm_session', requester.browserToken);
    const organizerBrowser = new PageClient(env.baseUrl);
    organizerBrowser.setCookie('fm_session', organizer.browserToken);
    const providerBrowser = new PageClient(env.baseUrl);
    providerBrowser.setCookie('fm_session', provider.browserToken);
    const forms: Array<{ client: InstanceType<typeof PageClient>; page: string; action: string; fields: string[] }> = [
      { client: browser, page: '/m/gfmd-2007/requests/new', action: '/m/gfmd-2007/requests/new', fields: ['title', 'category', 'themes', 'otherThemes', 'description', 'expectedOutcome', 'countries', 'languages', 'maxMatches', 'responseDeadlineDate', 'responseDeadlineTime'] },
      { client: browser, page: `/requests/${ids.request}/edit`, action: `/requests/${ids.request}/edit`, fields: ['title', 'category', 'themes', 'countries', 'languages', 'maxMatches', 'responseDeadlineDate', 'responseDeadlineTime'] },
      { client: browser, page: '/account/organization', action: '/account/organization', fields: ['name', 'kind', 'country', 'personName'] },
      { client: browser, page: '/account/preferences', action: '/account/preferences', fields: ['categories', 'themes', 'countries', 'digest', 'timeZone'] },
      { client: organizerBrowser, page: '/organizer/marketplaces/new', action: '/organizer/marketplaces/new', fields: ['name', 'slug', 'timeZone', 'opensAtDate', 'opensAtTime', 'responseDeadlineDate', 'responseDeadlineTime', 'forumStartsAt', 'forumEndsAt', 'meetingMinutes', 'sideMeetingsFrom', 'sideMeetingsUntil', 'rooms', 'sessions', 'roles'] },
      { client: organizerBrowser, page: `/requests/${ids.request}`, action: `/requests/${ids.request}/deadline`, fields: ['deadlineDate', 'deadlineTime'] },
      { client: organizerBrowser, page: `/requests/${ids.request}`, action: `/requests/${ids.request}/reject`, fields: ['reason'] },
      { client: providerBrowser, page: `/responses/${ids.response}/edit`, action: `/responses/${ids.response}/edit`, fields: ['summary', 'details', 'offerCategories', 'modality', 'languages', 'funding', 'intent'] },
      { client: providerBrowser, page: '/meetings', action: '/marketplaces/gfmd-2007/unavailability', fields: ['day', 'from', 'until', 'note'] },
    ];
    for (const form of forms) {
      const csrf = form.client.csrfFrom((await form.client.get(form.page)).html);
      const value = fc.oneof(fc.string({ maxLength: 40 }), nasty, fc.constantFrom('', '2007-06-20', '25:99', '1.2 | x | 2007-07-10 15:00 | 2007-07-10 18:00', 'training', '-1', '1e9'));
      await fc.assert(
        fc.asyncProperty(fc.dictionary(fc.constantFrom(...form.fields), fc.oneof(value, fc.array(value, { maxLength: 3 }))), async (fields) => {
          const response = await form.client.post(form.action, fields, { csrf });
          expect(response.status, `${form.action} ${JSON.stringify(fields).slice(0, 200)}`).toBeLessThan(500);
          if (response.status >= 400 && response.status !== 404) expect(response.html).toMatch(/<html/);
        }),
        { numRuns: Math.max(20, Math.floor(RUNS_PER_ROUTE / 6)) },
      );
    }
  }, 180_000);
});
