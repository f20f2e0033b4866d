import { describe, expect, it, onTestFinished } from 'vitest';
import { sql } from 'kysely';
import pg from 'pg';
import { useTestEnvironment } from '../helpers/environment.ts';
import { createPerson, createTestMarketplace, publishedRequest, sampleRequest, sampleResponse, type TestPerson, passDeadline, dbNowPlus } from '../helpers/factories.ts';
import type { AppContext } from '../../src/context.ts';
import { jobId } from '../../src/queue/registry.ts';
import { CLOSE_HELPERS, closeDueRequestsProcessor } from '../../workers/deadlines.processor.ts';
import { closeDueRequests, closeRequest, msUntilDueByDatabaseClock } from '../../src/requests/close.service.ts';
import { closeJobId } from '../../src/requests/deadline-jobs.ts';
import { dueRequestsToClose } from '../../src/requests/requests.repository.ts';
import { sendReminders } from '../../src/requests/reminders.service.ts';

// The workers run here (a sweep every second): these tests let them close, or call only what no job
// of theirs does during the test (reminders days ahead). Closes called directly run further down,
// in an environment without workers.
const t = useTestEnvironment({ cast: ['organizer', 'bangladesh', 'ilo', 'iom', 'undp'], marketplace: true });

async function statusOf(ctx: AppContext, id: string) {
  return ctx.db.selectFrom('requests').select(['status', 'response_count', 'response_deadline', 'closed_at']).where('id', '=', id).executeTakeFirstOrThrow();
}

describe('the deadline', () => {
  it('providers submitting while the deadline passes: every accepted response was written before it, every refusal came after it, and the count matches', async () => {
    const providers: TestPerson[] = [];
    for (let i = 0; i < 40; i++) {
      providers.push(await createPerson(t.env.ctx, { email: `focal${i}@provider${i}.example`, organization: { name: `Provider ${i}`, kind: 'ngo' } }));
    }
    const request = await publishedRequest(t.api, t.people.bangladesh, t.people.organizer, { title: 'Request closing under load', responseDeadline: await dbNowPlus(t.env.ctx, 3000) });
    const deadline = new Date(request.responseDeadline).getTime();
    // Spread the submissions from 600 ms before to 600 ms after the deadline.
    const startAt = deadline - 600;
    const outcomes = await Promise.all(
      providers.map(async (provider, i) => {
        const wait = startAt + (i * 1200) / providers.length - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const response = await t.api('POST', `/api/v1/requests/${request.id}/responses`, { token: provider.token, body: sampleResponse });
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
    const written = await t.env.ctx.db.selectFrom('responses').select('submitted_at').where('request_id', '=', request.id).where('status', '=', 'submitted').execute();
    expect(written).toHaveLength(accepted.length);
    for (const row of written) expect(row.submitted_at!.getTime()).toBeLessThan(deadline);

    // The worker closes it at its deadline; the count equals the accepted responses.
    await expect.poll(async () => (await statusOf(t.env.ctx, request.id)).status, { timeout: 10_000 }).toBe('closed');
    const closed = await statusOf(t.env.ctx, request.id);
    expect(closed.response_count).toBe(accepted.length);
    expect(closed.closed_at!.getTime()).toBeGreaterThanOrEqual(deadline);
    const requesterMail = await t.env.mail.waitFor((m) => m.envelopeTo.includes('focal@mole.gov.bd') && /"Request closing under load" closed/.test(m.parsed.subject ?? ''));
    expect(requesterMail.parsed.subject).toContain(`with ${accepted.length} ${accepted.length === 1 ? 'response' : 'responses'}:`);
  });

  it('a request whose delayed close job was deleted from Redis is closed by the sweep', async () => {
    const request = await publishedRequest(t.api, t.people.bangladesh, t.people.organizer, { title: 'Request whose job is lost', responseDeadline: await dbNowPlus(t.env.ctx, 4000) });
    const deadlineMs = new Date(request.responseDeadline).getTime();
    const queue = t.env.ctx.queues.queue('deadlines');
    const id = closeJobId(deadlineMs);
    expect(await queue.getJob(id)).toBeTruthy();
    await queue.remove(id);
    expect(await queue.getJob(id)).toBeUndefined();
    await expect.poll(async () => (await statusOf(t.env.ctx, request.id)).status, { timeout: 15_000, interval: 250 }).toBe('closed');
  });
});

describe('a request nobody reviewed before its deadline', () => {
  it('its requester is told once that it was not published; the pages say so and offer only what still works; an extension that passes unreviewed tells again', async () => {
    const title = 'Request the secretariat did not review';
    const created = await t.api('POST', '/api/v1/marketplaces/gfmd-2007/requests', { token: t.people.bangladesh.token, body: { ...sampleRequest, title, responseDeadline: await dbNowPlus(t.env.ctx, 1500) } });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const before = (await t.pages.bangladesh.get(`/requests/${id}`)).html;
    expect(before).not.toContain('id="unreviewed"');

    // The worker's deadline job or its sweep tells the requester, in the language and zone of the reader.
    const told = await t.env.mail.waitFor((m) => m.envelopeTo.includes('focal@mole.gov.bd') && m.parsed.subject === `"${title}" was not published before its deadline`);
    expect(told.parsed.text).toContain('passed before the forum secretariat reviewed it, so it was not published and no provider saw it');
    expect(told.parsed.text).toContain(`/requests/${id}`);
    expect((await statusOf(t.env.ctx, id)).status).toBe('submitted');

    // Later sweeps tell nobody again.
    const keys = () => t.env.ctx.db.selectFrom('outbox').select(['idempotency_key', 'to_email']).where('idempotency_key', 'like', `request-unreviewed:${id}:%`).execute();
    await new Promise((r) => setTimeout(r, 2500));
    expect(await keys()).toEqual([{ idempotency_key: `request-unreviewed:${id}:${new Date(created.body.responseDeadline).getTime()}`, to_email: 'focal@mole.gov.bd' }]);

    const asRequester = (await t.pages.bangladesh.get(`/requests/${id}`)).html;
    expect(asRequester).toContain('id="unreviewed"');
    expect(asRequester).toContain('The secretariat can still move its deadline and publish it');
    expect(asRequester).not.toContain(`/requests/${id}/edit`);
    expect(asRequester).not.toContain(`/requests/${id}/withdraw`);
    // A bookmarked edit form is not shown to be refused on saving: the request's page says why.
    const bookmarked = await t.pages.bangladesh.get(`/requests/${id}/edit`);
    expect([bookmarked.status, bookmarked.location]).toEqual([303, `/requests/${id}?notice=not-editable`]);
    // The notice takes the focus, so a screen reader reads it and the page shows it.
    expect((await t.pages.bangladesh.get(bookmarked.location!)).html).toMatch(/<div class="notice" role="status" tabindex="-1" autofocus>This can no longer be changed: the response deadline passed/);
    const asOrganizer = (await t.pages.organizer.get(`/requests/${id}`)).html;
    expect(asOrganizer).toContain('To publish it, move its deadline to a date ahead first');
    expect(asOrganizer).not.toContain(`action="/requests/${id}/publish"`);
    expect(asOrganizer).toContain(`action="/requests/${id}/deadline"`);
    expect(asOrganizer).toContain(`action="/requests/${id}/reject"`);
    // Nobody else sees it at all.
    expect((await t.pages.ilo.get(`/requests/${id}`)).status).toBe(404);

    // The secretariat moves its deadline: publishable again, the notice gone; passed unreviewed again, the requester is told again.
    const moved = await t.api('PATCH', `/api/v1/requests/${id}/deadline`, { token: t.people.organizer.token, body: { responseDeadline: await dbNowPlus(t.env.ctx, 1500) } });
    expect(moved.status).toBe(200);
    const reopened = (await t.pages.organizer.get(`/requests/${id}`)).html;
    expect(reopened).not.toContain('id="unreviewed"');
    expect(reopened).toContain(`action="/requests/${id}/publish"`);
    await expect.poll(async () => (await keys()).length, { timeout: 15_000, interval: 250 }).toBe(2);
  });
});

describe('reminders and extensions', () => {
  it('at 7 days: followers, draft authors, the requester with no response yet, and providers whose interests fit; once each', async () => {
    const request = await publishedRequest(t.api, t.people.bangladesh, t.people.organizer, { title: 'Request needing reminders', responseDeadline: await dbNowPlus(t.env.ctx, 6 * 24 * 3600 * 1000) });
    await t.api('PUT', `/api/v1/requests/${request.id}/follow`, { token: t.people.iom.token });
    await t.api('POST', `/api/v1/requests/${request.id}/responses`, { token: t.people.ilo.token, body: { ...sampleResponse, draft: true } });
    await t.api('PUT', '/api/v1/me/interests', { token: t.people.undp.token, body: { categories: ['training'], countries: ['BD'] } });
    const deadlineMs = new Date(request.responseDeadline).getTime();

    expect(await sendReminders(t.env.ctx, request.id, '7d', deadlineMs)).toBe('sent');
    expect(await sendReminders(t.env.ctx, request.id, '7d', deadlineMs)).toBe('already-ran');
    const rows = await t.env.ctx.db.selectFrom('outbox').select(['template', 'to_email']).where('idempotency_key', 'like', `reminder:%${request.id}%`).orderBy('to_email').execute();
    expect(rows).toEqual([
      { template: 'reminder-7d', to_email: 'focal@ilo.org' },
      { template: 'reminder-7d', to_email: 'focal@iom.int' },
      { template: 'no-response-yet', to_email: 'focal@mole.gov.bd' },
      { template: 'nobody-answered', to_email: 'focal@undp.org' },
    ]);
    const draftReminder = await t.env.mail.waitFor((m) => m.envelopeTo.includes('focal@ilo.org') && /Request needing reminders/.test(m.parsed.subject ?? ''));
    expect(draftReminder.parsed.text).toContain('have not submitted it');
  });

  it('an extension after reminders were planned: old jobs do nothing, new ones are planned, people are told, each reminder goes once', async () => {
    const firstDeadline = await dbNowPlus(t.env.ctx, 3 * 24 * 3600 * 1000);
    const request = await publishedRequest(t.api, t.people.bangladesh, t.people.organizer, { title: 'Request to extend', responseDeadline: firstDeadline });
    await t.api('PUT', `/api/v1/requests/${request.id}/follow`, { token: t.people.iom.token });
    const oldMs = new Date(request.responseDeadline).getTime();
    const queue = t.env.ctx.queues.queue('deadlines');
    expect(await queue.getJob(jobId('remind', '24h', request.id, oldMs))).toBeTruthy();
    expect(await queue.getJob(closeJobId(oldMs))).toBeTruthy();

    const extended = await t.api('PATCH', `/api/v1/requests/${request.id}/deadline`, { token: t.people.organizer.token, body: { responseDeadline: await dbNowPlus(t.env.ctx, 5 * 24 * 3600 * 1000) } });
    expect(extended.status).toBe(200);
    const newMs = new Date(extended.body.responseDeadline).getTime();
    expect(newMs).toBeGreaterThan(oldMs);
    expect(await queue.getJob(jobId('remind', '24h', request.id, newMs))).toBeTruthy();
    expect(await queue.getJob(closeJobId(newMs))).toBeTruthy();

    // The old reminder job, when it fires, finds nothing to do; the new one sends.
    expect(await sendReminders(t.env.ctx, request.id, '24h', oldMs)).toBe('stale');
    expect(await sendReminders(t.env.ctx, request.id, '24h', newMs)).toBe('sent');
    const told = await t.env.mail.waitFor((m) => m.envelopeTo.includes('focal@iom.int') && /New deadline for "Request to extend"/.test(m.parsed.subject ?? ''));
    expect(told.parsed.text).toContain('Previous deadline');
    await t.env.mail.waitFor((m) => m.envelopeTo.includes('focal@mole.gov.bd') && /New deadline for "Request to extend"/.test(m.parsed.subject ?? ''));

    // A second extension plans another 24 h reminder, but nobody gets the same reminder twice.
    const again = await t.api('PATCH', `/api/v1/requests/${request.id}/deadline`, { token: t.people.organizer.token, body: { responseDeadline: await dbNowPlus(t.env.ctx, 6 * 24 * 3600 * 1000) } });
    expect(await sendReminders(t.env.ctx, request.id, '24h', new Date(again.body.responseDeadline).getTime())).toBe('sent');
    const reminders = await t.env.ctx.db.selectFrom('outbox').select('to_email').where('idempotency_key', '=', `reminder:24h:${request.id}:${t.people.iom.id}`).execute();
    expect(reminders).toHaveLength(1);
  });

  it('only organizers move a deadline, to a valid future time within the marketplace deadline', async () => {
    const request = await publishedRequest(t.api, t.people.bangladesh, t.people.organizer, { title: 'Request with a checked deadline' });
    expect((await t.api('PATCH', `/api/v1/requests/${request.id}/deadline`, { token: t.people.bangladesh.token, body: { responseDeadline: '2099-01-01' } })).status).toBe(403);
    const past = await t.api('PATCH', `/api/v1/requests/${request.id}/deadline`, { token: t.people.organizer.token, body: { responseDeadline: '2001-01-01' } });
    expect(past.status).toBe(422);
    expect(past.body.errors[0]).toEqual({ path: 'responseDeadline', message: 'must be in the future' });
    const beyond = await t.api('PATCH', `/api/v1/requests/${request.id}/deadline`, { token: t.people.organizer.token, body: { responseDeadline: '2099-01-01' } });
    expect(beyond.status).toBe(422);
    expect(beyond.body.errors[0].message).toMatch(/extend the marketplace instead/);
  });

  it('extending the marketplace moves the requests that follow it and reopens a closed one', async () => {
    // Its own marketplace: an extension moves every request that follows the marketplace, other tests' too.
    const slug = 'gfmd-2007-extended';
    await createTestMarketplace(t.env.ctx, t.people.organizer, { slug });
    const closedOne = await publishedRequest(t.api, t.people.bangladesh, t.people.organizer, { title: 'Closed before the extension' }, slug);
    await t.api('POST', `/api/v1/requests/${closedOne.id}/responses`, { token: t.people.ilo.token, body: sampleResponse });
    // Its deadline passes and the worker's sweep closes it (a close called here would race the sweep).
    await passDeadline(t.env.ctx, [closedOne.id]);
    await expect.poll(async () => (await statusOf(t.env.ctx, closedOne.id)).status, { timeout: 15_000, interval: 250 }).toBe('closed');
    // It followed the marketplace deadline (no own deadline); moving it back into line with the marketplace:
    const ownDeadline = await publishedRequest(t.api, t.people.bangladesh, t.people.organizer, { title: 'Request with its own deadline', responseDeadline: await dbNowPlus(t.env.ctx, 2 * 24 * 3600 * 1000) }, slug);

    const marketplace = await t.api('GET', `/api/v1/marketplaces/${slug}`);
    const later = new Date(new Date(marketplace.body.responseDeadline).getTime() + 7 * 24 * 3600 * 1000).toISOString();
    expect((await t.api('PATCH', `/api/v1/marketplaces/${slug}/deadline`, { token: t.people.ilo.token, body: { responseDeadline: later } })).status).toBe(403);
    const earlier = await t.api('PATCH', `/api/v1/marketplaces/${slug}/deadline`, { token: t.people.organizer.token, body: { responseDeadline: await dbNowPlus(t.env.ctx, 3600_000) } });
    expect(earlier.status).toBe(422);
    const extended = await t.api('PATCH', `/api/v1/marketplaces/${slug}/deadline`, { token: t.people.organizer.token, body: { responseDeadline: later } });
    expect(extended.status).toBe(200);
    expect(extended.body.requestsMoved).toBe(1);

    const reopened = await t.api('GET', `/api/v1/requests/${closedOne.id}`);
    expect(reopened.body.status).toBe('open');
    expect(new Date(reopened.body.responseDeadline).getTime()).toBe(new Date(later).getTime());
    expect((await t.api('GET', `/api/v1/requests/${ownDeadline.id}`)).body.responseDeadline).toBe(ownDeadline.responseDeadline);
    await t.env.mail.waitFor((m) => m.envelopeTo.includes('focal@ilo.org') && /New deadline for "Closed before the extension"/.test(m.parsed.subject ?? ''));
    const audit = await t.env.ctx.db.selectFrom('audit_events').select(['action', 'to_status']).where('entity_id', '=', closedOne.id).orderBy('id').execute();
    expect(audit.map((a) => a.action)).toEqual(['create', 'publish', 'close', 'deadline', 'reopen']);
  });
});

describe('the marketplace deadline', () => {
  it('stays before the forum, and once requests follow it, moves only with the extension that moves them too', async () => {
    const slug = 'gfmd-2007-guarded-deadline';
    await createTestMarketplace(t.env.ctx, t.people.organizer, { slug });
    const organizer = t.people.organizer.token;
    const edit = (responseDeadline: string) => t.api('PATCH', `/api/v1/marketplaces/${slug}`, { token: organizer, body: { responseDeadline } });
    const deadlineOf = async () => (await t.api('GET', `/api/v1/marketplaces/${slug}`)).body.responseDeadline as string;
    // Setting the marketplace up (no request yet): the deadline moves freely, before the forum (9 July 2027) and not into the past.
    expect((await edit(await dbNowPlus(t.env.ctx, 40 * 24 * 3600_000))).status).toBe(200);
    const onTheForum = await edit('2027-07-09T10:00');
    expect(onTheForum.status).toBe(422);
    expect(onTheForum.body.errors).toEqual([{ path: 'responseDeadline', message: "must be before the forum's first day" }]);
    const past = await edit(await dbNowPlus(t.env.ctx, -3600_000));
    expect(past.body.errors).toContainEqual({ path: 'responseDeadline', message: 'must be in the future' });
    const before = await deadlineOf();

    // A request follows it: an edit would leave it on the old deadline in silence.
    const request = await publishedRequest(t.api, t.people.bangladesh, t.people.organizer, { title: 'Follows the marketplace deadline' }, slug);
    const moved = await edit(await dbNowPlus(t.env.ctx, 45 * 24 * 3600_000));
    expect(moved.status).toBe(422);
    expect(moved.body.errors[0].message).toMatch(/^is the deadline of requests already posted: extend it with "Extend the response deadline"/);
    expect(await deadlineOf()).toBe(before);
    // The edit page says so beside the field before anyone tries.
    expect((await t.pages.organizer.get(`/organizer/marketplaces/${slug}/edit`)).html).toContain('Once requests are posted, it moves only with “Extend the response deadline” below');

    // The extension moves them both, but never onto the forum.
    const extend = (responseDeadline: string) => t.api('PATCH', `/api/v1/marketplaces/${slug}/deadline`, { token: organizer, body: { responseDeadline } });
    const tooLate = await extend('2027-07-09');
    expect(tooLate.status).toBe(422);
    expect(tooLate.body.errors).toEqual([{ path: 'responseDeadline', message: "must be before the forum's first day" }]);
    const later = await dbNowPlus(t.env.ctx, 50 * 24 * 3600_000);
    expect((await extend(later)).body.requestsMoved).toBe(1);
    expect(new Date((await t.api('GET', `/api/v1/requests/${request.id}`)).body.responseDeadline).getTime()).toBe(new Date(later).getTime());
  });
});

describe('email that arrives once', () => {
  it('SMTP refusing connections for a while: the emails go out once it returns, none lost, none twice', async () => {
    await t.env.mail.refuseConnections();
    let refusing = true;
    // Should the test fail while SMTP refuses, the tests after it still get their emails.
    onTestFinished(async () => {
      if (refusing) await t.env.mail.resume();
    });
    const request = await publishedRequest(t.api, t.people.bangladesh, t.people.organizer, { title: 'Request during an SMTP outage' });
    const responses: Array<{ status: number; body: { id: string } }> = [];
    for (const provider of [t.people.ilo, t.people.iom, t.people.undp]) {
      responses.push(await t.api('POST', `/api/v1/requests/${request.id}/responses`, { token: provider.token, body: sampleResponse }));
    }
    expect(responses.map((r) => r.status)).toEqual([201, 201, 201]);
    // This test's emails only: the submitted and received emails of these three responses.
    const ours = () =>
      t.env.ctx.db
        .selectFrom('outbox')
        .select(['id', 'status', 'message_id'])
        .where((eb) => eb.or(responses.flatMap((r) => [eb('idempotency_key', 'like', `response-submitted:${r.body.id}:%`), eb('idempotency_key', 'like', `response-received:${r.body.id}:%`)])));
    const written = await ours().execute();
    expect(written).toHaveLength(6);
    // SMTP refuses: the sender tries, is refused, and nothing is sent.
    await expect.poll(async () => (await ours().where('last_error', 'is not', null).execute()).length, { timeout: 15_000, interval: 200 }).toBeGreaterThan(0);
    expect((await ours().where('status', '=', 'sent').execute()).length).toBe(0);
    await t.env.mail.resume();
    refusing = false;
    await expect.poll(async () => (await ours().where('status', '!=', 'sent').execute()).length, { timeout: 25_000, interval: 500 }).toBe(0);
    for (const row of written) expect(t.env.mail.messages.filter((m) => m.parsed.messageId === row.message_id)).toHaveLength(1);
  }, 40_000);
});

// These tests call the closer themselves, as the close job and the sweep do: with no workers, no sweep
// closes a request before them, so they can say which call closed it.
describe('closes called directly, without workers', () => {
  const t = useTestEnvironment({ cast: ['organizer', 'bangladesh', 'ilo', 'iom'], marketplace: true, workers: false });

  it('two closes of one request at once: one closes it, the other finds it closed, and each person is emailed once', async () => {
    const request = await publishedRequest(t.api, t.people.bangladesh, t.people.organizer, { title: 'Request closed twice', responseDeadline: await dbNowPlus(t.env.ctx, 60_000) });
    await t.api('POST', `/api/v1/requests/${request.id}/responses`, { token: t.people.ilo.token, body: sampleResponse });
    await passDeadline(t.env.ctx, [request.id]);
    const outcomes = await Promise.all([closeRequest(t.env.ctx, request.id), closeRequest(t.env.ctx, request.id)]);
    expect(outcomes.sort()).toEqual(['closed', 'not-open']);
    expect(await closeRequest(t.env.ctx, request.id)).toBe('not-open');
    const audits = await t.env.ctx.db.selectFrom('audit_events').select('action').where('entity_id', '=', request.id).where('action', '=', 'close').execute();
    expect(audits).toHaveLength(1);
    // One outbox row per person, each sent once (the outbox's idempotency key, see outbox.test.ts).
    const rows = await t.env.ctx.db.selectFrom('outbox').select(['idempotency_key', 'to_email', 'subject']).where('idempotency_key', 'like', `request-closed:${request.id}%`).execute();
    expect(rows.map((r) => r.to_email).sort()).toEqual(['focal@ilo.org', 'focal@mole.gov.bd']);
    expect(rows.every((r) => r.subject.includes('"Request closed twice" closed'))).toBe(true);
  });

  it('many requests sharing a deadline close together, set-based: two closers at once close each request once, and each email is written once', async () => {
    // A provider who reads French, made for this test.
    const french = await createPerson(t.env.ctx, { email: 'point.focal@oit.example', organization: { name: 'Organisation francophone pour la migration', kind: 'ngo' } });
    await t.env.ctx.db.updateTable('users').set({ locale: 'fr' }).where('id', '=', french.id).execute();
    // The ILO's focal point reads times in a zone of their own (the others have none).
    const zonedProvider = t.people.ilo.id;
    await t.env.ctx.db.updateTable('users').set({ time_zone: 'America/Mexico_City' }).where('id', '=', zonedProvider).execute();
    const requests = [];
    for (let i = 0; i < 8; i++) requests.push(await publishedRequest(t.api, t.people.bangladesh, t.people.organizer, { title: `Batch request ${i}`, responseDeadline: await dbNowPlus(t.env.ctx, 3_600_000) }));
    for (const request of requests.slice(0, 6)) {
      expect((await t.api('POST', `/api/v1/requests/${request.id}/responses`, { token: t.people.ilo.token, body: sampleResponse })).status).toBe(201);
      expect((await t.api('POST', `/api/v1/requests/${request.id}/responses`, { token: french.token, body: sampleResponse })).status).toBe(201);
    }
    const ids = requests.map((r) => r.id);
    // What the other tests here leave open is due in ten minutes or more: the closers find exactly these.
    await passDeadline(t.env.ctx, ids);

    const counts = await Promise.all([closeDueRequests(t.env.ctx), closeDueRequests(t.env.ctx)]);
    expect(counts[0]! + counts[1]!).toBe(ids.length);
    const statuses = await t.env.ctx.db.selectFrom('requests').select(['status', 'closed_at']).where('id', 'in', ids).execute();
    expect(statuses.every((r) => r.status === 'closed' && r.closed_at)).toBe(true);
    const audits = await t.env.ctx.db.selectFrom('audit_events').select(['entity_id', 'from_status', 'to_status', 'actor_label']).where('entity_id', 'in', ids).where('action', '=', 'close').execute();
    expect(audits).toHaveLength(ids.length);
    expect(audits.every((a) => a.from_status === 'open' && a.to_status === 'closed' && a.actor_label === 'system')).toBe(true);

    const rows = await t.env.ctx.db.selectFrom('outbox').select(['idempotency_key', 'to_email', 'subject', 'text_body']).where('template', 'in', ['request-closed', 'request-closed-responder']).where('subject', 'like', '%Batch request%').execute();
    // 8 requesters' emails, and 2 responders on 6 of them.
    expect(rows).toHaveLength(8 + 12);
    expect(rows.filter((r) => r.to_email === 'focal@mole.gov.bd')).toHaveLength(8);
    const withResponses = rows.find((r) => r.idempotency_key === `request-closed:${ids[0]}`)!;
    expect(withResponses.subject).toContain('closed with 2 responses');
    expect(withResponses.text_body).toContain('International Labour Organization');
    const withNone = rows.find((r) => r.idempotency_key === `request-closed:${ids[7]}`)!;
    expect(withNone.subject).toContain('closed with 0 responses');
    const inFrench = rows.filter((r) => r.to_email === french.email);
    expect(inFrench).toHaveLength(6);
    expect(inFrench[0]!.subject).toMatch(/clôtur/i);
    expect(rows.filter((r) => r.to_email === 'focal@ilo.org').every((r) => /closed: matching follows/.test(r.subject))).toBe(true);
    // The responders' rows are addressed by Postgres (queueResponderEmails): each keyed by its request and
    // response, with a Message-ID of its own row's id, in its writer's language and zone.
    const responderRows = await t.env.ctx.db
      .selectFrom('outbox')
      .innerJoin('responses', (j) => j.onRef(sql`outbox.idempotency_key`, '=', sql`'request-closed:' || responses.request_id || ':' || responses.id`))
      .select(['outbox.id', 'outbox.message_id', 'outbox.to_email', 'outbox.subject', 'outbox.text_body', 'outbox.html_body', 'outbox.status', 'responses.created_by'])
      .where('responses.request_id', 'in', ids)
      .execute();
    expect(responderRows).toHaveLength(12);
    const host = new URL(t.env.ctx.config.BASE_URL).hostname;
    for (const row of responderRows) {
      expect(row.message_id).toBe(`<${row.id}@${host}>`);
      expect(row.to_email).toBe(row.created_by === french.id ? french.email : 'focal@ilo.org');
      expect(row.html_body).toContain(row.created_by === french.id ? 'lang="fr"' : 'lang="en"');
    }
    // The reader's own zone beside the marketplace's, for the one who has a zone of their own.
    const zoned = responderRows.filter((r) => r.created_by === zonedProvider);
    expect(zoned.length).toBeGreaterThan(0);
    expect(zoned.every((r) => r.text_body.includes('your time'))).toBe(true);
    expect(responderRows.filter((r) => r.created_by !== zonedProvider).some((r) => r.text_body.includes('your time'))).toBe(false);
  });

  it('a close batch reads its due requests in deadline order from an index, without sorting every request due', async () => {
    // A mass close shares one deadline: on the deadline alone Postgres read and sorted every due request
    // for each batch of 250. The plan of the batch's first step, with sequential scans priced out (the
    // table here is small): an index scan in the batch's order, no sort.
    const plan = await t.env.ctx.db.transaction().execute(async (trx) => {
      await sql`SET LOCAL enable_seqscan = off`.execute(trx);
      const rows = await sql<{ 'QUERY PLAN': string }>`EXPLAIN ${dueRequestsToClose(['open'], { limit: 250, skipLocked: true })}`.execute(trx);
      return rows.rows.map((r) => r['QUERY PLAN']).join('\n');
    });
    expect(plan).toContain('requests_open_deadline_id_idx');
    expect(plan).not.toMatch(/Sort/);
  });

  it('a mass close calls helpers; another worker process joins with batches of its own, once; a helper landing in a process already closing is passed on', async () => {
    const first = await publishedRequest(t.api, t.people.bangladesh, t.people.organizer, { title: 'Mass close request 0', responseDeadline: await dbNowPlus(t.env.ctx, 3_600_000) });
    // 1,199 copies of it: more than four batches of 250, so the first batch comes back full.
    const columns = (await sql<{ name: string }>`SELECT column_name AS name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'requests' AND is_generated = 'NEVER'`.execute(t.env.ctx.db)).rows.map((c) => c.name);
    await sql`
      INSERT INTO requests (${sql.join(columns.map((c) => sql.ref(c)))})
      SELECT ${sql.join(columns.map((c) => sql.ref(`copy.${c}`)))}
      FROM requests r CROSS JOIN generate_series(1, 1199) g
      CROSS JOIN LATERAL jsonb_populate_record(r, jsonb_build_object('id', gen_random_uuid(), 'title', 'Mass close request ' || g)) copy
      WHERE r.id = ${first.id}`.execute(t.env.ctx.db);
    const ids = (await t.env.ctx.db.selectFrom('requests').select('id').where('title', 'like', 'Mass close request %').execute()).map((r) => r.id);
    expect(ids).toHaveLength(1200);
    await passDeadline(t.env.ctx, ids);

    // The timing is made, not hoped for, with two transactions of this test's own:
    // - `held` locks 300 requests, which A's batches skip (SKIP LOCKED) until it commits;
    // - `blocker` writes the outbox key of one other request's close email, so the batch of A that
    //   takes that request waits on it: A stays closing until `blocker` rolls back.
    const held = new pg.Client({ connectionString: t.env.config.DATABASE_URL });
    const blocker = new pg.Client({ connectionString: t.env.config.DATABASE_URL });
    await held.connect();
    await blocker.connect();
    try {
      const heldIds = ids.slice(0, 300);
      const blockedId = ids[600]!;
      await held.query('BEGIN');
      await held.query('SELECT id FROM requests WHERE id = ANY($1::uuid[]) FOR UPDATE', [heldIds]);
      await blocker.query('BEGIN');
      await blocker.query(
        `INSERT INTO outbox (id, idempotency_key, template, to_email, subject, text_body, html_body, message_id)
         VALUES (gen_random_uuid(), $1, 'request-closed', 'blocker@test.example', 'blocker', 'blocker', 'blocker', '<blocker@localhost>')`,
        [`request-closed:${blockedId}`],
      );

      // Two worker processes, as their processors: A runs the deadline's job, B the helpers it calls.
      const processA = closeDueRequestsProcessor(t.env.ctx);
      const processB = closeDueRequestsProcessor(t.env.ctx);
      const deadlineMs = Date.now() - 1000;
      const ownRun = processA({ deadlineMs });
      const queue = t.env.ctx.queues.queue('deadlines');
      const helperIds = Array.from({ length: CLOSE_HELPERS }, (_, i) => jobId('close-due', deadlineMs, 'help', i + 1, 0));
      await expect.poll(async () => (await Promise.all(helperIds.map((id) => queue.getJob(id)))).every(Boolean), { timeout: 10_000, interval: 20 }).toBe(true);
      const helpers = await Promise.all(helperIds.map((id) => queue.getJob(id)));
      // A's free closer closes all it can reach: everything but the 300 held and the batch waiting on the
      // blocked request (its size depends on how A's two closers shared the rows). Then the count stands still.
      const closedNow = async () => Number((await t.env.ctx.db.selectFrom('requests').select((eb) => eb.fn.countAll<number>().as('n')).where('id', 'in', ids).where('status', '=', 'closed').executeTakeFirstOrThrow()).n);
      let settled = -1;
      await expect
        .poll(
          async () => {
            const before = await closedNow();
            await new Promise((resolve) => setTimeout(resolve, 1000));
            settled = (await closedNow()) === before ? before : -1;
            return settled > 0;
          },
          { timeout: 30_000, interval: 50 },
        )
        .toBe(true);
      expect(settled).toBeLessThan(900);
      // A helper A takes itself goes back to the queue, 200 ms later, for another process.
      expect(await processA(helpers[0]!.data)).toEqual({ closed: 0, helper: 'passed on' });
      const passedOn = await queue.getJob(jobId('close-due', deadlineMs, 'help', 1, 1));
      expect(passedOn?.data).toEqual({ deadlineMs, helper: 1, hop: 1 });
      expect(await passedOn!.isDelayed()).toBe(true);
      // The held requests are free now, while A still closes: B joins once and closes them.
      await held.query('COMMIT');
      const fromB = await Promise.all(helpers.map((job) => processB(job!.data)));
      expect(fromB.filter((r) => r.helper === 'joined')).toHaveLength(1);
      expect(fromB.filter((r) => r.helper === 'passed on')).toHaveLength(CLOSE_HELPERS - 1);
      const byB = fromB.reduce((sum, r) => sum + r.closed, 0);
      expect(byB).toBeGreaterThan(0);
      await blocker.query('ROLLBACK');
      // Each request closed once, by one of the two (300 by B unless A's free closer was still at work).
      expect((await ownRun).closed + byB).toBe(1200);
    } finally {
      await held.end();
      await blocker.end();
    }
    const audits = await sql<{ n: number; once: boolean }>`
      SELECT count(*)::int AS n, count(*) = count(DISTINCT entity_id) AS once FROM audit_events WHERE action = 'close' AND entity_id = ANY(${ids}::uuid[])`.execute(t.env.ctx.db);
    expect(audits.rows[0]).toEqual({ n: 1200, once: true });
    const requesterEmails = await t.env.ctx.db.selectFrom('outbox').select('id').where('template', '=', 'request-closed').where('subject', 'like', '%Mass close request%').execute();
    expect(requesterEmails).toHaveLength(1200);
  });

  it('a close job that fires before the database clock reaches its deadline learns how long to wait', async () => {
    const request = await publishedRequest(t.api, t.people.bangladesh, t.people.organizer, { title: 'Request due by the database clock', responseDeadline: await dbNowPlus(t.env.ctx, 600_000) });
    const deadlineMs = new Date(request.responseDeadline).getTime();
    const wait = await msUntilDueByDatabaseClock(t.env.ctx, deadlineMs);
    expect(wait).toBeGreaterThan(590_000);
    expect(wait).toBeLessThanOrEqual(600_000);
    // Requests due later than the job's instant are not its business.
    expect(await msUntilDueByDatabaseClock(t.env.ctx, deadlineMs - 120_000)).toBe(0);
  });

  it('a close that is not due does nothing', async () => {
    const request = await publishedRequest(t.api, t.people.bangladesh, t.people.organizer, { title: 'Request not yet due', responseDeadline: await dbNowPlus(t.env.ctx, 3_600_000) });
    expect(await closeRequest(t.env.ctx, request.id)).toBe('not-due');
    expect((await statusOf(t.env.ctx, request.id)).status).toBe('open');
  });
});
