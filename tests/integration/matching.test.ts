import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import ical from 'node-ical';
import { startTestEnvironment, type TestEnvironment } from '../helpers/environment.ts';
import { apiClient, linkIn, PageClient } from '../helpers/http.ts';
import { createTestMarketplace, publishedRequest, sampleResponse, type TestPerson, castMember, dbNowPlus } from '../helpers/factories.ts';
import { runMatching } from '../../src/meetings/matching-run.service.ts';
import { lockMarketplaceForMatching, moveMeeting } from '../../src/meetings/meetings.repository.ts';
import type { CaughtMail } from '../../src/email/mail-catcher.ts';

let env: TestEnvironment;
let api: ReturnType<typeof apiClient>;
let organizer: TestPerson;
let bangladesh: TestPerson;
let mexico: TestPerson;
let ilo: TestPerson;
let iom: TestPerson;
let undp: TestPerson;
let marketplaceId: string;


function calendarOf(mail: CaughtMail) {
  const part = mail.parsed.attachments.find((a) => a.contentType.startsWith('text/calendar'));
  if (!part) throw new Error(`no calendar in "${mail.parsed.subject}"`);
  const text = part.content.toString('utf8');
  const events = Object.values(ical.sync.parseICS(text)).filter((c) => c?.type === 'VEVENT') as ical.VEvent[];
  return { text, method: /METHOD:(\w+)/.exec(text)?.[1], event: events[0]! };
}

beforeAll(async () => {
  env = await startTestEnvironment({ organizers: ['secretariat@gfmd.test'] });
  api = apiClient(env.baseUrl);
  organizer = await castMember(env.ctx, 'organizer');
  bangladesh = await castMember(env.ctx, 'bangladesh');
  mexico = await castMember(env.ctx, 'mexico');
  ilo = await castMember(env.ctx, 'ilo');
  iom = await castMember(env.ctx, 'iom');
  undp = await castMember(env.ctx, 'undp');
  // One room and a short forum day make the schedule tight; ILO is rapporteur of session 1.2.
  const created = await createTestMarketplace(env.ctx, organizer, {
    // Far enough ahead for the requests and responses below to land before it on a busy machine.
    responseDeadline: await dbNowPlus(env.ctx, 12_000),
    rooms: ['Room A'],
    sideMeetingsFrom: '15:00',
    sideMeetingsUntil: '17:00',
    forumStartsAt: '2027-07-10',
    forumEndsAt: '2027-07-10',
    meetingMinutes: 30,
    sessions: [
      {
        code: '1.2',
        title: 'Temporary labour migration as a contribution to development',
        startsAt: '2027-07-10T15:00',
        endsAt: '2027-07-10T16:00',
        roles: [{ organization: 'International Labour Organization (ILO)', role: 'rapporteur' }],
      },
    ],
  });
  marketplaceId = created.marketplace.id;
});
afterAll(async () => env?.close());

describe('the matching run', () => {
  it('starts by itself after the deadline, books meetings nobody is double-booked in, and emails invitations with ICS', async () => {
    const deadline = (await api('GET', '/api/v1/marketplaces/gfmd-2007')).body.responseDeadline as string;
    const training = await publishedRequest(api, bangladesh, organizer, { title: 'Training for labour attachés', maxMatches: 1, responseDeadline: deadline });
    const remittances = await publishedRequest(api, mexico, organizer, { title: 'Remittance cost advice', category: 'advice', countries: ['MX'], languages: ['es', 'en'], maxMatches: 2, responseDeadline: deadline });
    const iloOnTraining = await api('POST', `/api/v1/requests/${training.id}/responses`, { token: ilo.token, body: sampleResponse });
    const iomOnTraining = await api('POST', `/api/v1/requests/${training.id}/responses`, { token: iom.token, body: { ...sampleResponse, summary: 'IOM pre-departure orientation', offerCategories: ['training'] } });
    const undpOnTraining = await api('POST', `/api/v1/requests/${training.id}/responses`, { token: undp.token, body: { ...sampleResponse, summary: 'UNDP advice', offerCategories: ['advice'], languages: ['fr'], funding: 'needs_funding' } });
    const undpOnRemittances = await api('POST', `/api/v1/requests/${remittances.id}/responses`, { token: undp.token, body: { ...sampleResponse, summary: 'UNDP on remittances', offerCategories: ['advice'], languages: ['es'] } });
    const iloOnRemittances = await api('POST', `/api/v1/requests/${remittances.id}/responses`, { token: ilo.token, body: { ...sampleResponse, summary: 'ILO on remittances', offerCategories: ['advice'], languages: ['en'] } });
    // All five made it before the deadline (a late one would be a 409 and show up only as a wrong meeting count).
    expect([iloOnTraining, iomOnTraining, undpOnTraining, undpOnRemittances, iloOnRemittances].map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);
    // The requester prefers ILO.
    expect((await api('PUT', `/api/v1/responses/${iloOnTraining.body.id}/preferred`, { token: bangladesh.token, body: { preferred: true } })).body).toEqual({ preferred: true });
    // The provider reads its own response, so it is told who marks it rather than told it does not exist.
    expect((await api('PUT', `/api/v1/responses/${iloOnTraining.body.id}/preferred`, { token: ilo.token, body: { preferred: false } })).status).toBe(403);

    // The deadline passes; the worker closes both requests and runs the matching by itself.
    await expect
      .poll(async () => (await env.ctx.db.selectFrom('matching_runs').select('status').where('marketplace_id', '=', marketplaceId).where('status', '=', 'done').execute()).length, { timeout: 35_000, interval: 500 })
      .toBeGreaterThanOrEqual(1);
    const meetings = (await api('GET', '/api/v1/marketplaces/gfmd-2007/meetings', { token: organizer.token })).body.items as Array<{ id: string; request: { id: string }; provider: { id: string; name: string }; requester: { id: string }; startsAt: string; endsAt: string; scoreParts: unknown[] }>;
    expect(meetings.filter((m) => m.request.id === training.id)).toHaveLength(1);
    expect(meetings.filter((m) => m.request.id === remittances.id)).toHaveLength(2);
    // The preferred ILO gets the training meeting, outside its session 1.2 (15:00-16:00 Brussels).
    const trainingMeeting = meetings.find((m) => m.request.id === training.id)!;
    expect(trainingMeeting.provider.name).toBe('International Labour Organization (ILO)');
    for (const m of meetings.filter((x) => x.provider.id === ilo.organizationId)) {
      expect(new Date(m.startsAt).getTime()).toBeGreaterThanOrEqual(new Date('2027-07-10T16:00:00+02:00').getTime());
    }
    // Nobody in two meetings at once; the one room used once per slot.
    const byOrg = new Map<string, Array<[number, number]>>();
    for (const m of meetings) {
      for (const org of [m.provider.id, m.requester.id]) byOrg.set(org, [...(byOrg.get(org) ?? []), [new Date(m.startsAt).getTime(), new Date(m.endsAt).getTime()]]);
    }
    for (const intervals of byOrg.values()) {
      intervals.sort((a, b) => a[0] - b[0]);
      for (let i = 1; i < intervals.length; i++) expect(intervals[i]![0]).toBeGreaterThanOrEqual(intervals[i - 1]![1]);
    }
    expect(new Set(meetings.map((m) => m.startsAt)).size).toBe(meetings.length);
    expect(trainingMeeting.scoreParts).toHaveLength(6);

    expect((await api('GET', `/api/v1/requests/${training.id}`)).body.status).toBe('matched');
    expect((await api('GET', `/api/v1/responses/${iomOnTraining.body.id}`, { token: iom.token })).body.status).toBe('not_matched');

    // Both parties get an invitation whose ICS parses, with the meeting's time and a stable UID.
    const invite = await env.mail.waitFor((m) => m.envelopeTo.includes('focal@mole.gov.bd') && /Accept or decline: side meeting with International Labour Organization/.test(m.parsed.subject ?? ''));
    const calendar = calendarOf(invite);
    expect(calendar.method).toBe('REQUEST');
    expect(new Date(calendar.event.start as Date).toISOString()).toBe(new Date(trainingMeeting.startsAt).toISOString());
    expect(new Date(calendar.event.end as Date).toISOString()).toBe(new Date(trainingMeeting.endsAt).toISOString());
    expect(calendar.event.uid).toBe(`meeting-${trainingMeeting.id}@localhost`);
    expect(calendar.text).toContain('SEQUENCE:0');
    expect(invite.parsed.text).toContain('Room A');
    const providerInvite = await env.mail.waitFor((m) => m.envelopeTo.includes('focal@ilo.org') && /Accept or decline: side meeting with Ministry of Expatriates Welfare/.test(m.parsed.subject ?? ''));
    expect(calendarOf(providerInvite).event.uid).toBe(calendar.event.uid);
    await env.mail.waitFor((m) => m.envelopeTo.includes('focal@iom.int') && /Thank you for your response to "Training for labour attachés"/.test(m.parsed.subject ?? ''));
    await env.mail.waitFor((m) => m.envelopeTo.includes('focal@mole.gov.bd') && /Your side meetings for "Training for labour attachés": 1 scheduled/.test(m.parsed.subject ?? ''));
  }, 60_000);

  it('a second run with nothing changed changes nothing and sends nothing', async () => {
    const before = await env.ctx.db.selectFrom('meetings').select(['id', 'starts_at', 'room_id', 'sequence', 'status']).orderBy('id').execute();
    const outboxBefore = await env.ctx.db.selectFrom('outbox').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow();
    const result = await runMatching(env.ctx, marketplaceId, 'organizer');
    expect(result.changes).toMatchObject({ created: 0, moved: 0, cancelled: 0, requestsMatched: 0, responsesNotMatched: 0 });
    expect(await env.ctx.db.selectFrom('meetings').select(['id', 'starts_at', 'room_id', 'sequence', 'status']).orderBy('id').execute()).toEqual(before);
    const outboxAfter = await env.ctx.db.selectFrom('outbox').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow();
    expect(outboxAfter.n).toBe(outboxBefore.n);
  });

  it('a run waiting for the one before it shows as running, then done', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    // Another run of this marketplace holds its lock.
    const holder = env.ctx.db.transaction().execute(async (trx) => {
      await lockMarketplaceForMatching({ db: trx }, marketplaceId);
      locked();
      await held;
    });
    await isLocked;
    const waiting = runMatching(env.ctx, marketplaceId, 'organizer');
    const latest = () => env.ctx.db.selectFrom('matching_runs').select(['id', 'status']).where('marketplace_id', '=', marketplaceId).orderBy('started_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();
    await expect.poll(async () => (await latest()).status, { timeout: 10_000, interval: 50 }).toBe('running');
    const runId = (await latest()).id;
    release();
    await holder;
    expect((await waiting).runId).toBe(runId);
    expect((await env.ctx.db.selectFrom('matching_runs').select('status').where('id', '=', runId).executeTakeFirstOrThrow()).status).toBe('done');
  });

  it('a decline from the email link frees the slot, cancels with SEQUENCE + 1, and the next best offer is scheduled', async () => {
    const training = await env.ctx.db.selectFrom('requests').select('id').where('title', '=', 'Training for labour attachés').executeTakeFirstOrThrow();
    const meeting = await env.ctx.db.selectFrom('meetings').selectAll().where('request_id', '=', training.id).where('status', '=', 'proposed').executeTakeFirstOrThrow();
    const invite = env.mail.messages.find((m) => m.envelopeTo.includes('focal@ilo.org') && m.parsed.text?.includes(`/meetings/${meeting.id}/answer/provider/`))!;
    const link = linkIn(invite.parsed.text ?? '', `${env.baseUrl}/meetings/${meeting.id}/answer/provider/`);
    // The link acts for ILO as long as the meeting stands: the stored emails do not hold it readable.
    const answerToken = link.split('/').pop()!;
    expect((await sql<{ row: string }>`SELECT o::text AS row FROM outbox o`.execute(env.ctx.db)).rows.filter((r) => r.row.includes(answerToken))).toEqual([]);
    const page = await new PageClient(env.baseUrl).get(link.slice(env.baseUrl.length));
    expect(page.status).toBe(200);
    expect(page.html).toContain('Decline the meeting');
    // A forged link is refused.
    expect((await new PageClient(env.baseUrl).get(`/meetings/${meeting.id}/answer/provider/forged`)).status).toBe(404);
    const declined = await fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'answer=declined' });
    expect(declined.status).toBe(200);
    expect((await env.ctx.db.selectFrom('meetings').select('status').where('id', '=', meeting.id).executeTakeFirstOrThrow()).status).toBe('declined');
    // A run that read the meeting before the decline and now moves it leaves it declined.
    const stale = { runId: meeting.run_id, roomId: meeting.room_id, startsAt: meeting.starts_at, endsAt: meeting.ends_at, requesterOrgId: meeting.requester_org_id, providerOrgId: meeting.provider_org_id };
    expect(await moveMeeting(env.ctx, meeting.id, stale)).toBeUndefined();
    expect((await env.ctx.db.selectFrom('meetings').select('status').where('id', '=', meeting.id).executeTakeFirstOrThrow()).status).toBe('declined');

    const cancel = await env.mail.waitFor((m) => m.envelopeTo.includes('focal@mole.gov.bd') && /Cancelled: side meeting with International Labour Organization/.test(m.parsed.subject ?? ''));
    const calendar = calendarOf(cancel);
    expect(calendar.method).toBe('CANCEL');
    expect(calendar.event.uid).toBe(`meeting-${meeting.id}@localhost`);
    expect(calendar.text).toContain('SEQUENCE:1');

    // The re-run (queued by the decline) keeps the other meetings and gives the request its next best offer: IOM.
    await expect
      .poll(async () => (await env.ctx.db.selectFrom('meetings').select('provider_org_id').where('request_id', '=', training.id).where('status', '=', 'proposed').execute()).map((m) => m.provider_org_id), { timeout: 20_000, interval: 500 })
      .toEqual([iom.organizationId]);
    await env.mail.waitFor((m) => m.envelopeTo.includes('focal@iom.int') && /Accept or decline: side meeting with Ministry of Expatriates Welfare/.test(m.parsed.subject ?? ''));
    expect((await api('GET', '/api/v1/meetings', { token: ilo.token })).body.items.filter((m: { status: string }) => m.status === 'proposed').length).toBeGreaterThanOrEqual(1);
  }, 40_000);

  it('both parties accept: the meeting is confirmed; only parties may answer', async () => {
    const meeting = (await api('GET', '/api/v1/meetings', { token: mexico.token })).body.items.find((m: { status: string }) => m.status === 'proposed');
    expect((await api('POST', `/api/v1/meetings/${meeting.id}/accept`, { token: bangladesh.token })).status).toBe(404);
    const first = await api('POST', `/api/v1/meetings/${meeting.id}/accept`, { token: mexico.token });
    expect(first.body).toMatchObject({ status: 'proposed', requesterAnswer: 'accepted' });
    const providerToken = meeting.provider.id === undp.organizationId ? undp.token : ilo.token;
    const second = await api('POST', `/api/v1/meetings/${meeting.id}/accept`, { token: providerToken });
    expect(second.body).toMatchObject({ status: 'confirmed', providerAnswer: 'accepted' });
  });

  it('the organizer sees the timetable, the CSV and ICS exports, and the summary matrix', async () => {
    const browser = new PageClient(env.baseUrl);
    browser.setCookie('fm_session', organizer.browserToken);
    const timetable = await browser.get('/organizer/marketplaces/gfmd-2007/timetable');
    expect(timetable.status).toBe(200);
    expect(timetable.html).toContain('Room A');
    expect(timetable.html).toContain('International Organization for Migration (IOM)');
    const csv = await fetch(new URL('/organizer/marketplaces/gfmd-2007/meetings.csv', env.baseUrl), { headers: { cookie: `fm_session=${organizer.browserToken}` } });
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const csvText = await csv.text();
    expect(csvText.split('\r\n')[0]).toContain('Start,End,Room,Requester,Provider');
    const icsExport = await fetch(new URL('/organizer/marketplaces/gfmd-2007/meetings.ics', env.baseUrl), { headers: { cookie: `fm_session=${organizer.browserToken}` } });
    const parsed = Object.values(ical.sync.parseICS(await icsExport.text())).filter((c) => c?.type === 'VEVENT');
    expect(parsed.length).toBe((await api('GET', '/api/v1/marketplaces/gfmd-2007/meetings', { token: organizer.token })).body.items.length);
    const report = await api('GET', '/api/v1/marketplaces/gfmd-2007/report', { token: organizer.token });
    const iloRow = report.body.organizations.find((o: { name: string }) => o.name === 'International Labour Organization (ILO)');
    expect(iloRow.sessions['1.2']).toEqual(['rapporteur']);
    expect(iloRow.byCategory.training.responses).toBe(1);
    expect((await api('GET', '/api/v1/marketplaces/gfmd-2007/report', { token: ilo.token })).status).toBe(403);
    const reportCsv = await fetch(new URL('/organizer/marketplaces/gfmd-2007/report.csv', env.baseUrl), { headers: { cookie: `fm_session=${organizer.browserToken}` } });
    expect(await reportCsv.text()).toContain('International Labour Organization (ILO)');
    expect((await new PageClient(env.baseUrl).get('/organizer/marketplaces/gfmd-2007/timetable')).status).toBe(303);
  });

  it('the score is for organizers and the requester: the provider reads its meeting without it, over the API and on its page', async () => {
    const meeting = (await api('GET', '/api/v1/meetings', { token: mexico.token })).body.items.find((m: { status: string }) => m.status === 'confirmed' || m.status === 'proposed');
    expect(meeting.scoreParts).toHaveLength(6);
    expect(meeting.score).toEqual(expect.any(Number));
    const providerToken = meeting.provider.id === undp.organizationId ? undp.token : ilo.token;
    const asProvider = await api('GET', `/api/v1/meetings/${meeting.id}`, { token: providerToken });
    expect(asProvider.status).toBe(200);
    expect(asProvider.body.id).toBe(meeting.id);
    expect(asProvider.body).not.toHaveProperty('score');
    expect(asProvider.body).not.toHaveProperty('scoreParts');
    expect((await api('GET', '/api/v1/meetings', { token: providerToken })).body.items.every((m: object) => !('score' in m))).toBe(true);
    expect((await api('GET', `/api/v1/meetings/${meeting.id}`, { token: organizer.token })).body.scoreParts).toHaveLength(6);

    const requesterPage = new PageClient(env.baseUrl);
    requesterPage.setCookie('fm_session', mexico.browserToken);
    expect((await requesterPage.get('/meetings')).html).toContain(`score ${meeting.score}`);
    const providerPage = new PageClient(env.baseUrl);
    providerPage.setCookie('fm_session', meeting.provider.id === undp.organizationId ? undp.browserToken : ilo.browserToken);
    const page = await providerPage.get('/meetings');
    expect(page.html).toContain(meeting.requester.name.replace(/&/g, '&amp;'));
    expect(page.html).not.toMatch(/score \d/);
  });

  it('the request page lists its meetings to the requesting organization and the organizers, to nobody else', async () => {
    const training = await env.ctx.db.selectFrom('requests').select('id').where('title', '=', 'Training for labour attachés').executeTakeFirstOrThrow();
    const pageAs = async (browserToken?: string) => {
      const browser = new PageClient(env.baseUrl);
      if (browserToken) browser.setCookie('fm_session', browserToken);
      return (await browser.get(`/requests/${training.id}`)).html;
    };
    for (const insider of [bangladesh, organizer]) expect(await pageAs(insider.browserToken)).toContain('id="meetings-title"');
    for (const outsider of [mexico, undp]) expect(await pageAs(outsider.browserToken)).not.toContain('id="meetings-title"');
    expect(await pageAs()).not.toContain('id="meetings-title"');
  });

  it('a declined meeting cannot be accepted any more, and every answer leaves an audit row', async () => {
    const declined = await env.ctx.db.selectFrom('meetings').select(['id', 'provider_org_id']).where('status', '=', 'declined').executeTakeFirstOrThrow();
    expect(declined.provider_org_id).toBe(ilo.organizationId);
    const late = await api('POST', `/api/v1/meetings/${declined.id}/accept`, { token: ilo.token });
    expect(late.status).toBe(409);
    expect(late.body.detail).toContain('This meeting was declined');
    const trail = (id: string) => env.ctx.db.selectFrom('audit_events').select(['action', 'from_status', 'to_status']).where('entity', '=', 'meeting').where('entity_id', '=', id).orderBy('at').execute();
    expect(await trail(declined.id)).toEqual([{ action: 'decline', from_status: 'proposed', to_status: 'declined' }]);
    const confirmed = (await api('GET', '/api/v1/meetings', { token: mexico.token })).body.items.find((m: { status: string }) => m.status === 'confirmed');
    expect(await trail(confirmed.id)).toEqual([
      { action: 'accept', from_status: 'proposed', to_status: 'proposed' },
      { action: 'confirm', from_status: 'proposed', to_status: 'confirmed' },
    ]);
  });

  it('an unavailability is answered with its times in the marketplace zone; the next run moves or cancels the meeting it covers, with an audit row', async () => {
    const confirmed = (await api('GET', '/api/v1/meetings', { token: mexico.token })).body.items.find((m: { status: string }) => m.status === 'confirmed');
    const local = (iso: string) => iso.slice(0, 16);
    const declared = await api('POST', '/api/v1/marketplaces/gfmd-2007/unavailability', { token: mexico.token, body: { startsAt: local(confirmed.startsAt), endsAt: local(confirmed.endsAt), note: 'Minister in the plenary' } });
    expect(declared.status).toBe(201);
    expect(declared.body).toEqual({ id: expect.any(String), startsAt: confirmed.startsAt, endsAt: confirmed.endsAt, note: 'Minister in the plenary' });
    expect(confirmed.startsAt).toMatch(/\+02:00$/);

    const { runId } = await runMatching(env.ctx, marketplaceId, 'organizer');
    const after = await api('GET', `/api/v1/meetings/${confirmed.id}`, { token: mexico.token });
    expect(after.body.startsAt === confirmed.startsAt && after.body.status === 'confirmed').toBe(false);
    expect(after.body.sequence).toBe(confirmed.sequence + 1);
    const audit = await env.ctx.db.selectFrom('audit_events').select(['action', 'to_status', 'detail']).where('entity', '=', 'meeting').where('entity_id', '=', confirmed.id).orderBy('at', 'desc').limit(1).executeTakeFirstOrThrow();
    expect(['move', 'cancel']).toContain(audit.action);
    expect(audit.to_status).toBe(after.body.status);
    expect(audit.detail).toMatchObject({ runId });
  });

  it('the matching runs are answered in camelCase with their times in the marketplace zone', async () => {
    const runs = await api('GET', '/api/v1/marketplaces/gfmd-2007/matching-runs', { token: organizer.token });
    expect(runs.status).toBe(200);
    const latest = runs.body.items[0];
    expect(latest).toMatchObject({ marketplaceId, status: 'done', trigger: 'organizer', error: null, changes: { kept: expect.any(Number), created: expect.any(Number), moved: expect.any(Number), cancelled: expect.any(Number) } });
    expect(latest.changes.moved + latest.changes.cancelled).toBe(1);
    expect(latest.startedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?\+0[12]:00$/);
    expect(new Date(latest.finishedAt).getTime()).toBeGreaterThanOrEqual(new Date(latest.startedAt).getTime());
    expect(Object.keys(latest).filter((k) => k.includes('_'))).toEqual([]);
    expect((await api('GET', '/api/v1/marketplaces/GFMD-2007/matching-runs', { token: organizer.token })).status).toBe(200);
    expect((await api('GET', '/api/v1/marketplaces/no%20such/matching-runs', { token: organizer.token })).status).toBe(404);
    expect((await api('GET', '/api/v1/marketplaces/gfmd-2007/matching-runs', { token: mexico.token })).status).toBe(403);
  });
});
