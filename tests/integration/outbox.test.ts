import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { UnrecoverableError } from 'bullmq';
import { useTestEnvironment } from '../helpers/environment.ts';
import { inTransaction } from '../../src/shared/transaction.ts';
import { renderEmail } from '../../src/email/render.ts';
import { BATCHED_BULK_EMAIL_PRIORITY, BULK_EMAIL_PRIORITY, dispatchCommitted, dispatchEmails, emailJobSizing, sendOutboxEmail, sendOutboxEmails, sweepOutbox } from '../../src/email/outbox.service.ts';
import { jobId } from '../../src/queue/registry.ts';
import { createMailer } from '../../src/email/mailer.ts';
import { recordAudit } from '../../src/audit/audit.repository.ts';

const t = useTestEnvironment();

async function queue(key: string, to: string, subject = 'A test email') {
  await inTransaction(t.env.ctx, async (tx) => {
    await tx.queueEmail({ idempotencyKey: key, template: 'test', to, ...renderEmail({ subject, paragraphs: ['Hello.'] }) });
  });
}

describe('the outbox', () => {
  it('the same event queued twice is stored and sent once, with a stable Message-ID', async () => {
    await queue('event-1:alice', 'alice@example.org');
    await queue('event-1:alice', 'alice@example.org');
    const rows = await t.env.ctx.db.selectFrom('outbox').selectAll().where('idempotency_key', '=', 'event-1:alice').execute();
    expect(rows).toHaveLength(1);
    const mail = await t.env.mail.waitFor((m) => m.envelopeTo.includes('alice@example.org'));
    expect(mail.parsed.messageId).toBe(rows[0]!.message_id);
    await expect.poll(async () => (await t.env.ctx.db.selectFrom('outbox').select('status').where('id', '=', rows[0]!.id).executeTakeFirstOrThrow()).status).toBe('sent');

    // A second send job for the same row finds nothing to do.
    const mailer = createMailer(`smtp://127.0.0.1:${t.env.mail.port}`);
    expect(await sendOutboxEmail(t.env.ctx, mailer, rows[0]!.id)).toBe('skipped');
    mailer.close();
    expect(t.env.mail.to('alice@example.org')).toHaveLength(1);
  });

  it('texts with accents or another script go quoted-printable and arrive as written; plain ASCII goes as 7bit', async () => {
    const texts = {
      'accents@example.org': 'Formation pré-départ des attachés de travail, à Bruxelles.',
      'cyrillic@example.org': 'Обучение атташе по вопросам труда перед отъездом.',
      'ascii@example.org': 'Pre-departure orientation training for labour attaches.',
    };
    await inTransaction(t.env.ctx, async (tx) => {
      for (const [to, paragraph] of Object.entries(texts)) await tx.queueEmail({ idempotencyKey: `encoding:${to}`, template: 'test', to, ...renderEmail({ subject: paragraph.slice(0, 20), paragraphs: [paragraph] }) });
    });
    for (const [to, paragraph] of Object.entries(texts)) {
      await t.env.mail.waitFor((m) => m.envelopeTo.includes(to));
      const [mail] = t.env.mail.to(to);
      const textPart = /Content-Type: text\/plain; charset=utf-8\r\nContent-Transfer-Encoding: ([\w-]+)/.exec(mail!.raw);
      expect(textPart?.[1]).toBe(to === 'ascii@example.org' ? '7bit' : 'quoted-printable');
      expect(/Content-Type: text\/html; charset=utf-8\r\nContent-Transfer-Encoding: ([\w-]+)/.exec(mail!.raw)?.[1]).toMatch(/^(7bit|quoted-printable)$/);
      expect(mail!.parsed.text).toContain(paragraph);
      expect(mail!.parsed.html).toContain(paragraph);
      expect(mail!.parsed.subject).toBe(paragraph.slice(0, 20));
    }
  });

  it('a send job of one row, as queued before jobs carried several, is still sent', async () => {
    const [row] = await t.env.ctx.db
      .insertInto('outbox')
      .values({ idempotency_key: 'old-job', template: 'test', to_email: 'olga@example.org', subject: 'Old job', text_body: 'x', html_body: '<p>x</p>', message_id: '<old-job@localhost>' })
      .returning('id')
      .execute();
    await t.env.ctx.queues.enqueue('send-email', { outboxId: row!.id }, { jobId: jobId('email', row!.id) });
    await t.env.mail.waitFor((m) => m.envelopeTo.includes('olga@example.org'));
    await expect.poll(async () => (await t.env.ctx.db.selectFrom('outbox').select('status').where('id', '=', row!.id).executeTakeFirstOrThrow()).status).toBe('sent');
  });

  it('a change that fails takes its emails with it', async () => {
    await expect(
      inTransaction(t.env.ctx, async (tx) => {
        await tx.queueEmail({ idempotencyKey: 'rolled-back', template: 'test', to: 'bob@example.org', ...renderEmail({ subject: 'Never', paragraphs: ['x'] }) });
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect(await t.env.ctx.db.selectFrom('outbox').select('id').where('idempotency_key', '=', 'rolled-back').execute()).toHaveLength(0);
  });

  it('audit rows kept for the commit are written in the order they were recorded, with the emails; a failed change writes none', async () => {
    const entityId = '00000000-0000-4000-8000-00000000a0d1';
    await inTransaction(t.env.ctx, async (tx) => {
      for (const action of ['first', 'second', 'third']) await recordAudit(tx, 'system', { entity: 'email', entityId, action });
      await tx.queueEmail({ idempotencyKey: 'with-audit', template: 'test', to: 'audit@example.org', ...renderEmail({ subject: 'With audit', paragraphs: ['x'] }) });
      // Nothing is written until the work is done.
      expect(await t.env.ctx.db.selectFrom('audit_events').select('id').where('entity_id', '=', entityId).execute()).toHaveLength(0);
    });
    expect((await t.env.ctx.db.selectFrom('audit_events').select('action').where('entity_id', '=', entityId).orderBy('id').execute()).map((r) => r.action)).toEqual(['first', 'second', 'third']);
    // More rows than one statement takes (8 parameters a row): written in order, in several.
    const many = '00000000-0000-4000-8000-00000000a0d2';
    await inTransaction(t.env.ctx, async (tx) => {
      for (let i = 0; i < 9000; i++) await recordAudit(tx, 'system', { entity: 'email', entityId: many, action: `a${i}` });
    });
    const written = (await t.env.ctx.db.selectFrom('audit_events').select('action').where('entity_id', '=', many).orderBy('id').execute()).map((r) => r.action);
    expect(written).toEqual(Array.from({ length: 9000 }, (_, i) => `a${i}`));
    await t.env.mail.waitFor((m) => m.envelopeTo.includes('audit@example.org'));
    await expect(
      inTransaction(t.env.ctx, async (tx) => {
        await recordAudit(tx, 'system', { entity: 'email', entityId, action: 'never' });
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect(await t.env.ctx.db.selectFrom('audit_events').select('id').where('action', '=', 'never').execute()).toHaveLength(0);
  });

  it('while SMTP refuses (4xx) the email waits and is retried; it arrives once SMTP is back', async () => {
    t.env.mail.failWith = { code: 451, message: 'Try again later' };
    await queue('event-2:carol', 'carol@example.org');
    const row = await t.env.ctx.db.selectFrom('outbox').selectAll().where('idempotency_key', '=', 'event-2:carol').executeTakeFirstOrThrow();
    await expect.poll(async () => (await t.env.ctx.db.selectFrom('outbox').select(['attempts', 'last_error']).where('id', '=', row.id).executeTakeFirstOrThrow()).last_error, { timeout: 10_000 }).toMatch(/451/);
    t.env.mail.failWith = null;
    await t.env.mail.waitFor((m) => m.envelopeTo.includes('carol@example.org'), 20_000);
    await expect.poll(async () => (await t.env.ctx.db.selectFrom('outbox').select('status').where('id', '=', row.id).executeTakeFirstOrThrow()).status, { timeout: 10_000 }).toBe('sent');
    expect(t.env.mail.to('carol@example.org')).toHaveLength(1);
  });

  it('a permanent refusal (5xx) is recorded with the SMTP answer and not retried', async () => {
    t.env.mail.failWith = { code: 550, message: 'Mailbox unavailable' };
    await queue('event-3:dave', 'dave@example.org');
    const row = await t.env.ctx.db.selectFrom('outbox').selectAll().where('idempotency_key', '=', 'event-3:dave').executeTakeFirstOrThrow();
    await expect.poll(async () => (await t.env.ctx.db.selectFrom('outbox').select('status').where('id', '=', row.id).executeTakeFirstOrThrow()).status, { timeout: 10_000 }).toBe('failed');
    t.env.mail.failWith = null;
    const failed = await t.env.ctx.db.selectFrom('outbox').select(['last_error', 'attempts']).where('id', '=', row.id).executeTakeFirstOrThrow();
    expect(failed.last_error).toMatch(/550/);
    expect(failed.attempts).toBe(1);
  });

  it('the sweep sends a row whose job was lost', async () => {
    // Written without a job, as when Redis was away at commit time: only the worker's sweep (every second
    // here) finds it. (Calling sweepOutbox here as well would race that sweep for the row.)
    await t.env.ctx.db
      .insertInto('outbox')
      .values({ idempotency_key: 'lost-job', template: 'test', to_email: 'erin@example.org', subject: 'Lost job', text_body: 'x', html_body: '<p>x</p>', message_id: '<lost-job@localhost>', created_at: new Date(Date.now() - 60_000) })
      .execute();
    await t.env.mail.waitFor((m) => m.envelopeTo.includes('erin@example.org'));
    await expect.poll(async () => (await t.env.ctx.db.selectFrom('outbox').select('status').where('idempotency_key', '=', 'lost-job').executeTakeFirstOrThrow()).status).toBe('sent');
  });

  it('sent emails can be purged: deleting a batch\'s first email clears the others\' sent_with, found by its index, not by scanning the outbox', async () => {
    const db = t.env.ctx.db;
    const row = (key: string, sentWith: string | null = null) => ({ idempotency_key: key, template: 'test', to_email: 'purge@example.org', subject: key, text_body: 'x', html_body: '<p>x</p>', message_id: `<${key}@localhost>`, status: 'sent' as const, sent_with: sentWith });
    const head = await db.insertInto('outbox').values(row('purge-head')).returning('id').executeTakeFirstOrThrow();
    await db.insertInto('outbox').values([row('purge-companion-1', head.id), row('purge-companion-2', head.id)]).execute();
    await db.transaction().execute(async (trx) => {
      // The query the foreign key's ON DELETE SET NULL runs for each deleted row, as a generic plan: with
      // sequential scans priced out, it takes the index only if the index can serve it.
      await sql`SET LOCAL enable_seqscan = off`.execute(trx);
      await sql`SET LOCAL plan_cache_mode = force_generic_plan`.execute(trx);
      await sql`PREPARE purge_probe(uuid) AS UPDATE ONLY outbox SET sent_with = NULL WHERE $1 = sent_with`.execute(trx);
      const plan = (await sql<{ 'QUERY PLAN': string }>`EXPLAIN EXECUTE purge_probe(${sql.lit(head.id)})`.execute(trx)).rows.map((r) => r['QUERY PLAN']).join('\n');
      await sql`DEALLOCATE purge_probe`.execute(trx);
      expect(plan).toContain('outbox_sent_with_idx');
    });
    await db.deleteFrom('outbox').where('id', '=', head.id).execute();
    const companions = await db.selectFrom('outbox').select(['idempotency_key', 'sent_with']).where('idempotency_key', 'like', 'purge-companion-%').orderBy('idempotency_key').execute();
    expect(companions).toEqual([
      { idempotency_key: 'purge-companion-1', sent_with: null },
      { idempotency_key: 'purge-companion-2', sent_with: null },
    ]);
  });
});

// sweepOutbox called here: with no workers, no sweep of theirs takes the row first.
describe('the outbox sweep, called directly', () => {
  const t = useTestEnvironment({ workers: false });

  it('queues a send for a row left without a job for 30 s, and leaves a newer row to its own job', async () => {
    const row = (key: string, createdAt: Date) => ({ idempotency_key: key, template: 'test', to_email: 'frank@example.org', subject: key, text_body: 'x', html_body: '<p>x</p>', message_id: `<${key}@localhost>`, created_at: createdAt });
    await t.env.ctx.db.insertInto('outbox').values([row('lost-a-minute-ago', new Date(Date.now() - 60_000)), row('written-just-now', new Date())]).execute();
    expect(await sweepOutbox(t.env.ctx)).toBe(1);
    const lost = await t.env.ctx.db.selectFrom('outbox').select('id').where('idempotency_key', '=', 'lost-a-minute-ago').executeTakeFirstOrThrow();
    // One send job, for that row alone (its id: the first row, the count, the sweep and the rows' attempts).
    const job = await t.env.ctx.queues.queue('email').getJob(jobId('email', lost.id, 1, 'sweep', 0));
    expect(job?.data).toEqual({ outboxIds: [lost.id] });
  });

  const queueMany = async (prefix: string, recipients: string[]) => {
    await inTransaction(t.env.ctx, async (tx) => {
      await tx.queueEmails(recipients.map((to) => ({ idempotencyKey: `${prefix}:${to}`, template: 'test', to, ...renderEmail({ subject: `${prefix} for ${to}`, paragraphs: ['Hello.'] }) })));
    });
    return t.env.ctx.db.selectFrom('outbox').select(['id', 'to_email']).where('idempotency_key', 'like', `${prefix}:%`).orderBy('to_email').execute();
  };
  const statuses = async (ids: string[]) =>
    Object.fromEntries((await t.env.ctx.db.selectFrom('outbox').select(['to_email', 'status', 'attempts', 'last_error']).where('id', 'in', ids).execute()).map((r) => [r.to_email, r]));

  it('one job sends many rows; a row SMTP refuses for now is retried alone, the others stay sent', async () => {
    const rows = await queueMany('batch-retry', ['a1@example.org', 'a2@example.org', 'a3@example.org', 'a4@example.org']);
    const ids = rows.map((r) => r.id);
    const mailer = createMailer(`smtp://127.0.0.1:${t.env.mail.port}`);
    try {
      t.env.mail.failWith = { code: 451, message: 'Greylisted, try again later', to: 'a3@example.org' };
      await expect(sendOutboxEmails(t.env.ctx, mailer, ids)).rejects.toThrow(/not sent yet, email .*: 451 Greylisted/);
      let now = await statuses(ids);
      expect(now['a3@example.org']).toMatchObject({ status: 'pending', attempts: 1, last_error: expect.stringMatching(/451/) });
      for (const to of ['a1@example.org', 'a2@example.org', 'a4@example.org']) expect(now[to]).toMatchObject({ status: 'sent', attempts: 1, last_error: null });

      // BullMQ's retry of the job takes only the row that was refused.
      t.env.mail.failWith = null;
      expect(await sendOutboxEmails(t.env.ctx, mailer, ids)).toEqual({ sent: 1, skipped: 3, failed: 0, retry: 0 });
      now = await statuses(ids);
      expect(now['a3@example.org']).toMatchObject({ status: 'sent', attempts: 2, last_error: null });
      for (const to of ['a1@example.org', 'a2@example.org', 'a3@example.org', 'a4@example.org']) expect(t.env.mail.to(to)).toHaveLength(1);
    } finally {
      mailer.close();
    }
  });

  it('one job records each message as sent soon after SMTP accepts it, not when its slowest message is accepted (a worker killed meanwhile sends fewer twice)', async () => {
    const rows = await queueMany('marked-early', ['c1@example.org', 'c2@example.org', 'c3-slow@example.org']);
    const ids = rows.map((r) => r.id);
    const mailer = createMailer(`smtp://127.0.0.1:${t.env.mail.port}`);
    try {
      t.env.mail.slowFor = { to: 'c3-slow@example.org', ms: 3000 };
      let done = false;
      const sending = sendOutboxEmails(t.env.ctx, mailer, ids).finally(() => (done = true));
      await t.env.mail.waitFor((m) => m.envelopeTo.includes('c2@example.org'));
      await t.env.mail.waitFor((m) => m.envelopeTo.includes('c1@example.org'));
      // While the slow one waits for its answer, the two accepted are recorded (within MARK_SENT_AFTER_MS).
      const deadline = Date.now() + 2000;
      let now = await statuses(ids);
      while (Date.now() < deadline && (now['c1@example.org']!.status !== 'sent' || now['c2@example.org']!.status !== 'sent')) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        now = await statuses(ids);
      }
      expect(done, 'the job still waits for its slow message').toBe(false);
      expect(now['c1@example.org']!.status).toBe('sent');
      expect(now['c2@example.org']!.status).toBe('sent');
      expect(now['c3-slow@example.org']!.status).toBe('sending');
      expect(await sending).toEqual({ sent: 3, skipped: 0, failed: 0, retry: 0 });
      now = await statuses(ids);
      for (const to of ['c1@example.org', 'c2@example.org', 'c3-slow@example.org']) {
        expect(now[to]!.status).toBe('sent');
        expect(t.env.mail.to(to)).toHaveLength(1);
      }
    } finally {
      t.env.mail.slowFor = null;
      mailer.close();
    }
  });

  it('one job: a row refused for good (5xx) is recorded as failed and the job fails without a retry; the others are sent', async () => {
    const rows = await queueMany('batch-fail', ['b1@example.org', 'b2@example.org', 'b3@example.org']);
    const ids = rows.map((r) => r.id);
    const mailer = createMailer(`smtp://127.0.0.1:${t.env.mail.port}`);
    try {
      t.env.mail.failWith = { code: 550, message: 'No such mailbox', to: 'b2@example.org' };
      const error = await sendOutboxEmails(t.env.ctx, mailer, ids).catch((e: Error) => e);
      expect(error).toBeInstanceOf(UnrecoverableError);
      expect((error as Error).message).toMatch(/failed, email .*: 550 No such mailbox/);
      const now = await statuses(ids);
      expect(now['b2@example.org']).toMatchObject({ status: 'failed', attempts: 1, last_error: expect.stringMatching(/550/) });
      expect(now['b1@example.org']!.status).toBe('sent');
      expect(now['b3@example.org']!.status).toBe('sent');
    } finally {
      t.env.mail.failWith = null;
      mailer.close();
    }
  });

  it('committed rows go out in send jobs of as many rows as the email rate allows', async () => {
    const { perJob } = emailJobSizing(t.env.ctx.config.EMAIL_RATE_PER_SECOND);
    expect(perJob).toBeGreaterThan(5);
    const rows = await queueMany('batch-jobs', Array.from({ length: 2 * perJob + 5 }, (_, i) => `c${String(i).padStart(3, '0')}@example.org`));
    const jobsOfRows = async () =>
      (await t.env.ctx.queues.queue('email').getJobs(['waiting', 'prioritized', 'delayed'])).filter((job) => (job.data as { outboxIds: string[] }).outboxIds.some((id) => rows.some((r) => r.id === id)));
    const jobs = await jobsOfRows();
    expect(jobs.map((job) => (job.data as { outboxIds: string[] }).outboxIds.length).sort((a, b) => b - a)).toEqual([perJob, perJob, 5]);
    expect(new Set(jobs.flatMap((job) => (job.data as { outboxIds: string[] }).outboxIds))).toEqual(new Set(rows.map((r) => r.id)));
    // Dispatching the same rows again adds no job (the ids are deterministic).
    await dispatchEmails(t.env.ctx, rows.map((r) => r.id));
    expect((await jobsOfRows()).length).toBe(jobs.length);

    // A bulk send waits behind single emails: its jobs have a priority, which BullMQ takes after jobs without one.
    expect(jobs.map((job) => job.opts.priority)).toEqual([BULK_EMAIL_PRIORITY, BULK_EMAIL_PRIORITY, BULK_EMAIL_PRIORITY]);
    const [single] = await queueMany('single-after-bulk', ['sign-in@example.org']);
    const singleJob = (await t.env.ctx.queues.queue('email').getJobs(['waiting'])).find((job) => (job.data as { outboxIds: string[] }).outboxIds.includes(single!.id));
    expect(singleJob?.opts.priority ?? 0).toBe(0);
    expect(await t.env.ctx.queues.queue('email').getJobState(jobs[0]!.id!)).toBe('prioritized');
  });
});

describe('send jobs of changes committed together', () => {
  const t = useTestEnvironment({ workers: false });

  it('the rows of small changes committed in one turn go out in shared jobs (up to perJob rows each), without the bulk priority; a larger change keeps its own', async () => {
    const { perJob } = emailJobSizing(t.env.ctx.config.EMAIL_RATE_PER_SECOND);
    const queue = async (prefix: string, count: number) => {
      const recipients = Array.from({ length: count }, (_, i) => `${prefix}-${i}@example.org`);
      // Written without their jobs (a transaction enqueues its own after the commit): the test enqueues them.
      await t.env.ctx.db
        .insertInto('outbox')
        .values(recipients.map((to) => ({ idempotency_key: `${prefix}:${to}`, template: 'test', to_email: to, subject: 's', text_body: 't', html_body: 'h', message_id: `<${prefix}-${to}>` })))
        .execute();
      return (await t.env.ctx.db.selectFrom('outbox').select('id').where('idempotency_key', 'like', `${prefix}:%`).orderBy('to_email').execute()).map((r) => r.id);
    };
    const jobsOf = async (ids: string[]) =>
      (await t.env.ctx.queues.queue('email').getJobs(['waiting', 'prioritized', 'delayed'])).filter((job) => (job.data as { outboxIds?: string[] }).outboxIds?.some((id) => ids.includes(id)));
    // perJob + 2 changes of one row, and one of two delayed rows, in one turn: two jobs, and one delayed job.
    const singles = await queue('turn', perJob + 2);
    const delayed = await queue('turn-delayed', 2);
    await Promise.all([...singles.map((id) => dispatchCommitted(t.env.ctx, [id])), dispatchCommitted(t.env.ctx, delayed, 60_000)]);
    const jobs = await jobsOf(singles);
    expect(jobs.map((job) => (job.data as { outboxIds: string[] }).outboxIds.length).sort((a, b) => b - a)).toEqual([perJob, 2]);
    expect(jobs.flatMap((job) => (job.data as { outboxIds: string[] }).outboxIds).sort()).toEqual([...singles].sort());
    expect(jobs.map((job) => job.opts.priority ?? 0)).toEqual([0, 0]);
    const delayedJobs = await jobsOf(delayed);
    expect(delayedJobs.map((job) => [(job.data as { outboxIds: string[] }).outboxIds.length, job.opts.delay])).toEqual([[2, 60_000]]);
    // The next turn starts a new gathering: one more row, one more job.
    const [later] = await queue('next-turn', 1);
    await dispatchCommitted(t.env.ctx, [later!]);
    expect((await jobsOf([later!])).map((job) => (job.data as { outboxIds: string[] }).outboxIds)).toEqual([[later]]);
    // A change of a job's worth or more is a bulk send of its own.
    const bulk = await queue('bulk', perJob + 1);
    await dispatchCommitted(t.env.ctx, bulk);
    expect((await jobsOf(bulk)).map((job) => job.opts.priority)).toEqual([BULK_EMAIL_PRIORITY, BULK_EMAIL_PRIORITY]);
  });
});

describe('a long list of emails written in one transaction', () => {
  const t = useTestEnvironment({ workers: false });

  it('lets the event loop turn while it renders them (other requests of the process are not held until the last is rendered)', async () => {
    let turns = 0;
    let counting = true;
    const tick = () => {
      turns++;
      if (counting) setImmediate(tick);
    };
    setImmediate(tick);
    const seen: number[] = [];
    function* emails() {
      for (let i = 0; i < 350; i++) {
        seen.push(turns);
        yield { idempotencyKey: `turns:${i}`, template: 'turns', to: `turns-${i}@example.org`, subject: 'turns', text: 't', html: 'h' };
      }
    }
    try {
      expect(await inTransaction(t.env.ctx, (tx) => tx.queueEmails(emails()))).toBe(350);
    } finally {
      counting = false;
    }
    // All 350 are one chunk of the INSERT: without the turns, no timer or request of the process ran between the first and the last.
    expect(seen[349]! - seen[0]!).toBeGreaterThanOrEqual(3);
  });
});

describe('send jobs of a bulk change with a batch window', () => {
  const t = useTestEnvironment({ workers: false, env: { CONFIRMATION_BATCH_SECONDS: '30' } });

  it('its batched emails (a run or a publication: invitations) go before its other emails (the notes) once their window ends', async () => {
    const { perJob } = emailJobSizing(t.env.ctx.config.EMAIL_RATE_PER_SECOND);
    const email = (kind: string, i: number, batched: boolean) => ({ idempotencyKey: `${kind}:${i}`, template: kind, to: `${kind}-${i}@example.org`, subject: kind, text: 't', html: 'h', ...(batched ? { batchKey: `meetings:en:${kind}-${i}@example.org` } : {}) });
    await inTransaction(t.env.ctx, async (tx) => {
      await tx.queueEmails([...Array.from({ length: perJob + 1 }, (_, i) => email('invitation', i, true)), ...Array.from({ length: perJob + 1 }, (_, i) => email('note', i, false))]);
    });
    const jobs = await t.env.ctx.queues.queue('email').getJobs(['waiting', 'prioritized', 'delayed']);
    const kindOf = async (job: (typeof jobs)[number]) => (await t.env.ctx.db.selectFrom('outbox').select('template').where('id', '=', (job.data as { outboxIds: string[] }).outboxIds[0]!).executeTakeFirstOrThrow()).template;
    const seen = await Promise.all(jobs.map(async (job) => [await kindOf(job), job.opts.priority, job.opts.delay ?? 0]));
    expect(seen.filter(([kind]) => kind === 'note')).toEqual([
      ['note', BULK_EMAIL_PRIORITY, 0],
      ['note', BULK_EMAIL_PRIORITY, 0],
    ]);
    expect(seen.filter(([kind]) => kind === 'invitation')).toEqual([
      ['invitation', BATCHED_BULK_EMAIL_PRIORITY, 31_000],
      ['invitation', BATCHED_BULK_EMAIL_PRIORITY, 31_000],
    ]);
    // BullMQ takes the lower number first.
    expect(BATCHED_BULK_EMAIL_PRIORITY).toBeLessThan(BULK_EMAIL_PRIORITY);
  });
});

describe('email job sizing', () => {
  it('never exceeds the configured rate, and sends the whole rate from 5 a second', () => {
    for (let rate = 1; rate <= 10_000; rate++) {
      const { perJob, jobsPerSecond } = emailJobSizing(rate);
      expect(perJob * jobsPerSecond).toBeLessThanOrEqual(rate);
      expect(perJob).toBeGreaterThanOrEqual(1);
      expect(perJob).toBeLessThanOrEqual(50);
      // At most a few percent below the rate (a job's rows times whole jobs).
      expect(perJob * jobsPerSecond).toBeGreaterThanOrEqual(rate * 0.8);
    }
    expect(emailJobSizing(50)).toEqual({ perJob: 10, jobsPerSecond: 5 });
    expect(emailJobSizing(10_000)).toEqual({ perJob: 50, jobsPerSecond: 200 });
    expect(emailJobSizing(3)).toEqual({ perJob: 1, jobsPerSecond: 3 });
  });
});
