import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext } from 'playwright-core';
import { useTestEnvironment } from '../helpers/environment.ts';
import { publishedRequest, sampleResponse, type TestPerson, passDeadline } from '../helpers/factories.ts';
import { launchBrowser, snap } from '../helpers/browser.ts';
import { runMatching } from '../../src/meetings/matching-run.service.ts';

// The test runs the matching itself: with no workers, no sweep closes the requests beside it.
const t = useTestEnvironment({
  cast: ['organizer', 'bangladesh', 'mexico', 'ilo', 'iom'],
  marketplace: { rooms: ['Room A', 'Room B'], forumStartsAt: '2027-07-10', forumEndsAt: '2027-07-10', sideMeetingsFrom: '09:00', sideMeetingsUntil: '11:00' },
  workers: false,
});
let browser: Browser;

async function signedIn(person: TestPerson): Promise<BrowserContext> {
  const context = await browser.newContext();
  await context.addCookies([{ name: 'fm_session', value: person.browserToken, url: t.env.baseUrl, httpOnly: true, sameSite: 'Lax' }]);
  return context;
}

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

describe('side meetings in the browser', () => {
  it('a requester accepts its meeting, a provider declines another, and the organizer’s timetable shows it', async () => {
    const { organizer, bangladesh, mexico, ilo, iom } = t.people;
    const training = await publishedRequest(t.api, bangladesh, organizer, { title: 'Training for labour attachés', maxMatches: 1 });
    const remittances = await publishedRequest(t.api, mexico, organizer, { title: 'Remittance cost advice', category: 'advice', countries: ['MX'], maxMatches: 1 });
    await t.api('POST', `/api/v1/requests/${training.id}/responses`, { token: ilo.token, body: sampleResponse });
    await t.api('POST', `/api/v1/requests/${remittances.id}/responses`, { token: iom.token, body: { ...sampleResponse, summary: 'IOM on remittance corridors', offerCategories: ['advice'] } });
    await passDeadline(t.env.ctx, [training.id, remittances.id]);
    await runMatching(t.env.ctx, t.marketplace.marketplace.id, 'organizer');

    const requester = await (await signedIn(bangladesh)).newPage();
    await requester.goto(`${t.env.baseUrl}/meetings`);
    await expect.poll(() => requester.getByRole('heading', { name: 'International Labour Organization (ILO)' }).isVisible()).toBe(true);
    await snap(requester, 'meetings-01-requester-before');
    await requester.getByRole('button', { name: 'Accept the meeting with International Labour Organization (ILO)' }).click();
    await expect.poll(() => requester.getByRole('status').first().textContent()).toContain('You accepted the meeting');
    expect(await requester.getByText('Requester: accepted').isVisible()).toBe(true);
    await snap(requester, 'meetings-02-requester-accepted');

    const provider = await (await signedIn(iom)).newPage();
    await provider.goto(`${t.env.baseUrl}/meetings`);
    await provider.getByRole('button', { name: 'Decline the meeting with Secretaría de Relaciones Exteriores, Mexico' }).click();
    await expect.poll(() => provider.getByRole('status').first().textContent()).toContain('You declined the meeting');
    await snap(provider, 'meetings-03-provider-declined');

    const secretariat = await (await signedIn(organizer)).newPage();
    await secretariat.goto(`${t.env.baseUrl}/organizer/marketplaces/gfmd-2007/timetable`);
    const grid = secretariat.getByRole('table', { name: /Meetings on 2027-07-10/ });
    await expect.poll(() => grid.textContent()).toContain('Ministry of Expatriates Welfare, Bangladesh');
    expect(await grid.textContent()).not.toContain('Secretaría de Relaciones Exteriores, Mexico');
    await snap(secretariat, 'meetings-04-organizer-timetable');
  });
});
