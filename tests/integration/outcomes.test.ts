import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { useTestEnvironment } from '../helpers/environment.ts';
import { createTestMarketplace, meetingFor, passDeadline, publishedRequest, sampleResponse } from '../helpers/factories.ts';
import { linkIn } from '../helpers/http.ts';
import { sendFollowups, sendOutcomeRequests } from '../../src/outcomes/outcomes.service.ts';

const t = useTestEnvironment({ cast: ['organizer', 'bangladesh', 'mexico', 'ilo', 'iom'], marketplace: true });

const subjectOf = (m: { parsed: { subject?: string | undefined } }) => m.parsed.subject ?? '';
let hour = 0;

/** A closed request of `requester`, a response of `provider`, and their published meeting, ended (or in 2027). */
async function meetingOf(requester: 'bangladesh' | 'mexico', provider: 'ilo' | 'iom', options: { ended: boolean; title: string; category?: string }) {
  const { api, env } = t;
  const request = await publishedRequest(api, t.people[requester], t.people.organizer, { title: options.title, category: options.category ?? 'training', countries: [requester === 'bangladesh' ? 'BD' : 'MX'] });
  const response = await api('POST', `/api/v1/requests/${request.id}/responses`, { token: t.people[provider].token, body: sampleResponse });
  await passDeadline(env.ctx, [request.id]);
  await env.ctx.db.updateTable('requests').set({ status: 'matched', closed_at: sql`now()` }).where('id', '=', request.id).execute();
  hour += 1;
  const meeting = await meetingFor(env.ctx, {
    marketplaceId: t.marketplace.marketplace.id,
    requestId: request.id,
    responseId: response.body.id,
    requesterOrgId: t.people[requester].organizationId!,
    providerOrgId: t.people[provider].organizationId!,
    startsAt: new Date(Date.UTC(options.ended ? 2020 : 2027, 6, 10, 7, 0) + hour * 3600_000),
  });
  return { requestId: request.id, meetingId: meeting.id };
}

describe('outcomes', () => {
  it('after a meeting ends both sides are asked once, answer in one click and a confirmation, or on the API; the follow-up asks the requester whether the assistance started; the funnel counts it all', async () => {
    const { api, env } = t;
    const { organizer, bangladesh, ilo, iom, mexico } = t.people;
    const held = await meetingOf('bangladesh', 'ilo', { ended: true, title: 'Pre-departure training that took place' });
    const ahead = await meetingOf('mexico', 'iom', { ended: false, title: 'Remittance advice still ahead', category: 'advice' });

    // The sweep asks both sides of the ended meeting, once; not the one ahead.
    // (The workers' sweep does the same every 30 s: whichever runs first asks, the other finds nothing.)
    await sendOutcomeRequests(env.ctx);
    expect(await sendOutcomeRequests(env.ctx)).toBe(0);
    const asked = await env.ctx.db.selectFrom('meetings').select(['id', 'outcome_asked_at']).where('id', 'in', [held.meetingId, ahead.meetingId]).execute();
    expect(Object.fromEntries(asked.map((m) => [m.id, m.outcome_asked_at !== null]))).toEqual({ [held.meetingId]: true, [ahead.meetingId]: false });
    const toIlo = await env.mail.waitFor((m) => m.envelopeTo.includes(ilo.email) && /what came of it/.test(subjectOf(m)));
    expect(toIlo.parsed.subject).toBe('Your side meeting with Ministry of Expatriates Welfare, Bangladesh: what came of it?');
    await env.mail.waitFor((m) => m.envelopeTo.includes(bangladesh.email) && /what came of it/.test(subjectOf(m)));
    expect(env.mail.to(iom.email).filter((m) => /what came of it/.test(subjectOf(m)))).toHaveLength(0);
    // The stored email holds no usable link (sealed links), the sent one does.
    const stored = await env.ctx.db.selectFrom('outbox').select('text_body').where('template', '=', 'meeting-outcome').where('to_email', '=', ilo.email).executeTakeFirstOrThrow();
    expect(stored.text_body).not.toContain('/outcome/');
    const link = linkIn(toIlo.parsed.text ?? '', `${env.baseUrl}/meetings/${held.meetingId}/outcome/provider/`).replace(/[).,]+$/, '');
    expect(link).toContain('outcome=did_not_take_place');

    // The link opens a page with the answer chosen; nothing is saved until the button (mail scanners follow links).
    const page = t.anonymousPage();
    const cooperation = link.replace('outcome=did_not_take_place', 'outcome=cooperation_possible');
    const opened = await page.get(cooperation.replace(env.baseUrl, ''));
    expect(opened.status).toBe(200);
    expect(opened.html).toMatch(/value="cooperation_possible" checked/);
    expect(await env.ctx.db.selectFrom('meeting_outcomes').select('outcome').where('meeting_id', '=', held.meetingId).execute()).toEqual([]);
    const path = cooperation.replace(env.baseUrl, '').replace(/\?.*$/, '');
    const long = await page.post(path, { outcome: 'cooperation_possible', note: 'x'.repeat(2001) }, { csrf: null });
    expect(long.status).toBe(422);
    expect(long.html).toContain('must be at most 2000 characters');
    const none = await page.post(path, { note: 'We forgot to choose' }, { csrf: null });
    expect(none.html).toContain('Choose one of the answers.');
    expect(none.html).toContain('We forgot to choose');
    const saved = await page.post(path, { outcome: 'cooperation_possible', note: 'A joint training plan by March.' }, { csrf: null });
    expect(saved.status).toBe(200);
    expect(saved.html).toContain('your answer is saved');
    expect((await page.get(`/meetings/${held.meetingId}/outcome/provider/not-the-token`)).status).toBe(404);
    expect((await page.post(`/meetings/${held.meetingId}/outcome/provider/not-the-token`, { outcome: 'did_not_take_place' }, { csrf: null })).status).toBe(404);
    expect((await page.post(`/requests/${held.requestId}/assistance/not-the-token`, { status: 'not_started' }, { csrf: null })).status).toBe(404);

    // The requester answers on the API; others cannot; a meeting ahead cannot be answered yet.
    const byApi = await api('POST', `/api/v1/meetings/${held.meetingId}/outcome`, { token: bangladesh.token, body: { outcome: 'useful_no_cooperation' } });
    expect(byApi.status).toBe(200);
    expect(byApi.body).toEqual({ meetingId: held.meetingId, party: 'requester', outcome: 'useful_no_cooperation', note: null });
    expect((await api('POST', `/api/v1/meetings/${held.meetingId}/outcome`, { token: iom.token, body: { outcome: 'cooperation_possible' } })).status).toBe(404);
    expect((await api('POST', `/api/v1/meetings/${ahead.meetingId}/outcome`, { token: mexico.token, body: { outcome: 'cooperation_possible' } })).status).toBe(409);
    const bad = await api('POST', `/api/v1/meetings/${held.meetingId}/outcome`, { token: bangladesh.token, body: { outcome: 'great' } });
    expect(bad.status).toBe(422);
    expect(bad.body.errors[0].path).toBe('outcome');
    // The meeting's page shows both answers to its sides.
    const meetingPage = await t.pages.bangladesh.get(`/meetings/${held.meetingId}`);
    expect(meetingPage.html).toContain('Provider: Cooperation possible (A joint training plan by March.)');
    expect(meetingPage.html).toContain('Requester: Useful, no cooperation planned');

    // Some weeks after the forum, the requester is asked whether the assistance started.
    expect(await sendFollowups(env.ctx)).toBe(0);
    await env.ctx.db.updateTable('marketplaces').set({ forum_starts_on: '2020-07-09', forum_ends_on: '2020-07-11' }).where('id', '=', t.marketplace.marketplace.id).execute();
    // Both requests had a side meeting (the forum is now in the past for both); asked once.
    await sendFollowups(env.ctx);
    expect(await sendFollowups(env.ctx)).toBe(0);
    expect((await env.ctx.db.selectFrom('requests').select('followup_asked_at').where('id', 'in', [held.requestId, ahead.requestId]).execute()).every((r) => r.followup_asked_at !== null)).toBe(true);
    const followup = await env.mail.waitFor((m) => m.envelopeTo.includes(bangladesh.email) && /Did the assistance/.test(subjectOf(m)));
    expect(followup.parsed.subject).toBe('Did the assistance for "Pre-departure training that took place" start?');
    const started = linkIn(followup.parsed.text ?? '', `${env.baseUrl}/requests/${held.requestId}/assistance/`).replace(/[).,]+$/, '');
    expect(started).toContain('status=started');
    const answered = await page.post(started.replace(env.baseUrl, '').replace(/\?.*$/, ''), { status: 'started', note: 'The first course opened in October.' }, { csrf: null });
    expect(answered.html).toContain('your answer is saved');
    expect((await env.ctx.db.selectFrom('requests').select('assistance_status').where('id', '=', held.requestId).executeTakeFirstOrThrow()).assistance_status).toBe('started');
    expect((await api('PUT', `/api/v1/requests/${held.requestId}/assistance`, { token: ilo.token, body: { status: 'not_started' } })).status).toBe(403);

    // The funnel: two published requests, both with responses and a meeting; one held, with cooperation, and the assistance started.
    const funnel = await api('GET', '/api/v1/marketplaces/gfmd-2007/report/funnel', { token: organizer.token });
    expect(funnel.status).toBe(200);
    expect(funnel.body.total).toEqual({ requests: 2, withResponses: 2, matched: 2, held: 1, cooperationPossible: 1, assistanceStarted: 1 });
    expect(funnel.body.byCategory).toEqual([
      { category: 'training', counts: { requests: 1, withResponses: 1, matched: 1, held: 1, cooperationPossible: 1, assistanceStarted: 1 } },
      { category: 'advice', counts: { requests: 1, withResponses: 1, matched: 1, held: 0, cooperationPossible: 0, assistanceStarted: 0 } },
    ]);
    expect(funnel.body.byOrganization.map((o: { organization: { name: string } }) => o.organization.name)).toEqual(['Ministry of Expatriates Welfare, Bangladesh', 'Secretaría de Relaciones Exteriores, Mexico']);
    expect((await api('GET', '/api/v1/marketplaces/gfmd-2007/report/funnel', { token: bangladesh.token })).status).toBe(403);

    const report = await t.pages.organizer.get('/organizer/marketplaces/gfmd-2007/report');
    expect(report.html).toContain('<svg role="img"');
    expect(report.html).toContain('Cooperation possible');
    expect(report.html).toContain('1 (50%)');
    const csv = await fetch(`${env.baseUrl}/organizer/marketplaces/gfmd-2007/funnel.csv`, { headers: { cookie: `fm_session=${organizer.browserToken}` } });
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const text = await csv.text();
    expect(text).toContain('Scope,Name,Requests,With responses,Matched,Meetings held,Cooperation possible,Assistance started');
    expect(text).toContain('All,GFMD 2007 Brussels,2,2,2,1,1,1');
  });

  it('a meeting about several of a government’s requests counts for each: matched, held and cooperation in the funnel, each category in the report, and a follow-up for each', async () => {
    const { api, env } = t;
    const { organizer, bangladesh, ilo } = t.people;
    const slug = 'outcomes-joint';
    await createTestMarketplace(env.ctx, organizer, { slug, name: 'One meeting about two requests' });
    const marketplaceId = (await env.ctx.db.selectFrom('marketplaces').select('id').where('slug', '=', slug).executeTakeFirstOrThrow()).id;
    const training = await publishedRequest(api, bangladesh, organizer, { title: 'Training served by the meeting itself', category: 'training' }, slug);
    const advice = await publishedRequest(api, bangladesh, organizer, { title: 'Advice served beside it', category: 'advice' }, slug);
    const responses = await Promise.all([training, advice].map(async (r) => (await api('POST', `/api/v1/requests/${r.id}/responses`, { token: ilo.token, body: sampleResponse })).body.id as string));
    await passDeadline(env.ctx, [training.id, advice.id]);
    await env.ctx.db.updateTable('requests').set({ status: 'matched', closed_at: sql`now()` }).where('id', 'in', [training.id, advice.id]).execute();
    // ILO's one meeting with Bangladesh about both requests, as a run writes it: the first as its own, the other as a topic.
    const meeting = await meetingFor(env.ctx, { marketplaceId, requestId: training.id, responseId: responses[0]!, requesterOrgId: bangladesh.organizationId!, providerOrgId: ilo.organizationId!, startsAt: new Date(Date.UTC(2020, 6, 10, 7, 0)) });
    await env.ctx.db.insertInto('meeting_topics').values({ meeting_id: meeting.id, request_id: advice.id, response_id: responses[1]! }).execute();
    expect((await api('POST', `/api/v1/meetings/${meeting.id}/outcome`, { token: ilo.token, body: { outcome: 'cooperation_possible' } })).status).toBe(200);

    // Before, only the meeting's own request counted: matched 1, held 1, cooperation 1.
    const funnel = await api('GET', `/api/v1/marketplaces/${slug}/report/funnel`, { token: organizer.token });
    expect(funnel.body.total).toEqual({ requests: 2, withResponses: 2, matched: 2, held: 2, cooperationPossible: 2, assistanceStarted: 0 });
    // The report's matrix counts the meeting in each category it covers (before: training only).
    const report = await api('GET', `/api/v1/marketplaces/${slug}/report`, { token: organizer.token });
    const iloRow = report.body.organizations.find((o: { organizationId: string }) => o.organizationId === ilo.organizationId);
    expect({ training: iloRow.byCategory.training, advice: iloRow.byCategory.advice }).toEqual({ training: { responses: 1, meetings: 1 }, advice: { responses: 1, meetings: 1 } });
    // Weeks after the forum, each request's requester is asked whether its assistance started (before: the first only).
    await env.ctx.db.updateTable('marketplaces').set({ forum_starts_on: '2020-07-09', forum_ends_on: '2020-07-11' }).where('id', '=', marketplaceId).execute();
    while ((await sendFollowups(env.ctx)) > 0);
    const asked = await env.ctx.db.selectFrom('requests').select(['id', 'followup_asked_at']).where('id', 'in', [training.id, advice.id]).execute();
    expect(asked.every((r) => r.followup_asked_at !== null)).toBe(true);
    await env.mail.waitFor((m) => m.envelopeTo.includes(bangladesh.email) && subjectOf(m) === 'Did the assistance for "Advice served beside it" start?');
  });
});
