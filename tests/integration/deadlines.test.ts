import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEnvironment, type TestEnvironment } from '../helpers/environment.ts';
import { apiClient } from '../helpers/http.ts';
import { createPerson, createTestMarketplace, publishedRequest, sampleResponse, type TestPerson, castMember, passDeadline, dbNowPlus } from '../helpers/factories.ts';
import { jobId } from '../../src/queue/registry.ts';
import { closeDueRequests, closeRequest, msUntilDueByDatabaseClock } from '../../src/requests/close.service.ts';
import { closeJobId } from '../../src/requests/deadline-jobs.ts';
import { sendReminders } from '../../src/requests/reminders.service.ts';

let env: TestEnvironment;
let api: ReturnType<typeof apiClient>;
let organizer: TestPerson;
let bangladesh: TestPerson;
let ilo: TestPerson;
let iom: TestPerson;
let undp: TestPerson;

beforeAll(async () => {
  env = await startTestEnvironment({ organizers: ['secretariat@gfmd.test'] });
  api = apiClient(env.baseUrl);
  organizer = await castMember(env.ctx, 'organizer');
  bangladesh = await castMember(env.ctx, 'bangladesh');
  ilo = await castMember(env.ctx, 'ilo');
  iom = await castMember(env.ctx, 'iom');
  undp = await castMember(env.ctx, 'undp');
  await createTestMarketplace(env.ctx, organizer);
});
afterAll(async () => env?.close());


async function statusOf(id: string) {
  return env.ctx.db.selectFrom('requests').select(['status', 'response_count', 'response_deadline', 'closed_at']).where('id', '=', id).executeTakeFirstOrThrow();
}

describe('the deadline', () => {
  it('providers submitting while the deadline passes: every accepted response was written before it, every refusal came after it, and the count matches', async () => {
    const providers: TestPerson[] = [];
    for (let i = 0; i < 40; i++) {
      providers.push(await createPerson(env.ctx, { email: `focal${i}@provider${i}.example`, organization: { name: `Provider ${i}`, kind: 'ngo' } }));
    }
    const request = await publishedRequest(api, bangladesh, organizer, { title: 'Request closing under load', responseDeadline: await dbNowPlus(env.ctx, 1500) });
    const deadline = new Date(request.responseDeadline).getTime();
    // Spread the submissions from 600 ms before to 600 ms after the deadline.
    const startAt = deadline - 600;
    const outcomes = await Promise.all(
      providers.map(async (provider, i) => {
        const wait = startAt + (i * 1200) / providers.length - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const response = await api('POST', `/api/v1/requests/${request.id}/responses`, { token: provider.token, body: sampleResponse });
        return { status: response.status, type: response.body?.type as string | undefined, answeredAt: Date.now() };
      }),
    );
    const accepted = outcomes.filter((o) => o.status === 201);
    const refused = outcomes.filter((o) => o.status === 409);
    expect(accepted.length + refused.length).toBe(providers.length);
    expect(accepted.length).toBeGreaterThan(0);
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) {
      expect(r.type).toContain('deadline-passed');
      expect(r.answeredAt).toBeGreaterThanOrEqual(deadline);
    }
    const written = await env.ctx.db.selectFrom('responses').select('submitted_at').where('request_id', '=', request.id).where('status', '=', 'submitted').execute();
    expect(written).toHaveLength(accepted.length);
    for (const row of written) expect(row.submitted_at!.getTime()).toBeLessThan(deadline);

    // The worker closes it at its deadline; the count equals the accepted responses.
    await expect.poll(async () => (await statusOf(request.id)).status, { timeout: 10_000 }).toBe('closed');
    const closed = await statusOf(request.id);
    expect(closed.response_count).toBe(accepted.length);
    expect(closed.closed_at!.getTime()).toBeGreaterThanOrEqual(deadline);
    const requesterMail = await env.mail.waitFor((m) => m.envelopeTo.includes('focal@mole.gov.bd') && /"Request closing under load" closed/.test(m.parsed.subject ?? ''));
    expect(requesterMail.parsed.subject).toContain(`with ${accepted.length} responses`);
  });

  it('a request whose delayed close job was deleted from Redis is closed by the sweep', async () => {
    const request = await publishedRequest(api, bangladesh, organizer, { title: 'Request whose job is lost', responseDeadline: await dbNowPlus(env.ctx, 1200) });
    const deadlineMs = new Date(request.responseDeadline).getTime();
    const queue = env.ctx.queues.queue('deadlines');
    const id = closeJobId(deadlineMs);
    expect(await queue.getJob(id)).toBeTruthy();
    await queue.remove(id);
    expect(await queue.getJob(id)).toBeUndefined();
    await expect.poll(async () => (await statusOf(request.id)).status, { timeout: 15_000, interval: 250 }).toBe('closed');
  });

  it('a close that runs twice sends its emails once', async () => {
    const request = await publishedRequest(api, bangladesh, organizer, { title: 'Request closed twice', responseDeadline: await dbNowPlus(env.ctx, 60_000) });
    await api('POST', `/api/v1/requests/${request.id}/responses`, { token: ilo.token, body: sampleResponse });
    await passDeadline(env.ctx, [request.id]);
    const outcomes = await Promise.all([closeRequest(env.ctx, request.id), closeRequest(env.ctx, request.id)]);
    expect(outcomes.sort()).toEqual(['closed', 'not-open']);
    expect(await closeRequest(env.ctx, request.id)).toBe('not-open');
    const rows = await env.ctx.db.selectFrom('outbox').select(['idempotency_key', 'to_email']).where('idempotency_key', 'like', `request-closed:${request.id}%`).execute();
    expect(rows.map((r) => r.to_email).sort()).toEqual(['focal@ilo.org', 'focal@mole.gov.bd']);
    await env.mail.waitFor((m) => m.envelopeTo.includes('focal@ilo.org') && /"Request closed twice" closed/.test(m.parsed.subject ?? ''));
    await new Promise((r) => setTimeout(r, 500));
    expect(env.mail.to('focal@ilo.org').filter((m) => /"Request closed twice" closed/.test(m.parsed.subject ?? ''))).toHaveLength(1);
  });

  it('many requests sharing a deadline close together, set-based: two closers at once close each request once, and each email is written once', async () => {
    const requests = [];
    for (let i = 0; i < 8; i++) requests.push(await publishedRequest(api, bangladesh, organizer, { title: `Batch request ${i}`, responseDeadline: await dbNowPlus(env.ctx, 3_600_000) }));
    for (const request of requests.slice(0, 6)) {
      await api('POST', `/api/v1/requests/${request.id}/responses`, { token: ilo.token, body: sampleResponse });
      await api('POST', `/api/v1/requests/${request.id}/responses`, { token: iom.token, body: sampleResponse });
    }
    await env.ctx.db.updateTable('users').set({ locale: 'fr' }).where('id', '=', iom.id).execute();
    const ids = requests.map((r) => r.id);
    await passDeadline(env.ctx, ids);

    const counts = await Promise.all([closeDueRequests(env.ctx), closeDueRequests(env.ctx)]);
    expect(counts[0]! + counts[1]!).toBeGreaterThanOrEqual(ids.length);
    const statuses = await env.ctx.db.selectFrom('requests').select(['status', 'closed_at']).where('id', 'in', ids).execute();
    expect(statuses.every((r) => r.status === 'closed' && r.closed_at)).toBe(true);
    const audits = await env.ctx.db.selectFrom('audit_events').select(['entity_id', 'from_status', 'to_status', 'actor_label']).where('entity_id', 'in', ids).where('action', '=', 'close').execute();
    expect(audits).toHaveLength(ids.length);
    expect(audits.every((a) => a.from_status === 'open' && a.to_status === 'closed' && a.actor_label === 'system')).toBe(true);

    const rows = await env.ctx.db.selectFrom('outbox').select(['idempotency_key', 'to_email', 'subject', 'text_body']).where('template', 'in', ['request-closed', 'request-closed-responder']).where('subject', 'like', '%Batch request%').execute();
    // 8 requesters' emails, and 2 responders on 6 of them.
    expect(rows).toHaveLength(8 + 12);
    expect(rows.filter((r) => r.to_email === 'focal@mole.gov.bd')).toHaveLength(8);
    const withResponses = rows.find((r) => r.idempotency_key === `request-closed:${ids[0]}`)!;
    expect(withResponses.subject).toContain('closed with 2 responses');
    expect(withResponses.text_body).toContain('International Labour Organization');
    const withNone = rows.find((r) => r.idempotency_key === `request-closed:${ids[7]}`)!;
    expect(withNone.subject).toContain('closed with 0 responses');
    const french = rows.filter((r) => r.to_email === 'focal@iom.int');
    expect(french).toHaveLength(6);
    expect(french[0]!.subject).toMatch(/clôtur/i);
    expect(rows.filter((r) => r.to_email === 'focal@ilo.org').every((r) => /closed: matching follows/.test(r.subject))).toBe(true);
    await env.mail.waitFor((m) => m.envelopeTo.includes('focal@iom.int') && /Batch request 5/.test(m.parsed.subject ?? ''));
    await env.ctx.db.updateTable('users').set({ locale: 'en' }).where('id', '=', iom.id).execute();
  });

  it('a close job that fires before the database clock reaches its deadline learns how long to wait', async () => {
    const request = await publishedRequest(api, bangladesh, organizer, { title: 'Request due by the database clock', responseDeadline: await dbNowPlus(env.ctx, 60_000) });
    const deadlineMs = new Date(request.responseDeadline).getTime();
    const wait = await msUntilDueByDatabaseClock(env.ctx, deadlineMs);
    expect(wait).toBeGreaterThan(50_000);
    expect(wait).toBeLessThanOrEqual(60_000);
    // Requests due later than the job's instant are not its business.
    expect(await msUntilDueByDatabaseClock(env.ctx, deadlineMs - 120_000)).toBe(0);
  });

  it('a close that is not due does nothing', async () => {
    const request = await publishedRequest(api, bangladesh, organizer, { title: 'Request not yet due', responseDeadline: await dbNowPlus(env.ctx, 3_600_000) });
    expect(await closeRequest(env.ctx, request.id)).toBe('not-due');
    expect((await statusOf(request.id)).status).toBe('open');
  });
});

describe('reminders and extensions', () => {
  it('at 7 days: followers, draft authors, the requester with no response yet, and providers whose interests fit; once each', async () => {
    const request = await publishedRequest(api, bangladesh, organizer, { title: 'Request needing reminders', responseDeadline: await dbNowPlus(env.ctx, 6 * 24 * 3600 * 1000) });
    await api('PUT', `/api/v1/requests/${request.id}/follow`, { token: iom.token });
    await api('POST', `/api/v1/requests/${request.id}/responses`, { token: ilo.token, body: { ...sampleResponse, draft: true } });
    await api('PUT', '/api/v1/me/interests', { token: undp.token, body: { categories: ['training'], countries: ['BD'] } });
    const deadlineMs = new Date(request.responseDeadline).getTime();

    expect(await sendReminders(env.ctx, request.id, '7d', deadlineMs)).toBe('sent');
    expect(await sendReminders(env.ctx, request.id, '7d', deadlineMs)).toBe('already-ran');
    const rows = await env.ctx.db.selectFrom('outbox').select(['template', 'to_email']).where('idempotency_key', 'like', `reminder:%${request.id}%`).orderBy('to_email').execute();
    expect(rows).toEqual([
      { template: 'reminder-7d', to_email: 'focal@ilo.org' },
      { template: 'reminder-7d', to_email: 'focal@iom.int' },
      { template: 'no-response-yet', to_email: 'focal@mole.gov.bd' },
      { template: 'nobody-answered', to_email: 'focal@undp.org' },
    ]);
    const draftReminder = await env.mail.waitFor((m) => m.envelopeTo.includes('focal@ilo.org') && /Request needing reminders/.test(m.parsed.subject ?? ''));
    expect(draftReminder.parsed.text).toContain('have not submitted it');
  });

  it('an extension after reminders were planned: old jobs do nothing, new ones are planned, people are told, each reminder goes once', async () => {
    const firstDeadline = await dbNowPlus(env.ctx, 3 * 24 * 3600 * 1000);
    const request = await publishedRequest(api, bangladesh, organizer, { title: 'Request to extend', responseDeadline: firstDeadline });
    await api('PUT', `/api/v1/requests/${request.id}/follow`, { token: iom.token });
    const oldMs = new Date(request.responseDeadline).getTime();
    const queue = env.ctx.queues.queue('deadlines');
    expect(await queue.getJob(jobId('remind', '24h', request.id, oldMs))).toBeTruthy();
    expect(await queue.getJob(closeJobId(oldMs))).toBeTruthy();

    const extended = await api('PATCH', `/api/v1/requests/${request.id}/deadline`, { token: organizer.token, body: { responseDeadline: await dbNowPlus(env.ctx, 5 * 24 * 3600 * 1000) } });
    expect(extended.status).toBe(200);
    const newMs = new Date(extended.body.responseDeadline).getTime();
    expect(newMs).toBeGreaterThan(oldMs);
    expect(await queue.getJob(jobId('remind', '24h', request.id, newMs))).toBeTruthy();
    expect(await queue.getJob(closeJobId(newMs))).toBeTruthy();

    // The old reminder job, when it fires, finds nothing to do; the new one sends.
    expect(await sendReminders(env.ctx, request.id, '24h', oldMs)).toBe('stale');
    expect(await sendReminders(env.ctx, request.id, '24h', newMs)).toBe('sent');
    const told = await env.mail.waitFor((m) => m.envelopeTo.includes('focal@iom.int') && /New deadline for "Request to extend"/.test(m.parsed.subject ?? ''));
    expect(told.parsed.text).toContain('Previous deadline');
    await env.mail.waitFor((m) => m.envelopeTo.includes('focal@mole.gov.bd') && /New deadline for "Request to extend"/.test(m.parsed.subject ?? ''));

    // A second extension plans another 24 h reminder, but nobody gets the same reminder twice.
    const again = await api('PATCH', `/api/v1/requests/${request.id}/deadline`, { token: organizer.token, body: { responseDeadline: await dbNowPlus(env.ctx, 6 * 24 * 3600 * 1000) } });
    expect(await sendReminders(env.ctx, request.id, '24h', new Date(again.body.responseDeadline).getTime())).toBe('sent');
    const reminders = await env.ctx.db.selectFrom('outbox').select('to_email').where('idempotency_key', '=', `reminder:24h:${request.id}:${iom.id}`).execute();
    expect(reminders).toHaveLength(1);
  });

  it('only organizers move a deadline, to a valid future time within the marketplace deadline', async () => {
    const request = await publishedRequest(api, bangladesh, organizer, { title: 'Request with a checked deadline' });
    expect((await api('PATCH', `/api/v1/requests/${request.id}/deadline`, { token: bangladesh.token, body: { responseDeadline: '2099-01-01' } })).status).toBe(403);
    const past = await api('PATCH', `/api/v1/requests/${request.id}/deadline`, { token: organizer.token, body: { responseDeadline: '2001-01-01' } });
    expect(past.status).toBe(422);
    expect(past.body.errors[0]).toEqual({ path: 'responseDeadline', message: 'must be in the future' });
    const beyond = await api('PATCH', `/api/v1/requests/${request.id}/deadline`, { token: organizer.token, body: { responseDeadline: '2099-01-01' } });
    expect(beyond.status).toBe(422);
    expect(beyond.body.errors[0].message).toMatch(/extend the marketplace instead/);
  });

  it('extending the marketplace moves the requests that follow it and reopens a closed one', async () => {
    const closedOne = await publishedRequest(api, bangladesh, organizer, { title: 'Closed before the extension' });
    await api('POST', `/api/v1/requests/${closedOne.id}/responses`, { token: ilo.token, body: sampleResponse });
    await passDeadline(env.ctx, [closedOne.id]);
    expect(await closeRequest(env.ctx, closedOne.id)).toBe('closed');
    // It followed the marketplace deadline (no own deadline); moving it back into line with the marketplace:
    const ownDeadline = await publishedRequest(api, bangladesh, organizer, { title: 'Request with its own deadline', responseDeadline: await dbNowPlus(env.ctx, 2 * 24 * 3600 * 1000) });

    const marketplace = await api('GET', '/api/v1/marketplaces/gfmd-2007');
    const later = new Date(new Date(marketplace.body.responseDeadline).getTime() + 7 * 24 * 3600 * 1000).toISOString();
    expect((await api('PATCH', '/api/v1/marketplaces/gfmd-2007/deadline', { token: ilo.token, body: { responseDeadline: later } })).status).toBe(403);
    const earlier = await api('PATCH', '/api/v1/marketplaces/gfmd-2007/deadline', { token: organizer.token, body: { responseDeadline: await dbNowPlus(env.ctx, 3600_000) } });
    expect(earlier.status).toBe(422);
    const extended = await api('PATCH', '/api/v1/marketplaces/gfmd-2007/deadline', { token: organizer.token, body: { responseDeadline: later } });
    expect(extended.status).toBe(200);
    expect(extended.body.requestsMoved).toBeGreaterThanOrEqual(1);

    const reopened = await api('GET', `/api/v1/requests/${closedOne.id}`);
    expect(reopened.body.status).toBe('open');
    expect(new Date(reopened.body.responseDeadline).getTime()).toBe(new Date(later).getTime());
    expect((await api('GET', `/api/v1/requests/${ownDeadline.id}`)).body.responseDeadline).toBe(ownDeadline.responseDeadline);
    await env.mail.waitFor((m) => m.envelopeTo.includes('focal@ilo.org') && /New deadline for "Closed before the extension"/.test(m.parsed.subject ?? ''));
    const audit = await env.ctx.db.selectFrom('audit_events').select(['action', 'to_status']).where('entity_id', '=', closedOne.id).orderBy('id').execute();
    expect(audit.map((a) => a.action)).toEqual(['create', 'publish', 'close', 'deadline', 'reopen']);
  });
});

describe('email that arrives once', () => {
  it('SMTP refusing connections for a while: the emails go out once it returns, none lost, none twice', async () => {
    await env.mail.refuseConnections();
    const request = await publishedRequest(api, bangladesh, organizer, { title: 'Request during an SMTP outage' });
    const responses: Array<{ status: number; body: { id: string } }> = [];
    for (const provider of [ilo, iom, undp]) {
      responses.push(await api('POST', `/api/v1/requests/${request.id}/responses`, { token: provider.token, body: sampleResponse }));
    }
    expect(responses.map((r) => r.status)).toEqual([201, 201, 201]);
    // This test's emails only: the submitted and received emails of these three responses.
    const ours = () =>
      env.ctx.db
        .selectFrom('outbox')
        .select(['id', 'status', 'message_id'])
        .where((eb) => eb.or(responses.flatMap((r) => [eb('idempotency_key', 'like', `response-submitted:${r.body.id}:%`), eb('idempotency_key', 'like', `response-received:${r.body.id}:%`)])));
    const written = await ours().execute();
    expect(written).toHaveLength(6);
    // SMTP refuses: the sender tries, is refused, and nothing is sent.
    await expect.poll(async () => (await ours().where('last_error', 'is not', null).execute()).length, { timeout: 15_000, interval: 200 }).toBeGreaterThan(0);
    expect((await ours().where('status', '=', 'sent').execute()).length).toBe(0);
    await env.mail.resume();
    await expect.poll(async () => (await ours().where('status', '!=', 'sent').execute()).length, { timeout: 25_000, interval: 500 }).toBe(0);
    for (const row of written) expect(env.mail.messages.filter((m) => m.parsed.messageId === row.message_id)).toHaveLength(1);
  }, 40_000);
});
