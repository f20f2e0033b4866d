/**
 * `OTHER_DIST=/path/to/other/checkout/dist/src/main.js tsx bench/ab-browse.ts`: two builds side by
 * side on row 1a's data. Web A (this checkout's dist) and web B (another build, e.g. a worktree of an
 * earlier commit with `node scripts/build.mjs` run in it) serve the same seeded database and are loaded
 * at the same time (25 connections each, AB_SECONDS per round, AB_ROUNDS rounds), so both meet the same
 * machine: on a noisy machine their figures move together, and each round compares them fairly.
 * OTHER_NODE_FLAGS: node's flags for web B (the same build with other V8 settings, say); OTHER_ENV:
 * environment settings of web B only, as `NAME=value NAME=value` (LOG_LEVEL=warn, say). Prints
 * each round's req/s and web CPU per request (from /proc), then the medians.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { RawRequest, RequestDefinition } from 'autocannon';
import { Phase, type MemoryRecord } from './phase.ts';
import { freePort, startProcess, waitForHttp } from './processes.ts';
import { runLoad } from './http-load.ts';
import { categories, countries, createBenchMarketplace, createBenchPeople, insertOpenRequests, languages } from './seed.ts';

const rssOf = (pid: number) => Math.round(Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024);
const cpuOf = (pid: number) => { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' '); return (Number(f[11]) + Number(f[12])) * 10; };

if (!process.env.OTHER_DIST) throw new Error('OTHER_DIST: the other build\'s dist/src/main.js');
const otherEnv = Object.fromEntries((process.env.OTHER_ENV ?? '').split(' ').filter(Boolean).map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
const runId = String(Math.floor(Date.now() / 1000));
const artifacts = path.join(os.tmpdir(), `fm-ab-${runId}`);
const memory: MemoryRecord[] = [];
const settings = { runId, adminUrl: 'postgres://postgres@127.0.0.1:5432/postgres', redisUrl: 'redis://127.0.0.1:6379', artifacts, smtpUrl: 'smtp://127.0.0.1:2', sessionSecret: randomBytes(32).toString('base64url'), cpuProfile: false, seconds: 5, connections: 50, rounds: 1 };
const phase = await Phase.open('ab', settings, memory);
try {
  const people = await createBenchPeople(phase.ctx, { requesters: 50, providers: 200 });
  const marketplace = await createBenchMarketplace(phase.ctx, people.organizer, 'bench-browse');
  const day = 24 * 3600 * 1000;
  await insertOpenRequests(phase.ctx, { marketplaceId: marketplace.id, people, count: 10_000, responsesPerRequest: 3, deadline: (i) => new Date(Date.now() + day + (i % 28) * day + i * 1000), seed: 1 });
  const portB = await freePort();
  const webA = await phase.startWeb();
  const webB = startProcess({ name: 'ab-web-b', script: process.env.OTHER_DIST ?? '', compiled: true, nodeFlags: (process.env.OTHER_NODE_FLAGS ?? '').split(' ').filter(Boolean), args: ['--web'], env: { ...phase.env, ...otherEnv, PORT: String(portB), BASE_URL: `http://127.0.0.1:${portB}` }, logDir: artifacts });
  await waitForHttp(webB, `http://127.0.0.1:${portB}/healthz`);
  const tokens = people.providers.map((p) => p.token);
  const filters = categories.flatMap((category) => countries.slice(0, 10).flatMap((country) => languages.map((language) => `category=${category}&country=${country}&language=${language}`)));
  let n = 0;
  const browse = (): RequestDefinition => ({
    method: 'GET',
    setupRequest: (request: RawRequest) => {
      const k = n++;
      request.path = `/api/v1/marketplaces/${marketplace.slug}/requests?${filters[k % filters.length]}`;
      request.headers = { authorization: `Bearer ${tokens[k % tokens.length]}` };
      return request;
    },
  });
  const urls = { A: phase.env.BASE_URL!, B: `http://127.0.0.1:${portB}` };
  console.log(`idle RSS: A ${rssOf(webA.child.pid!)} MB, B ${rssOf(webB.child.pid!)} MB`);
  const seconds = Number(process.env.AB_SECONDS ?? 5);
  for (const u of Object.values(urls)) await runLoad({ url: u, connections: 50, seconds: 3, request: browse() });
  const got: Record<'A' | 'B', number[]> = { A: [], B: [] };
  const cpu: Record<'A' | 'B', number[]> = { A: [], B: [] };
  const pids = { A: webA.child.pid!, B: webB.child.pid! };
  for (let round = 0; round < Number(process.env.AB_ROUNDS ?? 6); round++) {
    const c0 = { A: cpuOf(pids.A), B: cpuOf(pids.B) };
    const [ra, rb] = await Promise.all([runLoad({ url: urls.A, connections: 25, seconds, request: browse() }), runLoad({ url: urls.B, connections: 25, seconds, request: browse() })]);
    for (const [which, r] of [['A', ra], ['B', rb]] as const) {
      got[which].push(Math.round(r.rps));
      cpu[which].push(((cpuOf(pids[which]) - c0[which]) / r.total) * 1000);
      if (r.failed) console.log(`${which} failed ${r.failed}`, r.statuses);
    }
    console.log(`round ${round}: A ${got.A.at(-1)} B ${got.B.at(-1)} ratio ${(got.A.at(-1)! / got.B.at(-1)!).toFixed(2)}; cpu µs/req A ${cpu.A.at(-1)!.toFixed(0)} B ${cpu.B.at(-1)!.toFixed(0)}; RSS MB A ${rssOf(pids.A)} B ${rssOf(pids.B)}`);
  }
  const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
  const ratios = got.A.map((a, i) => a / got.B[i]!).sort((x, y) => x - y);
  console.log(`cpu µs/req median A ${med(cpu.A).toFixed(0)} B ${med(cpu.B).toFixed(0)}`);
  console.log(`A median ${med(got.A)} B median ${med(got.B)}; A/B per round: ${ratios.map((r) => r.toFixed(2)).join(' ')}`);
  await phase.stop(webB, 'ab', 'app-web');
  await phase.stop(webA, 'ab', 'app-web');
} finally {
  await phase.close();
}
process.exit(0);
