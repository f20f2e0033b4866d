/** Fixed-time HTTP load with autocannon: requests per second, p50 and p99 latency, and what failed. */
import autocannon, { type RequestDefinition, type Result } from 'autocannon';

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  total: number;
  ok: number;
  failed: number;
  statuses: Record<string, number>;
}

export async function runLoad(input: { url: string; connections: number; seconds: number; request: RequestDefinition }): Promise<LoadResult> {
  const result: Result = await autocannon({
    url: input.url,
    connections: input.connections,
    duration: input.seconds,
    timeout: 30,
    requests: [input.request],
  });
  const statuses = Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, s]) => [code, s.count]));
  const ok = result['2xx'];
  return {
    rps: result.requests.total / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    total: result.requests.total,
    ok,
    failed: result.requests.total - ok + result.errors + result.timeouts,
    statuses,
  };
}
