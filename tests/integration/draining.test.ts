import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEnvironment, type TestEnvironment } from '../helpers/environment.ts';

// A web process asked to stop says so on its health routes first, and keeps serving for
// SHUTDOWN_DRAIN_SECONDS, so a load balancer takes it out before its connections close.
describe('draining a web process', () => {
  let env: TestEnvironment;
  beforeAll(async () => {
    env = await startTestEnvironment({ workers: false, env: { SHUTDOWN_DRAIN_SECONDS: '1' } });
  });
  afterAll(async () => {
    await env.close();
  });

  it('answers 503 draining on /healthz and /readyz while it still serves pages, then stops', async () => {
    const url = (path: string) => new URL(path, env.baseUrl);
    expect((await fetch(url('/healthz'))).status).toBe(200);
    const stopping = env.web.close();
    const health = await fetch(url('/healthz'));
    expect(health.status).toBe(503);
    expect(await health.json()).toEqual({ status: 'draining' });
    expect((await fetch(url('/readyz'))).status).toBe(503);
    expect((await fetch(url('/api/v1/openapi.json'))).status).toBe(200);
    await stopping;
    await expect(fetch(url('/healthz'))).rejects.toThrow();
  });
});
