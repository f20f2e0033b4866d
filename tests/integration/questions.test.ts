import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { useTestEnvironment } from '../helpers/environment.ts';
import { createPerson, publishedRequest, sampleRequest, sampleResponse } from '../helpers/factories.ts';
import { sendDigests } from '../../src/interests/interests.service.ts';
import { cacheChanged } from '../../src/shared/process-cache.ts';

const t = useTestEnvironment({ cast: ['organizer', 'bangladesh', 'mexico', 'ilo', 'iom', 'undp'], marketplace: true });

const subjectOf = (m: { parsed: { subject?: string | undefined } }) => m.parsed.subject ?? '';

describe('questions and answers on a request', () => {
  it('a provider asks; the requester answers; everyone reads the answer without learning who asked; those concerned are emailed or told in their digest', async () => {
    const { api, env } = t;
    const { organizer, bangladesh, ilo, iom, undp, mexico } = t.people;
    const request = await publishedRequest(api, bangladesh, organizer, { title: 'Questions on labour attachés training', sealedResponses: true });
    expect(request.questionDeadline).toBeTruthy();
    // IOM follows the request; UNDP responded and takes the daily digest; Mexico has nothing to do with it.
    await api('PUT', `/api/v1/requests/${request.id}/follow`, { token: iom.token });
    expect((await api('POST', `/api/v1/requests/${request.id}/responses`, { token: undp.token, body: sampleResponse })).status).toBe(201);
    await api('PUT', '/api/v1/me/interests', { token: undp.token, body: { categories: ['equipment'], digest: true } });

    const asked = await api('POST', `/api/v1/requests/${request.id}/questions`, { token: ilo.token, body: { text: 'Can the training be held in Bangla, or must it be in English?' } });
    expect(asked.status).toBe(201);
    expect(asked.body).toMatchObject({ requestId: request.id, askedByYourOrganization: true, answer: null, earlierAnswers: [] });
    expect(asked.body.askedBy).toBeUndefined();
    const questionId = asked.body.id;

    // The requester is told of the question, not who asked.
    const told = await env.mail.waitFor((m) => m.envelopeTo.includes(bangladesh.email) && /A question about your request/.test(subjectOf(m)));
    expect(told.parsed.text).toContain('Can the training be held in Bangla');
    expect(told.parsed.text).not.toMatch(/ILO|International Labour/);

    // Before it is answered: the asker, the requester and the secretariat see it; nobody else.
    const list = (token?: string) => api('GET', `/api/v1/requests/${request.id}/questions`, token ? { token } : {});
    expect((await list(iom.token)).body.items).toEqual([]);
    expect((await list()).body.items).toEqual([]);
    expect((await list(ilo.token)).body.items).toHaveLength(1);
    const asRequester = (await list(bangladesh.token)).body;
    expect(asRequester.items[0]).toMatchObject({ id: questionId, askedByYourOrganization: false });
    expect(asRequester.items[0].askedBy).toBeUndefined();
    expect(asRequester.questionsOpen).toBe(true);
    expect((await list(organizer.token)).body.items[0].askedBy).toMatchObject({ name: 'International Labour Organization (ILO)' });
    // The request's history, which the requester reads, does not name the asker either.
    const history = await env.ctx.db.selectFrom('audit_events').select(['actor_label']).where('entity', '=', 'request').where('entity_id', '=', request.id).execute();
    expect(history.map((h) => h.actor_label)).not.toContain(ilo.email);

    // Only the requester and the secretariat answer; bad input names the field.
    expect((await api('POST', `/api/v1/questions/${questionId}/answer`, { token: ilo.token, body: { text: 'Yes, in Bangla.' } })).status).toBe(403);
    expect((await api('POST', `/api/v1/questions/${questionId}/answer`, { token: mexico.token, body: { text: 'Yes, in Bangla.' } })).status).toBe(404);
    const empty = await api('POST', `/api/v1/questions/${questionId}/answer`, { token: bangladesh.token, body: { text: ' ' } });
    expect(empty.status).toBe(422);
    expect(empty.body.errors).toEqual([{ path: 'text', message: 'is required' }]);
    expect(empty.headers.get('content-type')).toContain('application/problem+json');

    const answered = await api('POST', `/api/v1/questions/${questionId}/answer`, { token: bangladesh.token, body: { text: 'Both: the first week in English, the second in Bangla.' } });
    expect(answered.status).toBe(200);
    expect(answered.body.answer).toMatchObject({ text: 'Both: the first week in English, the second in Bangla.', answeredBy: 'requester' });

    // Published: anyone who sees the request reads it, signed in or not, and never who asked.
    const published = (await list()).body.items;
    expect(published).toHaveLength(1);
    expect(published[0]).toMatchObject({ askedByYourOrganization: false, answer: { answeredBy: 'requester' } });
    expect(published[0].askedBy).toBeUndefined();
    expect((await list(iom.token)).body.items).toHaveLength(1);

    // Emailed at once to the asker and the follower; the digest reader waits for the digest; Mexico gets nothing.
    const toIom = await env.mail.waitFor((m) => m.envelopeTo.includes(iom.email) && /was answered/.test(subjectOf(m)));
    expect(toIom.parsed.text).toContain('Both: the first week in English');
    expect(toIom.parsed.text).toContain('Can the training be held in Bangla');
    await env.mail.waitFor((m) => m.envelopeTo.includes(ilo.email) && /was answered/.test(subjectOf(m)));
    expect(env.mail.to(undp.email).filter((m) => /answer/i.test(subjectOf(m)))).toHaveLength(0);
    expect(env.mail.to(mexico.email).filter((m) => /answer/i.test(subjectOf(m)))).toHaveLength(0);
    expect(await sendDigests(env.ctx, '2027-06-01')).toBe(1);
    const digest = await env.mail.waitFor((m) => m.envelopeTo.includes(undp.email) && /new answer/.test(subjectOf(m)));
    expect(digest.parsed.subject).toBe('1 new answer on requests you follow');
    expect(digest.parsed.text).toContain('Questions on labour attachés training: "Can the training be held in Bangla, or must it be in English?" was answered');

    // The secretariat changes the answer: a new version, the earlier one stays readable, and the people concerned hear of it.
    const changed = await api('POST', `/api/v1/questions/${questionId}/answer`, { token: organizer.token, body: { text: 'Both, and the materials come in both languages.' } });
    expect(changed.status).toBe(200);
    expect(changed.body.answer).toMatchObject({ text: 'Both, and the materials come in both languages.', answeredBy: 'secretariat' });
    expect(changed.body.earlierAnswers).toEqual([expect.objectContaining({ text: 'Both: the first week in English, the second in Bangla.', answeredBy: 'requester' })]);
    await env.mail.waitFor((m) => m.envelopeTo.includes(iom.email) && /An answer was changed/.test(subjectOf(m)));
    // The same text again is no new version.
    const again = await api('POST', `/api/v1/questions/${questionId}/answer`, { token: organizer.token, body: { text: 'Both, and the materials come in both languages.' } });
    expect(again.body.earlierAnswers).toHaveLength(1);

    // The requester cannot ask on its own request.
    expect((await api('POST', `/api/v1/requests/${request.id}/questions`, { token: bangladesh.token, body: { text: 'A question to ourselves, for once?' } })).status).toBe(403);
  });

  it('a question after the question deadline is refused, with the deadline in both time zones; a request may close questions earlier, never later', async () => {
    const { api, env } = t;
    const { organizer, bangladesh, iom } = t.people;
    const request = await publishedRequest(api, bangladesh, organizer, { title: 'A request whose questions close early' });
    // The marketplace's default: 7 days before the response deadline.
    const marketplace = await api('GET', '/api/v1/marketplaces/gfmd-2007', {});
    expect(marketplace.body.questionDays).toBe(7);
    expect(new Date(request.responseDeadline).getTime() - new Date(request.questionDeadline).getTime()).toBe(7 * 24 * 3600_000);

    const later = await api('PATCH', `/api/v1/requests/${request.id}`, { token: bangladesh.token, body: { questionDeadline: request.responseDeadline } });
    expect(later.status).toBe(422);
    expect(later.body.errors[0]).toMatchObject({ path: 'questionDeadline', message: expect.stringContaining('must not be later than') });
    const earlier = new Date(Date.now() + 3 * 24 * 3600_000).toISOString();
    const moved = await api('PATCH', `/api/v1/requests/${request.id}`, { token: bangladesh.token, body: { questionDeadline: earlier } });
    expect(moved.status).toBe(200);
    expect(new Date(moved.body.questionDeadline).getTime()).toBe(new Date(earlier).getTime());

    // Past the deadline (the database clock decides).
    await env.ctx.db.updateTable('requests').set({ question_deadline: sql<Date>`now() - interval '1 minute'` }).where('id', '=', request.id).execute();
    await env.ctx.db.updateTable('users').set({ time_zone: 'America/New_York' }).where('id', '=', iom.id).execute();
    cacheChanged(env.ctx, 'actors');
    const late = await api('POST', `/api/v1/requests/${request.id}/questions`, { token: iom.token, body: { text: 'Is there still time to ask about the budget?' } });
    expect(late.status).toBe(409);
    expect(late.body.type).toContain('questions-closed');
    expect(late.body.detail).toMatch(/Europe\/Brussels.*America\/New_York.*your time/);
    expect((await env.ctx.db.selectFrom('request_questions').select('id').where('request_id', '=', request.id).execute()).length).toBe(0);
    expect((await api('GET', `/api/v1/requests/${request.id}/questions`, {})).body.questionsOpen).toBe(false);

    // The page says so too, in the reader's language, with the question kept.
    const page = t.pageAs(iom, { 'accept-language': 'fr' });
    await env.ctx.db.updateTable('users').set({ locale: 'fr' }).where('id', '=', iom.id).execute();
    cacheChanged(env.ctx, 'actors');
    const view = await page.get(`/requests/${request.id}`);
    expect(view.html).toContain('Les questions ont été closes le');
    expect(view.html).not.toContain('name="question"');
    await env.ctx.db.updateTable('users').set({ locale: 'en', time_zone: null }).where('id', '=', iom.id).execute();
    cacheChanged(env.ctx, 'actors');
  });

  it('on the pages: a provider asks (the form kept on a mistake), the requester answers, and a pending member sees no more than a stranger', async () => {
    const { api, env } = t;
    const { organizer, bangladesh } = t.people;
    const request = await publishedRequest(api, bangladesh, organizer, { title: 'Questions asked on the pages' });

    const asker = t.pages.iom;
    const short = await asker.post(`/requests/${request.id}/questions`, { question: 'Why?' }, { formPage: `/requests/${request.id}` });
    expect(short.status).toBe(422);
    // Named by its label, not by the form's field name.
    expect(short.html).toContain('Your question: must be at least 10 characters');
    expect(short.html).toMatch(/<textarea id="question" name="question"[^>]*>Why\?<\/textarea>/);
    const sent = await asker.post(`/requests/${request.id}/questions`, { question: 'Which districts do the attachés come from?' }, { formPage: `/requests/${request.id}` });
    expect(sent.status).toBe(303);
    const mine = await asker.get(`/requests/${request.id}`);
    expect(mine.html).toContain('Which districts do the attachés come from?');
    expect(mine.html).toContain('asked by your organization');

    // A pending member of IOM, and a visitor, see nothing of an unanswered question.
    const pending = await createPerson(env.ctx, { email: 'claims-questions@iom.int', organization: { name: 'International Organization for Migration (IOM)', kind: 'intergovernmental' }, membership: 'pending' });
    expect((await t.pageAs(pending).get(`/requests/${request.id}`)).html).not.toContain('Which districts');
    expect((await t.anonymousPage().get(`/requests/${request.id}`)).html).not.toContain('Which districts');
    expect((await t.pages.ilo.get(`/requests/${request.id}`)).html).not.toContain('Which districts');

    const question = await env.ctx.db.selectFrom('request_questions').select('id').where('request_id', '=', request.id).executeTakeFirstOrThrow();
    const requesterPage = t.pages.bangladesh;
    const view = await requesterPage.get(`/requests/${request.id}`);
    expect(view.html).toContain('Which districts');
    expect(view.html).not.toContain('International Organization for Migration');
    const field = `answer-${question.id}`;
    const blank = await requesterPage.post(`/questions/${question.id}/answer`, { [field]: '' }, { formPage: `/requests/${request.id}` });
    expect(blank.status).toBe(422);
    expect(blank.html).toContain(`href="#${field}"`);
    expect(blank.html).toContain('Your answer: is required');
    expect(blank.html).not.toContain(`${field}:`);
    const done = await requesterPage.post(`/questions/${question.id}/answer`, { [field]: 'Sylhet, Chittagong and Comilla.' }, { formPage: `/requests/${request.id}` });
    expect(done.status).toBe(303);
    const seen = await t.anonymousPage().get(`/requests/${request.id}`);
    expect(seen.html).toContain('Which districts');
    expect(seen.html).toContain('Sylhet, Chittagong and Comilla.');
    expect(seen.html).toContain('Answered by Ministry of Expatriates Welfare, Bangladesh');
    expect((await t.pages.ilo.get(`/requests/${request.id}`)).html).not.toContain('asked by your organization');
    // The requester closes questions earlier on the edit form; later than the default is refused beside the field.
    const edit = `/requests/${request.id}/edit`;
    const form = { title: 'Questions asked on the pages', category: 'training', themes: '1.2', description: sampleRequest.description, expectedOutcome: sampleRequest.expectedOutcome, countries: 'Bangladesh', languages: 'English', maxMatches: '3', responseDeadlineDate: '', responseDeadlineTime: '17:00' };
    const tooLate = await requesterPage.post(edit, { ...form, questionDeadlineDate: request.responseDeadline.slice(0, 10), questionDeadlineTime: '17:00' }, { formPage: edit });
    expect(tooLate.status).toBe(422);
    expect(tooLate.html).toMatch(/id="questionDeadlineDate-error"[^>]*>.*must not be later than/s);
    const soon = new Date(Date.now() + 2 * 24 * 3600_000).toISOString().slice(0, 10);
    expect((await requesterPage.post(edit, { ...form, questionDeadlineDate: soon, questionDeadlineTime: '12:00' }, { formPage: edit })).status).toBe(303);
    const stored = await env.ctx.db.selectFrom('requests').select('question_deadline').where('id', '=', request.id).executeTakeFirstOrThrow();
    expect(stored.question_deadline).not.toBeNull();
    expect((await requesterPage.get(edit)).html).toContain(`value="${soon}"`);
  });
});
