import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { useTestEnvironment } from '../helpers/environment.ts';
import { linkIn } from '../helpers/http.ts';
import { hashToken } from '../../src/auth/tokens.ts';
import { createPerson } from '../helpers/factories.ts';

const t = useTestEnvironment();

async function signInLinkFor(email: string): Promise<string> {
  const before = t.env.mail.to(email).length;
  const response = await t.api('POST', '/api/v1/auth/magic-link', { body: { email } });
  expect(response.status).toBe(202);
  const mail = await t.env.mail.waitFor((m) => m.envelopeTo.includes(email) && t.env.mail.to(email).indexOf(m) >= before);
  return linkIn(mail.parsed.text ?? '', `${t.env.baseUrl}/auth/callback?token=`);
}

describe('sign-in by emailed link', () => {
  it('emails a one-time link whose token an API client exchanges once for a bearer token', async () => {
    const link = await signInLinkFor('focal.point@labour.gov.bd');
    const token = new URL(link).searchParams.get('token')!;
    expect(Buffer.from(token, 'base64url').length).toBeGreaterThanOrEqual(16);

    const first = await t.api('POST', '/api/v1/auth/token', { body: { token } });
    expect(first.status).toBe(200);
    expect(first.body.user.email).toBe('focal.point@labour.gov.bd');
    const me = await t.api('GET', '/api/v1/me', { token: first.body.accessToken });
    expect(me.status).toBe(200);
    expect(me.body.email).toBe('focal.point@labour.gov.bd');

    const reused = await t.api('POST', '/api/v1/auth/token', { body: { token } });
    expect(reused.status).toBe(401);
    expect(reused.headers.get('content-type')).toContain('application/problem+json');
  });

  it('stores only the hash of the token', async () => {
    const link = await signInLinkFor('hash.check@labour.gov.bd');
    const token = new URL(link).searchParams.get('token')!;
    const rows = await t.env.ctx.db.selectFrom('sign_in_tokens').select('token_hash').where('email', '=', 'hash.check@labour.gov.bd').execute();
    expect(rows.map((r) => r.token_hash)).toEqual([hashToken(token)]);
    expect(rows[0]!.token_hash).not.toContain(token);
  });

  it('refuses an expired token', async () => {
    const link = await signInLinkFor('late@labour.gov.bd');
    const token = new URL(link).searchParams.get('token')!;
    await t.env.ctx.db.updateTable('sign_in_tokens').set({ expires_at: sql`now() - interval '1 second'` }).where('token_hash', '=', hashToken(token)).execute();
    const response = await t.api('POST', '/api/v1/auth/token', { body: { token } });
    expect(response.status).toBe(401);
    expect(response.body.detail).toMatch(/already used or has expired/);
  });

  it('answers the same for an unknown address as for a known one', async () => {
    // An account exists for this address (asking for a link alone creates none).
    await createPerson(t.env.ctx, { email: 'known@ilo.org' });
    expect(await t.env.ctx.db.selectFrom('users').select('id').where('email', '=', 'known@ilo.org').executeTakeFirst()).toBeTruthy();
    const known = await t.api('POST', '/api/v1/auth/magic-link', { body: { email: 'known@ilo.org' } });
    const unknown = await t.api('POST', '/api/v1/auth/magic-link', { body: { email: 'nobody-here@ilo.org' } });
    expect(known.status).toBe(202);
    expect(unknown.status).toBe(202);
    expect(unknown.body).toEqual(known.body);
  });

  it('rate-limits links per address', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await t.api('POST', '/api/v1/auth/magic-link', { body: { email: 'flood@example.org' } })).status);
    expect(statuses.slice(0, 5)).toEqual([202, 202, 202, 202, 202]);
    expect(statuses[6]).toBe(429);
    const limited = await t.api('POST', '/api/v1/auth/magic-link', { body: { email: 'flood@example.org' } });
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
  });

  it('names the field of a bad address', async () => {
    const response = await t.api('POST', '/api/v1/auth/magic-link', { body: { email: 'not-an-email' } });
    expect(response.status).toBe(422);
    expect(response.body.errors).toEqual([{ path: 'email', message: expect.stringMatching(/email address/) }]);
  });

  it('signs a browser in only through the button: opening the link does not use the token', async () => {
    const link = await signInLinkFor('browser.user@iom.int');
    const browser = t.anonymousPage();
    const path = link.slice(t.env.baseUrl.length);
    const page = await browser.get(path);
    expect(page.status).toBe(200);
    // A mail scanner opening the link twice leaves the token usable.
    expect((await t.anonymousPage().get(path)).status).toBe(200);
    const token = new URL(link).searchParams.get('token')!;
    const anonymousBefore = (await t.env.ctx.db.selectFrom('auth_sessions').select('token_hash').execute()).length;

    const signedIn = await browser.post('/auth/callback', { token }, { formPage: path });
    expect(signedIn.status).toBe(303);
    expect((await t.env.ctx.db.selectFrom('auth_sessions').select('token_hash').execute()).length).toBe(anonymousBefore + 1);

    const account = await browser.get('/account/organization');
    expect(account.status).toBe(200);
    expect(account.html).toContain('browser.user@iom.int');

    // The link is single use.
    expect((await t.anonymousPage().get(path)).status).toBe(410);

    // Sign-out ends the session.
    const out = await browser.post('/logout', {}, { formPage: '/account/organization' });
    expect(out.status).toBe(303);
    expect((await browser.get('/account/organization')).status).toBe(303);
  });

  it('sets an HttpOnly, SameSite=Lax session cookie', async () => {
    const link = await signInLinkFor('cookie.check@undp.org');
    const path = link.slice(t.env.baseUrl.length);
    const token = new URL(link).searchParams.get('token')!;
    const page = await fetch(new URL(path, t.env.baseUrl));
    const cookies = page.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1]!;
    const response = await fetch(new URL('/auth/callback', t.env.baseUrl), {
      method: 'POST',
      headers: { cookie: cookies, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf, token }),
      redirect: 'manual',
    });
    const session = response.headers.getSetCookie().find((c) => c.startsWith('fm_session='))!;
    expect(session).toMatch(/HttpOnly/i);
    expect(session).toMatch(/SameSite=Lax/i);
  });

  it('refuses a form post without its CSRF token', async () => {
    const browser = t.anonymousPage();
    await browser.get('/login');
    const response = await browser.post('/login', { email: 'csrf@example.org' }, { csrf: null });
    expect(response.status).toBe(403);
    expect(response.html).toContain('This form has expired or did not come from this site');
    // Nothing was queued (the mailbox alone could be checked before an email had time to arrive).
    expect(await t.env.ctx.db.selectFrom('outbox').select('id').where('to_email', '=', 'csrf@example.org').execute()).toHaveLength(0);
  });

  it('makes ORGANIZER_EMAILS organizers', async () => {
    const link = await signInLinkFor('secretariat@gfmd.test');
    const exchange = await t.api('POST', '/api/v1/auth/token', { body: { token: new URL(link).searchParams.get('token') } });
    const me = await t.api('GET', '/api/v1/me', { token: exchange.body.accessToken });
    expect(me.body.isOrganizer).toBe(true);
  });

  it('refuses an open redirect through the sign-in link', async () => {
    const response = await t.api('POST', '/api/v1/auth/magic-link', { body: { email: 'redirect@example.org', next: '//evil.example/' } });
    expect(response.status).toBe(422);
    expect(response.body.errors[0].path).toBe('next');
  });
});
