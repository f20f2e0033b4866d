import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEnvironment, type TestEnvironment } from '../helpers/environment.ts';
import { apiClient, PageClient } from '../helpers/http.ts';
import { type TestPerson, castMember } from '../helpers/factories.ts';
import { apiRouter } from '../../src/http/routes/api.ts';
import { apiOperations } from '../../src/http/openapi.ts';

let env: TestEnvironment;
let api: ReturnType<typeof apiClient>;
let organizer: TestPerson;
let provider: TestPerson;

beforeAll(async () => {
  env = await startTestEnvironment({ organizers: ['secretariat@gfmd.test'] });
  api = apiClient(env.baseUrl);
  organizer = await castMember(env.ctx, 'organizer');
  provider = await castMember(env.ctx, 'ilo');
});
afterAll(async () => env?.close());

type Layer = { route?: { path: string; methods: Record<string, boolean> }; handle?: { stack?: Layer[] } };
function routesOf(stack: Layer[]): string[] {
  return stack.flatMap((layer) =>
    layer.route
      ? Object.keys(layer.route.methods).filter((m) => m !== '_all').map((m) => `${m} ${layer.route!.path.replace(/:(\w+)/g, '{$1}')}`)
      : layer.handle?.stack
        ? routesOf(layer.handle.stack)
        : [],
  );
}

describe('for the people who run it', () => {
  it('the OpenAPI document lists every API route, with the schemas that validate it', async () => {
    const served = routesOf((apiRouter(env.ctx) as unknown as { stack: Layer[] }).stack).sort();
    const documented = apiOperations.map((o) => `${o.method} ${o.path}`).sort();
    expect(documented).toEqual(served);
    const doc = await api('GET', '/api/v1/openapi.json');
    expect(doc.body.openapi).toBe('3.1.0');
    const createRequest = doc.body.paths['/marketplaces/{slug}/requests'].post.requestBody.content['application/json'].schema;
    expect(createRequest.required).toEqual(expect.arrayContaining(['title', 'category', 'description', 'expectedOutcome', 'countries', 'languages']));
    expect(createRequest.properties.category.enum).toContain('capacity_building');
  });

  it('/healthz and /readyz answer; /metrics counts HTTP, queues, the outbox and the cache hits', async () => {
    expect((await api('GET', '/healthz')).body).toEqual({ status: 'ok' });
    expect((await api('GET', '/readyz')).body).toEqual({ status: 'ready', postgres: 'ok', ...(env.config.queueBackend === 'redis' ? { redis: 'ok' } : { queues: 'ok' }) });
    // The same token twice: the second request finds the session in the cache.
    expect((await api('GET', '/api/v1/me', { token: provider.token })).status).toBe(200);
    expect((await api('GET', '/api/v1/me', { token: provider.token })).status).toBe(200);
    const metrics = await fetch(new URL('/metrics', env.baseUrl)).then((r) => r.text());
    expect(metrics).toMatch(/^process_cache_lookups\{cache="actors",result="hit"\} [1-9]\d*/m);
    expect(metrics).toMatch(/^process_cache_lookups\{cache="actors",result="miss"\} [1-9]\d*/m);
    expect(metrics).toMatch(/^http_requests_total\{method="GET",route="\/healthz",status="200"\} \d+/m);
    expect(metrics).toMatch(/^queue_jobs\{queue="email",state="waiting"\} \d+/m);
    expect(metrics).toMatch(/^outbox_emails\{status="pending"\} \d+/m);
    expect(metrics).toMatch(/^outbox_oldest_pending_seconds \d/m);
  });

  it('the queue dashboard is for organizers only; the demo sign-in page does not exist outside demo mode', async () => {
    const asOrganizer = new PageClient(env.baseUrl);
    asOrganizer.setCookie('fm_session', organizer.browserToken);
    expect((await asOrganizer.get('/organizer/queues')).status).toBe(200);
    // The dashboard's own API answers on either queue backend: the queues with their jobs, and the store's figures.
    const board = await fetch(new URL('/organizer/queues/api/queues?activeQueue=email&status=latest&page=1', env.baseUrl), { headers: { cookie: `fm_session=${organizer.browserToken}` } });
    expect(board.status).toBe(200);
    const { queues } = (await board.json()) as { queues: Array<{ name: string; counts: Record<string, number> }> };
    expect(queues.map((q) => q.name).sort()).toEqual(['deadlines', 'email', 'matching']);
    expect(queues.find((q) => q.name === 'email')!.counts).toHaveProperty('completed');
    const stats = await fetch(new URL('/organizer/queues/api/redis/stats', env.baseUrl), { headers: { cookie: `fm_session=${organizer.browserToken}` } });
    expect(stats.status).toBe(200);
    const asProvider = new PageClient(env.baseUrl);
    asProvider.setCookie('fm_session', provider.browserToken);
    expect((await asProvider.get('/organizer/queues')).status).toBe(403);
    expect((await new PageClient(env.baseUrl).get('/demo')).status).toBe(404);
    const signIn = await fetch(new URL(`/demo/sign-in/${provider.id}`, env.baseUrl), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '', redirect: 'manual' });
    expect([403, 404]).toContain(signIn.status);
    expect(signIn.headers.getSetCookie().some((c) => c.startsWith('fm_session='))).toBe(false);
  });

  it('every response carries a request id', async () => {
    const response = await fetch(new URL('/healthz', env.baseUrl));
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
