/**
 * `npm run bench`: the service's performance on this machine's local Postgres and Redis, as one
 * table in which every figure stands beside a baseline measured in the same run and their ratio.
 * Each row runs in a database of its own (fm_bench_<run>_<row>) with its own Redis key prefix
 * ({fmbench-<run>-<row>}); both are dropped at the end, and nothing else on the servers is touched.
 * The app runs as real processes (web, worker), sampled for peak memory.
 *
 *   npm run bench                     every row (about 10-12 minutes on 2 cores)
 *   npm run bench -- --only=http,email
 *   npm run bench -- --only=deadline,deadline-postgres,email,email-postgres   the two queue backends side by side
 *
 * Settings (environment): BENCH_SECONDS (10, per HTTP run), BENCH_ROUNDS (3 HTTP rounds),
 * BENCH_CONNECTIONS (50), BENCH_CLOSE_SCALE (1 = 10,000 requests), BENCH_CLOSE_TIMEOUT (300 s), BENCH_CLOSE_TWO_FIRST (1: row 3b before row 3),
 * BENCH_EMAILS (20000), BENCH_EMAIL_ROUNDS (2), BENCH_MATCH_SIZES (1000,10000,50000), BENCH_CPU_PROF=1 (node --cpu-prof for web
 * and worker), BENCH_SINK=mailcatcher (the parsing SMTP sink instead of the counting one),
 * BENCH_DATABASE_URL (an admin URL, default postgres://postgres@127.0.0.1:5432/postgres),
 * BENCH_REDIS_URL (default redis://127.0.0.1:6379).
 *
 * Logs, EXPLAIN ANALYZE of the hot statements, profiles and results.{md,json} go to
 * $TMPDIR/fm-bench-<run>/.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { measureDeadlineLatency, measureMassClose, type DeadlineRow, type MassCloseRow } from './deadline-rows.ts';
import { measureEmailPipeline, type EmailRow } from './email-row.ts';
import { measureHttpRows, type HttpRows } from './http-rows.ts';
import { measureOptimizer, type OptimizerInstance } from './optimizer-row.ts';
import { matchingRows, matchingSizes, measureMatchingRun, type MatchingRunFigures } from './matching-row.ts';
import { Phase, removeRedisKeys, type MemoryRecord, type RunSettings } from './phase.ts';
import { CountingSmtpSink, ParsingSmtpSink, type SmtpSink } from './smtp-sink.ts';
import type { LoadResult } from './http-load.ts';
import { describeCpu, type CpuReport } from './cpu.ts';
import { ensureBuild, runtimeEnvironment, workerCommand } from './processes.ts';

// deadline-postgres and email-postgres: rows 2 and 4 again with QUEUE_BACKEND=postgres, beside the Redis ones.
const rowNames = ['http', 'deadline', 'deadline-postgres', 'close', 'email', 'email-postgres', 'optimizer', 'matching'] as const;
type RowName = (typeof rowNames)[number];
const onlyArg = process.argv.find((a) => a.startsWith('--only='));
const only = new Set<RowName>(onlyArg ? (onlyArg.slice('--only='.length).split(',') as RowName[]) : rowNames);
for (const name of only) if (!rowNames.includes(name)) throw new Error(`--only: unknown row ${name} (rows: ${rowNames.join(', ')})`);

const runId = String(Math.floor(Date.now() / 1000));
const artifacts = path.join(os.tmpdir(), `fm-bench-${runId}`);
mkdirSync(artifacts, { recursive: true });
const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const STALE_SECONDS = 6 * 3600;

const started = Date.now();
const log = (line: string) => console.error(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}`);

function sh(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8' }).trim();
  } catch {
    return '(unavailable)';
  }
}

/** Drops this run's databases and Redis keys, and those a crashed run left more than 6 hours ago. */
async function cleanUp(): Promise<void> {
  for (const phase of [...Phase.unclosed]) await phase.close();
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const rows = await admin.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname ~ '^fm_bench_[0-9]+_[a-z]+$'`);
    for (const { datname } of rows.rows) {
      const run = datname.split('_')[2]!;
      if (run === runId || Number(run) < Date.now() / 1000 - STALE_SECONDS) await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    }
  } finally {
    await admin.end();
  }
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    const removed = await removeRedisKeys(redis, '{fmbench-*', (key) => {
      const run = /^\{fmbench-(\d+)-/.exec(key)?.[1];
      return run !== undefined && (run === runId || Number(run) < Date.now() / 1000 - STALE_SECONDS);
    });
    log(`cleaned up: databases fm_bench_${runId}_*, ${removed} Redis keys {fmbench-${runId}-*}`);
  } finally {
    redis.disconnect();
  }
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    log(`${signal}: stopping the processes and cleaning up`);
    void cleanUp().finally(() => process.exit(130));
  });
}

// ---------------------------------------------------------------------------------------------
// Formatting

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const int = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (n: number) => (n >= 100 ? `${int(n)} ms` : `${n.toFixed(1)} ms`);
const percent = (n: number) => `${(n * 100).toFixed(0)}%`;
const times = (n: number) => `${n.toFixed(1)}×`;
const mb = (bytes: number) => `${int(bytes / 1024 / 1024)} MB`;

interface TableRow {
  row: string;
  measure: string;
  figure: string;
  baseline: string;
  ratio: string;
  target: string;
  standing: string;
}

function httpFigure(results: LoadResult[]): { rps: number; text: string; failed: number } {
  const rps = median(results.map((r) => r.rps));
  const failed = results.reduce((s, r) => s + r.failed, 0);
  return { rps, failed, text: `${int(rps)} req/s · p50 ${ms(median(results.map((r) => r.p50)))} · p99 ${ms(median(results.map((r) => r.p99)))}` };
}

function table(rows: TableRow[]): string {
  const header = ['#', 'measure', 'figure', 'baseline (same run)', 'ratio', 'target', 'standing'];
  const lines = [header, header.map(() => '---'), ...rows.map((r) => [r.row, r.measure, r.figure, r.baseline, r.ratio, r.target, r.standing])];
  return lines.map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

// ---------------------------------------------------------------------------------------------

const results: {
  http?: HttpRows;
  deadline?: DeadlineRow;
  deadlinePostgres?: DeadlineRow;
  close?: MassCloseRow;
  email?: EmailRow;
  emailPostgres?: EmailRow;
  optimizer?: OptimizerInstance[];
  matching?: MatchingRunFigures[];
  errors: Record<string, string>;
} = { errors: {} };
const memory: MemoryRecord[] = [];
const machine = {
  date: new Date().toISOString(),
  nproc: sh('nproc', []),
  free: sh('free', ['-h']),
  cpu: os.cpus()[0]?.model ?? 'unknown',
  node: process.version,
  loadBefore: os.loadavg(),
  loadAfter: [] as number[],
};

// The app runs compiled, as `npm start` and the Docker image run it.
ensureBuild();
const sink: SmtpSink = process.env.BENCH_SINK === 'mailcatcher' ? new ParsingSmtpSink() : new CountingSmtpSink();
const smtpUrl = await sink.start();
const settings: RunSettings = {
  runId,
  adminUrl,
  redisUrl,
  artifacts,
  smtpUrl,
  sessionSecret: randomBytes(32).toString('base64url'),
  cpuProfile: process.env.BENCH_CPU_PROF === '1',
  seconds: Number(process.env.BENCH_SECONDS ?? 10),
  connections: Number(process.env.BENCH_CONNECTIONS ?? 50),
  rounds: Number(process.env.BENCH_ROUNDS ?? 3),
};
const closeScale = Number(process.env.BENCH_CLOSE_SCALE ?? 1);
const emailCount = Number(process.env.BENCH_EMAILS ?? 20_000);
log(`run ${runId}: rows ${[...only].join(', ')}; artifacts in ${artifacts}; load average ${machine.loadBefore.map((l) => l.toFixed(2)).join(' ')}`);

async function attempt(name: RowName, work: () => Promise<void>): Promise<void> {
  if (!only.has(name) || interrupted) return;
  try {
    await work();
  } catch (error) {
    results.errors[name] = (error as Error).stack ?? String(error);
    log(`${name} FAILED: ${(error as Error).message}`);
  }
}

try {
  await attempt('http', async () => {
    results.http = await measureHttpRows(settings, memory, log);
  });
  await attempt('deadline', async () => {
    results.deadline = await measureDeadlineLatency(settings, memory, log);
  });
  await attempt('deadline-postgres', async () => {
    results.deadlinePostgres = await measureDeadlineLatency(settings, memory, log, 'postgres');
  });
  await attempt('close', async () => {
    results.close = await measureMassClose(settings, memory, log, closeScale, Number(process.env.BENCH_CLOSE_TIMEOUT ?? 300));
  });
  await attempt('email', async () => {
    results.email = await measureEmailPipeline(settings, memory, sink, log, emailCount, Number(process.env.BENCH_EMAIL_ROUNDS ?? 2));
  });
  await attempt('email-postgres', async () => {
    results.emailPostgres = await measureEmailPipeline(settings, memory, sink, log, emailCount, Number(process.env.BENCH_EMAIL_ROUNDS ?? 2), 'postgres');
  });
  await attempt('optimizer', async () => {
    results.optimizer = await measureOptimizer(settings, memory, process.env.BENCH_MATCH_SIZES ?? '1000,10000,50000', log);
  });
  await attempt('matching', async () => {
    results.matching = [];
    for (const size of (process.env.BENCH_MATCHING_SIZES ?? 'forum,50x').split(',')) {
      if (!matchingSizes[size]) throw new Error(`BENCH_MATCHING_SIZES: unknown size ${size} (sizes: ${Object.keys(matchingSizes).join(', ')})`);
      results.matching.push(await measureMatchingRun(settings, memory, matchingSizes[size], log));
    }
  });
} finally {
  machine.loadAfter = os.loadavg();
  await sink.stop().catch(() => {});
  await cleanUp().catch((error: Error) => log(`clean-up failed: ${error.message}`));
}

// ---------------------------------------------------------------------------------------------
// The table

const rows: TableRow[] = [];
const { http, deadline, deadlinePostgres, close, email, emailPostgres, optimizer } = results;
if (http) {
  const base = httpFigure(http.baseline);
  const browse = httpFigure(http.browse);
  const respond = http.respond.length ? httpFigure(http.respond) : null;
  const note = (f: { failed: number }) => (f.failed ? ` (${int(f.failed)} failed)` : '');
  const setting = `${settings.connections} connections, ${settings.seconds} s, median of ${http.rounds}`;
  rows.push({
    row: '1a',
    measure: `browse: GET /marketplaces/:slug/requests?category&country&language (${int(http.requests)} open requests; ${setting})`,
    figure: browse.text + note(browse),
    baseline: `bare node:http + 1 indexed SELECT: ${base.text}${note(base)}`,
    ratio: percent(browse.rps / base.rps),
    target: '≥ 50%',
    standing: browse.rps / base.rps >= 0.5 ? 'meets' : 'misses',
  });
  if (http.cluster) {
    const c = http.cluster;
    const clustered = httpFigure(c.browse);
    rows.push({
      row: '1c',
      measure: `browse as 1a, with the web tier on every core: WEB_PROCESSES=${c.processes}, DATABASE_POOL_SIZE=${c.poolEach} each (the baseline's pool split), peak RSS ${mb(c.peakRss)} together`,
      figure: clustered.text + note(clustered),
      baseline: `(same as 1a) ${int(base.rps)} req/s`,
      ratio: percent(clustered.rps / base.rps),
      target: '≥ 75%',
      standing: clustered.rps / base.rps >= 0.75 ? 'meets' : 'misses',
    });
  }
  const bareRespond = http.respondBaseline?.length ? httpFigure(http.respondBaseline) : null;
  if (respond) rows.push({
    row: '1b',
    measure: `respond: POST /requests/:id/responses, a new provider × request each (${setting}); the app also authenticates, validates, writes an audit row and queues the requester's email`,
    figure: respond.text + note(respond),
    baseline: bareRespond ? `bare node:http, the same transaction (lock the request, insert if the deadline is ahead by the database clock, count): ${bareRespond.text}` : `(same as 1a) ${int(base.rps)} req/s`,
    ratio: percent(respond.rps / (bareRespond ?? base).rps),
    target: bareRespond ? '≥ 60%' : '–',
    standing: bareRespond ? (respond.rps / bareRespond.rps >= 0.6 ? 'meets' : 'misses') : 'reported',
  });
}
const latency = (row: DeadlineRow, s: DeadlineRow['app']) => `median ${ms(s.medianMs)} · p99 ${ms(s.p99Ms)} · max ${ms(s.maxMs)}${s.closed < row.requests ? ` (only ${s.closed} closed)` : ''}`;
const meetsLatency = (row: DeadlineRow) => row.app.closed === row.requests && row.app.medianMs < 100 && row.app.p99Ms < 1000;
if (deadline) {
  const { app, bare } = deadline;
  rows.push({
    row: '2',
    measure: `deadline → closed_at: ${int(deadline.requests)} requests (3 responses each), deadlines over ${deadline.spreadSeconds} s, delayed close-due-requests jobs, queues on Redis`,
    figure: latency(deadline, app),
    baseline: bare ? `bare BullMQ delayed job + 1 UPDATE: ${latency(deadline, bare)}` : '–',
    ratio: bare ? `median ${times(app.medianMs / bare.medianMs)}, p99 ${times(app.p99Ms / bare.p99Ms)}` : '–',
    target: 'median < 100 ms, p99 < 1 s',
    standing: meetsLatency(deadline) ? 'meets' : 'misses',
  });
}
if (deadlinePostgres) {
  const { app } = deadlinePostgres;
  rows.push({
    row: '2p',
    measure: `deadline → closed_at as row 2, queues on Postgres (QUEUE_BACKEND=postgres)`,
    figure: latency(deadlinePostgres, app),
    baseline: deadline ? `row 2, queues on Redis: ${latency(deadline, deadline.app)}` : '–',
    ratio: deadline ? `median ${times(app.medianMs / deadline.app.medianMs)}, p99 ${times(app.p99Ms / deadline.app.p99Ms)}` : '–',
    target: 'median < 100 ms, p99 < 1 s',
    standing: meetsLatency(deadlinePostgres) ? 'meets' : 'misses',
  });
}
if (close) {
  const scaled = close.requests !== 10_000 ? ` (SCALED DOWN from 10,000)` : '';
  const figure =
    close.seconds !== null
      ? `${close.seconds.toFixed(1)} s (last closed_at ${close.lastClosedAtSeconds?.toFixed(1)} s)`
      : `not done: ${int(close.closed)}/${int(close.requests)} closed, ${int(close.emails)} emails: > ${process.env.BENCH_CLOSE_TIMEOUT ?? 300} s (≈ ${((Number(process.env.BENCH_CLOSE_TIMEOUT ?? 300) * close.requests) / Math.max(close.closed, 1)).toFixed(0)} s projected)`;
  rows.push({
    row: '3',
    measure: `mass close: ${int(close.requests)} requests, ${int(close.responses)} responses, one deadline → all closed and ${int(close.expectedEmails)} request-closed emails in the outbox${scaled}`,
    figure,
    baseline: `same writes set-based (1 SQL transaction + bulk enqueue of the app's send jobs for ${int(close.floorEmails)} emails): ${close.floorSeconds.toFixed(1)} s`,
    ratio: close.seconds !== null ? times(close.seconds / close.floorSeconds) : '–',
    target: '< 30 s, ≤ 1.2× floor',
    standing: close.seconds !== null && close.seconds < 30 && close.seconds <= 1.2 * close.floorSeconds && !scaled ? 'meets' : 'misses',
  });
  const two = close.twoWorkers;
  rows.push({
    row: '3b',
    measure: `mass close as row 3 by two worker processes (a third data set of the same shape, ${two.ranFirst ? 'before' : 'after'} row 3's run; batches taken with FOR UPDATE SKIP LOCKED)${scaled}`,
    figure:
      two.seconds !== null
        ? `${two.seconds.toFixed(1)} s (last closed_at ${two.lastClosedAtSeconds?.toFixed(1)} s)`
        : `not done: ${int(two.closed)}/${int(close.requests)} closed, ${int(two.emails)} emails after ${process.env.BENCH_CLOSE_TIMEOUT ?? 300} s`,
    baseline: close.seconds !== null ? `row 3, one worker: ${close.seconds.toFixed(1)} s; floor ${close.floorSeconds.toFixed(1)} s` : '–',
    ratio: two.seconds !== null && close.seconds !== null ? `${times(two.seconds / close.seconds)} of one worker, ${times(two.seconds / close.floorSeconds)} floor` : '–',
    target: 'none (issue 15: measured; the machine has ' + os.cpus().length + ' cores)',
    standing: '–',
  });
}
for (const [row, emailRow, backend] of [['4', email, 'Redis'], ['4p', emailPostgres, 'Postgres']] as const) {
  if (!emailRow) continue;
  const email = emailRow;
  const pipeline = median(email.rounds.map((r) => r.pipeline.perSecond));
  const direct = median(email.rounds.map((r) => r.direct.perSecond));
  const failed = email.rounds.reduce((s, r) => s + r.direct.failed + (email.messages - r.pipeline.sent), 0);
  rows.push({
    row,
    measure: `email pipeline: ${int(email.messages)} outbox rows → BullMQ on ${backend} → SMTP sink (EMAIL_RATE_PER_SECOND=10000; median of ${email.rounds.length} alternating rounds)`,
    figure: `${int(pipeline)} msg/s (${email.rounds.map((r) => int(r.pipeline.perSecond)).join(', ')})${failed ? ` (${failed} not sent)` : ''}`,
    baseline: `one pooled nodemailer transport: ${int(direct)} msg/s (${email.rounds.map((r) => int(r.direct.perSecond)).join(', ')})`,
    ratio: percent(pipeline / direct),
    target: '≥ 85%',
    standing: pipeline / direct >= 0.85 ? 'meets' : 'misses',
  });
}
optimizer?.forEach((o, i) => {
  rows.push({
    row: `5${String.fromCharCode(97 + i)}`,
    measure: `optimizer ${o.instance}: ${int(o.offers)} offers, ${int(o.variables)} variables (bench:match)`,
    figure: `objective ${o.objective.toFixed(3)} in ${o.seconds.toFixed(2)} s (${o.method}; gap to bound ${o.gap})`,
    baseline: `greedy: ${o.greedy.toFixed(3)}`,
    ratio: o.vsGreedy,
    target: '–',
    standing: 'reported',
  });
});
if (results.matching) rows.push(...matchingRows(results.matching));
const peak = (role: MemoryRecord['role']) => memory.filter((m) => m.role === role).reduce((best, m) => (m.peakBytes > (best?.peakBytes ?? -1) ? m : best), undefined as MemoryRecord | undefined);
const webPeak = peak('app-web');
const workerPeak = peak('app-worker');
const baselineServer = memory.find((m) => m.process.endsWith('baseline-server'));
// The worker's baseline: the bare BullMQ worker of row 2 (a queue consumer with a pg pool and no app
// code); the direct sender of row 4 holds all 20,000 messages in memory, so it is listed
// below but is no like-for-like process.
const bareWorkerPeak = memory.find((m) => m.process.endsWith('bare-deadline-worker')) ?? memory.find((m) => m.process.endsWith('direct-send'));
if (webPeak) {
  rows.push({
    row: '6a',
    measure: 'peak RSS, web process (node dist/src/main.js --web)',
    figure: `${mb(webPeak.peakBytes)} (${webPeak.row})`,
    baseline: baselineServer ? `bare node:http server: ${mb(baselineServer.peakBytes)}` : '–',
    ratio: baselineServer ? times(webPeak.peakBytes / baselineServer.peakBytes) : '–',
    target: '≤ 2×',
    standing: baselineServer ? (webPeak.peakBytes <= 2 * baselineServer.peakBytes ? 'meets' : 'misses') : '–',
  });
}
if (workerPeak) {
  rows.push({
    row: '6b',
    measure: `peak RSS, worker process (${workerCommand()})`,
    figure: `${mb(workerPeak.peakBytes)} (${workerPeak.row}); ${memory
      .filter((m) => m.role === 'app-worker')
      .map((m) => `${m.row} ${mb(m.peakBytes)}`)
      .join(', ')}`,
    baseline: bareWorkerPeak ? `${bareWorkerPeak.process.replace(/^[a-z]+-/, '')}: ${mb(bareWorkerPeak.peakBytes)}` : '–',
    ratio: bareWorkerPeak ? times(workerPeak.peakBytes / bareWorkerPeak.peakBytes) : '–',
    target: '–',
    standing: 'reported',
  });
}

const header = [
  `## Benchmark run ${runId}`,
  '',
  `- date: ${machine.date}`,
  `- machine: ${machine.nproc} cores (${machine.cpu}), node ${machine.node}; load average ${machine.loadBefore.map((l) => l.toFixed(2)).join(' ')} before, ${machine.loadAfter.map((l) => l.toFixed(2)).join(' ')} after`,
  '- memory (`free -h`):',
  '',
  ...machine.free.split('\n').map((l) => `      ${l}`),
  '',
  `- SMTP sink: ${sink instanceof CountingSmtpSink ? 'counting (bench/smtp-sink.ts)' : 'MailCatcher (parses every message)'}; sweeps at 3600 s (fast paths only); NODE_ENV=production, LOG_LEVEL=info, DATABASE_POOL_SIZE=10`,
  `- every process started with the image's C library settings (Dockerfile): ${Object.entries(runtimeEnvironment).map(([k, v]) => `${k}=${v}`).join(', ') || 'none'}`,
  `- worker processes started as docker-compose.yml starts them: ${workerCommand()}${process.env.BENCH_NODE_FLAGS ? ` (then BENCH_NODE_FLAGS=${process.env.BENCH_NODE_FLAGS} for every app process)` : ''}`,
  '',
].join('\n');
const memoryTable = [
  '| process | row | peak RSS |',
  '| --- | --- | --- |',
  ...memory.map((m) => `| ${m.process} | ${m.row} | ${mb(m.peakBytes)} |`),
].join('\n');
function meanCpu(reports: CpuReport[]): CpuReport | null {
  if (!reports.length) return null;
  const avg = (pick: (r: CpuReport) => number) => reports.reduce((s, r) => s + pick(r), 0) / reports.length;
  return {
    seconds: avg((r) => r.seconds),
    machine: avg((r) => r.machine),
    processes: Object.fromEntries(Object.keys(reports[0]!.processes).map((k) => [k, avg((r) => r.processes[k] ?? 0)])),
    mainThreads: Object.fromEntries(
      Object.keys(reports[0]!.mainThreads).map((k) => [k, { running: avg((r) => r.mainThreads[k]?.running ?? 0), waiting: avg((r) => r.mainThreads[k]?.waiting ?? 0) }]),
    ),
    postgres: avg((r) => r.postgres),
    redis: avg((r) => r.redis),
    bench: avg((r) => r.bench),
  };
}
const cpuLines: string[] = [];
const cpuLine = (label: string, report: CpuReport | null | undefined) => {
  if (report) cpuLines.push(`- ${label} (${report.seconds.toFixed(1)} s): ${describeCpu(report)}`);
};
if (http) {
  cpuLine('1a/1b baseline runs', meanCpu(http.cpu.baseline));
  cpuLine('1a browse runs', meanCpu(http.cpu.browse));
  cpuLine('1b respond runs', meanCpu(http.cpu.respond));
  if (http.cpu.respondBaseline?.length) cpuLine('1b bare respond runs', meanCpu(http.cpu.respondBaseline));
  if (http.cluster) cpuLine(`1c browse runs, ${http.cluster.processes} web processes`, meanCpu(http.cluster.cpu));
}
cpuLine('2 deadline latency, app', deadline?.cpu.app);
cpuLine('2 deadline latency, bare worker', deadline?.cpu.bare);
cpuLine('2p deadline latency, app, queues on Postgres', deadlinePostgres?.cpu.app);
cpuLine('3 mass close, app', close?.cpu.app);
cpuLine('3 mass close, set-based floor', close?.cpu.floor);
cpuLine('3b mass close, two workers', close?.twoWorkers.cpu);
for (const [row, emailRow] of [['4', email], ['4p', emailPostgres]] as const) {
  if (!emailRow) continue;
  cpuLine(`${row} email pipeline${row === '4p' ? ', queues on Postgres' : ''}`, meanCpu(emailRow.rounds.flatMap((r) => (r.cpu.pipeline ? [r.cpu.pipeline] : []))));
  cpuLine(`${row} direct send`, meanCpu(emailRow.rounds.flatMap((r) => (r.cpu.direct ? [r.cpu.direct] : []))));
}
const errors = Object.entries(results.errors).map(([name, stack]) => `- ${name} FAILED: ${stack.split('\n')[0]}`);
const markdown = `${header}\n${table(rows)}\n\nCPU during each measurement (% of one core; "bench" is this process: autocannon, the SMTP sink; postgres and redis count every client on the machine):\n\n${cpuLines.join('\n')}\n\nPeak memory by process:\n\n${memoryTable}\n${errors.length ? `\n${errors.join('\n')}\n` : ''}`;
await fs.writeFile(path.join(artifacts, 'results.md'), markdown);
await fs.writeFile(path.join(artifacts, 'results.json'), JSON.stringify({ machine, settings: { ...settings, sessionSecret: undefined }, results, memory }, null, 2));
console.log(markdown);
log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s; artifacts in ${artifacts}`);
process.exit(Object.keys(results.errors).length ? 1 : 0);
