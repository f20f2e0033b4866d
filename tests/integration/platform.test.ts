import { describe, expect, it } from 'vitest';
import { useTestEnvironment } from '../helpers/environment.ts';
import { apiRoutes, type ApiRoute } from '../../src/http/routes/api.ts';
import { apiOperations } from '../../src/http/openapi.ts';

// /metrics asks for its token (METRICS_TOKEN, validated with the rest of the configuration).
const METRICS_TOKEN = 'metrics-token-of-this-test-file';
const t = useTestEnvironment({ cast: ['organizer', 'ilo'], env: { METRICS_TOKEN } });


describe('for the people who run it', () => {
  it('the OpenAPI document lists every API route, with the schemas that validate it', async () => {
    // The router's table is made from the declarations: each documented address finds its own operation.
    const table = apiRoutes(t.env.ctx, (_req, _res, next) => next());
    const served = apiOperations
      .filter((o) => (table.find(o.method.toUpperCase() as 'GET', o.path)?.store as ApiRoute | undefined)?.operation === o)
      .map((o) => `${o.method} ${o.path}`)
      .sort();
    const documented = apiOperations.map((o) => `${o.method} ${o.path}`).sort();
    expect(documented).toEqual(served);
    const doc = await t.api('GET', '/api/v1/openapi.json');
    expect(doc.body.openapi).toBe('3.1.0');
    // Bodies and answers are components the operations refer to.
    const component = (ref: string) => doc.body.components.schemas[ref.replace('#/components/schemas/', '')];
    const createRequest = component(doc.body.paths['/marketplaces/{slug}/requests'].post.requestBody.content['application/json'].schema.$ref);
    expect(doc.body.paths['/requests/{id}'].get.responses['200'].content['application/json'].schema.$ref).toBe('#/components/schemas/Request');
    expect(component('#/components/schemas/Request').required).toEqual(expect.arrayContaining(['id', 'title', 'status', 'responseDeadline', 'organization']));
    expect(createRequest.required).toEqual(expect.arrayContaining(['title', 'category', 'description', 'expectedOutcome', 'countries', 'languages']));
    expect(createRequest.properties.category.enum).toContain('capacity_building');
    // Every operation has an operationId and the schema of its answer, so SDK generators make typed clients; every $ref resolves.
    const refs = JSON.stringify(doc.body).match(/"\$ref":"[^"]+"/g) ?? [];
    for (const ref of refs) expect(component(ref.slice(8, -1)), ref).toBeDefined();
    for (const [path, methods] of Object.entries(doc.body.paths as Record<string, Record<string, any>>)) {
      for (const [method, op] of Object.entries(methods)) {
        expect(op.operationId, `${method} ${path}`).toMatch(/^[a-z][A-Za-z]+$/);
        const [status, success] = Object.entries(op.responses as Record<string, any>).find(([s]) => s.startsWith('2'))!;
        if (status !== '204') expect(success.content?.['application/json']?.schema?.$ref, `${method} ${path} answer`).toBeDefined();
      }
    }
  });

  it('/healthz and /readyz answer; /metrics counts HTTP, queues, the outbox and the cache hits', async () => {
    expect((await t.api('GET', '/healthz')).body).toEqual({ status: 'ok' });
    expect((await t.api('GET', '/readyz')).body).toEqual({ status: 'ready', postgres: 'ok', ...(t.env.config.queueBackend === 'redis' ? { redis: 'ok' } : { queues: 'ok' }) });
    // The same token twice: the second request finds the session in the cache.
    expect((await t.api('GET', '/api/v1/me', { token: t.people.ilo.token })).status).toBe(200);
    expect((await t.api('GET', '/api/v1/me', { token: t.people.ilo.token })).status).toBe(200);
    const metricsUrl = new URL('/metrics', t.env.baseUrl);
    expect((await fetch(metricsUrl)).status).toBe(401);
    expect((await fetch(metricsUrl, { headers: { authorization: `Bearer ${METRICS_TOKEN}x` } })).status).toBe(401);
    const metrics = await fetch(metricsUrl, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } }).then((r) => r.text());
    expect(metrics).toMatch(/^process_cache_lookups\{cache="actors",result="hit"\} [1-9]\d*/m);
    expect(metrics).toMatch(/^process_cache_lookups\{cache="actors",result="miss"\} [1-9]\d*/m);
    expect(metrics).toMatch(/^http_requests_total\{method="GET",route="\/healthz",status="200"\} \d+/m);
    // An API answer is counted under its operation's pattern, not its address (ids would explode the labels).
    expect(metrics).toMatch(/^http_requests_total\{method="GET",route="\/api\/v1\/me",status="200"\} 2$/m);
    expect(metrics).toMatch(/^queue_jobs\{queue="email",state="waiting"\} \d+/m);
    expect(metrics).toMatch(/^outbox_emails\{status="pending"\} \d+/m);
    expect(metrics).toMatch(/^outbox_oldest_pending_seconds \d/m);
  });

  it('the queue dashboard is for organizers only; the demo sign-in page does not exist outside demo mode', async () => {
    expect((await t.pages.organizer.get('/organizer/queues')).status).toBe(200);
    // The dashboard's own API answers on either queue backend: the queues with their jobs, and the store's figures.
    const cookie = { headers: { cookie: `fm_session=${t.people.organizer.browserToken}` } };
    const board = await fetch(new URL('/organizer/queues/api/queues?activeQueue=email&status=latest&page=1', t.env.baseUrl), cookie);
    expect(board.status).toBe(200);
    const { queues } = (await board.json()) as { queues: Array<{ name: string; counts: Record<string, number> }> };
    expect(queues.map((q) => q.name).sort()).toEqual(['deadlines', 'email', 'matching']);
    expect(queues.find((q) => q.name === 'email')!.counts).toHaveProperty('completed');
    expect((await fetch(new URL('/organizer/queues/api/redis/stats', t.env.baseUrl), cookie)).status).toBe(200);
    expect((await t.pages.ilo.get('/organizer/queues')).status).toBe(403);
    expect((await t.anonymousPage().get('/demo')).status).toBe(404);
    const signIn = await fetch(new URL(`/demo/sign-in/${t.people.ilo.id}`, t.env.baseUrl), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '', redirect: 'manual' });
    expect([403, 404]).toContain(signIn.status);
    expect(signIn.headers.getSetCookie().some((c) => c.startsWith('fm_session='))).toBe(false);
  });

  it('the API router answers addresses as express did: any case, a trailing slash, HEAD as GET, OPTIONS with Allow, a problem for the rest', async () => {
    const token = t.people.ilo.token;
    expect((await t.api('GET', '/API/V1/ME', { token })).body.email).toBe(t.people.ilo.email);
    expect((await t.api('GET', '/api/v1/me/', { token })).status).toBe(200);
    const head = await fetch(new URL('/api/v1/openapi.json', t.env.baseUrl), { method: 'HEAD' });
    expect([head.status, head.headers.get('content-type'), await head.text()]).toEqual([200, 'application/json; charset=utf-8', '']);
    const options = await fetch(new URL('/api/v1/requests/00000000-0000-4000-8000-000000000000', t.env.baseUrl), { method: 'OPTIONS' });
    expect([options.status, options.headers.get('allow')]).toEqual([204, 'GET, PATCH, HEAD']);
    const missing = await t.api('DELETE', '/api/v1/me', { token });
    expect([missing.status, missing.headers.get('content-type'), missing.body.detail]).toEqual([404, 'application/problem+json; charset=utf-8', 'There is no DELETE /me in this API.']);
    expect((await fetch(new URL('/api/v1/nowhere', t.env.baseUrl), { method: 'OPTIONS' })).status).toBe(404);
    // A path parameter is decoded once, as express decoded it: an id that is not one is a 404 for what it names.
    expect((await t.api('GET', '/api/v1/requests/not%20an%20id')).body.detail).toMatch(/request/i);
    // The token is checked before the address: a bad one is a 401 anywhere under /api/v1.
    expect((await t.api('GET', '/api/v1/nowhere', { token: 'x'.repeat(30) })).status).toBe(401);
  });

  it('every response carries a request id', async () => {
    const response = await fetch(new URL('/healthz', t.env.baseUrl));
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
