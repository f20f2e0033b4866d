/**
 * Row 1: browsing open requests with filters and submitting responses through the API, at 50
 * connections for a fixed time, against a bare node:http + one indexed SELECT baseline. The
 * baseline, browse and respond runs are interleaved in rounds, and each figure is the median of
 * its rounds, so a noisy neighbour on the machine hits all three alike.
 */
import { promises as fs } from 'node:fs';
import type { RawRequest, RequestDefinition } from 'autocannon';
import os from 'node:os';
import path from 'node:path';
import { resolveSession } from '../src/auth/auth.service.ts';
import { browseRequests } from '../src/requests/requests.service.ts';
import { createResponse } from '../src/responses/responses.service.ts';
import { createResponseBody } from '../src/responses/responses.schemas.ts';
import { browseRequestsQuery } from '../src/requests/requests.schemas.ts';
import { sampleResponse } from '../tests/helpers/factories.ts';
import { describeCpu, measureCpu, type CpuReport } from './cpu.ts';
import { runLoad, type LoadResult } from './http-load.ts';
import { Phase, type MemoryRecord, type RunSettings } from './phase.ts';
import { freePort } from './processes.ts';
import { capturingContext, explainQueries } from './query-capture.ts';
import { categories, countries, createBenchMarketplace, createBenchPeople, insertOpenRequests, languages } from './seed.ts';

export interface HttpRows {
  requests: number;
  responsesSeeded: number;
  rounds: number;
  baseline: LoadResult[];
  browse: LoadResult[];
  respond: LoadResult[];
  /** The respond transaction alone on the bare server (bench/baseline-server.ts), in the same rounds. */
  respondBaseline: LoadResult[];
  /** Browsing again with WEB_PROCESSES web processes sharing the port, the pool split between them. */
  cluster: { processes: number; poolEach: number; browse: LoadResult[]; cpu: CpuReport[]; peakRss: number } | null;
  cpu: { baseline: CpuReport[]; browse: CpuReport[]; respond: CpuReport[]; respondBaseline: CpuReport[] };
}

const REQUESTS = 10_000;
const RESPONSES_PER_REQUEST = 3;

export async function measureHttpRows(settings: RunSettings, memory: MemoryRecord[], log: (line: string) => void): Promise<HttpRows> {
  const phase = await Phase.open('http', settings, memory);
  try {
    log(`http: seeding ${REQUESTS} open requests with ${RESPONSES_PER_REQUEST} responses each, 50 governments, 200 providers`);
    const people = await createBenchPeople(phase.ctx, { requesters: 50, providers: 200 });
    const marketplace = await createBenchMarketplace(phase.ctx, people.organizer, 'bench-browse');
    const day = 24 * 3600 * 1000;
    const ids = await insertOpenRequests(phase.ctx, {
      marketplaceId: marketplace.id,
      people,
      count: REQUESTS,
      responsesPerRequest: RESPONSES_PER_REQUEST,
      deadline: (i) => new Date(Date.now() + day + (i % 28) * day + i * 1000),
      seed: 1,
    });

    const baselinePort = await freePort();
    const baselineServer = await phase.startBaselineServer(baselinePort);
    const web = await phase.startWeb();
    const webUrl = phase.env.BASE_URL!;
    const tokens = people.providers.map((p) => p.token);

    // Browse: a provider signed in with its API token, three filters on (category, country, language).
    const filters = categories.flatMap((category) => countries.slice(0, 10).flatMap((country) => languages.map((language) => `category=${category}&country=${country}&language=${language}`)));
    let browseCount = 0;
    const browse = (): RequestDefinition => ({
      method: 'GET',
      setupRequest: (request: RawRequest) => {
        const k = browseCount++;
        request.method = 'GET';
        request.path = `/api/v1/marketplaces/${marketplace.slug}/requests?${filters[k % filters.length]}`;
        request.headers = { authorization: `Bearer ${tokens[k % tokens.length]}` };
        return request;
      },
    });

    // Respond: every POST is a new (provider, request) pair, spread over all requests (no hot row).
    // Request j already has responses from providers j, j+1, j+2, so pair k takes provider j+3+⌊k/R⌋.
    let respondCount = 0;
    const body = JSON.stringify(sampleResponse);
    const respond = (): RequestDefinition => ({
      method: 'POST',
      setupRequest: (request: RawRequest) => {
        const k = respondCount++;
        const j = k % ids.length;
        const provider = (j + RESPONSES_PER_REQUEST + Math.floor(k / ids.length)) % tokens.length;
        request.method = 'POST';
        request.path = `/api/v1/requests/${ids[j]}/responses`;
        request.headers = { authorization: `Bearer ${tokens[provider]}`, 'content-type': 'application/json' };
        request.body = body;
        return request;
      },
    });
    // The bare respond: the same kind of pairs, from providers half the list further on, so they never meet the app's.
    let bareRespondCount = 0;
    const bareRespond = (): RequestDefinition => ({
      method: 'POST',
      setupRequest: (request: RawRequest) => {
        const k = bareRespondCount++;
        const j = k % ids.length;
        const provider = people.providers[(j + RESPONSES_PER_REQUEST + Math.floor(tokens.length / 2) + Math.floor(k / ids.length)) % tokens.length]!;
        request.method = 'POST';
        request.path = `/requests/${ids[j]}/responses`;
        request.headers = { 'x-user': provider.id, 'x-organization': provider.organizationId!, 'content-type': 'application/json' };
        request.body = body;
        return request;
      },
    });
    const baseline = (): RequestDefinition => ({ method: 'GET', path: '/requests/any' });

    const load = (url: string, request: RequestDefinition, seconds = settings.seconds) =>
      runLoad({ url, connections: settings.connections, seconds, request });
    const pids = { web: web.child.pid!, 'baseline server': baselineServer.child.pid! };
    const measured = async (kind: 'baseline' | 'browse' | 'respond' | 'respondBaseline', url: string, request: RequestDefinition) => {
      const cpu = await measureCpu(pids);
      const outcome = await load(url, request);
      const report = await cpu.end();
      if (report) result.cpu[kind].push(report);
      result[kind].push(outcome);
      return report ? describeCpu(report) : '';
    };

    // BENCH_RESPOND=0 leaves the respond runs out (to profile browsing alone).
    const withRespond = process.env.BENCH_RESPOND !== '0';
    // Warm-up: JIT, pool connections, Postgres caches.
    log('http: warming up (3 s each)');
    await load(`http://127.0.0.1:${baselinePort}`, baseline(), 3);
    await load(webUrl, browse(), 3);
    if (withRespond) await load(webUrl, respond(), 3);
    if (withRespond) await load(`http://127.0.0.1:${baselinePort}`, bareRespond(), 3);

    const result: HttpRows = {
      requests: REQUESTS,
      responsesSeeded: REQUESTS * RESPONSES_PER_REQUEST,
      rounds: settings.rounds,
      baseline: [],
      browse: [],
      respond: [],
      respondBaseline: [],
      cluster: null,
      cpu: { baseline: [], browse: [], respond: [], respondBaseline: [] },
    };
    const f = (r: LoadResult) => `${r.rps.toFixed(0)} req/s p50 ${r.p50} ms p99 ${r.p99} ms${r.failed ? ` (${r.failed} failed: ${JSON.stringify(r.statuses)})` : ''}`;
    for (let round = 1; round <= settings.rounds; round++) {
      const baselineCpu = await measured('baseline', `http://127.0.0.1:${baselinePort}`, baseline());
      log(`http round ${round} baseline: ${f(result.baseline.at(-1)!)}; cpu: ${baselineCpu}`);
      const browseCpu = await measured('browse', webUrl, browse());
      log(`http round ${round} browse: ${f(result.browse.at(-1)!)}; cpu: ${browseCpu}`);
      if (!withRespond) continue;
      const respondCpu = await measured('respond', webUrl, respond());
      log(`http round ${round} respond: ${f(result.respond.at(-1)!)}; cpu: ${respondCpu}`);
      const bareCpu = await measured('respondBaseline', `http://127.0.0.1:${baselinePort}`, bareRespond());
      log(`http round ${round} respond, bare server: ${f(result.respondBaseline.at(-1)!)}; cpu: ${bareCpu}`);
    }

    await phase.stop(web, 'browse + respond', 'app-web');

    // The same browsing with the web tier on every core: WEB_PROCESSES processes, the baseline's
    // pool size split between them (BENCH_WEB_PROCESSES, default the number of cores; 1 skips it).
    const processes = Number(process.env.BENCH_WEB_PROCESSES ?? os.cpus().length);
    if (processes > 1) {
      const poolEach = Math.max(1, Math.floor(Number(phase.env.DATABASE_POOL_SIZE) / processes));
      const clustered = await phase.startWeb({ WEB_PROCESSES: String(processes), DATABASE_POOL_SIZE: String(poolEach) }, 'web-cluster');
      const clusterPids = { web: clustered.child.pid!, 'baseline server': baselineServer.child.pid! };
      // Warmed as long as row 1a's one process was, each: 3 s a process (a shared 3 s left the first round cold).
      await load(webUrl, browse(), 3 * processes);
      const cluster: NonNullable<HttpRows['cluster']> = { processes, poolEach, browse: [], cpu: [], peakRss: 0 };
      for (let round = 1; round <= settings.rounds; round++) {
        const cpu = await measureCpu(clusterPids);
        cluster.browse.push(await load(webUrl, browse()));
        const report = await cpu.end();
        if (report) cluster.cpu.push(report);
        log(`http round ${round} browse, ${processes} web processes: ${f(cluster.browse.at(-1)!)}; cpu: ${report ? describeCpu(report) : ''}`);
      }
      cluster.peakRss = await phase.stop(clustered, `browse, ${processes} web processes`, 'app-web-cluster');
      result.cluster = cluster;
    }
    await phase.stop(baselineServer, 'browse + respond', 'baseline');

    // The hot queries, as the app sends them.
    const browseCapture = capturingContext(phase.ctx);
    const provider = people.providers[0]!;
    await resolveSession(browseCapture.ctx, provider.token, 'api');
    await browseRequests(browseCapture.ctx, provider.actor, marketplace.slug, browseRequestsQuery.parse({ category: 'training', country: 'BD', language: 'en' }));
    const respondCapture = capturingContext(phase.ctx);
    const fresh = ids[ids.length - 1]!;
    await createResponse(respondCapture.ctx, people.providers[100]!.actor, fresh, createResponseBody.parse(sampleResponse)).catch((error: Error) => log(`http: explain of respond failed: ${error.message}`));
    await fs.writeFile(
      path.join(settings.artifacts, 'explain-http.txt'),
      `${await explainQueries(phase.ctx, 'browse (category+country+language)', browseCapture.queries)}\n\n${await explainQueries(phase.ctx, 'respond (createResponse)', respondCapture.queries)}\n`,
    );
    return result;
  } finally {
    await phase.close();
  }
}
