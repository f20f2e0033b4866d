import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { useTestEnvironment } from '../helpers/environment.ts';
import { Kysely, PostgresDialect } from 'kysely';
import { createPerson, publishedRequest, sampleResponse, passDeadline } from '../helpers/factories.ts';
import type { Database } from '../../db/types.ts';
import { resolveSession } from '../../src/auth/auth.service.ts';
import { createResponse, responseToJson } from '../../src/responses/responses.service.ts';
import { createResponseBody } from '../../src/responses/responses.schemas.ts';

const t = useTestEnvironment({ cast: ['organizer', 'bangladesh', 'ilo', 'iom'], marketplace: true });

describe('responding to a request', () => {
  it('a verified provider responds once; a second response from its organization gets 409 pointing at the first', async () => {
    const request = await publishedRequest(t.api, t.people.bangladesh, t.people.organizer, { title: 'Request for a first response' });
    const first = await t.api('POST', `/api/v1/requests/${request.id}/responses`, { token: t.people.ilo.token, body: sampleResponse });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ status: 'submitted', organization: { name: 'International Labour Organization (ILO)' }, offerCategories: ['training', 'capacity_building'] });
    expect((await t.api('GET', `/api/v1/requests/${request.id}`)).body.responseCount).toBe(1);

    const second = await t.api('POST', `/api/v1/requests/${request.id}/responses`, { token: t.people.ilo.token, body: { ...sampleResponse, summary: 'A second try at responding' } });
    expect(second.status).toBe(409);
    expect(second.body.type).toContain('already-responded');
    expect(second.headers.get('location')).toBe(`/api/v1/responses/${first.body.id}`);

    await t.env.mail.waitFor((m) => m.envelopeTo.includes('focal@mole.gov.bd') && /International Labour Organization \(ILO\) responded to "Request for a first response"/.test(m.parsed.subject ?? ''));
    await t.env.mail.waitFor((m) => m.envelopeTo.includes('focal@ilo.org') && m.parsed.subject === 'Your response to "Request for a first response" is submitted');
  });

  it('names bad fields; a pending organization and the requester itself cannot respond', async () => {
    const request = await publishedRequest(t.api, t.people.bangladesh, t.people.organizer, { title: 'Request for refusal checks' });
    const bad = await t.api('POST', `/api/v1/requests/${request.id}/responses`, { token: t.people.iom.token, body: { ...sampleResponse, modality: 'telepathy', offerCategories: [], languages: ['xx'] } });
    expect(bad.status).toBe(422);
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['languages.0', 'modality', 'offerCategories']);
    const pendingNgo = await createPerson(t.env.ctx, { email: 'focal@ngo.example', organization: { name: 'Migrant Rights NGO', kind: 'ngo', status: 'pending' } });
    expect((await t.api('POST', `/api/v1/requests/${request.id}/responses`, { token: pendingNgo.token, body: sampleResponse })).status).toBe(403);
    const own = await t.api('POST', `/api/v1/requests/${request.id}/responses`, { token: t.people.bangladesh.token, body: sampleResponse });
    expect(own.status).toBe(403);
    expect(own.body.detail).toMatch(/its own request/);
    expect((await t.api('POST', `/api/v1/requests/${request.id}/responses`, { body: sampleResponse })).status).toBe(401);
  });

  it('providers never see each other’s responses; the requester and organizers see them all', async () => {
    const request = await publishedRequest(t.api, t.people.bangladesh, t.people.organizer, { title: 'Request for visibility checks' });
    const iloResponse = await t.api('POST', `/api/v1/requests/${request.id}/responses`, { token: t.people.ilo.token, body: sampleResponse });
    const iomResponse = await t.api('POST', `/api/v1/requests/${request.id}/responses`, { token: t.people.iom.token, body: { ...sampleResponse, summary: 'IOM offers its MIDA experience' } });

    const seenByIom = await t.api('GET', `/api/v1/requests/${request.id}/responses`, { token: t.people.iom.token });
    expect(seenByIom.body.items.map((r: { id: string }) => r.id)).toEqual([iomResponse.body.id]);
    expect((await t.api('GET', `/api/v1/responses/${iloResponse.body.id}`, { token: t.people.iom.token })).status).toBe(404);
    expect((await t.api('GET', `/api/v1/responses/${iloResponse.body.id}`)).status).toBe(401);
    expect((await t.api('PATCH', `/api/v1/responses/${iloResponse.body.id}`, { token: t.people.iom.token, body: { summary: 'Taken over by IOM' } })).status).toBe(404);

    const seenByRequester = await t.api('GET', `/api/v1/requests/${request.id}/responses`, { token: t.people.bangladesh.token });
    expect(seenByRequester.body.items.map((r: { id: string }) => r.id).sort()).toEqual([iloResponse.body.id, iomResponse.body.id].sort());
    const seenByOrganizer = await t.api('GET', `/api/v1/requests/${request.id}/responses`, { token: t.people.organizer.token });
    expect(seenByOrganizer.body.items).toHaveLength(2);
    // The requester cannot change a provider's response.
    expect((await t.api('PATCH', `/api/v1/responses/${iloResponse.body.id}`, { token: t.people.bangladesh.token, body: { summary: 'Changed by the requester' } })).status).toBe(403);
  });

  it('a sealed request shows the requester its responses only after the close, and emails no content before', async () => {
    const request = await publishedRequest(t.api, t.people.bangladesh, t.people.organizer, { title: 'Sealed request', sealedResponses: true });
    await t.api('POST', `/api/v1/requests/${request.id}/responses`, { token: t.people.ilo.token, body: sampleResponse });
    const before = await t.api('GET', `/api/v1/requests/${request.id}/responses`, { token: t.people.bangladesh.token });
    expect(before.body).toMatchObject({ items: [], sealedUntilClose: true });
    await t.env.ctx.db.updateTable('requests').set({ response_deadline: sql`now() - interval '1 second'`, status: 'closed' }).where('id', '=', request.id).execute();
    const after = await t.api('GET', `/api/v1/requests/${request.id}/responses`, { token: t.people.bangladesh.token });
    expect(after.body.items).toHaveLength(1);
    await t.env.mail.waitFor((m) => m.envelopeTo.includes('focal@ilo.org') && /Sealed request/.test(m.parsed.subject ?? ''));
    expect(t.env.mail.to('focal@mole.gov.bd').filter((m) => /responded to "Sealed request"/.test(m.parsed.subject ?? ''))).toHaveLength(0);
  });

  it('a draft is not counted or shown to the requester until it is submitted', async () => {
    const request = await publishedRequest(t.api, t.people.bangladesh, t.people.organizer, { title: 'Request for a draft' });
    const draft = await t.api('POST', `/api/v1/requests/${request.id}/responses`, { token: t.people.iom.token, body: { ...sampleResponse, draft: true } });
    expect(draft.status).toBe(201);
    expect(draft.body.status).toBe('draft');
    expect(draft.body.submittedAt).toBeNull();
    expect((await t.api('GET', `/api/v1/requests/${request.id}`)).body.responseCount).toBe(0);
    expect((await t.api('GET', `/api/v1/requests/${request.id}/responses`, { token: t.people.bangladesh.token })).body.items).toEqual([]);
    const submitted = await t.api('POST', `/api/v1/responses/${draft.body.id}/submit`, { token: t.people.iom.token });
    expect(submitted.body.status).toBe('submitted');
    expect((await t.api('GET', `/api/v1/requests/${request.id}`)).body.responseCount).toBe(1);
    expect((await t.api('POST', `/api/v1/responses/${draft.body.id}/submit`, { token: t.people.iom.token })).status).toBe(409);
  });

  it('a provider edits and withdraws its response until the deadline, not after', async () => {
    const request = await publishedRequest(t.api, t.people.bangladesh, t.people.organizer, { title: 'Request for edits' });
    const response = await t.api('POST', `/api/v1/requests/${request.id}/responses`, { token: t.people.ilo.token, body: sampleResponse });
    const edited = await t.api('PATCH', `/api/v1/responses/${response.body.id}`, { token: t.people.ilo.token, body: { modality: 'remote', languages: ['en', 'bn'] } });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ modality: 'remote', languages: ['en', 'bn'], summary: sampleResponse.summary });
    const withdrawn = await t.api('POST', `/api/v1/responses/${response.body.id}/withdraw`, { token: t.people.ilo.token });
    expect(withdrawn.body.status).toBe('withdrawn');
    expect((await t.api('GET', `/api/v1/requests/${request.id}`)).body.responseCount).toBe(0);
    const resubmitted = await t.api('POST', `/api/v1/responses/${response.body.id}/submit`, { token: t.people.ilo.token });
    expect(resubmitted.body.status).toBe('submitted');

    await passDeadline(t.env.ctx, [request.id]);
    const late = await t.api('PATCH', `/api/v1/responses/${response.body.id}`, { token: t.people.ilo.token, body: { summary: 'A late change to the summary' } });
    expect(late.status).toBe(409);
    expect(late.body.type).toContain('deadline-passed');
    expect((await t.api('POST', `/api/v1/responses/${response.body.id}/withdraw`, { token: t.people.ilo.token })).status).toBe(409);
    const lateNew = await t.api('POST', `/api/v1/requests/${request.id}/responses`, { token: t.people.iom.token, body: sampleResponse });
    expect(lateNew.status).toBe(409);
    expect(lateNew.body.type).toContain('deadline-passed');
    expect((await t.api('GET', `/api/v1/responses/${response.body.id}`, { token: t.people.ilo.token })).body.summary).toBe(sampleResponse.summary);
  });

  it('lists a provider’s own responses across requests', async () => {
    const ids: string[] = [];
    for (const title of ['Request listed in my responses', 'Another request listed in my responses']) {
      const request = await publishedRequest(t.api, t.people.bangladesh, t.people.organizer, { title });
      ids.push((await t.api('POST', `/api/v1/requests/${request.id}/responses`, { token: t.people.iom.token, body: sampleResponse })).body.id);
    }
    const mine = await t.api('GET', '/api/v1/me/responses', { token: t.people.iom.token });
    expect(mine.status).toBe(200);
    expect(mine.body.items.map((r: { id: string }) => r.id)).toEqual(expect.arrayContaining(ids));
    expect(mine.body.items.every((r: { organization: { name: string } }) => r.organization.name === 'International Organization for Migration (IOM)')).toBe(true);
  });

  it('pages a provider’s responses with limit and cursor, soonest deadline first, and refuses a parameter an operation does not have', async () => {
    for (const n of [1, 2, 3, 4, 5]) {
      const request = await publishedRequest(t.api, t.people.bangladesh, t.people.organizer, { title: `Request ${n} of the paged responses` });
      expect((await t.api('POST', `/api/v1/requests/${request.id}/responses`, { token: t.people.iom.token, body: sampleResponse })).status).toBe(201);
    }
    // Every response of IOM, in the order the pages must give them (deadlines shared to the microsecond, then by id).
    const expected = (
      await sql<{ id: string }>`SELECT s.id FROM responses s JOIN requests r ON r.id = s.request_id WHERE s.organization_id = ${t.people.iom.organizationId} ORDER BY r.response_deadline, s.id`.execute(t.env.ctx.db)
    ).rows.map((r) => r.id);
    expect(expected.length).toBeGreaterThanOrEqual(5);
    const walked: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: { items: Array<{ id: string }>; nextCursor: string | null } } = await t.api('GET', `/api/v1/me/responses?limit=2${cursor ? `&cursor=${cursor}` : ''}`, { token: t.people.iom.token });
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      walked.push(...page.body.items.map((r) => r.id));
      cursor = page.body.nextCursor;
    } while (cursor && walked.length <= expected.length);
    expect(walked).toEqual(expected);
    // Before, `limit` was ignored: every response came in one answer, and nextCursor was always null.
    const two = await t.api('GET', '/api/v1/me/responses?limit=2', { token: t.people.iom.token });
    expect({ items: two.body.items.length, more: typeof two.body.nextCursor }).toEqual({ items: 2, more: 'string' });
    expect((await t.api('GET', '/api/v1/me/responses?limit=0', { token: t.people.iom.token })).body.errors).toEqual([{ path: 'limit', message: 'must be at least 1' }]);
    expect((await t.api('GET', '/api/v1/me/responses?cursor=nope', { token: t.people.iom.token })).body.errors).toEqual([{ path: 'cursor', message: 'is not a cursor from a previous page' }]);
    expect((await t.api('GET', '/api/v1/me/responses?page=2', { token: t.people.iom.token })).body.errors).toEqual([{ path: 'page', message: 'is not a known field' }]);
    // An operation that takes no parameter says so by name, rather than answering as if it had not been sent.
    const unknown = await t.api('GET', '/api/v1/me?limit=20', { token: t.people.iom.token });
    expect(unknown.status).toBe(422);
    expect(unknown.body.errors).toEqual([{ path: 'limit', message: 'is not a known field' }]);
  });
});

describe('follows and interests', () => {
  it('a provider follows a request and sets its interests; bad interests are named', async () => {
    const request = await publishedRequest(t.api, t.people.bangladesh, t.people.organizer, { title: 'Request to follow' });
    expect((await t.api('PUT', `/api/v1/requests/${request.id}/follow`, { token: t.people.iom.token })).body).toEqual({ following: true });
    expect(await t.env.ctx.db.selectFrom('request_follows').select('user_id').where('request_id', '=', request.id).execute()).toEqual([{ user_id: t.people.iom.id }]);
    expect((await t.api('DELETE', `/api/v1/requests/${request.id}/follow`, { token: t.people.iom.token })).body).toEqual({ following: false });

    const set = await t.api('PUT', '/api/v1/me/interests', { token: t.people.iom.token, body: { categories: ['training'], themes: ['1.2'], countries: ['bd'], digest: true, timeZone: 'Europe/Zurich' } });
    expect(set.status).toBe(200);
    expect(set.body).toEqual({ categories: ['training'], themes: ['1.2'], countries: ['BD'], digest: true, timeZone: 'Europe/Zurich' });
    const bad = await t.api('PUT', '/api/v1/me/interests', { token: t.people.iom.token, body: { categories: ['weapons'], countries: ['XX'], timeZone: 'Mars/Olympus' } });
    expect(bad.status).toBe(422);
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['categories.0', 'countries.0', 'timeZone']);
  });
});

describe('the response form and the request page, as a first-time user meets them', () => {
  it('does not fill in the request\'s languages as the provider\'s, shows them by name, and a closed request no longer says "so far"', async () => {
    const { api, people } = t;
    const { organizer, bangladesh, iom } = people;
    const request = await publishedRequest(api, bangladesh, organizer, { title: 'Languages shown by name', languages: ['bn', 'en'] });
    const page = t.pages.iom;
    const form = await page.get(`/requests/${request.id}/respond`);
    expect(form.status).toBe(200);
    expect(form.html).toMatch(/<input id="languages" name="languages" type="text" value=""/);
    expect(form.html).toContain('The request is in: Bengali, English.');
    const created = await api('POST', `/api/v1/requests/${request.id}/responses`, { token: iom.token, body: { ...sampleResponse, languages: ['fr', 'en'] } });
    expect(created.status).toBe(201);
    const edit = await page.get(`/responses/${created.body.id}/edit`);
    expect(edit.html).toContain('value="French, English"');
    expect((await t.pages.bangladesh.get(`/requests/${request.id}`)).html).toContain('1 response so far.');
    await passDeadline(t.env.ctx, [request.id]);
    await t.env.ctx.db.updateTable('requests').set({ status: 'closed' }).where('id', '=', request.id).execute();
    const closed = (await t.pages.bangladesh.get(`/requests/${request.id}`)).html;
    expect(closed).not.toContain('so far');
    expect(closed).toContain('1 response.');
  });

  it('a response that waited for the request lock while the deadline passed is refused: the deadline is checked on the clock read once the lock is held', async () => {
    const request = await publishedRequest(t.api, t.people.bangladesh, t.people.organizer, { title: 'Request locked over its deadline' });
    await t.env.ctx.db.updateTable('requests').set({ response_deadline: sql<Date>`now() + interval '1 second'` }).where('id', '=', request.id).execute();
    const actor = (await resolveSession(t.env.ctx, t.people.iom.token, 'api'))!;
    // Another transaction holds the request's lock (as a response or an edit would) past the deadline.
    const blocker = await t.env.ctx.pool.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('SELECT id FROM requests WHERE id = $1 FOR NO KEY UPDATE', [request.id]);
      const attempt = createResponse(t.env.ctx, actor, request.id, createResponseBody.parse(sampleResponse)).then(
        () => 'written',
        (error: { status?: number; type?: string }) => `${error.status} ${error.type}`,
      );
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await blocker.query('COMMIT');
      expect(await attempt).toBe('409 deadline-passed');
    } finally {
      blocker.release();
    }
    const stored = await t.env.ctx.db.selectFrom('responses').select('id').where('request_id', '=', request.id).execute();
    expect(stored).toEqual([]);
  });

  it('a submission is five statements (the response and its count in one, its records of itself in one before the commit); the answer is what a read returns; a refusal writes nothing', async () => {
    const request = await publishedRequest(t.api, t.people.bangladesh, t.people.organizer, { title: 'Request for a counted submission' });
    const statements: string[] = [];
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: t.env.ctx.pool }), log: (event) => void (event.level === 'query' && statements.push(event.query.sql)) });
    const counted = { ...t.env.ctx, db };
    const actor = (await resolveSession(t.env.ctx, t.people.iom.token, 'api'))!;
    const written = await createResponse(counted, actor, request.id, createResponseBody.parse(sampleResponse));
    expect(statements.map((s) => s.trim().split(/\s+/)[0]!.toLowerCase())).toEqual(['begin', 'select', 'with', 'with', 'commit']);
    expect(statements[2]).toMatch(/insert into responses.*update requests set response_count = response_count \+ 1/is);
    // The last writes the audit row, the receipt and both emails.
    expect(statements[3]).toMatch(/"later_audit_events" as \(insert into "audit_events".*"later_response_receipts" as \(insert into "response_receipts".*insert into "outbox"/s);
    const read = await t.api('GET', `/api/v1/responses/${written.id}`, { token: t.people.iom.token });
    expect(responseToJson(written, written.time_zone)).toEqual(read.body);
    // Counted once, by the statement that wrote it; the requester's email says so.
    expect((await t.api('GET', `/api/v1/requests/${request.id}`, { token: t.people.bangladesh.token })).body.responseCount).toBe(1);
    expect(await db.selectFrom('audit_events').select('action').where('entity_id', '=', written.id).execute()).toEqual([{ action: 'create' }]);
    expect(await db.selectFrom('response_receipts').select('response_id').where('response_id', '=', written.id).execute()).toHaveLength(1);
    expect(await db.selectFrom('outbox').select('template').where('idempotency_key', 'like', `%:${written.id}:%`).orderBy('template').execute()).toEqual([{ template: 'response-received' }, { template: 'response-submitted' }]);

    // The requester cannot respond to its own request: nothing of the attempt is stored. Counted among
    // what the requester and this request have: the worker meanwhile audits what it closes elsewhere.
    const stored = async () => ({
      audits: (await db.selectFrom('audit_events').select(sql<number>`count(*)::int`.as('n')).where('actor_id', '=', t.people.bangladesh.id).executeTakeFirstOrThrow()).n,
      responses: (await db.selectFrom('responses').select(sql<number>`count(*)::int`.as('n')).where('request_id', '=', request.id).executeTakeFirstOrThrow()).n,
    });
    const before = await stored();
    const own = (await resolveSession(t.env.ctx, t.people.bangladesh.token, 'api'))!;
    await expect(createResponse(counted, own, request.id, createResponseBody.parse(sampleResponse))).rejects.toMatchObject({ status: 403 });
    expect(await stored()).toEqual(before);
    // Nor its count.
    expect((await t.api('GET', `/api/v1/requests/${request.id}`, { token: t.people.bangladesh.token })).body.responseCount).toBe(1);
  });
});
