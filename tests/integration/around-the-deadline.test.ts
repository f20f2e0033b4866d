import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { useTestEnvironment } from '../helpers/environment.ts';
import { createTestMarketplace, publishedRequest, sampleResponse } from '../helpers/factories.ts';
import { PageClient } from '../helpers/http.ts';
import { closeRequests } from '../../src/requests/close.service.ts';
import { findMarketplacesDueForMatching, findMatchingTime } from '../../src/meetings/matching-runs.repository.ts';
import { runMatching } from '../../src/meetings/matching-run.service.ts';
import { cacheChanged } from '../../src/shared/process-cache.ts';

// The test closes and matches itself: with no workers, nothing runs beside it.
const t = useTestEnvironment({ cast: ['organizer', 'bangladesh', 'ilo', 'iom', 'mexico', 'undp'], marketplace: { reviewHours: 48, lateChangeDays: 3 }, workers: false });

/** The emails written to the outbox for an address (no workers send them here), newest last. */
async function outboxTo(email: string, subject: RegExp) {
  const rows = await t.env.ctx.db.selectFrom('outbox').select(['subject', 'text_body']).where('to_email', '=', email).orderBy('created_at').execute();
  return rows.filter((r) => subject.test(r.subject)).map((r) => ({ subject: r.subject, text: r.text_body }));
}

describe('a review window after the close', () => {
  it('the matching waits for the window; the close email gives its end in the reader’s time; the request page counts down; the secretariat may start it earlier', async () => {
    const { api, env } = t;
    const { organizer, bangladesh, ilo } = t.people;
    const request = await publishedRequest(api, bangladesh, organizer, { title: 'Training reviewed before the matching' });
    await api('POST', `/api/v1/requests/${request.id}/responses`, { token: ilo.token, body: sampleResponse });
    expect((await api('GET', '/api/v1/marketplaces/gfmd-2007', {})).body).toMatchObject({ reviewHours: 48, lateChangeDays: 3 });

    // The requester reads in New York; the deadline passes for the marketplace and the request.
    await env.ctx.db.updateTable('users').set({ time_zone: 'America/New_York' }).where('id', '=', bangladesh.id).execute();
    cacheChanged(env.ctx, 'actors');
    await env.ctx.db.updateTable('marketplaces').set({ response_deadline: sql<Date>`now() - interval '1 second'` }).where('slug', '=', 'gfmd-2007').execute();
    await env.ctx.db.updateTable('requests').set({ response_deadline: sql<Date>`now() - interval '1 second'` }).where('id', '=', request.id).execute();
    expect(await closeRequests(env.ctx, [request.id])).toBe(1);

    const time = (await findMatchingTime(env.ctx, t.marketplace.marketplace.id))!;
    expect(time.matching_at.getTime() - time.last_deadline.getTime()).toBe(48 * 3600_000);
    const [closedEmail] = await outboxTo(bangladesh.email, /closed with 1 response/);
    expect(closedEmail!.text).toMatch(/mark it if you wish \(must meet, would like, not this one\) until .*Europe\/Brussels.*America\/New_York\) your time/s);

    // Within the window the sweep starts nothing.
    expect(await findMarketplacesDueForMatching(env.ctx, 3000)).toEqual([]);
    const page = await t.pages.bangladesh.get(`/requests/${request.id}`);
    expect(page.html).toContain('Side meetings scheduled');
    expect(page.html).toMatch(/your time \(in (1 day|2 days)\)/);
    expect(page.html).toContain('Until then, read the responses below and mark the ones you prefer.');

    // The secretariat starts the run early; once the window is over the sweep does not run it again.
    await runMatching(env.ctx, t.marketplace.marketplace.id, 'organizer', organizer.actor);
    await env.ctx.db.updateTable('marketplaces').set({ review_hours: 0 }).where('slug', '=', 'gfmd-2007').execute();
    expect(await findMarketplacesDueForMatching(env.ctx, 0)).toEqual([]);
    const meetings = await api('GET', '/api/v1/meetings', { token: ilo.token });
    expect(meetings.body.items).toHaveLength(1);
    await env.ctx.db.updateTable('users').set({ time_zone: null }).where('id', '=', bangladesh.id).execute();
    cacheChanged(env.ctx, 'actors');
  });
});

describe('late changes move the deadline', () => {
  it('a change of what is asked within the late-change days moves the deadline, emails everyone concerned and says why; a minor edit does not; the secretariat overrides with a reason in the history', async () => {
    const { api, env } = t;
    const { organizer, bangladesh, ilo, iom } = t.people;
    // A fresh marketplace deadline, so this request has one to move.
    await env.ctx.db.updateTable('marketplaces').set({ response_deadline: sql<Date>`now() + interval '30 days'`, review_hours: 48 }).where('slug', '=', 'gfmd-2007').execute();
    cacheChanged(env.ctx, 'listing');
    const request = await publishedRequest(api, bangladesh, organizer, { title: 'Equipment for the migrant resource centre', category: 'equipment' });
    await api('POST', `/api/v1/requests/${request.id}/responses`, { token: ilo.token, body: { ...sampleResponse, offerCategories: ['equipment'] } });
    await api('PUT', `/api/v1/requests/${request.id}/follow`, { token: iom.token });
    // Two days before its deadline.
    await env.ctx.db.updateTable('requests').set({ response_deadline: sql<Date>`now() + interval '2 days'` }).where('id', '=', request.id).execute();
    const before = (await api('GET', `/api/v1/requests/${request.id}`, {})).body.responseDeadline;

    // A minor edit (how many providers to meet) moves nothing.
    expect((await api('PATCH', `/api/v1/requests/${request.id}`, { token: bangladesh.token, body: { maxMatches: 2 } })).body.responseDeadline).toBe(before);

    const changed = await api('PATCH', `/api/v1/requests/${request.id}`, { token: bangladesh.token, body: { description: 'Computers and a server for the migrant resource centre in Dhaka, and training of its staff to run them.' } });
    expect(changed.status).toBe(200);
    const moved = new Date(changed.body.responseDeadline).getTime();
    expect(moved - Date.now()).toBeGreaterThan(3 * 24 * 3600_000 - 60_000);
    expect(moved - Date.now()).toBeLessThan(3 * 24 * 3600_000 + 5 * 60_000);
    // Everyone concerned hears why: the provider who responded and the follower.
    for (const person of [ilo, iom]) {
      const [mail] = await outboxTo(person.email, /New deadline for "Equipment for the migrant resource centre"/);
      expect(mail!.text).toContain('The requester changed what "Equipment for the migrant resource centre" asks less than 3 days before its deadline');
    }
    const history = await t.pages.bangladesh.get(`/requests/${request.id}`);
    expect(history.html).toContain('a late change of what is asked moved the deadline to');

    // The secretariat puts it back, with a reason the history keeps.
    const back = await api('PATCH', `/api/v1/requests/${request.id}/deadline`, { token: organizer.token, body: { responseDeadline: before, reason: 'The change only corrects a typing error; providers need no more time.' } });
    expect(back.status).toBe(200);
    expect(back.body.responseDeadline).toBe(before);
    const withReason = await t.pages.organizer.get(`/requests/${request.id}`);
    expect(withReason.html).toContain('Reason: The change only corrects a typing error; providers need no more time.');
    const told = (await outboxTo(ilo.email, /New deadline/)).find((m) => m.text.includes('typing error'));
    expect(told!.text).toContain('The forum secretariat moved the response deadline');
  });

  it('never past the forum’s first day', async () => {
    const { api, env } = t;
    const { organizer, bangladesh } = t.people;
    const request = await publishedRequest(api, bangladesh, organizer, { title: 'Advice just before the forum', category: 'advice' });
    // The forum starts the day after tomorrow (Brussels time); the deadline is tomorrow.
    await env.ctx.db
      .updateTable('marketplaces')
      .set({ forum_starts_on: sql<string>`(now() AT TIME ZONE 'Europe/Brussels')::date + 2`, forum_ends_on: sql<string>`(now() AT TIME ZONE 'Europe/Brussels')::date + 4` })
      .where('slug', '=', 'gfmd-2007')
      .execute();
    await env.ctx.db.updateTable('requests').set({ response_deadline: sql<Date>`now() + interval '1 day'` }).where('id', '=', request.id).execute();
    const changed = await api('PATCH', `/api/v1/requests/${request.id}`, { token: bangladesh.token, body: { countries: ['BD', 'NP'] } });
    expect(changed.status).toBe(200);
    const forum = await env.ctx.db.selectFrom('marketplaces').select(sql<Date>`(forum_starts_on::timestamp AT TIME ZONE 'Europe/Brussels')`.as('starts')).where('slug', '=', 'gfmd-2007').executeTakeFirstOrThrow();
    expect(new Date(changed.body.responseDeadline).getTime()).toBe(forum.starts.getTime());
  });
});

describe('after the deadline, as a first-time visitor meets it', () => {
  it('the marketplace page says it is closed and what comes next, lists every status by default (with "any" in the filter), marks the requests one answered, and the request form says it is closed before anyone fills it in', async () => {
    const { api, env } = t;
    const { organizer, bangladesh, ilo } = t.people;
    await env.ctx.db.updateTable('marketplaces').set({ response_deadline: sql<Date>`now() + interval '30 days'`, review_hours: 48, forum_starts_on: '2027-07-09', forum_ends_on: '2027-07-11' }).where('slug', '=', 'gfmd-2007').execute();
    cacheChanged(env.ctx, 'listing');
    const answered = await publishedRequest(api, bangladesh, organizer, { title: 'A request ILO answered' });
    await publishedRequest(api, bangladesh, organizer, { title: 'A request nobody answered' });
    await api('POST', `/api/v1/requests/${answered.id}/responses`, { token: ilo.token, body: sampleResponse });
    const before = await t.pages.ilo.get('/m/gfmd-2007');
    expect(before.html).toMatch(/A request ILO answered<\/a><\/h3>\s*<p class="meta">[^\n]*Your organization responded/);
    expect(before.html).not.toMatch(/A request nobody answered<\/a><\/h3>\s*<p class="meta">[^\n]*Your organization responded/);
    expect(before.html).not.toContain('Responses closed on');
    // Before the deadline the list shows open requests, and its status filter says so (it said "Any status").
    expect(before.html).toMatch(/<option value="open"[^>]*selected/);
    expect(before.html).not.toMatch(/<option value="any"[^>]*selected/);
    // A member's own requests come in every status, and the filter says that.
    expect((await t.pages.bangladesh.get('/m/gfmd-2007?mine=true')).html).toMatch(/<option value="any"[^>]*selected/);

    await env.ctx.db.updateTable('marketplaces').set({ response_deadline: sql<Date>`now() - interval '1 minute'` }).where('slug', '=', 'gfmd-2007').execute();
    await env.ctx.db.updateTable('requests').set({ response_deadline: sql<Date>`now() - interval '1 minute'` }).where('marketplace_id', '=', t.marketplace.marketplace.id).execute();
    // The run of the first test here came before this deadline (the deadlines moved back in time only in the test).
    await sql`UPDATE matching_runs SET started_at = started_at - interval '1 day' WHERE marketplace_id = ${t.marketplace.marketplace.id}`.execute(env.ctx.db);
    await closeRequests(env.ctx, [answered.id]);
    cacheChanged(env.ctx, 'listing');
    const after = await t.anonymousPage().get('/m/gfmd-2007');
    expect(after.html).toContain('Responses closed on');
    expect(after.html).toContain('Side meetings are scheduled after');
    expect(after.html).toContain('The forum runs');
    expect(after.html).toMatch(/<option value="any"[^>]*selected/);
    expect(after.html).toContain('A request ILO answered');
    expect((await api('GET', '/api/v1/marketplaces/gfmd-2007/requests?status=any', {})).body.items.length).toBeGreaterThanOrEqual(2);
    expect((await api('GET', '/api/v1/marketplaces/gfmd-2007/requests?status=closedd', {})).status).toBe(422);

    const form = await t.pages.bangladesh.get('/m/gfmd-2007/requests/new');
    expect(form.html).toContain('takes no new requests');
    expect(form.html).not.toContain('name="title"');
    expect((await t.pages.bangladesh.get('/m/gfmd-2007')).html).not.toContain('Post a request');
  });
});

describe('moving a deadline earlier', () => {
  it('warns the secretariat and says whom it affects before it does it; a later deadline needs no warning', async () => {
    const { api, env } = t;
    const { organizer, bangladesh, ilo, iom } = t.people;
    await env.ctx.db.updateTable('marketplaces').set({ response_deadline: sql<Date>`now() + interval '30 days'` }).where('slug', '=', 'gfmd-2007').execute();
    cacheChanged(env.ctx, 'listing');
    const request = await publishedRequest(api, bangladesh, organizer, { title: 'A deadline the secretariat moves earlier' });
    await api('POST', `/api/v1/requests/${request.id}/responses`, { token: ilo.token, body: sampleResponse });
    await api('PUT', `/api/v1/requests/${request.id}/follow`, { token: iom.token });
    const page = t.pages.organizer;
    const earlier = new Date(Date.now() + 5 * 24 * 3600_000).toISOString().slice(0, 10);
    const warned = await page.post(`/requests/${request.id}/deadline`, { deadlineDate: earlier, deadlineTime: '17:00', deadlineReason: 'The forum moved.' }, { formPage: `/requests/${request.id}` });
    expect(warned.status).toBe(200);
    expect(warned.html).toContain('This moves the deadline earlier');
    expect(warned.html).toContain('Drafts of responses: 0 · submitted responses: 1 · people following the request: 1.');
    const unchanged = await api('GET', `/api/v1/requests/${request.id}`, {});
    expect(unchanged.body.responseDeadline).toBe(request.responseDeadline);
    const done = await page.post(`/requests/${request.id}/deadline`, { deadlineDate: earlier, deadlineTime: '17:00', deadlineReason: 'The forum moved.', confirmEarlier: 'yes' }, { formPage: `/requests/${request.id}` });
    expect(done.status).toBe(303);
    expect((await api('GET', `/api/v1/requests/${request.id}`, {})).body.responseDeadline.slice(0, 10)).toBe(earlier);
    const later = new Date(Date.now() + 10 * 24 * 3600_000).toISOString().slice(0, 10);
    expect((await page.post(`/requests/${request.id}/deadline`, { deadlineDate: later, deadlineTime: '17:00' }, { formPage: `/requests/${request.id}` })).status).toBe(303);
  });
});

describe('where the schedule stands, after the deadline', () => {
  it('the marketplace page and an empty meetings page say whether the meetings wait for the deadline, are being scheduled, are a draft the secretariat reviews, or are published', async () => {
    const { api, env } = t;
    const { organizer, mexico, iom, undp } = t.people;
    const line = async (who: PageClient) => (await who.get('/meetings')).html.match(/<li>(Schedule states: [^<]*)<\/li>/)?.[1];
    const { marketplace } = await createTestMarketplace(env.ctx, organizer, { slug: 'schedule-states', name: 'Schedule states', meetingPublication: 'review', reviewHours: 0, forumStartsAt: '2027-08-02', forumEndsAt: '2027-08-02', sessions: [] });
    const request = await publishedRequest(api, mexico, organizer, { title: 'Advice on remittance costs', category: 'advice', countries: ['MX'] }, 'schedule-states');
    expect((await api('POST', `/api/v1/requests/${request.id}/responses`, { token: iom.token, body: { ...sampleResponse, offerCategories: ['advice'] } })).status).toBe(201);
    // UNDP, with no meeting anywhere, has not taken part in this marketplace yet: it is not listed there.
    expect(await line(t.pages.undp)).toBeUndefined();
    expect((await t.pages.undp.get('/meetings')).html).toContain('No side meetings yet. They are scheduled by the matching run after the response deadline.');
    // Then it responds too (Mexico will not meet it).
    const undpResponse = await api('POST', `/api/v1/requests/${request.id}/responses`, { token: undp.token, body: { ...sampleResponse, offerCategories: ['advice'] } });
    expect(undpResponse.status).toBe(201);
    expect(await line(t.pages.undp)).toMatch(/^Schedule states: side meetings are scheduled after /);
    // Mexico has no meeting anywhere: its meetings page says, for each marketplace ahead it took part in, where the schedule stands.
    expect(await line(t.pages.mexico)).toMatch(/^Schedule states: side meetings are scheduled after .* \(in (29|30) days\)\.$/);
    // The API tells anyone the same.
    const stage = async () => (await api('GET', '/api/v1/marketplaces/schedule-states/schedule', {})).body as { stage: string; matchingAt: string };
    const waiting = await stage();
    expect(waiting.stage).toBe('waiting');
    expect(new Date(waiting.matchingAt).getTime()).toBe(marketplace.response_deadline.getTime());
    expect(waiting.matchingAt).toMatch(/[+-]\d{2}:\d{2}$/);

    // The deadline passes: the requests close and the run is due.
    await env.ctx.db.updateTable('marketplaces').set({ response_deadline: sql<Date>`now() - interval '1 second'` }).where('id', '=', marketplace.id).execute();
    await env.ctx.db.updateTable('requests').set({ response_deadline: sql<Date>`now() - interval '1 second'` }).where('id', '=', request.id).execute();
    expect(await closeRequests(env.ctx, [request.id])).toBe(1);
    expect((await api('PUT', `/api/v1/responses/${undpResponse.body.id}/mark`, { token: mexico.token, body: { mark: 'exclude' } })).status).toBe(200);
    expect((await t.pages.mexico.get('/m/schedule-states')).html).toContain('The side meetings are being scheduled now.');
    expect(await line(t.pages.mexico)).toBe('Schedule states: the side meetings are being scheduled now.');
    expect((await t.pages.mexico.get(`/requests/${request.id}`)).html).toContain('The side meetings are being scheduled now.');
    expect((await stage()).stage).toBe('scheduling');

    // The run writes a draft: the parties are told the secretariat reviews it, the secretariat that it is to publish.
    const { changes } = await runMatching(env.ctx, marketplace.id, 'deadline');
    expect(changes.created).toBe(1);
    const page = (await t.pages.mexico.get('/m/schedule-states')).html;
    expect(page).toContain('The secretariat is reviewing the side-meeting schedule; each side is emailed its invitations when it is published.');
    expect(page).not.toContain('finds its invitations on its meetings page');
    expect((await t.pages.organizer.get('/m/schedule-states')).html).toContain('The side-meeting schedule is a draft: publish it on the timetable to send the invitations.');
    expect(await line(t.pages.mexico)).toBe('Schedule states: the secretariat is reviewing the schedule; you are emailed your invitations when it is published.');
    expect((await t.pages.iom.get(`/requests/${request.id}`)).html).toContain('The secretariat is reviewing the side-meeting schedule');
    expect((await t.pages.organizer.get(`/requests/${request.id}`)).html).toContain('The side-meeting schedule is a draft');
    expect((await stage()).stage).toBe('draft');
    const french = new PageClient(env.baseUrl);
    french.setCookie('fm_session', mexico.browserToken);
    french.setCookie('lang', 'fr');
    expect(await line(french)).toBeUndefined();
    expect((await french.get('/meetings')).html).toContain('Schedule states : le secrétariat vérifie le programme ; vous recevrez vos invitations par courriel dès sa publication.');

    // Published: the meeting is on Mexico's page; an organization without one is told so.
    expect((await api('POST', '/api/v1/marketplaces/schedule-states/schedule/publish', { token: organizer.token })).body).toMatchObject({ published: 1 });
    expect((await t.pages.mexico.get('/m/schedule-states')).html).toContain('The side meetings are scheduled; each side finds its invitations on its meetings page.');
    const mine = (await t.pages.mexico.get('/meetings')).html;
    expect(mine).toContain('Advice on remittance costs');
    expect(mine).not.toContain('No side meetings yet');
    // Its meeting there is the card: no line repeats that the schedule is published.
    expect(await line(t.pages.mexico)).toBeUndefined();
    expect(await line(t.pages.undp)).toBe('Schedule states: the schedule is published, with no meeting for your organization.');
    expect((await stage()).stage).toBe('scheduled');
    expect((await api('GET', '/api/v1/marketplaces/no-such-marketplace/schedule', {})).status).toBe(404);
  });

  it('a run the secretariat starts within the review window shows as a draft at once, and an organization with meetings elsewhere is told of it', async () => {
    const { api, env } = t;
    const { organizer, mexico, iom } = t.people;
    const lines = async () => [...(await t.pages.mexico.get('/meetings')).html.matchAll(/<li>(Early (?:one|two): [^<]*)<\/li>/g)].map((m) => m[1]);
    const stage = async (slug: string) => ((await api('GET', `/api/v1/marketplaces/${slug}/schedule`, {})).body as { stage: string }).stage;
    // Two marketplaces where Mexico asks and IOM offers: the first publishes its schedule at once, the second after the secretariat's review, its run 48 hours after the deadline.
    const one = await createTestMarketplace(env.ctx, organizer, { slug: 'early-one', name: 'Early one', sessions: [] });
    const two = await createTestMarketplace(env.ctx, organizer, { slug: 'early-two', name: 'Early two', meetingPublication: 'review', reviewHours: 48, sessions: [] });
    const requests = [];
    for (const { marketplace } of [one, two]) {
      const request = await publishedRequest(api, mexico, organizer, { title: `Advice for ${marketplace.name}`, category: 'advice', countries: ['MX'] }, marketplace.slug);
      expect((await api('POST', `/api/v1/requests/${request.id}/responses`, { token: iom.token, body: { ...sampleResponse, offerCategories: ['advice'] } })).status).toBe(201);
      await env.ctx.db.updateTable('marketplaces').set({ response_deadline: sql<Date>`now() - interval '1 second'` }).where('id', '=', marketplace.id).execute();
      await env.ctx.db.updateTable('requests').set({ response_deadline: sql<Date>`now() - interval '1 second'` }).where('id', '=', request.id).execute();
      expect(await closeRequests(env.ctx, [request.id])).toBe(1);
      requests.push(request);
    }
    expect((await runMatching(env.ctx, one.marketplace.id, 'deadline')).changes.created).toBe(1);
    // Mexico meets IOM in the first; the second waits for its review window to end.
    expect(await stage('early-two')).toBe('waiting');
    expect(await lines()).toEqual([expect.stringMatching(/^Early two: side meetings are scheduled after /)]);
    expect((await t.pages.mexico.get('/meetings')).html).toContain('Advice for Early one');

    // The pages that start a run say when the marketplace's own run comes, and that a run now does not see the marks made after it.
    const planned = /The matching runs by itself at [^<]*, when the requesters' time to mark the responses they prefer ends\. A run started now does not see the marks made after it/;
    expect((await t.pages.organizer.get('/organizer/marketplaces/early-two/timetable')).html.replace(/&#39;/g, "'")).toMatch(planned);
    expect((await t.pages.organizer.get('/organizer/marketplaces/early-two/matching-preview')).html.replace(/&#39;/g, "'")).toMatch(planned);
    expect((await t.pages.organizer.get('/organizer/marketplaces/early-one/timetable')).html.replace(/&#39;/g, "'")).not.toMatch(planned);
    // The secretariat runs the second early: a draft, before the window ends. The two forums share their days, and
    // the run leaves Mexico's and IOM's meeting in the first alone (the attendance constraint failed the run before).
    expect((await runMatching(env.ctx, two.marketplace.id, 'organizer', organizer.actor)).changes.created).toBe(1);
    const times = await env.ctx.db.selectFrom('meetings').select(['marketplace_id', 'starts_at', 'ends_at']).where('marketplace_id', 'in', [one.marketplace.id, two.marketplace.id]).execute();
    expect(times).toHaveLength(2);
    expect(times[0]!.starts_at < times[1]!.ends_at && times[1]!.starts_at < times[0]!.ends_at).toBe(false);
    // The secretariat's board offers no place for it at the time of the meeting in the first, either.
    const first = times.find((m) => m.marketplace_id === one.marketplace.id)!;
    const draft = await env.ctx.db.selectFrom('meetings').select('id').where('marketplace_id', '=', two.marketplace.id).executeTakeFirstOrThrow();
    const places = (await api('GET', `/api/v1/meetings/${draft.id}/places`, { token: organizer.token })).body.items as Array<{ startsAt: string }>;
    expect(places.length).toBeGreaterThan(0);
    expect(places.filter((p) => new Date(p.startsAt).getTime() === first.starts_at.getTime())).toEqual([]);
    expect(await stage('early-two')).toBe('draft');
    expect(await lines()).toEqual(['Early two: the secretariat is reviewing the schedule; you are emailed your invitations when it is published.']);
    expect((await t.pages.mexico.get('/m/early-two')).html).toContain('The secretariat is reviewing the side-meeting schedule');
    expect((await t.pages.iom.get(`/requests/${requests[1]!.id}`)).html).toContain('The secretariat is reviewing the side-meeting schedule');

    // Published within the window: scheduled, and both meetings are cards.
    expect((await api('POST', '/api/v1/marketplaces/early-two/schedule/publish', { token: organizer.token })).body).toMatchObject({ published: 1 });
    expect(await stage('early-two')).toBe('scheduled');
    expect(await lines()).toEqual([]);
    expect((await t.pages.mexico.get('/m/early-two')).html).toContain('The side meetings are scheduled; each side finds its invitations on its meetings page.');
  });
});

describe('the timetable before the deadline', () => {
  it('says by its run button that a run before the deadline has nothing to match, and not after it', async () => {
    const slug = 'nothing-closed-yet';
    await createTestMarketplace(t.env.ctx, t.people.organizer, { slug, name: 'Nothing closed yet', sessions: [] });
    const before = (await t.pages.organizer.get(`/organizer/marketplaces/${slug}/timetable`)).html;
    expect(before).toContain('aria-describedby="run-before-deadline"');
    expect(before).toContain('No request has closed yet, so a run now has nothing to match');
    // A request with an earlier deadline of its own closes: there is something to match.
    const request = await publishedRequest(t.api, t.people.bangladesh, t.people.organizer, { title: 'Closes early' }, slug);
    await t.env.ctx.db.updateTable('requests').set({ status: 'closed' }).where('id', '=', request.id).execute();
    expect((await t.pages.organizer.get(`/organizer/marketplaces/${slug}/timetable`)).html).not.toContain('nothing to match');
  });
});
