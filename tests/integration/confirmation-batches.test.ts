import { describe, expect, it } from 'vitest';
import { useTestEnvironment } from '../helpers/environment.ts';
import { passDeadline, publishedRequest, sampleResponse } from '../helpers/factories.ts';
import { runMatching } from '../../src/meetings/matching-run.service.ts';
import { closeRequests } from '../../src/requests/close.service.ts';
import { createMailer } from '../../src/email/mailer.ts';
import { sendOutboxEmail } from '../../src/email/outbox.service.ts';
import { confirmationBatch, MAX_BATCH_EMAILS } from '../../src/email/batches.ts';
import { inTransaction } from '../../src/shared/transaction.ts';
import { renderEmail } from '../../src/email/render.ts';

describe('confirmations within a few minutes go in one email (workers running)', () => {
  // The government's three requests are made one after another (two API calls each) and must fall in one
  // window: under CI's parallel files they once took more than 3 s, and the third receipt went alone.
  const t = useTestEnvironment({ cast: ['organizer', 'bangladesh', 'ilo', 'iom'], marketplace: true, env: { CONFIRMATION_BATCH_SECONDS: '8' } });

  // Three waits of up to 20 s for the batched emails: under CI's parallel files it reached 30 s once.
  it('an agency answering three requests and editing one gets one email with four confirmations and four receipts; another agency gets its own', async () => {
    const { api, env } = t;
    const { organizer, bangladesh, ilo, iom } = t.people;
    const titles = ['Batch one: pre-departure training', 'Batch two: diaspora bonds advice', 'Batch three: labour attachés'];
    const requests = [];
    for (const title of titles) requests.push(await publishedRequest(api, bangladesh, organizer, { title }));
    const responseIds: string[] = [];
    for (const request of requests) {
      const created = await api('POST', `/api/v1/requests/${request.id}/responses`, { token: ilo.token, body: sampleResponse });
      expect(created.status).toBe(201);
      responseIds.push(created.body.id);
    }
    expect((await api('PATCH', `/api/v1/responses/${responseIds[0]}`, { token: ilo.token, body: { summary: 'A two-week training of trainers, revised' } })).status).toBe(200);
    expect((await api('POST', `/api/v1/requests/${requests[1]!.id}/responses`, { token: iom.token, body: sampleResponse })).status).toBe(201);

    const ilos = await env.mail.waitFor((m) => m.envelopeTo.includes(ilo.email), 20_000);
    expect(ilos.parsed.subject).toBe(`Your response to "${titles[0]}" is submitted (and 3 more)`);
    for (const title of titles) expect(ilos.parsed.text).toContain(`== Your response to "${title}" is submitted ==`);
    expect(ilos.parsed.text).toContain(`== Your edit to your response to "${titles[0]}" is saved ==`);
    expect(ilos.parsed.text).toContain('These confirmations came within a few minutes of each other');
    // The HTML carries each confirmation's own content and button, once, in one frame.
    const html = String(ilos.parsed.html);
    expect(html.match(/<html/g)).toHaveLength(1);
    expect(html.match(/View your response/g)!.length).toBeGreaterThanOrEqual(4);
    // Each submission and the edit keep their signed receipt.
    const receipts = ilos.parsed.attachments.filter((a) => a.contentType === 'application/json');
    expect(receipts).toHaveLength(4);
    expect(new Set(receipts.map((a) => a.filename)).size).toBe(4);

    // IOM's one confirmation goes alone, as it was written.
    const ioms = await env.mail.waitFor((m) => m.envelopeTo.includes(iom.email), 20_000);
    expect(ioms.parsed.subject).toBe(`Your response to "${titles[1]}" is submitted`);
    // The government's three "we received your request" went together too; its "published" emails did not wait.
    const received = await env.mail.waitFor((m) => m.envelopeTo.includes(bangladesh.email) && /and 2 more/.test(m.parsed.subject ?? ''), 20_000);
    expect(received.parsed.subject).toBe(`We received your request "${titles[0]}": it awaits moderation (and 2 more)`);

    // One email to ILO in all; the log says which rows went with which.
    await new Promise((resolve) => setTimeout(resolve, 4000));
    expect(env.mail.to(ilo.email)).toHaveLength(1);
    const rows = await env.ctx.db.selectFrom('outbox').select(['id', 'status', 'sent_with', 'message_id']).where('to_email', '=', ilo.email).orderBy('created_at').execute();
    expect(rows).toHaveLength(4);
    expect(rows.every((r) => r.status === 'sent')).toBe(true);
    const carrier = rows.find((r) => r.sent_with === null)!;
    expect(ilos.parsed.messageId).toBe(carrier.message_id);
    expect(rows.filter((r) => r.sent_with === carrier.id)).toHaveLength(3);
    const log = await api('GET', `/api/v1/emails?q=${encodeURIComponent(ilo.email)}`, { token: organizer.token });
    expect(log.status).toBe(200);
    expect(log.body.items.filter((e: { sentWith: string | null }) => e.sentWith === carrier.id)).toHaveLength(3);
    const page = await t.pages.organizer.get(`/organizer/emails?q=${encodeURIComponent(ilo.email)}`);
    expect(page.html.match(/sent in one email with the person’s others of those minutes/g)).toHaveLength(3);

    // After the window a new confirmation is a new email.
    const later = await publishedRequest(api, bangladesh, organizer, { title: 'Batch four: remittance costs' });
    expect((await api('POST', `/api/v1/requests/${later.id}/responses`, { token: ilo.token, body: sampleResponse })).status).toBe(201);
    const second = await env.mail.waitFor((m) => m.envelopeTo.includes(ilo.email) && m.id !== ilos.id, 20_000);
    expect(second.parsed.subject).toBe('Your response to "Batch four: remittance costs" is submitted');
  }, 90_000);
});

describe('confirmation batches, step by step (no workers)', () => {
  const t = useTestEnvironment({ workers: false, env: { CONFIRMATION_BATCH_SECONDS: '60' } });
  const to = 'focal@unitar.example';
  const queueConfirmation = (key: string, subject: string) =>
    inTransaction(t.env.ctx, async (tx) => {
      await tx.queueEmail({ idempotencyKey: key, template: 'test-confirmation', to, batchKey: confirmationBatch('fr', to), ...renderEmail({ subject, paragraphs: [`${subject}.`] }, 'fr') });
    });
  const rowsOf = () => t.env.ctx.db.selectFrom('outbox').select(['id', 'status', 'sent_with', 'last_error', 'attempts']).where('to_email', '=', to).orderBy('created_at').execute();
  const due = () => t.env.ctx.db.updateTable('outbox').set({ send_after: new Date(Date.now() - 60_000) }).where('to_email', '=', to).execute();

  it('waits for its window, takes the others with it, survives a refusal and a dead worker, and never sends one twice', async () => {
    const mailer = createMailer(`smtp://127.0.0.1:${t.env.mail.port}`);
    try {
      await queueConfirmation('c1', 'Premier');
      await queueConfirmation('c2', 'Deuxième');
      const [first, second] = await rowsOf();
      // Not before its time.
      expect(await sendOutboxEmail(t.env.ctx, mailer, first!.id)).toBe('skipped');
      expect(t.env.mail.to(to)).toHaveLength(0);

      // The SMTP server refuses for now: both rows wait again, with the answer.
      await due();
      t.env.mail.failWith = { code: 451, message: 'Try again later' };
      await expect(sendOutboxEmail(t.env.ctx, mailer, first!.id)).rejects.toThrow(/not sent yet/);
      expect((await rowsOf()).map((r) => [r.status, r.last_error?.includes('451')])).toEqual([
        ['pending', true],
        ['pending', true],
      ]);
      t.env.mail.failWith = null;

      // A worker died after taking both rows: once their lease is over, the next job takes both again.
      await t.env.ctx.db.updateTable('outbox').set({ status: 'sending', claimed_at: new Date(Date.now() - 10 * 60_000) }).where('to_email', '=', to).execute();
      await queueConfirmation('c3', 'Troisième');
      await due();
      expect(await sendOutboxEmail(t.env.ctx, mailer, second!.id)).toBe('sent');
      const mails = t.env.mail.to(to);
      expect(mails).toHaveLength(1);
      // Written in the person's language (the batch key's), oldest first.
      expect(mails[0]!.parsed.subject).toBe('Premier (et 2 de plus)');
      const text = mails[0]!.parsed.text!;
      expect(text.indexOf('== Premier ==')).toBeLessThan(text.indexOf('== Deuxième =='));
      expect(text.indexOf('== Deuxième ==')).toBeLessThan(text.indexOf('== Troisième =='));
      const rows = await rowsOf();
      expect(rows.map((r) => r.status)).toEqual(['sent', 'sent', 'sent']);
      expect(rows.map((r) => r.sent_with)).toEqual([second!.id, null, second!.id]);
      // The others' own jobs find nothing to do.
      expect(await sendOutboxEmail(t.env.ctx, mailer, first!.id)).toBe('skipped');
      expect(t.env.mail.to(to)).toHaveLength(1);

      // A permanent refusal fails every row of the batch, with the answer; each can be resent alone.
      await queueConfirmation('c4', 'Quatrième');
      await queueConfirmation('c5', 'Cinquième');
      await due();
      const [, , , fourth, fifth] = await rowsOf();
      t.env.mail.failWith = { code: 550, message: 'Mailbox unavailable' };
      await expect(sendOutboxEmail(t.env.ctx, mailer, fifth!.id)).rejects.toThrow(/failed/);
      expect((await rowsOf()).slice(3).map((r) => [r.status, r.last_error?.includes('550')])).toEqual([
        ['failed', true],
        ['failed', true],
      ]);
      expect(fourth!.id).not.toBe(fifth!.id);
    } finally {
      t.env.mail.failWith = null;
      mailer.close();
    }
  });

  it('puts at most MAX_BATCH_EMAILS in one message, the oldest first; the next job takes the rest', async () => {
    const mailer = createMailer(`smtp://127.0.0.1:${t.env.mail.port}`);
    const other = 'focal@many.example';
    try {
      for (let i = 1; i <= MAX_BATCH_EMAILS + 2; i++) {
        await inTransaction(t.env.ctx, async (tx) => {
          await tx.queueEmail({ idempotencyKey: `many-${i}`, template: 'test-confirmation', to: other, batchKey: confirmationBatch('en', other), ...renderEmail({ subject: `Number ${i}`, paragraphs: ['One of many.'] }, 'en') });
        });
      }
      await t.env.ctx.db.updateTable('outbox').set({ send_after: new Date(Date.now() - 60_000) }).where('to_email', '=', other).execute();
      const rows = await t.env.ctx.db.selectFrom('outbox').select('id').where('to_email', '=', other).orderBy('created_at').execute();
      expect(await sendOutboxEmail(t.env.ctx, mailer, rows[0]!.id)).toBe('sent');
      expect(t.env.mail.to(other)[0]!.parsed.subject).toBe(`Number 1 (and ${MAX_BATCH_EMAILS - 1} more)`);
      expect(await sendOutboxEmail(t.env.ctx, mailer, rows.at(-1)!.id)).toBe('sent');
      expect(t.env.mail.to(other)[1]!.parsed.subject).toBe(`Number ${MAX_BATCH_EMAILS + 1} (and 1 more)`);
      expect((await t.env.ctx.db.selectFrom('outbox').select('status').where('to_email', '=', other).execute()).every((r) => r.status === 'sent')).toBe(true);
    } finally {
      mailer.close();
    }
  });
});

describe("a person's side-meeting changes within a few minutes go in one email (workers running)", () => {
  const t = useTestEnvironment({ cast: ['organizer', 'bangladesh', 'mexico', 'ilo', 'iom'], marketplace: { meetingPublication: 'review' }, env: { CONFIRMATION_BATCH_SECONDS: '3' } });

  it('publishing proposes an agency several meetings: it gets one email, each meeting with its own section, answer link and calendar file', async () => {
    const { api, env } = t;
    const { organizer, bangladesh, mexico, ilo, iom } = t.people;
    // ILO meets Bangladesh and Mexico; Bangladesh meets ILO and IOM (one provider answering two requests of
    // one government would meet it once, about both).
    const requests = [
      await publishedRequest(api, bangladesh, organizer, { title: 'Meetings batch: pre-departure training' }),
      await publishedRequest(api, bangladesh, organizer, { title: 'Meetings batch: diaspora bonds advice' }),
      await publishedRequest(api, mexico, organizer, { title: 'Meetings batch: labour attachés' }),
    ];
    for (const [request, provider] of [[requests[0]!, ilo], [requests[1]!, iom], [requests[2]!, ilo]] as const) {
      expect((await api('POST', `/api/v1/requests/${request.id}/responses`, { token: provider.token, body: sampleResponse })).status).toBe(201);
    }
    await passDeadline(env.ctx, requests.map((r) => r.id));
    await runMatching(env.ctx, t.marketplace.marketplace.id, 'organizer');
    expect((await api('POST', `/api/v1/marketplaces/${t.marketplace.marketplace.slug}/schedule/publish`, { token: organizer.token })).status).toBe(200);
    const meetings = await env.ctx.db.selectFrom('meetings').select('id').where('provider_org_id', '=', ilo.organizationId!).where('status', '=', 'proposed').execute();
    expect(meetings.length).toBeGreaterThanOrEqual(2);

    const withCalendars = (m: { parsed: { attachments: Array<{ contentType: string }> } }) => m.parsed.attachments.some((a) => a.contentType.startsWith('text/calendar'));
    const mail = await env.mail.waitFor((m) => m.envelopeTo.includes(ilo.email) && withCalendars(m), 20_000);
    expect(mail.parsed.subject).toMatch(new RegExp(`\\(and ${meetings.length - 1} more\\)$`));
    expect(mail.parsed.text).toContain('These changes to your side meetings came within a few minutes of each other');
    // One calendar file per meeting, each the meeting's own event; none is the message's invitation part.
    const calendars = mail.parsed.attachments.filter((a) => a.contentType.startsWith('text/calendar'));
    expect(calendars).toHaveLength(meetings.length);
    expect(new Set(calendars.map((a) => a.filename)).size).toBe(meetings.length);
    for (const meeting of meetings) expect(calendars.filter((a) => a.content.toString('utf8').includes(`UID:meeting-${meeting.id}@`))).toHaveLength(1);
    // Each meeting's answer link, unsealed from its own row, answers that meeting.
    const links = [...new Set(String(mail.parsed.text).match(/https?:\/\/[^\s)]+\/meetings\/[0-9a-f-]{36}\/answer\/provider\/[A-Za-z0-9_-]+/g) ?? [])];
    expect(links).toHaveLength(meetings.length);
    expect(new Set(links.map((l) => l.split('/meetings/')[1]!.slice(0, 36)))).toEqual(new Set(meetings.map((m) => m.id)));
    for (const link of links) expect((await fetch(link.replace(/^https?:\/\/[^/]+/, env.baseUrl))).status).toBe(200);

    // One message about them: the other rows went with it, and nothing more came.
    await new Promise((resolve) => setTimeout(resolve, 4000));
    const rows = await env.ctx.db.selectFrom('outbox').select(['id', 'status', 'sent_with', 'message_id']).where('to_email', '=', ilo.email).where('template', 'like', 'meeting-%').execute();
    expect(rows).toHaveLength(meetings.length);
    expect(rows.every((r) => r.status === 'sent')).toBe(true);
    const carrier = rows.find((r) => r.sent_with === null)!;
    expect(mail.parsed.messageId).toBe(carrier.message_id);
    expect(rows.filter((r) => r.sent_with === carrier.id)).toHaveLength(meetings.length - 1);
    expect(env.mail.to(ilo.email).filter(withCalendars)).toHaveLength(1);
    // The government got its invitations in one email too.
    const theirs = await env.mail.waitFor((m) => m.envelopeTo.includes(bangladesh.email) && m.parsed.attachments.filter((a) => a.contentType.startsWith('text/calendar')).length === meetings.length, 20_000);
    expect(theirs.parsed.text).toContain('These changes to your side meetings');

    // After the meetings, the agency is asked what came of each in one email too, each with its own answer links.
    for (const [i, meeting] of meetings.entries()) {
      await env.ctx.db.updateTable('meetings').set({ starts_at: new Date(Date.now() - (4 - i) * 3600_000), ends_at: new Date(Date.now() - (4 - i) * 3600_000 + 1800_000) }).where('id', '=', meeting.id).execute();
    }
    const asked = await env.mail.waitFor((m) => m.envelopeTo.includes(ilo.email) && meetings.every((meeting) => String(m.parsed.text).includes(`/meetings/${meeting.id}/outcome/provider/`)), 20_000);
    expect(asked.parsed.subject).toMatch(new RegExp(`\\(and ${meetings.length - 1} more\\)$`));
    await new Promise((resolve) => setTimeout(resolve, 4000));
    expect(env.mail.to(ilo.email).filter((m) => String(m.parsed.text).includes('/outcome/provider/'))).toHaveLength(1);
  });
});

describe("a person's news at the deadline and after the matching goes in one email (workers running)", () => {
  const t = useTestEnvironment({ cast: ['organizer', 'bangladesh', 'mexico', 'ilo', 'iom'], marketplace: { meetingPublication: 'review' }, env: { CONFIRMATION_BATCH_SECONDS: '3' } });

  it('the close of several requests, the notes of responses without a meeting and the summaries of a publication reach each person in one email', async () => {
    const { api, env } = t;
    const { organizer, bangladesh, mexico, ilo, iom } = t.people;
    // Bangladesh asks twice (one meeting each at most), Mexico once; ILO answers all three, IOM Bangladesh's two.
    const requests = [
      await publishedRequest(api, bangladesh, organizer, { title: 'News batch: pre-departure training', maxMatches: 1 }),
      await publishedRequest(api, bangladesh, organizer, { title: 'News batch: diaspora bonds advice', maxMatches: 1 }),
      await publishedRequest(api, mexico, organizer, { title: 'News batch: labour attachés' }),
    ];
    for (const [request, provider] of [[requests[0]!, ilo], [requests[1]!, ilo], [requests[2]!, ilo], [requests[0]!, iom], [requests[1]!, iom]] as const) {
      expect((await api('POST', `/api/v1/requests/${request.id}/responses`, { token: provider.token, body: sampleResponse })).status).toBe(201);
    }
    await passDeadline(env.ctx, requests.map((r) => r.id));
    await closeRequests(env.ctx, requests.map((r) => r.id));
    const closeNews = (to: string) => env.mail.waitFor((m) => m.envelopeTo.includes(to) && /closed/.test(m.parsed.subject ?? ''), 20_000);
    // ILO hears of the three closes in one email, IOM of its two; each request keeps its own section.
    const toIlo = await closeNews(ilo.email);
    expect(toIlo.parsed.subject).toMatch(/ closed: matching follows after .* \(and 2 more\)$/);
    expect(toIlo.parsed.text).toContain('This news of your requests and responses came within a few minutes of each other');
    for (const r of requests) expect(toIlo.parsed.text).toContain(`== "${(await api('GET', `/api/v1/requests/${r.id}`)).body.title}" closed: matching follows after`);
    expect((await closeNews(iom.email)).parsed.subject).toMatch(/\(and 1 more\)$/);
    // Bangladesh's two requests closed in one email, each with its responses; Mexico's one alone.
    expect((await closeNews(bangladesh.email)).parsed.subject).toMatch(/^"News batch: .*" closed with 2 responses: mark the ones you prefer \(and 1 more\)$/);
    expect((await closeNews(mexico.email)).parsed.subject).toBe('"News batch: labour attachés" closed with 1 response: mark the ones you prefer');

    await runMatching(env.ctx, t.marketplace.marketplace.id, 'organizer');
    expect((await api('POST', `/api/v1/marketplaces/${t.marketplace.marketplace.slug}/schedule/publish`, { token: organizer.token })).status).toBe(200);
    // The provider left without a meeting for Bangladesh's requests (one meeting each at most) hears of both in one note.
    const notes = await env.ctx.db.selectFrom('outbox').select(['to_email']).where('template', '=', 'not-matched').execute();
    const [left] = [...new Set(notes.map((n) => n.to_email))].filter((to) => notes.filter((n) => n.to_email === to).length === 2);
    expect(left).toBeDefined();
    const note = await env.mail.waitFor((m) => m.envelopeTo.includes(left!) && /Thank you for your response/.test(m.parsed.subject ?? ''), 20_000);
    expect(note.parsed.subject).toMatch(/\(and 1 more\)$/);
    // Bangladesh's summaries come with its invitations, in one email.
    const withCalendars = (m: { parsed: { attachments: Array<{ contentType: string }> } }) => m.parsed.attachments.some((a) => a.contentType.startsWith('text/calendar'));
    const invitations = await env.mail.waitFor((m) => m.envelopeTo.includes(bangladesh.email) && withCalendars(m), 20_000);
    expect(invitations.parsed.text).toMatch(/== Your side meetings for "News batch: /);
    await new Promise((resolve) => setTimeout(resolve, 4000));
    expect(env.mail.to(bangladesh.email).filter((m) => /Your side meetings for/.test(m.parsed.text ?? '') && m !== invitations)).toHaveLength(0);
  }, 90_000);
});
