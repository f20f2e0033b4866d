import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import net from 'node:net';
import zlib from 'node:zlib';
import type { z } from 'zod';
import { startTestEnvironment, type TestEnvironment } from '../helpers/environment.ts';
import { apiClient, PageClient } from '../helpers/http.ts';
import { createTestMarketplace, publishedRequest, sampleRequest, sampleResponse, type TestPerson, castMember } from '../helpers/factories.ts';
import { apiOperations } from '../../src/http/openapi.ts';

/**
 * Generated bodies and query strings against every API route: never a 5xx; every refusal is
 * problem+json, and a 422 names the fields. Then what an intruder's fuzzer sends: JSON nested thousands
 * deep, compressed or falsely "compressed" bodies, addresses whose percent-encoding does not decode,
 * odd methods, headers and framing; pages answer those with a 4xx error page.
 */
let env: TestEnvironment;
let api: ReturnType<typeof apiClient>;

/** Every request this file sends and every 5xx among the answers: printed once, for the figure the lead quotes. */
const tally = { requests: 0, serverErrors: 0 };
function tallied<R extends { status: number }>(answer: R): R {
  tally.requests++;
  if (answer.status >= 500) tally.serverErrors++;
  return answer;
}

/** A PageClient whose requests are counted. */
class TalliedPageClient extends PageClient {
  override async get(path: string) {
    return tallied(await super.get(path));
  }
  override async post(path: string, fields: Record<string, string | string[]>, options: { formPage?: string; csrf?: string | null } = {}) {
    return tallied(await super.post(path, fields, options));
  }
}
let organizer: TestPerson;
let requester: TestPerson;
let provider: TestPerson;
let ids: Record<string, string>;

const RUNS_PER_ROUTE = Number(process.env.FUZZ_RUNS_PER_ROUTE ?? 360);

beforeAll(async () => {
  env = await startTestEnvironment({ organizers: ['secretariat@gfmd.test'], workers: false });
  const send = apiClient(env.baseUrl);
  api = (async (method: string, path: string, options?: Parameters<typeof send>[2]) => tallied(await send(method, path, options))) as typeof send;
  organizer = await castMember(env.ctx, 'organizer');
  requester = await castMember(env.ctx, 'bangladesh');
  provider = await castMember(env.ctx, 'ilo');
  await createTestMarketplace(env.ctx, organizer);
  const request = await publishedRequest(api, requester, organizer);
  const response = await api('POST', `/api/v1/requests/${request.id}/responses`, { token: provider.token, body: sampleResponse });
  ids = { request: request.id, response: response.body.id, organization: provider.organizationId!, user: provider.id };
});
afterAll(async () => {
  console.info(`bad-input: ${tally.requests.toLocaleString('en')} requests, ${tally.serverErrors} 5xx`);
  await env?.close();
});

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

/** What a stack trace looks like in an answer: "    at fn (file.ts:12:3)", a node_modules path. */
const stackTrace = /\n\s+at |node_modules|\.[jt]s:\d+:\d+/;

/** Who calls an operation: the party that may, so refusals come from the input, not from authorization. */
function tokenFor(operation: (typeof apiOperations)[number]): string | undefined {
  // A body that passes would end the organizer's token for the rest of the file.
  if (operation.path === '/auth/sign-out') return undefined;
  return operation.path.includes('/responses') && operation.method === 'post' ? provider.token : operation.path.endsWith('/requests') ? requester.token : organizer.token;
}

function checkProblem(status: number, contentType: string | null, body: any, context: string): void {
  expect(status, context).toBeLessThan(500);
  expect(typeof body === 'string' ? body : JSON.stringify(body), context).not.toMatch(stackTrace);
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
      const token = tokenFor(operation);
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
    const browser = new TalliedPageClient(env.baseUrl);
    browser.setCookie('fm_session', requester.browserToken);
    const organizerBrowser = new TalliedPageClient(env.baseUrl);
    organizerBrowser.setCookie('fm_session', organizer.browserToken);
    const providerBrowser = new TalliedPageClient(env.baseUrl);
    providerBrowser.setCookie('fm_session', provider.browserToken);
    const forms: Array<{ client: TalliedPageClient; page: string; action: string; fields: string[] }> = [
      { client: browser, page: '/m/gfmd-2007/requests/new', action: '/m/gfmd-2007/requests/new', fields: ['title', 'category', 'themes', 'otherThemes', 'description', 'expectedOutcome', 'countries', 'languages', 'maxMatches', 'responseDeadlineDate', 'responseDeadlineTime'] },
      { client: browser, page: `/requests/${ids.request}/edit`, action: `/requests/${ids.request}/edit`, fields: ['title', 'category', 'themes', 'countries', 'languages', 'maxMatches', 'responseDeadlineDate', 'responseDeadlineTime'] },
      { client: browser, page: '/account/organization', action: '/account/organization', fields: ['name', 'kind', 'country', 'personName'] },
      { client: browser, page: '/account/preferences', action: '/account/preferences', fields: ['categories', 'themes', 'countries', 'digest', 'timeZone'] },
      { client: organizerBrowser, page: '/organizer/marketplaces/new', action: '/organizer/marketplaces/new', fields: ['name', 'slug', 'timeZone', 'opensAtDate', 'opensAtTime', 'responseDeadlineDate', 'responseDeadlineTime', 'forumStartsAt', 'forumEndsAt', 'meetingMinutes', 'sideMeetingsFrom', 'sideMeetingsUntil', 'rooms', 'sessionCode', 'sessionTitle', 'sessionDate', 'sessionStart', 'sessionEnd', 'roleSession', 'roleOrganization', 'roleKind', 'roleNote'] },
      { client: organizerBrowser, page: `/requests/${ids.request}`, action: `/requests/${ids.request}/deadline`, fields: ['deadlineDate', 'deadlineTime'] },
      { client: organizerBrowser, page: `/requests/${ids.request}`, action: `/requests/${ids.request}/reject`, fields: ['reason'] },
      { client: providerBrowser, page: `/responses/${ids.response}/edit`, action: `/responses/${ids.response}/edit`, fields: ['summary', 'details', 'offerCategories', 'modality', 'languages', 'funding', 'intent'] },
      { client: providerBrowser, page: '/meetings', action: '/meetings/unavailability', fields: ['marketplace', 'day', 'from', 'until', 'note'] },
    ];
    for (const form of forms) {
      // The form page when it shows its form; else (a request the fuzzing above withdrew or rejected, whose edit page now
      // sends to the request's page) any page of the session: the token is the session's.
      const page = await form.client.get(form.page);
      const csrf = form.client.csrfFrom(page.status === 200 ? page.html : (await form.client.get('/account/preferences')).html);
      const value = fc.oneof(fc.string({ maxLength: 40 }), nasty, fc.constantFrom('', '2007-06-20', '25:99', '15:00', '1.2', 'speaker', '00000000-0000-0000-0000-000000000000', 'training', '-1', '1e9'));
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

/** An answer read whole, counted in the tally. */
interface Answer {
  status: number;
  contentType: string | null;
  headers: Headers | Map<string, string>;
  text: string;
  body: any;
}

async function request(method: string, path: string, init: { headers?: Record<string, string> | undefined; body?: string | Buffer } = {}): Promise<Answer> {
  const response = await fetch(new URL(path, env.baseUrl), { method, headers: init.headers, body: init.body as BodyInit | undefined, redirect: 'manual' });
  const text = await response.text();
  const contentType = response.headers.get('content-type');
  return tallied({ status: response.status, contentType, headers: response.headers, text, body: contentType?.includes('json') && text ? JSON.parse(text) : text });
}

/**
 * Exactly these bytes over a socket, for what fetch will not send: `..` left in a path, a body on GET,
 * a Host header, broken chunked framing, a 20 kB header.
 */
function rawRequest(method: string, path: string, headers: Record<string, string> = {}, body?: string | Buffer): Promise<Answer> {
  const bytes = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(body);
  const all: Record<string, string> = { host: new URL(env.baseUrl).host, connection: 'close', ...(bytes && !headers['transfer-encoding'] ? { 'content-length': String(bytes.length) } : {}), ...headers };
  const head = `${method} ${path} HTTP/1.1\r\n${Object.entries(all).map(([name, value]) => `${name}: ${value}`).join('\r\n')}\r\n\r\n`;
  const url = new URL(env.baseUrl);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(url.port), url.hostname);
    const chunks: Buffer[] = [];
    socket.setTimeout(10_000, () => socket.destroy(new Error(`no answer to ${method} ${path.slice(0, 80)}`)));
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const answer = Buffer.concat(chunks).toString('utf8');
      const split = answer.indexOf('\r\n\r\n');
      const [statusLine, ...lines] = answer.slice(0, split === -1 ? answer.length : split).split('\r\n');
      const headersRead = new Map(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
      const text = split === -1 ? '' : answer.slice(split + 4);
      const contentType = headersRead.get('content-type') ?? null;
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '')?.[1]);
      if (!status) return reject(new Error(`no HTTP answer to ${method} ${path.slice(0, 80)}: ${JSON.stringify(answer.slice(0, 200))}`));
      resolve(tallied({ status, contentType, headers: headersRead, text, body: contentType?.includes('json') && text ? JSON.parse(text) : text }));
    });
    // Written, not ended: a half-closed socket makes Node drop an answer that takes a moment. `connection: close` ends it.
    socket.write(bytes ? Buffer.concat([Buffer.from(head, 'latin1'), bytes]) : Buffer.from(head, 'latin1'));
  });
}

function problemOf(answer: Answer, context: string): void {
  checkProblem(answer.status, answer.contentType, answer.body, context);
}

/** A person's page refusing a request: a 4xx with the HTML error page, no stack trace. */
function checkPage(answer: Answer, context: string): void {
  expect(answer.status, context).toBeGreaterThanOrEqual(400);
  expect(answer.status, context).toBeLessThan(500);
  expect(answer.contentType, context).toContain('text/html');
  expect(answer.text, context).toMatch(/<html/);
  expect(answer.text, context).not.toMatch(stackTrace);
}

const problemType = (name: string) => `https://forum-marketplace.dev/problems/${name}`;

/** An operation's path with one parameter replaced by `segment` (as sent, not encoded) and the others real. */
function concreteWith(path: string, parameter: string, segment: string): string {
  return concrete(path.replace(`{${parameter}}`, '{broken}'))
    .replace(/\{(?!broken\})\w+\}/g, '00000000-0000-4000-8000-000000000000')
    .replace('{broken}', segment);
}

/** A percent-encoding that does not decode: a lone or short "%", a byte that is not UTF-8, an overlong or surrogate sequence. */
const brokenEscape = fc.oneof(
  fc.constantFrom('%', '%%', '%zz', '%g0', '%E0%A4%A', '%E0%A4', '%ff', '%FE%FF', '%C0%AF', '%ED%A0%80', '%F4%90%80%80'),
  fc.integer({ min: 0x80, max: 0xff }).map((byte) => `%${byte.toString(16)}`),
  fc.constantFrom(...'0123456789abcdefABCDEF').map((digit) => `%${digit}`),
);
/** A path segment or query value holding one broken escape between ordinary text (the "-" keeps a short escape from being completed). */
const malformedComponent = fc
  .tuple(fc.string({ maxLength: 8 }), brokenEscape, fc.string({ maxLength: 8 }))
  .map(([before, escape, after]) => `${encodeURIComponent(before)}${escape}-${encodeURIComponent(after)}`);

function expectUndecodable(component: string): void {
  expect(() => decodeURIComponent(component), `${component} should not decode`).toThrow(URIError);
}

/** JSON nested `depth` levels: arrays, objects, or arrays inside one field of the route's valid body. */
function nestedJson(depth: number, shape: 'array' | 'object' | 'field', sample: Record<string, unknown>): string {
  if (shape === 'array') return '['.repeat(depth) + ']'.repeat(depth);
  if (shape === 'object') return '{"a":'.repeat(depth - 1) + '{}' + '}'.repeat(depth - 1);
  const [key = 'x', ...others] = Object.keys(sample);
  const rest = others.map((k) => `,${JSON.stringify(k)}:${JSON.stringify(sample[k])}`).join('');
  return `{${JSON.stringify(key)}:${'['.repeat(depth - 1)}${']'.repeat(depth - 1) || '0'}${rest}}`;
}

function compress(encoding: string, text: string): Buffer {
  const name = encoding.toLowerCase().split(/[,;]/)[0]!.trim();
  if (name === 'deflate') return zlib.deflateSync(text);
  if (name === 'br') return zlib.brotliCompressSync(text);
  return zlib.gzipSync(text);
}

const queryNames = (operation: (typeof apiOperations)[number]): string[] =>
  operation.query && 'shape' in operation.query ? Object.keys((operation.query as z.ZodObject).shape) : ['q', 'lang'];

describe('hostile input over the API', () => {
  const withAnyBody = apiOperations.filter((o) => o.method !== 'get');
  const gets = apiOperations.filter((o) => o.method === 'get');

  it('JSON nested deeper than 64 levels is a 400 body-too-deep on every route that takes a body, before any validation walks it', async () => {
    for (const operation of withAnyBody) {
      const method = operation.method.toUpperCase();
      const sample = sampleBodyFor(operation.path);
      const nesting = fc.record({
        depth: fc.oneof(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 65, max: 200 }), fc.constantFrom(1000, 5000, 16_000)),
        shape: fc.constantFrom('array' as const, 'object' as const, 'field' as const),
      });
      await fc.assert(
        fc.asyncProperty(nesting, async ({ depth, shape }) => {
          const answer = await api(method, concrete(operation.path), { token: tokenFor(operation), rawBody: nestedJson(depth, shape, sample) });
          const context = `${method} ${operation.path} nested ${depth} (${shape})`;
          checkProblem(answer.status, answer.headers.get('content-type'), answer.body, context);
          if (depth > 64) {
            expect(answer.status, context).toBe(400);
            expect(answer.body.type, context).toBe(problemType('body-too-deep'));
            expect(answer.body.detail, context).toBe('The body nests deeper than 64 levels.');
          } else {
            expect(answer.body?.type, context).not.toBe(problemType('body-too-deep'));
          }
        }),
        { numRuns: 4, examples: [[{ depth: 64, shape: 'array' }], [{ depth: 65, shape: 'object' }], [{ depth: 5000, shape: 'field' }]] },
      );
    }
  }, 60_000);

  it('a body with any Content-Encoding (gzip, deflate, br or unknown; compressed, plain, truncated or empty) is a 415 that says to send it uncompressed', async () => {
    const encodings = fc.constantFrom('gzip', 'deflate', 'br', 'x-gzip', 'compress', 'zstd', 'foo', 'GZIP', 'gzip, identity', 'identity, gzip');
    const kinds = fc.constantFrom('compressed', 'plain', 'truncated', 'garbage', 'empty');
    for (const operation of withAnyBody) {
      const method = operation.method.toUpperCase();
      const json = JSON.stringify(sampleBodyFor(operation.path));
      await fc.assert(
        fc.asyncProperty(encodings, kinds, async (encoding, kind) => {
          const compressed = compress(encoding, json);
          const body = { compressed, plain: Buffer.from(json), truncated: compressed.subarray(0, Math.ceil(compressed.length / 2)), garbage: Buffer.from([0x1f, 0x8b, 0x08, 0xff, 0x00, 0x13, 0x37]), empty: Buffer.alloc(0) }[kind];
          const token = tokenFor(operation);
          // Over a socket: fetch sends no Content-Length for an empty DELETE body, and then there is no body to refuse.
          const answer = await rawRequest(method, concrete(operation.path), { 'content-type': 'application/json', 'content-encoding': encoding, ...(token ? { authorization: `Bearer ${token}` } : {}) }, body);
          const context = `${method} ${operation.path} Content-Encoding: ${encoding} (${kind})`;
          problemOf(answer, context);
          expect(answer.status, context).toBe(415);
          expect(answer.body.type, context).toBe(problemType('unsupported-content-encoding'));
          expect(answer.body.detail, context).toMatch(/uncompressed/);
          expect(answer.headers.get('accept-encoding'), context).toBe('identity');
        }),
        { numRuns: 5, examples: [['gzip', 'plain'], ['gzip', 'compressed'], ['br', 'truncated']] },
      );
    }
    // "identity" is no encoding at all: the body is read.
    const identity = await request('POST', '/api/v1/auth/magic-link', { headers: { 'content-type': 'application/json', 'content-encoding': 'identity' }, body: JSON.stringify({ email: 'someone@example.org' }) });
    expect(identity.status).toBe(202);
  }, 60_000);

  it('a path parameter whose percent-encoding does not decode is a 400 malformed-path on every route template, for HEAD too', async () => {
    for (const operation of apiOperations) {
      const methods = operation.method === 'get' ? ['GET', 'HEAD'] : [operation.method.toUpperCase()];
      for (const parameter of [...operation.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!)) {
        await fc.assert(
          fc.asyncProperty(malformedComponent, fc.constantFrom(...methods), async (segment, method) => {
            expectUndecodable(segment);
            const answer = await request(method, concreteWith(operation.path, parameter, segment), { headers: { authorization: `Bearer ${organizer.token}` } });
            const context = `${method} ${operation.path} with {${parameter}} = ${segment}`;
            expect(answer.status, context).toBe(400);
            expect(answer.contentType, context).toContain('application/problem+json');
            if (method !== 'HEAD') expect(answer.body.type, context).toBe(problemType('malformed-path'));
          }),
          { numRuns: 4 },
        );
      }
    }
    // In a fixed part of the address too, where no route matches.
    const unmatched = await request('GET', '/api/v1/%E0%A4%A/marketplaces');
    expect(unmatched.status).toBe(400);
    expect(unmatched.body.type).toBe(problemType('malformed-path'));
  }, 60_000);

  it('a query parameter whose percent-encoding does not decode is a 400 malformed-query naming the parameter, on every GET route', async () => {
    for (const operation of gets) {
      const names = queryNames(operation);
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...names), malformedComponent, async (name, value) => {
          expectUndecodable(value);
          const answer = await request('GET', `${concrete(operation.path)}?limit=5&${name}=${value}`, { headers: { authorization: `Bearer ${organizer.token}` } });
          const context = `GET ${operation.path}?${name}=${value}`;
          problemOf(answer, context);
          expect(answer.status, context).toBe(400);
          expect(answer.body.type, context).toBe(problemType('malformed-query'));
          expect(answer.body.errors, context).toEqual([{ path: name, message: expect.stringMatching(/malformed percent-encoding/) }]);
        }),
        { numRuns: 3 },
      );
    }
    const brokenName = await request('GET', '/api/v1/marketplaces/gfmd-2007/requests?st%E0tus=open');
    expect(brokenName.status).toBe(400);
    expect(brokenName.body.type).toBe(problemType('malformed-query'));
  }, 60_000);

  it('a query parameter given twice where the schema wants one value is a 422 naming it, on every route with a query', async () => {
    let refusedAsList = 0;
    for (const operation of apiOperations.filter((o) => o.query)) {
      for (const name of queryNames(operation)) {
        const answer = await api('GET', `${concrete(operation.path)}?${name}=a&${name}=b`, { token: organizer.token });
        const context = `GET ${operation.path}?${name}=a&${name}=b`;
        checkProblem(answer.status, answer.headers.get('content-type'), answer.body, context);
        const issues = (operation.query as z.ZodType).safeParse({ [name]: ['a', 'b'] }).error?.issues ?? [];
        if (issues.some((issue) => issue.path[0] === name)) {
          refusedAsList++;
          expect(answer.status, context).toBe(422);
          expect(answer.body.errors.map((e: { path: string }) => e.path), context).toContain(name);
        }
      }
    }
    expect(refusedAsList).toBeGreaterThan(10);
  });

  it('HEAD, OPTIONS and unknown methods on every API route: never a 5xx; HEAD has no body, the others answer problem+json', async () => {
    for (const operation of apiOperations) {
      const path = concrete(operation.path);
      if (operation.method === 'get') {
        const head = await request('HEAD', path, { headers: { authorization: `Bearer ${organizer.token}` } });
        expect(head.status, `HEAD ${operation.path}`).toBeLessThan(500);
        expect(head.text, `HEAD ${operation.path}`).toBe('');
      }
      for (const method of ['OPTIONS', 'PROPFIND']) problemOf(await request(method, path, { headers: { authorization: `Bearer ${organizer.token}` } }), `${method} ${operation.path}`);
    }
  });

  it('a body on GET is ignored, an empty JSON body is judged as {}, and a charset other than UTF-8 is a 415', async () => {
    for (const operation of gets) {
      const answer = await rawRequest('GET', concrete(operation.path), { authorization: `Bearer ${organizer.token}`, 'content-type': 'application/json' }, nestedJson(5000, 'array', {}));
      problemOf(answer, `GET ${operation.path} with a body`);
    }
    for (const operation of withAnyBody) {
      const answer = await rawRequest(operation.method.toUpperCase(), concrete(operation.path), { 'content-type': 'application/json', 'content-length': '0', ...(tokenFor(operation) ? { authorization: `Bearer ${tokenFor(operation)}` } : {}) });
      problemOf(answer, `${operation.method} ${operation.path} with Content-Length: 0`);
    }
    const empty = await rawRequest('POST', '/api/v1/auth/magic-link', { 'content-type': 'application/json', 'content-length': '0' });
    expect(empty.status).toBe(422);
    expect(empty.body.errors).toEqual([{ path: 'email', message: expect.any(String) }]);
    for (const charset of ['latin1', 'iso-8859-1', 'koi8-r', 'x-unknown']) {
      const answer = await request('POST', '/api/v1/auth/magic-link', { headers: { 'content-type': `application/json; charset=${charset}` }, body: JSON.stringify({ email: 'someone@example.org' }) });
      problemOf(answer, charset);
      expect(answer.status, charset).toBe(415);
    }
  });

  it('framing and headers that break parsers: a 20 kB header, 8 kB and 60 kB path segments, chunked garbage, "..", "//", a bad Host, Accept: text/html', async () => {
    const huge = await rawRequest('GET', '/api/v1/marketplaces', { 'x-filler': 'a'.repeat(20_000) });
    expect(huge.status).toBe(431); // Node's own answer, before express: no body to hold a stack trace
    problemOf(await rawRequest('GET', `/api/v1/requests/${'a'.repeat(8000)}`), '8 kB id');
    problemOf(await rawRequest('GET', `/api/v1/marketplaces/${'a'.repeat(8000)}/requests`), '8 kB slug');
    checkPage(await rawRequest('GET', `/requests/${'a'.repeat(8000)}`), '8 kB page id');
    expect((await rawRequest('GET', `/api/v1/requests/${'a'.repeat(60_000)}`)).status).toBe(431);
    const chunked = await rawRequest('POST', '/api/v1/auth/magic-link', { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, 'zz\r\nnot a chunk\r\n0\r\n\r\n');
    expect(chunked.status).toBe(400);
    expect(chunked.text).not.toMatch(stackTrace);
    for (const path of ['/api/v1/../../etc/passwd', '/api/v1/requests/../../../package.json', '/api/v1//marketplaces', '/api/v1/marketplaces/gfmd-2007//requests']) {
      const answer = await rawRequest('GET', path);
      problemOf(answer, path);
      expect(answer.text, path).not.toContain('forum-marketplace"');
    }
    for (const path of ['/static/../../package.json', '/static/%2e%2e/%2e%2e/package.json', '//m//gfmd-2007', '/m/gfmd-2007/../../../etc/passwd']) {
      const answer = await rawRequest('GET', path);
      expect(answer.status, path).toBeLessThan(500);
      expect(answer.text, path).not.toContain('"name": "forum-marketplace"');
      expect(answer.text, path).not.toMatch(stackTrace);
    }
    for (const host of ['a b', '[::', 'x:y:z', 'evil.example/path']) {
      const apiAnswer = await rawRequest('GET', '/api/v1/marketplaces', { host });
      problemOf(apiAnswer, `Host: ${host}`);
      expect(apiAnswer.body.type, host).toBe(problemType('malformed-host'));
      checkPage(await rawRequest('GET', '/m/gfmd-2007', { host }), `page with Host: ${host}`);
    }
    for (const path of ['/api/v1/requests/%ff', '/api/v1/nothing-here']) {
      const answer = await request('GET', path, { headers: { accept: 'text/html' } });
      problemOf(answer, `${path} Accept: text/html`);
      expect(answer.status).toBeGreaterThanOrEqual(400);
    }
  });
});

describe('hostile input on the pages', () => {
  it('an address whose percent-encoding does not decode (path or query) is a 400 error page, in the reader\'s language', async () => {
    const pages: Array<{ template: string; params: Record<string, string>; query: string[] }> = [
      { template: '/m/{slug}', params: { slug: 'gfmd-2007' }, query: ['q', 'category', 'lang'] },
      { template: '/requests/{id}', params: { id: ids.request! }, query: ['notice', 'lang'] },
      { template: '/login', params: {}, query: ['next', 'lang'] },
      { template: '/responses/{id}/edit', params: { id: ids.response! }, query: ['lang'] },
      { template: '/meetings/{id}/answer/{party}/{token}', params: { id: ids.request!, party: 'requester', token: 'x' }, query: ['lang'] },
    ];
    const fill = (template: string, params: Record<string, string>) => template.replace(/\{(\w+)\}/g, (_, name: string) => params[name]!);
    for (const page of pages) {
      const parameters = Object.keys(page.params);
      await fc.assert(
        fc.asyncProperty(malformedComponent, fc.constantFrom(...(parameters.length ? parameters : ['(appended)'])), fc.constantFrom(...page.query), fc.boolean(), async (bad, parameter, name, signedIn) => {
          const headers = signedIn ? { cookie: `fm_session=${organizer.browserToken}` } : undefined;
          const path = parameter === '(appended)' ? `${page.template}/${bad}` : fill(page.template, { ...page.params, [parameter]: bad });
          checkPage(await request('GET', path, { headers }), `GET ${path}`);
          const query = `${fill(page.template, page.params)}?${name}=${bad}`;
          const answer = await request('GET', query, { headers });
          checkPage(answer, `GET ${query}`);
          expect(answer.status, query).toBe(400);
        }),
        { numRuns: 4 },
      );
    }
    const french = await request('GET', '/m/%E0%A4%A', { headers: { 'accept-language': 'fr' } });
    checkPage(french, 'French');
    expect(french.text).toContain('Adresse mal formée');
    // The forms' posts too (these two need no CSRF token: their signed token is the authorization).
    checkPage(await request('POST', '/unsubscribe/%ff', { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=1' }), 'POST /unsubscribe/%ff');
    checkPage(await request('POST', '/meetings/%/answer/requester/%E0', { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'answer=accept' }), 'POST /meetings/%/answer');
  });

  it('a form sent compressed is a 415 error page; 1,000 fields a 413; bracket-nested names stay flat', async () => {
    for (const encoding of ['gzip', 'deflate', 'br', 'foo']) {
      for (const body of [compress(encoding, 'email=someone%40example.org'), Buffer.from('email=someone%40example.org')]) {
        const answer = await request('POST', '/login', { headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-encoding': encoding }, body });
        checkPage(answer, `form with Content-Encoding: ${encoding}`);
        expect(answer.status).toBe(415);
      }
    }
    const browser = new TalliedPageClient(env.baseUrl);
    const csrf = browser.csrfFrom((await browser.get('/login')).html);
    const many = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`field${i}`, '1']));
    const tooMany = await request('POST', '/login', { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(many).toString() });
    checkPage(tooMany, '1,000 fields');
    expect(tooMany.status).toBe(413);
    const brackets = await browser.post('/login', { [`email${'[a]'.repeat(5000)}`]: 'x', email: 'someone@example.org' }, { csrf });
    expect(brackets.status).toBeLessThan(500);
  });

  it('a cookie cookie-parser would turn into JSON is ignored, a duplicated query parameter does not break a page, an impossible byte range is a 416', async () => {
    for (const cookie of ['fm_session=j:{"a":1}', 'fm_session=j:[1,2]', 'lang=j:"fr"', 'tz=j:{"length":1}', `fm_session=${organizer.browserToken}; fm_anon=j:[1]`]) {
      const answer = await request('GET', '/m/gfmd-2007', { headers: { cookie } });
      expect(answer.status, cookie).toBe(200);
    }
    for (const path of ['/m/gfmd-2007?q=a&q=b&category=x&category=y&lang=fr&lang=es', `/requests/${ids.request}?notice=a&notice=b`, '/login?next=/a&next=/b']) {
      // As the organizer, who sees the request whatever the fuzzing above did to it.
      const answer = await request('GET', path, { headers: { cookie: `fm_session=${organizer.browserToken}` } });
      expect(answer.status, path).toBeLessThan(400);
    }
    for (const range of ['bytes=99999999999999999999-', 'bytes=5-1', 'bytes=-99999999999999999999']) {
      const answer = await request('GET', '/static/app.css', { headers: { range } });
      expect(answer.status, range).toBe(416);
      expect(answer.contentType, range).toContain('text/html');
      expect(answer.text, range).not.toMatch(stackTrace);
    }
  });
});
