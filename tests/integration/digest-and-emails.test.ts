import { describe, expect, it } from 'vitest';
import { useTestEnvironment } from '../helpers/environment.ts';
import { createPerson, publishedRequest, sampleRequest, sampleResponse, passDeadline } from '../helpers/factories.ts';
import { PageClient } from '../helpers/http.ts';
import { sendDigests } from '../../src/interests/interests.service.ts';
import { inTransaction } from '../../src/shared/transaction.ts';

const t = useTestEnvironment({ cast: ['organizer', 'bangladesh', 'undp', 'ilo'], marketplace: true });

describe('the daily digest', () => {
  it('sends newly published requests that fit a provider’s interests, once a day, with one-click unsubscribe', async () => {
    await t.api('PUT', '/api/v1/me/interests', { token: t.people.undp.token, body: { categories: ['advice'], countries: ['BD'] } });
    await t.api('PUT', '/api/v1/me/interests', { token: t.people.ilo.token, body: { categories: ['equipment'] } });
    await publishedRequest(t.api, t.people.bangladesh, t.people.organizer, { title: 'Advice on a remittance policy', category: 'advice' });
    await publishedRequest(t.api, t.people.bangladesh, t.people.organizer, { title: 'Training that UNDP did not ask about', category: 'training' });

    expect(await sendDigests(t.env.ctx, '2026-11-30')).toBe(1);
    const digest = await t.env.mail.waitFor((m) => m.envelopeTo.includes('focal@undp.org') && /match your interests/.test(m.parsed.subject ?? ''));
    expect(digest.parsed.subject).toBe('1 new request for assistance match your interests');
    expect(digest.parsed.text).toContain('Advice on a remittance policy');
    expect(digest.parsed.text).not.toContain('Training that UNDP did not ask about');
    const headers = digest.raw.split(/\r?\n\r?\n/)[0]!.replace(/\r?\n[ \t]+/g, ' ');
    const raw = headers.match(/^List-Unsubscribe: <([^>]+)>/m)?.[1];
    expect(raw).toMatch(new RegExp(`^${t.env.baseUrl}/unsubscribe/`));
    expect(headers).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click/m);
    expect(t.env.mail.to('focal@ilo.org').filter((m) => /match your interests/.test(m.parsed.subject ?? ''))).toHaveLength(0);

    // A second run the same day sends nothing new.
    expect(await sendDigests(t.env.ctx, '2026-11-30')).toBe(0);

    // One click, as a mail provider does it: a POST without cookies or CSRF token.
    const oneClick = await fetch(raw!, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect(oneClick.status).toBe(200);
    expect((await t.api('GET', '/api/v1/me/interests', { token: t.people.undp.token })).body.digest).toBe(false);
    await publishedRequest(t.api, t.people.bangladesh, t.people.organizer, { title: 'Advice after unsubscribing', category: 'advice' });
    expect(await sendDigests(t.env.ctx, '2026-12-01')).toBe(0);

    // A forged token does nothing.
    const forged = await fetch(raw!.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect(forged.status).toBe(404);
  });
});

describe('the organizers’ email log', () => {
  it('lists failed emails with the SMTP answer, and resends one', async () => {
    t.env.mail.failWith = { code: 550, message: 'No such mailbox here' };
    await t.api('POST', '/api/v1/auth/magic-link', { body: { email: 'typo@ministry.example' } });
    const failedTo = async () => (await t.api('GET', '/api/v1/emails?status=failed&q=typo%40ministry', { token: t.people.organizer.token })).body.items;
    await expect.poll(async () => (await failedTo()).length, { timeout: 10_000 }).toBe(1);
    t.env.mail.failWith = null;
    const failed = (await failedTo())[0];
    expect(failed).toMatchObject({ to: 'typo@ministry.example', status: 'failed', lastError: expect.stringMatching(/550/) });
    expect((await t.api('GET', '/api/v1/emails', { token: t.people.ilo.token })).status).toBe(403);

    const browser = t.pages.organizer;
    const page = await browser.get('/organizer/emails?status=failed');
    expect(page.html).toContain('typo@ministry.example');
    expect(page.html).toContain('550');
    // The secretariat opens it and reads what it said; its sign-in link shows as a place, never the link.
    expect(page.html).toContain(`href="/organizer/emails/${failed.id}"`);
    const opened = await browser.get(`/organizer/emails/${failed.id}`);
    expect(opened.status).toBe(200);
    expect(opened.html).toContain('typo@ministry.example');
    expect(opened.html).toContain('[personal link]');
    expect(opened.html).not.toMatch(/sealed-link-|token=/);
    expect((await t.pages.ilo.get(`/organizer/emails/${failed.id}`)).status).toBe(403);
    // A resend from the filtered list comes back to the same filter.
    expect(page.html).toContain(`action="/organizer/emails/${failed.id}/resend?status=failed"`);
    const resent = await browser.post(`/organizer/emails/${failed.id}/resend?status=failed`, {}, { formPage: '/organizer/emails?status=failed' });
    expect(resent.status).toBe(303);
    expect(resent.location).toBe('/organizer/emails?status=failed&notice=resent');
    const mail = await t.env.mail.waitFor((m) => m.envelopeTo.includes('typo@ministry.example'));
    expect(mail.parsed.messageId).toBe(failed.messageId);
    const again = await t.api('POST', `/api/v1/emails/${failed.id}/resend`, { token: t.people.organizer.token });
    expect([202, 409]).toContain(again.status);
  });
});

describe('following a request', () => {
  it('a person whose membership waits for approval follows a published request as an individual; nobody follows one they cannot see', async () => {
    const { env, api } = t;
    const { bangladesh, organizer } = t.people;
    const waiting = await createPerson(env.ctx, { email: 'new.colleague@undp.org', organization: { name: 'United Nations Development Programme (UNDP)', kind: 'un_agency' }, membership: 'pending' });
    const request = await publishedRequest(api, bangladesh, organizer, { title: 'Request followed by a person still waiting' });
    expect((await api('PUT', `/api/v1/requests/${request.id}/follow`, { token: waiting.token })).body).toEqual({ following: true });
    const browser = new PageClient(env.baseUrl);
    browser.setCookie('fm_session', waiting.browserToken);
    expect((await browser.get(`/requests/${request.id}`)).html).toContain('Stop following');

    // A request not published yet is the requester's and the organizers': to anyone else it does not exist.
    const unpublished = await api('POST', '/api/v1/marketplaces/gfmd-2007/requests', { token: bangladesh.token, body: { ...sampleRequest, title: 'Request not published yet' } });
    for (const method of ['PUT', 'DELETE']) {
      const refused = await api(method, `/api/v1/requests/${unpublished.body.id}/follow`, { token: waiting.token });
      expect(refused.status).toBe(404);
    }
    expect(await env.ctx.db.selectFrom('request_follows').select('user_id').where('request_id', '=', unpublished.body.id).execute()).toEqual([]);
  });
});

describe('the organizers’ email log over the API', () => {
  it('answers times as ISO instants, offers to resend only what is sent or failed, and refuses to resend one still on its way', async () => {
    const { env, api } = t;
    const { organizer } = t.people;
    const pending = await env.ctx.db
      .insertInto('outbox')
      .values({ idempotency_key: 'waiting-in-line', template: 'test', to_email: 'in.line@example.org', subject: 'Still on its way', text_body: 'x', html_body: 'x', message_id: '<in-line@localhost>', status: 'sending', claimed_at: new Date() })
      .returning('id')
      .executeTakeFirstOrThrow();
    const list = await api('GET', '/api/v1/emails?q=in.line%40example.org', { token: organizer.token });
    expect(list.body.items).toEqual([expect.objectContaining({ id: pending.id, status: 'sending', sentAt: null, createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/) })]);
    const resend = await api('POST', `/api/v1/emails/${pending.id}/resend`, { token: organizer.token });
    expect(resend.status).toBe(409);
    const browser = new PageClient(env.baseUrl);
    browser.setCookie('fm_session', organizer.browserToken);
    const page = await browser.get('/organizer/emails?q=in.line%40example.org');
    expect(page.html).toContain('in.line@example.org');
    expect(page.html).not.toContain(`/organizer/emails/${pending.id}/resend`);
  });
});

describe('responding in the browser', () => {
  it('after the deadline the form keeps the text and says when the deadline was, in the marketplace’s and the reader’s time', async () => {
    const request = await publishedRequest(t.api, t.people.bangladesh, t.people.organizer, { title: 'Request answered too late' });
    const browser = t.pages.ilo;
    browser.setCookie('tz', 'America/New_York');
    const form = await browser.get(`/requests/${request.id}/respond`);
    expect(form.status).toBe(200);
    const csrf = browser.csrfFrom(form.html);
    await passDeadline(t.env.ctx, [request.id]);
    const late = await browser.post(
      `/requests/${request.id}/respond`,
      { summary: sampleResponse.summary, details: sampleResponse.details, offerCategories: ['training'], modality: 'remote', languages: 'English', funding: 'shared', intent: 'submit' },
      { csrf },
    );
    expect(late.status).toBe(409);
    expect(late.html).toMatch(/The response deadline has passed\. It was .*Europe\/Brussels\); .*America\/New_York\) your time/);
    expect(late.html).toContain(`value="${sampleResponse.summary}"`);
  });

  it('a provider responds with the form, saves a draft first, then submits', async () => {
    const request = await publishedRequest(t.api, t.people.bangladesh, t.people.organizer, { title: 'Request answered in the browser' });
    const browser = t.pages.undp;
    const fields = { summary: 'UNDP country office support', details: 'Our country office in Dhaka can advise on the policy design with the ministry.', offerCategories: ['advice'], modality: 'either', languages: 'English, Bengali', funding: 'provider_covers' };
    const invalid = await browser.post(`/requests/${request.id}/respond`, { ...fields, offerCategories: [], intent: 'submit' }, { formPage: `/requests/${request.id}/respond` });
    expect(invalid.status).toBe(422);
    expect(invalid.html).toContain('What you offer: must name at least one category');
    // The group is described by its error and marked invalid; the summary's link lands on its first box, which takes the focus.
    expect(invalid.html).toMatch(/<fieldset class="field field--error" aria-invalid="true" aria-describedby="offerCategories-error">/);
    expect(invalid.html).toContain('href="#offerCategories"');
    expect(invalid.html).toMatch(/<input type="checkbox" id="offerCategories" name="offerCategories"/);
    const draft = await browser.post(`/requests/${request.id}/respond`, { ...fields, intent: 'draft' }, { formPage: `/requests/${request.id}/respond` });
    expect(draft.status).toBe(303);
    expect(draft.location).toBe(`/requests/${request.id}?notice=draft-saved#response`);
    const page = await browser.get(draft.location!);
    expect(page.html).toContain('Your draft is saved');
    const responseId = /action="\/responses\/([0-9a-f-]+)\/submit"/.exec(page.html)![1]!;
    const submitted = await browser.post(`/responses/${responseId}/submit`, {}, { formPage: `/requests/${request.id}` });
    expect(submitted.status).toBe(303);
    expect((await t.api('GET', `/api/v1/responses/${responseId}`, { token: t.people.undp.token })).body.status).toBe('submitted');
    // The respond link now leads to the existing response.
    expect((await browser.get(`/requests/${request.id}/respond`)).location).toBe(`/responses/${responseId}/edit`);
  });
});

describe('the email log, page by page', () => {
  it('reaches every email of one transaction, which share their time to the microsecond, page after page', async () => {
    const { env, api } = t;
    const emails = Array.from({ length: 7 }, (_, i) => ({ idempotencyKey: `page-walk:${i}`, template: 'page-walk', to: `page-walk-${i}@example.org`, subject: `Page walk ${i}`, text: 'text', html: '<p>html</p>' }));
    await inTransaction(env.ctx, (tx) => tx.queueEmails(emails));
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: { items: Array<{ to: string }>; nextCursor: string | null } } = await api('GET', `/api/v1/emails?q=page-walk&limit=3${cursor ? `&cursor=${cursor}` : ''}`, { token: t.people.organizer.token });
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeGreaterThan(0);
      seen.push(...page.body.items.map((e) => e.to));
      expect(new Set(seen).size).toBe(seen.length);
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen.sort()).toEqual(emails.map((e) => e.to).sort());
    // The organizer's page follows the same cursor.
    const first = await t.pages.organizer.get('/organizer/emails?q=page-walk&limit=3');
    const next = first.html.match(/href="([^"]*cursor=[^"]+)"/)?.[1];
    expect(next).toBeDefined();
    const second = await t.pages.organizer.get(next!.replace(/&amp;/g, '&'));
    expect(second.html).not.toContain('No emails.');
  });
});

