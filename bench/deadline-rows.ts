/**
 * Rows 2 and 3: closing requests at their deadline, through the app's worker process and the
 * delayed `close-due-requests` jobs that publishing plans (`planRequestDeadline`); the sweeps are set
 * to an hour so only the fast path is measured.
 *
 * Row 2 (latency): 1,000 requests, 3 responses each, deadlines spread evenly over 10 s; for each,
 * `closed_at - response_deadline` (closed_at is now() of the closing transaction). Baseline: the
 * same spread closed by a bare BullMQ worker whose job runs only the conditional UPDATE. Row 2p: the
 * same app run with QUEUE_BACKEND=postgres (BullMQ's Postgres backend), beside row 2 in the same run.
 *
 * Row 3 (mass close): 10,000 requests with 10 responses each (100,000) sharing one deadline; the
 * time from the deadline until every request is closed and all 110,000 closing emails
 * (`request-closed:%`) are in the outbox. Baseline: the same closes, audit rows and outbox rows of
 * a twin data set written by set-based SQL in one transaction, plus the same send-email jobs as the
 * app's (`dispatchEmails`) added in bulk: the floor of the same writes on this machine.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Queue } from 'bullmq';
import { sql } from 'kysely';
import { closeRequest } from '../src/requests/close.service.ts';
import { planRequestDeadline } from '../src/requests/deadline-jobs.ts';
import { renderRequestClosedForRequesterEmail, renderRequestClosedForResponderEmail } from '../src/requests/requests.emails.ts';
import { dispatchEmails } from '../src/email/outbox.service.ts';
import { describeCpu, measureCpu, type CpuReport } from './cpu.ts';
import { Phase, type MemoryRecord, type RunSettings } from './phase.ts';
import { inParallel, sleep, type Started } from './processes.ts';
import { capturingContext, explainQueries } from './query-capture.ts';
import { createBenchMarketplace, createBenchPeople, insertOpenRequests, setDeadlines } from './seed.ts';

export interface LatencyStats {
  closed: number;
  medianMs: number;
  p99Ms: number;
  maxMs: number;
}

export interface DeadlineRow {
  requests: number;
  spreadSeconds: number;
  app: LatencyStats;
  /** The bare BullMQ worker on Redis; null in the Postgres row, whose baseline is the Redis row. */
  bare: LatencyStats | null;
  cpu: { app: CpuReport | null; bare: CpuReport | null };
}

export interface MassCloseRow {
  requests: number;
  responses: number;
  expectedEmails: number;
  /** Seconds from the deadline until all closed and all emails in the outbox (polled every 250 ms). */
  seconds: number | null;
  /** Seconds from the deadline to the last closed_at (the start of the last closing transaction). */
  lastClosedAtSeconds: number | null;
  closed: number;
  emails: number;
  planningSecondsAfterDeadline: number;
  timedOut: boolean;
  floorSeconds: number;
  floorSqlSeconds: number;
  floorEmails: number;
  cpu: { app: CpuReport | null; floor: CpuReport | null };
  /** The same close of a data set of the same shape by two worker processes, after the one-worker run. */
  twoWorkers: MassCloseRun;
}

export interface MassCloseRun {
  workers: number;
  seconds: number | null;
  lastClosedAtSeconds: number | null;
  closed: number;
  emails: number;
  planningSecondsAfterDeadline: number;
  cpu: CpuReport | null;
  ranFirst?: boolean;
}


async function latencyOf(phase: Phase, ids: string[]): Promise<LatencyStats> {
  const row = (
    await sql<{ closed: number; median: number | null; p99: number | null; max: number | null }>`
      WITH l AS (SELECT extract(epoch FROM closed_at - response_deadline) * 1000 AS ms FROM requests WHERE id = ANY(${ids}::uuid[]) AND closed_at IS NOT NULL)
      SELECT count(*)::int AS closed, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS median,
             percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) AS p99, max(ms) AS max FROM l`.execute(phase.ctx.db)
  ).rows[0]!;
  return { closed: row.closed, medianMs: Number(row.median ?? NaN), p99Ms: Number(row.p99 ?? NaN), maxMs: Number(row.max ?? NaN) };
}

/** Latency by tenth of the spread (earliest deadlines first): shows whether a backlog builds up. */
async function latencyByTenth(phase: Phase, ids: string[]): Promise<string> {
  const rows = (
    await sql<{ tenth: number; median: number; n: number }>`
      WITH l AS (SELECT ntile(10) OVER (ORDER BY response_deadline) AS tenth, extract(epoch FROM closed_at - response_deadline) * 1000 AS ms
                 FROM requests WHERE id = ANY(${ids}::uuid[]) AND closed_at IS NOT NULL)
      SELECT tenth, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS median, count(*)::int AS n FROM l GROUP BY tenth ORDER BY tenth`.execute(phase.ctx.db)
  ).rows;
  return rows.map((r) => Number(r.median).toFixed(0)).join(' ');
}

async function waitUntilClosed(phase: Phase, ids: string[], until: number): Promise<void> {
  while (Date.now() < until) {
    const { open } = (await sql<{ open: number }>`SELECT count(*)::int AS open FROM requests WHERE id = ANY(${ids}::uuid[]) AND status = 'open'`.execute(phase.ctx.db)).rows[0]!;
    if (open === 0) return;
    await sleep(250);
  }
}

/**
 * A wave of deadlines: `ids` get deadlines spread evenly over `spreadMs` from `leadMs` ahead (database
 * clock), `plan` enqueues the delayed job of each, then waits until all are closed. Returns the CPU
 * used from the first deadline until the last close.
 */
async function closeWave(
  phase: Phase,
  ids: string[],
  input: { leadMs: number; spreadMs: number; plan: (id: string, deadline: Date) => Promise<unknown>; pids: Record<string, number>; log: (line: string) => void },
): Promise<CpuReport | null> {
  const start = (await phase.databaseNow()).getTime() + input.leadMs;
  const deadline = (i: number) => new Date(start + Math.round((i * input.spreadMs) / ids.length));
  await setDeadlines(phase.ctx, ids, deadline);
  await inParallel(ids, 20, (id, i) => input.plan(id, deadline(i)));
  if (Date.now() > start) input.log(`deadline: WARNING planning ended ${Date.now() - start} ms after the first deadline`);
  await sleep(Math.max(0, start - Date.now()));
  const cpu = await measureCpu(input.pids);
  await waitUntilClosed(phase, ids, start + input.spreadMs + 60_000);
  return cpu.end();
}

export async function measureDeadlineLatency(settings: RunSettings, memory: MemoryRecord[], log: (line: string) => void, backend: 'redis' | 'postgres' = 'redis'): Promise<DeadlineRow> {
  const COUNT = 1000;
  const WARMUP = 100;
  const SPREAD_MS = 10_000;
  const phase = await Phase.open(backend === 'redis' ? 'deadline' : 'deadlinepg', settings, memory, { QUEUE_BACKEND: backend });
  try {
    log(`deadline: seeding 2 x ${COUNT} open requests with 3 responses each (+2 x ${WARMUP} for warm-ups)`);
    const people = await createBenchPeople(phase.ctx, { requesters: 20, providers: 20 });
    const marketplace = await createBenchMarketplace(phase.ctx, people.organizer, 'bench-deadline');
    const later = () => new Date(marketplace.responseDeadline.getTime() - 24 * 3600 * 1000);
    const seed = (count: number, seedNumber: number) => insertOpenRequests(phase.ctx, { marketplaceId: marketplace.id, people, count, responsesPerRequest: 3, deadline: later, seed: seedNumber });
    const [appIds, bareIds, appWarmup, bareWarmup] = [await seed(COUNT, 2), await seed(COUNT, 3), await seed(WARMUP, 12), await seed(WARMUP, 13)];

    // The app: the worker process closes on its delayed jobs. A first wave warms it up (JIT,
    // templates, pool connections) as a worker that has been running would be.
    const worker = await phase.startWorker();
    const planApp = (id: string, deadline: Date) => planRequestDeadline(phase.ctx, { id, response_deadline: deadline });
    await closeWave(phase, appWarmup!, { leadMs: 2000, spreadMs: 1000, plan: planApp, pids: {}, log });
    const appCpu = await closeWave(phase, appIds!, { leadMs: 5000, spreadMs: SPREAD_MS, plan: planApp, pids: { worker: worker.child.pid! }, log });
    const app = await latencyOf(phase, appIds!);
    log(`deadline (app): median latency by tenth of the spread (ms): ${await latencyByTenth(phase, appIds!)}`);
    log(`deadline (app): ${app.closed}/${COUNT} closed, median ${app.medianMs.toFixed(1)} ms, p99 ${app.p99Ms.toFixed(1)} ms, max ${app.maxMs.toFixed(1)} ms; cpu: ${appCpu ? describeCpu(appCpu) : ''}`);
    await phase.stop(worker, backend === 'redis' ? 'deadline latency' : 'deadline latency, queues on Postgres', 'app-worker');
    // On Postgres the row stands beside the Redis one of the same run: that is its baseline.
    if (backend === 'postgres') return { requests: COUNT, spreadSeconds: SPREAD_MS / 1000, app, bare: null, cpu: { app: appCpu, bare: null } };

    // The bare mechanism: a delayed BullMQ job and one conditional UPDATE, same spread and concurrency.
    const bare = phase.fork('bare-deadline-worker', 'bench/bare-deadline-worker.ts', {
      DATABASE_URL: phase.env.DATABASE_URL!,
      DATABASE_POOL_SIZE: phase.env.DATABASE_POOL_SIZE!,
      REDIS_URL: settings.redisUrl,
      REDIS_PREFIX: phase.prefix,
      CONCURRENCY: '10',
    });
    await bare.next('ready');
    const queue = new Queue('bench-bare-close', { connection: phase.ctx.redis!, prefix: phase.prefix });
    let bareCpu: CpuReport | null;
    try {
      const planBare = (id: string, deadline: Date) =>
        queue.add('close', { requestId: id, deadlineMs: deadline.getTime() }, { jobId: `bare-${id}`, delay: Math.max(0, deadline.getTime() - Date.now()), removeOnComplete: 1000 });
      await closeWave(phase, bareWarmup!, { leadMs: 2000, spreadMs: 1000, plan: planBare, pids: {}, log });
      bareCpu = await closeWave(phase, bareIds!, { leadMs: 5000, spreadMs: SPREAD_MS, plan: planBare, pids: { 'bare worker': bare.child.pid! }, log });
    } finally {
      await queue.close();
    }
    const bareStats = await latencyOf(phase, bareIds!);
    log(`deadline (bare): median latency by tenth of the spread (ms): ${await latencyByTenth(phase, bareIds!)}`);
    log(`deadline (bare): ${bareStats.closed}/${COUNT} closed, median ${bareStats.medianMs.toFixed(1)} ms, p99 ${bareStats.p99Ms.toFixed(1)} ms, max ${bareStats.maxMs.toFixed(1)} ms; cpu: ${bareCpu ? describeCpu(bareCpu) : ''}`);
    await phase.stop(bare, 'deadline latency', 'baseline');
    return { requests: COUNT, spreadSeconds: SPREAD_MS / 1000, app, bare: bareStats, cpu: { app: appCpu, bare: bareCpu } };
  } finally {
    await phase.close();
  }
}

export async function measureMassClose(settings: RunSettings, memory: MemoryRecord[], log: (line: string) => void, scale = 1, timeoutSeconds = 300): Promise<MassCloseRow> {
  const COUNT = Math.round(10_000 * scale);
  const PER_REQUEST = 10;
  const expectedEmails = COUNT * (1 + PER_REQUEST);
  const phase = await Phase.open('close', settings, memory);
  try {
    log(`mass close: seeding 3 x ${COUNT} open requests with ${PER_REQUEST} responses each (${COUNT * PER_REQUEST} per set)`);
    const people = await createBenchPeople(phase.ctx, { requesters: 100, providers: 200 });
    const marketplace = await createBenchMarketplace(phase.ctx, people.organizer, 'bench-close');
    const twin = await createBenchMarketplace(phase.ctx, people.organizer, 'bench-close-floor');
    const later = () => new Date(marketplace.responseDeadline.getTime() - 24 * 3600 * 1000);
    const appIds = await insertOpenRequests(phase.ctx, { marketplaceId: marketplace.id, people, count: COUNT, responsesPerRequest: PER_REQUEST, deadline: later, seed: 4 });
    const floorIds = await insertOpenRequests(phase.ctx, { marketplaceId: twin.id, people, count: COUNT, responsesPerRequest: PER_REQUEST, deadline: later, seed: 5 });

    const warmup = await insertOpenRequests(phase.ctx, { marketplaceId: twin.id, people, count: 100, responsesPerRequest: PER_REQUEST, deadline: later, seed: 7 });
    // The same close by two worker processes, on a third data set of the same shape.
    const twoWorkers = await createBenchMarketplace(phase.ctx, people.organizer, 'bench-close-two');
    const twoIds = await insertOpenRequests(phase.ctx, { marketplaceId: twoWorkers.id, people, count: COUNT, responsesPerRequest: PER_REQUEST, deadline: later, seed: 8 });
    const warmupTwo = await insertOpenRequests(phase.ctx, { marketplaceId: twin.id, people, count: 100, responsesPerRequest: PER_REQUEST, deadline: later, seed: 9 });

    const countEmails = async () => (await sql<{ n: number }>`SELECT count(*)::int AS n FROM outbox WHERE idempotency_key LIKE 'request-closed:%'`.execute(phase.ctx.db)).rows[0]!.n;
    /** The app's mass close of one data set by `count` worker processes, from the deadline to every email in the outbox. */
    const closeByWorkers = async (count: number, ids: string[], marketplaceId: string, warmupIds: string[]): Promise<MassCloseRun> => {
      const label = `${count} worker${count > 1 ? 's' : ''}`;
      const workers: Started[] = [];
      for (let i = 0; i < count; i++) workers.push(await phase.startWorker({}, count > 1 ? `worker-${count}-${i + 1}` : 'worker'));
      // A first wave of 100 closes warms the workers up (its emails are counted apart).
      await closeWave(phase, warmupIds, { leadMs: 2000, spreadMs: 1000, plan: (id, at) => planRequestDeadline(phase.ctx, { id, response_deadline: at }), pids: {}, log });
      const emailsBefore = await countEmails();
      // The same starting state for each run: the earlier run's dead rows vacuumed, statistics fresh.
      for (const table of ['requests', 'responses', 'outbox', 'audit_events']) await sql`VACUUM (ANALYZE) ${sql.table(table)}`.execute(phase.ctx.db);
      // One deadline for all, far enough ahead to plan every job before it.
      const deadline = new Date((await phase.databaseNow()).getTime() + 8000 + COUNT);
      await setDeadlines(phase.ctx, ids, () => deadline);
      await inParallel(ids, 50, (id) => planRequestDeadline(phase.ctx, { id, response_deadline: deadline }));
      const planningSecondsAfterDeadline = (Date.now() - deadline.getTime()) / 1000;
      if (planningSecondsAfterDeadline > 0) log(`mass close (${label}): WARNING planning ended ${planningSecondsAfterDeadline.toFixed(1)} s after the deadline`);
      await sleep(Math.max(0, deadline.getTime() - Date.now()));
      const cpu = await measureCpu(Object.fromEntries(workers.map((w, i) => [count > 1 ? `worker ${i + 1}` : 'worker', w.child.pid!])));

      let closed = 0;
      let emails = 0;
      let seconds: number | null = null;
      let lastReport = 0;
      // Closing a request and writing its emails is one transaction: once all are closed, the emails
      // are there too (counted to make sure). Counting closed requests is an index scan; counting the
      // outbox on every poll would itself load the machine.
      for (;;) {
        closed = (await sql<{ n: number }>`SELECT count(*)::int AS n FROM requests WHERE marketplace_id = ${marketplaceId} AND status = 'closed'`.execute(phase.ctx.db)).rows[0]!.n;
        const elapsed = (Date.now() - deadline.getTime()) / 1000;
        if (closed >= COUNT) {
          emails = (await countEmails()) - emailsBefore;
          if (emails >= expectedEmails) {
            seconds = elapsed;
            break;
          }
        }
        if (elapsed > timeoutSeconds) {
          emails = (await countEmails()) - emailsBefore;
          break;
        }
        if (elapsed - lastReport >= 15) {
          lastReport = elapsed;
          log(`mass close (${label}): ${elapsed.toFixed(0)} s: ${closed}/${COUNT} closed`);
        }
        await sleep(250);
      }
      const cpuReport = await cpu.end();
      const last = (await sql<{ s: number | null }>`SELECT extract(epoch FROM max(closed_at) - ${deadline}::timestamptz) AS s FROM requests WHERE marketplace_id = ${marketplaceId}`.execute(phase.ctx.db)).rows[0]!.s;
      log(`mass close (${label}): ${seconds === null ? `not done after ${timeoutSeconds} s` : `${seconds.toFixed(1)} s`}: ${closed}/${COUNT} closed, ${emails}/${expectedEmails} emails; cpu: ${cpuReport ? describeCpu(cpuReport) : ''}`);
      for (const worker of workers) await phase.stop(worker, `mass close, ${label}`, 'app-worker');
      return { workers: count, seconds, lastClosedAtSeconds: last === null ? null : Number(last), closed, emails, planningSecondsAfterDeadline, cpu: cpuReport };
    };
    // BENCH_CLOSE_TWO_FIRST=1 runs the two workers first, to see what the order costs.
    const twoFirst = process.env.BENCH_CLOSE_TWO_FIRST === '1';
    const two = twoFirst ? await closeByWorkers(2, twoIds, twoWorkers.id, warmupTwo) : null;
    const one = await closeByWorkers(1, appIds, marketplace.id, warmup);
    const second = two ?? (await closeByWorkers(2, twoIds, twoWorkers.id, warmupTwo));
    const appCpu = one.cpu;
    const { seconds, closed, emails, planningSecondsAfterDeadline } = one;

    // The floor: the same writes, set-based, on the twin data set.
    const floorDeadline = await phase.databaseNow();
    await setDeadlines(phase.ctx, floorIds, () => floorDeadline);
    const summary = {
      title: 'Pre-departure orientation training for labour attachés',
      marketplaceName: 'Benchmark bench-close-floor',
      responseDeadline: floorDeadline,
      timeZone: 'Europe/Brussels',
      url: `${phase.env.BASE_URL}/requests/00000000-0000-0000-0000-000000000000`,
      matchingAt: twin.responseDeadline,
    };
    const toRequester = renderRequestClosedForRequesterEmail({ ...summary, responses: Array.from({ length: PER_REQUEST }, (_, i) => ({ organization: `Provider ${i}`, summary: 'A two-week training of trainers on pre-departure orientation' })) }, 'en');
    const toResponder = renderRequestClosedForResponderEmail(summary, 'en');
    const domain = new URL(phase.env.BASE_URL!).hostname;
    const floorCpu = await measureCpu({});
    const started = performance.now();
    const outboxIds = await phase.ctx.db.transaction().execute(async (trx) => {
      const result = await sql<{ id: string }>`
        WITH closed AS (
          UPDATE requests SET status = 'closed', closed_at = now(), updated_at = now()
          WHERE marketplace_id = ${twin.id} AND status = 'open' AND response_deadline <= now()
          RETURNING id, created_by
        ), audit AS (
          INSERT INTO audit_events (entity, entity_id, action, from_status, to_status, actor_label)
          SELECT 'request', id, 'close', 'open', 'closed', 'system' FROM closed
        ), mail AS MATERIALIZED (
          SELECT gen_random_uuid() AS id, 'request-closed-floor:' || c.id AS key, 'request-closed' AS template, u.email, true AS to_requester
          FROM closed c JOIN users u ON u.id = c.created_by
          UNION ALL
          SELECT gen_random_uuid(), 'request-closed-floor:' || c.id || ':' || s.id, 'request-closed-responder', u.email, false
          FROM closed c JOIN responses s ON s.request_id = c.id AND s.status = 'submitted' JOIN users u ON u.id = s.created_by
        )
        INSERT INTO outbox (id, idempotency_key, template, to_email, subject, text_body, html_body, message_id)
        SELECT id, key, template, email,
               CASE WHEN to_requester THEN ${toRequester.subject} ELSE ${toResponder.subject} END,
               CASE WHEN to_requester THEN ${toRequester.text} ELSE ${toResponder.text} END,
               CASE WHEN to_requester THEN ${toRequester.html} ELSE ${toResponder.html} END,
               '<' || id || '@' || ${domain} || '>'
        FROM mail
        RETURNING id`.execute(trx);
      return result.rows.map((r) => r.id);
    });
    const floorSqlSeconds = (performance.now() - started) / 1000;
    // The same send jobs as the app's (as many rows a job as EMAIL_RATE_PER_SECOND allows), added in bulk.
    await dispatchEmails(phase.ctx, outboxIds);
    const floorSeconds = (performance.now() - started) / 1000;
    const floorReport = await floorCpu.end();
    log(`mass close (floor): ${floorSeconds.toFixed(1)} s (${floorSqlSeconds.toFixed(1)} s of SQL), ${outboxIds.length} emails; cpu: ${floorReport ? describeCpu(floorReport) : ''}`);

    // The statements of one close, as the app sends them, on tables of this size.
    const [sacrifice] = await insertOpenRequests(phase.ctx, { marketplaceId: twin.id, people, count: 1, responsesPerRequest: PER_REQUEST, deadline: () => new Date(Date.now() - 1000), seed: 6 });
    const capture = capturingContext(phase.ctx);
    await closeRequest(capture.ctx, sacrifice!);
    await fs.writeFile(path.join(settings.artifacts, 'explain-close.txt'), `${await explainQueries(phase.ctx, `close one request with ${PER_REQUEST} responses (closeRequest)`, capture.queries)}\n`);

    return {
      requests: COUNT,
      responses: COUNT * PER_REQUEST,
      expectedEmails,
      seconds,
      lastClosedAtSeconds: one.lastClosedAtSeconds,
      twoWorkers: { ...second, ranFirst: twoFirst },
      closed,
      emails,
      planningSecondsAfterDeadline,
      timedOut: seconds === null,
      floorSeconds,
      floorSqlSeconds,
      floorEmails: outboxIds.length,
      cpu: { app: appCpu, floor: floorReport },
    };
  } finally {
    await phase.close();
  }
}
