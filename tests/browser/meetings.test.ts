import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { Browser, BrowserContext } from 'playwright-core';
import { startTestEnvironment, type TestEnvironment } from '../helpers/environment.ts';
import { apiClient } from '../helpers/http.ts';
import { createTestMarketplace, publishedRequest, sampleResponse, type TestPerson, castMember } from '../helpers/factories.ts';
import { launchBrowser, snap } from '../helpers/browser.ts';
import { runMatching } from '../../src/meetings/matching-run.service.ts';

let env: TestEnvironment;
let browser: Browser;
let organizer: TestPerson;
let bangladesh: TestPerson;
let mexico: TestPerson;
let ilo: TestPerson;
let iom: TestPerson;

async function signedIn(person: TestPerson): Promise<BrowserContext> {
  const context = await browser.newContext();
  await context.addCookies([{ name: 'fm_session', value: person.browserToken, url: env.baseUrl, httpOnly: true, sameSite: 'Lax' }]);
  return context;
}

beforeAll(async () => {
  env = await startTestEnvironment({ organizers: ['secretariat@gfmd.test'] });
  const api = apiClient(env.baseUrl);
  organizer = await castMember(env.ctx, 'organizer');
  bangladesh = await castMember(env.ctx, 'bangladesh');
  mexico = await castMember(env.ctx, 'mexico');
  ilo = await castMember(env.ctx, 'ilo');
  iom = await castMember(env.ctx, 'iom');
  const { marketplace } = await createTestMarketplace(env.ctx, organizer, { rooms: ['Room A', 'Room B'], forumStartsAt: '2027-07-10', forumEndsAt: '2027-07-10', sideMeetingsFrom: '09:00', sideMeetingsUntil: '11:00' });
  const training = await publishedRequest(api, bangladesh, organizer, { title: 'Training for labour attachés', maxMatches: 1 });
  const remittances = await publishedRequest(api, mexico, organizer, { title: 'Remittance cost advice', category: 'advice', countries: ['MX'], maxMatches: 1 });
  await api('POST', `/api/v1/requests/${training.id}/responses`, { token: ilo.token, body: sampleResponse });
  await api('POST', `/api/v1/requests/${remittances.id}/responses`, { token: iom.token, body: { ...sampleResponse, summary: 'IOM on remittance corridors', offerCategories: ['advice'] } });
  // The deadline passes.
  await env.ctx.db.updateTable('requests').set({ response_deadline: sql`now() - interval '1 second'` }).where('marketplace_id', '=', marketplace.id).execute();
  await runMatching(env.ctx, marketplace.id, 'organizer');
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await env?.close();
});

describe('side meetings in the browser', () => {
  it('a requester accepts its meeting, a provider declines another, and the organizer’s timetable shows it', async () => {
    const requester = await (await signedIn(bangladesh)).newPage();
    await requester.goto(`${env.baseUrl}/meetings`);
    await expect.poll(() => requester.getByRole('heading', { name: 'International Labour Organization (ILO)' }).isVisible()).toBe(true);
    await snap(requester, 'meetings-01-requester-before');
    await requester.getByRole('button', { name: 'Accept the meeting with International Labour Organization (ILO)' }).click();
    await expect.poll(() => requester.getByRole('status').first().textContent()).toContain('You accepted the meeting');
    expect(await requester.getByText('Requester: accepted').isVisible()).toBe(true);
    await snap(requester, 'meetings-02-requester-accepted');

    const provider = await (await signedIn(iom)).newPage();
    await provider.goto(`${env.baseUrl}/meetings`);
    await provider.getByRole('button', { name: 'Decline the meeting with Secretaría de Relaciones Exteriores, Mexico' }).click();
    await expect.poll(() => provider.getByRole('status').first().textContent()).toContain('You declined the meeting');
    await snap(provider, 'meetings-03-provider-declined');

    const secretariat = await (await signedIn(organizer)).newPage();
    await secretariat.goto(`${env.baseUrl}/organizer/marketplaces/gfmd-2007/timetable`);
    const grid = secretariat.getByRole('table', { name: /Meetings on 2027-07-10/ });
    await expect.poll(() => grid.textContent()).toContain('Ministry of Expatriates Welfare, Bangladesh');
    expect(await grid.textContent()).not.toContain('Secretaría de Relaciones Exteriores, Mexico');
    await snap(secretariat, 'meetings-04-organizer-timetable');
  });
});
