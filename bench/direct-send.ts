/**
 * Baseline of the email row: the same outbox messages sent straight through the app's one mailer
 * (`createMailer`: one pooled nodemailer transport, 5 connections), with no queue and no database
 * writes. Forked by bench/email-row.ts: warms up, then for each `go` loads the round's rows
 * (untimed), sends them through the pool, IN_FLIGHT at a time, and reports the time.
 */
import pg from 'pg';
import { createMailer } from '../src/email/mailer.ts';
import { inParallel } from './processes.ts';

interface Row {
  to_email: string;
  subject: string;
  text_body: string;
  html_body: string;
  message_id: string;
  headers: Record<string, string>;
}

const send = (message: Record<string, unknown>) => process.send!(message);
const env = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};

async function loadRows(pattern: string): Promise<Row[]> {
  const client = new pg.Client({ connectionString: env('DATABASE_URL') });
  await client.connect();
  try {
    return (
      await client.query<Row>(`SELECT to_email, subject, text_body, html_body, message_id, headers FROM outbox WHERE idempotency_key LIKE $1 ORDER BY idempotency_key`, [pattern])
    ).rows;
  } finally {
    await client.end();
  }
}

/**
 * Messages handed to the transport at once: as many as the pipeline has in flight at most (4 email
 * jobs of 50). Handing all 20,000 at once was slower (nodemailer's pool queue), which made the
 * baseline weaker than the pipeline.
 */
const IN_FLIGHT = 200;
const from = env('MAIL_FROM');
const mailer = createMailer(env('SMTP_URL'));
const sendRow = (row: Row, messageId = row.message_id) =>
  mailer.sendMail({ from, to: row.to_email, subject: row.subject, text: row.text_body, html: row.html_body, messageId, headers: row.headers });

// Warm-up (JIT, the pool's connections), then wait for rounds.
const warmup = await loadRows(env('WARMUP_KEY_PATTERN'));
await Promise.all(warmup.map((row, i) => sendRow(row, `<direct-warmup-${i}-${row.message_id.slice(1)}`)));
send({ type: 'ready' });

process.on('message', (message: { type: string; pattern: string }) => {
  if (message.type !== 'go') return;
  void (async () => {
    const rows = await loadRows(message.pattern);
    const started = performance.now();
    const failures: unknown[] = [];
    await inParallel(rows, IN_FLIGHT, (row) => sendRow(row).catch((error: unknown) => failures.push(error)));
    const ms = performance.now() - started;
    send({ type: 'done', ms, sent: rows.length - failures.length, failed: failures.length, firstError: failures[0] ? String(failures[0]) : null });
  })();
});
