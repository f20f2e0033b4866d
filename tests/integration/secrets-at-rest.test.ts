import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { startTestEnvironment, type TestEnvironment } from '../helpers/environment.ts';
import { apiClient, linkIn, PageClient } from '../helpers/http.ts';
import { castMember, createTestMarketplace, publishedRequest, type TestPerson } from '../helpers/factories.ts';
import { startWebServer, type WebServer } from '../../src/boot.ts';
import { createLogger } from '../../src/logger.ts';
import { inTransaction } from '../../src/shared/transaction.ts';
import { renderEmail } from '../../src/email/render.ts';
import { linkPlaceholder } from '../../src/email/sealed-links.ts';
import { sendDigests } from '../../src/interests/interests.service.ts';
import type { CaughtMail } from '../../src/email/mail-catcher.ts';
import { scanKeys } from '../../src/queue/redis.ts';

let env: TestEnvironment;
let web: WebServer;
let api: ReturnType<typeof apiClient>;
let organizer: TestPerson;
/** Every log line of the web server, the workers and the services, at every level. */
const logLines: string[] = [];

beforeAll(async () => {
  env = await startTestEnvironment({ organizers: ['secretariat@gfmd.test'] });
  // Everything logs into logLines at the lowest level: the services and workers through ctx.log, the
  // HTTP requests through a web server made with that logger; emailed links point at it.
  env.ctx.log = createLogger('trace', 'test', { write: (line: string) => void logLines.push(line) });
  web = await startWebServer(env.ctx, 0);
  (env.ctx.config as { BASE_URL: string }).BASE_URL = web.url;
  api = apiClient(web.url);
  organizer = await castMember(env.ctx, 'organizer');
});
afterAll(async () => {
  await web?.close();
  await env?.close();
});

/** Every value stored: each row of each table as text, and each key of this file's Redis prefix with its value, whatever its type. */
async function everythingStored(): Promise<string[]> {
  const values: string[] = [];
  const tables = await sql<{ table_name: string }>`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`.execute(env.ctx.db);
  expect(tables.rows.map((t) => t.table_name)).toEqual(expect.arrayContaining(['outbox', 'sign_in_tokens', 'audit_events', 'auth_sessions']));
  for (const { table_name } of tables.rows) {
    const rows = await sql<{ row: string }>`SELECT t::text AS row FROM ${sql.table(table_name)} t`.execute(env.ctx.db);
    for (const { row } of rows.rows) values.push(`${table_name} ${row}`);
  }
  const redis = env.ctx.redis;
  // On the Postgres queue backend there is no Redis to read: the database rows above are all that is stored.
  if (!redis) return values;
  const keys = await scanKeys(redis, `${env.config.REDIS_PREFIX}*`);
  for (const key of keys) {
    const type = await redis.type(key);
    const value =
      type === 'string' ? await redis.get(key)
      : type === 'hash' ? JSON.stringify(await redis.hgetall(key))
      : type === 'list' ? JSON.stringify(await redis.lrange(key, 0, -1))
      : type === 'set' ? JSON.stringify(await redis.smembers(key))
      : type === 'zset' ? JSON.stringify(await redis.zrange(key, 0, -1, 'WITHSCORES'))
      : type === 'stream' ? JSON.stringify(await redis.xrange(key, '-', '+'))
      : type === 'none' ? '' // expired between SCAN and TYPE
      : `a key of type ${type} this test does not read`;
    values.push(`${key} ${value}`);
  }
  // The send job and the rate limits are there: the scan reads this file's keys.
  expect(keys.length).toBeGreaterThan(0);
  return values;
}

/** Strings shaped like a sign-in token (43 base64url characters, standing alone). */
function tokenLike(text: string): string[] {
  return [...new Set(text.match(/(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/g) ?? [])];
}

/** Nothing stored contains the token, and no token-like string stored signs anyone in. */
async function expectNothingStoredSignsIn(token: string): Promise<void> {
  const stored = await everythingStored();
  expect(stored.filter((value) => value.includes(token))).toEqual([]);
  for (const candidate of tokenLike(stored.join('\n'))) {
    const tried = await api('POST', '/api/v1/auth/token', { body: { token: candidate } });
    expect(tried.status, `${candidate} found in storage`).toBe(401);
  }
}

async function signInEmailTo(email: string, after = 0): Promise<CaughtMail> {
  return env.mail.waitFor((m) => m.envelopeTo.includes(email) && m.id > after && /sign-in link/.test(m.parsed.subject ?? ''));
}

function tokenOf(mail: CaughtMail): string {
  return new URL(linkIn(mail.parsed.text ?? '', `${web.url}/auth/callback?token=`)).searchParams.get('token')!;
}

async function outboxRowTo(email: string) {
  return env.ctx.db.selectFrom('outbox').selectAll().where('to_email', '=', email).where('template', '=', 'sign-in').executeTakeFirstOrThrow();
}

async function sentAndScrubbed(email: string): Promise<void> {
  await expect.poll(async () => {
    const row = await outboxRowTo(email);
    return { status: row.status, sealed: row.sealed_links };
  }).toEqual({ status: 'sent', sealed: null });
}

describe('no usable secret at rest', () => {
  it('after a sign-in email is sent, no row, Redis key or log line can sign the person in; the emailed link does, once', async () => {
    expect((await api('POST', '/api/v1/auth/magic-link', { body: { email: 'focal@labour.gov.bd' } })).status).toBe(202);
    const mail = await signInEmailTo('focal@labour.gov.bd');
    const token = tokenOf(mail);
    // The scan below finds a token where there is one.
    expect(tokenLike(mail.parsed.text ?? '')).toContain(token);
    await sentAndScrubbed('focal@labour.gov.bd');

    const row = await outboxRowTo('focal@labour.gov.bd');
    expect(row.text_body).not.toContain('/auth/callback');
    expect(mail.parsed.messageId).toBe(row.message_id);
    // Looked at while the link is still valid: nothing stored is it, or opens it.
    await expectNothingStoredSignsIn(token);

    const signedIn = await api('POST', '/api/v1/auth/token', { body: { token } });
    expect(signedIn.status).toBe(200);
    expect(signedIn.body.user.email).toBe('focal@labour.gov.bd');
    expect((await api('POST', '/api/v1/auth/token', { body: { token } })).status).toBe(401);
    // The bearer token and the page's sign-in (cookie) are not stored or logged either.
    const me = await api('GET', '/api/v1/me', { token: signedIn.body.accessToken });
    expect(me.status).toBe(200);
    const stored = (await everythingStored()).join('\n');
    expect(stored).not.toContain(signedIn.body.accessToken);
    expect(logLines.length).toBeGreaterThan(3);
    const logs = logLines.join('');
    expect(logs).not.toContain(token);
    expect(logs).not.toContain(signedIn.body.accessToken);
  });

  it('an organizer resends a sign-in email while its link is unused: the same email (Message-ID) with a new link that works once; the old link and storage do not sign in', async () => {
    await api('POST', '/api/v1/auth/magic-link', { body: { email: 'lost.email@mofa.gov.ph' } });
    const first = await signInEmailTo('lost.email@mofa.gov.ph');
    await sentAndScrubbed('lost.email@mofa.gov.ph');
    const row = await outboxRowTo('lost.email@mofa.gov.ph');

    const resent = await api('POST', `/api/v1/emails/${row.id}/resend`, { token: organizer.token });
    expect(resent.status).toBe(202);
    const second = await signInEmailTo('lost.email@mofa.gov.ph', first.id);
    expect(second.parsed.messageId).toBe(first.parsed.messageId);
    expect(second.parsed.subject).toBe(first.parsed.subject);
    const oldToken = tokenOf(first);
    const newToken = tokenOf(second);
    expect(newToken).not.toBe(oldToken);
    await sentAndScrubbed('lost.email@mofa.gov.ph');
    await expectNothingStoredSignsIn(newToken);
    expect((await everythingStored()).filter((value) => value.includes(oldToken))).toEqual([]);

    // One live link per sign-in: the resent one.
    expect((await api('POST', '/api/v1/auth/token', { body: { token: oldToken } })).status).toBe(401);
    // The resent link works in the browser, once.
    const browser = new PageClient(web.url);
    const callback = `/auth/callback?token=${newToken}`;
    const signIn = await browser.post('/auth/callback', { token: newToken }, { formPage: callback });
    expect(signIn.status).toBe(303);
    expect(browser.cookie('fm_session')).toBeTruthy();
    expect((await api('POST', '/api/v1/auth/token', { body: { token: newToken } })).status).toBe(401);
    expect(logLines.join('')).not.toContain(newToken);
    expect(logLines.join('')).not.toContain(browser.cookie('fm_session')!);
  });

  it('a resend after the link was used or expired is refused, saying why, and sends nothing', async () => {
    // Used (by the test above).
    const used = await outboxRowTo('lost.email@mofa.gov.ph');
    const refused = await api('POST', `/api/v1/emails/${used.id}/resend`, { token: organizer.token });
    expect(refused.status).toBe(409);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(refused.body.detail).toMatch(/already used or has expired, so it was not sent again\. The person can ask for a new link/);

    // Expired, from the organizers' email page.
    await api('POST', '/api/v1/auth/magic-link', { body: { email: 'too.late@mofa.gov.ph' } });
    await signInEmailTo('too.late@mofa.gov.ph');
    await sentAndScrubbed('too.late@mofa.gov.ph');
    const expired = await outboxRowTo('too.late@mofa.gov.ph');
    await env.ctx.db.updateTable('sign_in_tokens').set({ expires_at: sql`now() - interval '1 second'` }).where('outbox_id', '=', expired.id).execute();
    const browser = new PageClient(web.url);
    browser.setCookie('fm_session', organizer.browserToken);
    const page = await browser.post(`/organizer/emails/${expired.id}/resend`, {}, { formPage: '/organizer/emails' });
    expect(page.status).toBe(409);
    expect(page.html).toContain('This sign-in link was already used or has expired, so it was not sent again.');
    expect(page.html).toContain('too.late@mofa.gov.ph');

    for (const id of [used.id, expired.id]) {
      const after = await env.ctx.db.selectFrom('outbox').select(['status', 'sealed_links']).where('id', '=', id).executeTakeFirstOrThrow();
      expect(after).toEqual({ status: 'sent', sealed_links: null });
    }
    expect(env.mail.to('lost.email@mofa.gov.ph')).toHaveLength(2);
    expect(env.mail.to('too.late@mofa.gov.ph')).toHaveLength(1);
  });

  it('the digest’s one-click unsubscribe link is stored only sealed; the emailed one works', async () => {
    const bangladesh = await castMember(env.ctx, 'bangladesh');
    const undp = await castMember(env.ctx, 'undp');
    await createTestMarketplace(env.ctx, organizer);
    await api('PUT', '/api/v1/me/interests', { token: undp.token, body: { categories: ['advice'] } });
    await publishedRequest(api, bangladesh, organizer, { title: 'Advice on a remittance policy', category: 'advice' });
    expect(await sendDigests(env.ctx, '2026-12-01')).toBe(1);
    const digest = await env.mail.waitFor((m) => m.envelopeTo.includes('focal@undp.org') && /match your interests/.test(m.parsed.subject ?? ''));
    const headers = digest.raw.split(/\r?\n\r?\n/)[0]!.replace(/\r?\n[ \t]+/g, ' ');
    const link = headers.match(/^List-Unsubscribe: <([^>]+)>/m)?.[1];
    expect(link).toMatch(new RegExp(`^${web.url}/unsubscribe/`));
    const token = link!.split('/').pop()!;
    await expect.poll(async () => (await env.ctx.db.selectFrom('outbox').select('status').where('template', '=', 'digest').executeTakeFirstOrThrow()).status).toBe('sent');
    expect((await everythingStored()).filter((value) => value.includes(token) || value.includes(token.split('.')[1]!))).toEqual([]);

    const oneClick = await fetch(link!, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect(oneClick.status).toBe(200);
    expect((await api('GET', '/api/v1/me/interests', { token: undp.token })).body.digest).toBe(false);
    // Its token travels in the path: the request log has the path without it. The line is written when the
    // (compressed) answer has finished going out, which may come after the client has read it.
    await oneClick.text();
    await expect.poll(() => logLines.join('')).toContain('/unsubscribe/[redacted]');
    expect(logLines.join('')).not.toContain(token.split('.')[1]!);
  });

  it('a sealed link opens only in its own row for its own address: copied to another row, that email fails instead of carrying it', async () => {
    const placeholder = linkPlaceholder();
    const secretUrl = `${web.url}/a-link-that-acts-for-carol`;
    await inTransaction(env.ctx, async (tx) => {
      await tx.queueEmail({ idempotencyKey: 'sealed:carol', template: 'test', to: 'carol@example.org', ...renderEmail({ subject: 'For Carol', paragraphs: ['Hello.'], action: { label: 'Go', url: placeholder } }), links: { [placeholder]: secretUrl } });
    });
    const carol = await env.mail.waitFor((m) => m.envelopeTo.includes('carol@example.org'));
    expect(carol.parsed.text).toContain(secretUrl);
    expect(carol.parsed.html).toContain(`href="${secretUrl}"`);
    const carolRow = await env.ctx.db.selectFrom('outbox').selectAll().where('idempotency_key', '=', 'sealed:carol').executeTakeFirstOrThrow();
    expect(`${carolRow.text_body}${carolRow.html_body}${carolRow.sealed_links}`).not.toContain('a-link-that-acts-for-carol');

    // Someone who can write to the database moves Carol's sealed link into an email to themselves.
    await env.ctx.db
      .insertInto('outbox')
      .values({ idempotency_key: 'sealed:mallory', template: 'test', to_email: 'mallory@example.org', subject: 'For Mallory', text_body: placeholder, html_body: placeholder, message_id: '<sealed-mallory@localhost>', sealed_links: carolRow.sealed_links, created_at: new Date(Date.now() - 60_000) })
      .execute();
    await expect.poll(async () => (await env.ctx.db.selectFrom('outbox').select(['status', 'last_error']).where('idempotency_key', '=', 'sealed:mallory').executeTakeFirstOrThrow()), { timeout: 10_000 }).toEqual({
      status: 'failed',
      last_error: expect.stringMatching(/could not be unsealed/),
    });
    expect(env.mail.to('mallory@example.org')).toHaveLength(0);
  });
});
