import { describe, expect, it } from 'vitest';
import { createPublicKey, verify } from 'node:crypto';
import { useTestEnvironment } from '../helpers/environment.ts';
import { publishedRequest, sampleResponse } from '../helpers/factories.ts';
import { canonicalStatement, contentDigest } from '../../src/responses/receipts.ts';

const t = useTestEnvironment({ cast: ['organizer', 'bangladesh', 'ilo', 'iom'], marketplace: true, workers: false });

describe('receipts of responses', () => {
  it('a submission and an edit each get a signed receipt, emailed and downloadable; it verifies with the published key, and a changed byte fails', async () => {
    const { api, env } = t;
    const { organizer, bangladesh, ilo, iom } = t.people;
    const request = await publishedRequest(api, bangladesh, organizer, { title: 'Receipts for labour attachés training' });
    const created = await api('POST', `/api/v1/requests/${request.id}/responses`, { token: ilo.token, body: sampleResponse });
    expect(created.status).toBe(201);
    const responseId = created.body.id;

    const first = await api('GET', `/api/v1/responses/${responseId}/receipt`, { token: ilo.token });
    expect(first.status).toBe(200);
    expect(first.body.format).toBe('forum-marketplace-receipt/1');
    expect(first.body.receipt).toMatchObject({ marketplace: 'gfmd-2007', response: responseId, request: request.id, event: 'submitted', organization: 'International Labour Organization (ILO)' });
    // The time is the database clock's write time, and the digest is of what was submitted.
    const stored = await env.ctx.db.selectFrom('responses').select(['updated_at', 'summary', 'details', 'offer_categories', 'modality', 'languages', 'funding']).where('id', '=', responseId).executeTakeFirstOrThrow();
    expect(first.body.receipt.at).toBe(stored.updated_at.toISOString());
    expect(first.body.receipt.contentSha256).toBe(contentDigest({ summary: stored.summary, details: stored.details, offerCategories: stored.offer_categories, modality: stored.modality, languages: stored.languages, funding: stored.funding }));
    // An independent check with node:crypto and the published key alone.
    const key = await api('GET', '/api/v1/marketplaces/gfmd-2007/receipt-key', {});
    expect(key.status).toBe(200);
    expect(key.body.algorithm).toBe('Ed25519');
    expect(verify(null, Buffer.from(canonicalStatement(first.body.receipt)), createPublicKey(key.body.publicKey), Buffer.from(first.body.signature, 'base64url'))).toBe(true);

    // The verification API, signed in or not.
    expect((await api('POST', '/api/v1/receipts/verify', { body: first.body })).body).toEqual({ valid: true, reason: null });
    const changed = { ...first.body, receipt: { ...first.body.receipt, organization: 'International Labour Organisation (ILO)' } };
    expect((await api('POST', '/api/v1/receipts/verify', { body: changed })).body.valid).toBe(false);
    const otherDigest = { ...first.body, receipt: { ...first.body.receipt, contentSha256: first.body.receipt.contentSha256.replace(/^./, (c: string) => (c === 'a' ? 'b' : 'a')) } };
    expect((await api('POST', '/api/v1/receipts/verify', { body: otherDigest })).body).toMatchObject({ valid: false, reason: expect.stringContaining('signature does not match') });
    // Not a receipt at all: 422 naming the field.
    const malformed = await api('POST', '/api/v1/receipts/verify', { body: { format: 'forum-marketplace-receipt/1', receipt: { ...first.body.receipt, contentSha256: 'xyz' }, signature: first.body.signature } });
    expect(malformed.status).toBe(422);
    expect(JSON.stringify(malformed.body.errors)).toContain('receipt.contentSha256');

    // Emailed with the confirmation, as a JSON file.
    const outbox = (template: string) => env.ctx.db.selectFrom('outbox').select(['attachments']).where('template', '=', template).where('to_email', '=', ilo.email).executeTakeFirstOrThrow();
    const attached = (await outbox('response-submitted')).attachments.find((a) => a.contentType === 'application/json')!;
    expect(JSON.parse(attached.content)).toEqual(first.body);

    // An edit gets its own receipt and email; the requester and others do not read a provider's receipt.
    const edited = await api('PATCH', `/api/v1/responses/${responseId}`, { token: ilo.token, body: { summary: 'A two-week training of trainers, revised' } });
    expect(edited.status).toBe(200);
    const second = await api('GET', `/api/v1/responses/${responseId}/receipt`, { token: ilo.token });
    expect(second.body.receipt.event).toBe('edited');
    expect(second.body.receipt.contentSha256).not.toBe(first.body.receipt.contentSha256);
    expect(JSON.parse((await outbox('response-edited')).attachments[0]!.content)).toEqual(second.body);
    expect((await api('GET', `/api/v1/responses/${responseId}/receipt`, { token: iom.token })).status).toBe(404);
    expect((await api('GET', `/api/v1/responses/${responseId}/receipt`, { token: organizer.token })).status).toBe(200);

    // The public page says the same, in the reader's language.
    const page = t.anonymousPage();
    const ok = await page.post('/receipts/verify', { receipt: JSON.stringify(second.body, null, 2) }, { formPage: '/receipts/verify' });
    expect(ok.status).toBe(200);
    expect(ok.html).toContain('Valid.');
    const bad = await page.post('/receipts/verify', { receipt: JSON.stringify(first.body).replace('submitted', 'edited') }, { formPage: '/receipts/verify' });
    expect(bad.html).toContain('Not valid.');
    const notJson = await page.post('/receipts/verify', { receipt: 'hello' }, { formPage: '/receipts/verify' });
    expect(notJson.status).toBe(422);
    expect(notJson.html).toContain('is not the text of a receipt');
  });
});
