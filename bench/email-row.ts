/**
 * Row 4: 20,000 outbox rows sent by the app's worker process (send-email jobs through BullMQ:
 * claim, send through the pooled mailer, mark) to a local SMTP sink, against the same messages
 * sent by one pooled nodemailer transport directly (bench/direct-send.ts). Both are warmed up with
 * 500 messages first, and run in alternating rounds (new rows each round). EMAIL_RATE_PER_SECOND is set to its maximum (10000) so the configured
 * provider limit (default 50/s) does not decide the figure: this measures what the pipeline can do.
 * Row 4p: the same with QUEUE_BACKEND=postgres (BullMQ's Postgres backend), in the same run.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { dispatchEmails, sendOutboxEmail } from '../src/email/outbox.service.ts';
import { createMailer } from '../src/email/mailer.ts';
import { renderRequestClosedForResponderEmail } from '../src/requests/requests.emails.ts';
import { describeCpu, measureCpu, type CpuReport } from './cpu.ts';
import { Phase, type MemoryRecord, type RunSettings } from './phase.ts';
import { sleep } from './processes.ts';
import { capturingContext, explainQueries } from './query-capture.ts';
import { insertOutboxRows } from './seed.ts';
import type { SmtpSink } from './smtp-sink.ts';

export interface EmailRound {
  pipeline: { seconds: number; perSecond: number; enqueueSeconds: number; sent: number };
  direct: { seconds: number; perSecond: number; failed: number };
  cpu: { pipeline: CpuReport | null; direct: CpuReport | null };
}

export interface EmailRow {
  messages: number;
  rounds: EmailRound[];
}

async function sentCount(phase: Phase, keyPrefix: string): Promise<number> {
  return (await sql<{ n: number }>`SELECT count(*)::int AS n FROM outbox WHERE idempotency_key LIKE ${`${keyPrefix}:%`} AND status = 'sent'`.execute(phase.ctx.db)).rows[0]!.n;
}

export async function measureEmailPipeline(settings: RunSettings, memory: MemoryRecord[], sink: SmtpSink, log: (line: string) => void, count = 20_000, rounds = 2, backend: 'redis' | 'postgres' = 'redis'): Promise<EmailRow> {
  const WARMUP = 500;
  const phase = await Phase.open(backend === 'redis' ? 'email' : 'emailpg', settings, memory, { EMAIL_RATE_PER_SECOND: '10000', QUEUE_BACKEND: backend });
  try {
    // The email a mass close sends most: a responder's "request closed".
    const email = renderRequestClosedForResponderEmail(
      {
        title: 'Pre-departure orientation training for labour attachés',
        marketplaceName: 'GFMD 2007 Brussels',
        responseDeadline: new Date('2027-06-20T15:00:00Z'),
        timeZone: 'Europe/Brussels',
        url: `${phase.env.BASE_URL}/requests/00000000-0000-0000-0000-000000000000`,
        matchingAt: new Date('2027-06-21T15:00:00Z'),
      },
      'en',
    );
    log(`email: seeding ${rounds} x ${count} outbox rows (+${WARMUP} for the warm-up), ${email.text.length + email.html.length} characters of body each`);
    const warmupIds = await insertOutboxRows(phase.ctx, { count: WARMUP, keyPrefix: 'bench-warmup', email });
    const roundIds: string[][] = [];
    for (let round = 1; round <= rounds; round++) roundIds.push(await insertOutboxRows(phase.ctx, { count, keyPrefix: `bench-email-${round}`, email }));
    await sql`ANALYZE outbox`.execute(phase.ctx.db);

    // As the app enqueues after a commit: bulk adds of send jobs of up to 50 rows each.
    const enqueue = (outboxIds: string[]) => dispatchEmails(phase.ctx, outboxIds);
    const waitForSent = async (keyPrefix: string, n: number, timeoutMs: number) => {
      const deadline = Date.now() + timeoutMs;
      while ((await sentCount(phase, keyPrefix)) < n) {
        if (Date.now() > deadline) throw new Error(`email: ${keyPrefix} not all sent within ${timeoutMs} ms`);
        await sleep(100);
      }
    };

    // Both senders start and warm up first; each round then runs one after the other, in turns
    // (pipeline first in odd rounds, direct first in even ones), and the figures are medians.
    const worker = await phase.startWorker();
    sink.reset();
    await enqueue(warmupIds);
    await sink.waitForCount(WARMUP, 60_000);
    await waitForSent('bench-warmup', WARMUP, 60_000);
    const direct = phase.fork('direct-send', 'bench/direct-send.ts', {
      DATABASE_URL: phase.env.DATABASE_URL!,
      SMTP_URL: settings.smtpUrl,
      MAIL_FROM: phase.ctx.config.MAIL_FROM,
      WARMUP_KEY_PATTERN: 'bench-warmup:%',
    });
    await direct.next('ready');

    const runPipeline = async (round: number) => {
      sink.reset();
      const cpu = await measureCpu({ worker: worker.child.pid! });
      const started = performance.now();
      await enqueue(roundIds[round - 1]!);
      const enqueueSeconds = (performance.now() - started) / 1000;
      await sink.waitForCount(count, 600_000);
      await waitForSent(`bench-email-${round}`, count, 60_000);
      const seconds = (performance.now() - started) / 1000;
      const report = await cpu.end();
      const sent = await sentCount(phase, `bench-email-${round}`);
      log(`email round ${round} pipeline (${backend}): ${count} in ${seconds.toFixed(1)} s = ${(count / seconds).toFixed(0)}/s (enqueue took ${enqueueSeconds.toFixed(1)} s); sink got ${sink.count}; cpu: ${report ? describeCpu(report) : ''}`);
      return { result: { seconds, perSecond: count / seconds, enqueueSeconds, sent }, cpu: report };
    };
    const runDirect = async (round: number) => {
      sink.reset();
      const cpu = await measureCpu({ 'direct sender': direct.child.pid! });
      direct.child.send({ type: 'go', pattern: `bench-email-${round}:%` });
      const done = await direct.next<{ ms: number; sent: number; failed: number; firstError: string | null }>('done', 600_000);
      await sink.waitForCount(done.sent, 30_000);
      const report = await cpu.end();
      const seconds = done.ms / 1000;
      log(`email round ${round} direct: ${done.sent} in ${seconds.toFixed(1)} s = ${(done.sent / seconds).toFixed(0)}/s${done.failed ? `, ${done.failed} failed: ${done.firstError}` : ''}; cpu: ${report ? describeCpu(report) : ''}`);
      return { result: { seconds, perSecond: done.sent / seconds, failed: done.failed }, cpu: report };
    };

    const results: EmailRound[] = [];
    for (let round = 1; round <= rounds; round++) {
      let pipeline: Awaited<ReturnType<typeof runPipeline>>;
      let directRun: Awaited<ReturnType<typeof runDirect>>;
      if (round % 2 === 1) {
        pipeline = await runPipeline(round);
        directRun = await runDirect(round);
      } else {
        directRun = await runDirect(round);
        pipeline = await runPipeline(round);
      }
      results.push({ pipeline: pipeline.result, direct: directRun.result, cpu: { pipeline: pipeline.cpu, direct: directRun.cpu } });
    }
    await phase.stop(worker, backend === 'redis' ? 'email pipeline' : 'email pipeline, queues on Postgres', 'app-worker');
    await phase.stop(direct, backend === 'redis' ? 'email pipeline' : 'email pipeline, queues on Postgres', 'baseline');

    // The statements of one send, as the worker sends them.
    const [one] = await insertOutboxRows(phase.ctx, { count: 1, keyPrefix: 'bench-explain', email });
    const capture = capturingContext(phase.ctx);
    const mailer = createMailer(settings.smtpUrl);
    await sendOutboxEmail(capture.ctx, mailer, one!);
    mailer.close();
    await fs.writeFile(path.join(settings.artifacts, 'explain-email.txt'), `${await explainQueries(phase.ctx, 'send one outbox email (sendOutboxEmail)', capture.queries)}\n`);

    return { messages: count, rounds: results };
  } finally {
    await phase.close();
  }
}
