import { describe, expect, it } from 'vitest';
import { useTestEnvironment } from '../helpers/environment.ts';

// Behind one load balancer (TRUST_PROXY=1) the client is the address the balancer put last in
// X-Forwarded-For: what a client writes in front of it cannot move it out of its sign-in limit.
const t = useTestEnvironment({ env: { TRUST_PROXY: '1' } });

async function askLink(n: number, forwardedFor: string): Promise<number> {
  const response = await fetch(new URL('/api/v1/auth/magic-link', t.env.baseUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor },
    body: JSON.stringify({ email: `person-${n}@example.org` }),
  });
  return response.status;
}

describe('TRUST_PROXY as a number of hops', () => {
  it('counts sign-in links per the address the proxy saw, whatever the client wrote before it', async () => {
    const statuses: number[] = [];
    // 30 links an address per 15 minutes; each ask claims another address in front of the real one.
    for (let i = 0; i < 31; i++) statuses.push(await askLink(i, `198.51.100.${i}, 203.0.113.7`));
    expect(statuses.slice(0, 30).every((s) => s === 202)).toBe(true);
    expect(statuses[30]).toBe(429);
    // Another client behind the same balancer is not held back.
    expect(await askLink(99, '203.0.113.8')).toBe(202);
  });
});
