import { describe, expect, it } from 'vitest';
import { useTestEnvironment } from '../helpers/environment.ts';
import { inTransaction } from '../../src/shared/transaction.ts';
import { renderEmail } from '../../src/email/render.ts';
import { sendOutboxEmail, sweepOutbox } from '../../src/email/outbox.service.ts';
import { jobId } from '../../src/queue/registry.ts';
import { createMailer } from '../../src/email/mailer.ts';

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

  it('a change that fails takes its emails with it', async () => {
    await expect(
      inTransaction(t.env.ctx, async (tx) => {
        await tx.queueEmail({ idempotencyKey: 'rolled-back', template: 'test', to: 'bob@example.org', ...renderEmail({ subject: 'Never', paragraphs: ['x'] }) });
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect(await t.env.ctx.db.selectFrom('outbox').select('id').where('idempotency_key', '=', 'rolled-back').execute()).toHaveLength(0);
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
});

// sweepOutbox called here: with no workers, no sweep of theirs takes the row first.
describe('the outbox sweep, called directly', () => {
  const t = useTestEnvironment({ workers: false });

  it('queues a send for a row left without a job for 30 s, and leaves a newer row to its own job', async () => {
    const row = (key: string, createdAt: Date) => ({ idempotency_key: key, template: 'test', to_email: 'frank@example.org', subject: key, text_body: 'x', html_body: '<p>x</p>', message_id: `<${key}@localhost>`, created_at: createdAt });
    await t.env.ctx.db.insertInto('outbox').values([row('lost-a-minute-ago', new Date(Date.now() - 60_000)), row('written-just-now', new Date())]).execute();
    expect(await sweepOutbox(t.env.ctx)).toBe(1);
    const lost = await t.env.ctx.db.selectFrom('outbox').select('id').where('idempotency_key', '=', 'lost-a-minute-ago').executeTakeFirstOrThrow();
    expect(await t.env.ctx.queues.queue('email').getJob(jobId('email', lost.id, 'sweep', 0))).toBeTruthy();
  });
});
