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

    // The provider answers on a phone, without JavaScript, in French: decline with a reason after a
    // confirmation, take it back, then decline for good.
    const phone = await browser.newContext({ viewport: { width: 375, height: 740 }, javaScriptEnabled: false, locale: 'fr-FR', extraHTTPHeaders: { 'accept-language': 'fr' } });
    await phone.addCookies([{ name: 'fm_session', value: iom.browserToken, url: t.env.baseUrl, httpOnly: true, sameSite: 'Lax' }]);
    const provider = await phone.newPage();
    provider.setDefaultTimeout(8000);
    await provider.goto(`${t.env.baseUrl}/meetings?lang=fr`);
    expect(await provider.getByRole('link', { name: 'S’abonner dans votre agenda' }).getAttribute('href')).toMatch(/^webcal:\/\/.+\/calendar\/.+\.ics$/);
    expect(await provider.getByText('Contact du demandeur').first().isVisible()).toBe(true);
    await provider.getByRole('link', { name: 'Refuser… la réunion avec Secretaría de Relaciones Exteriores, Mexico' }).click();
    await expect.poll(() => provider.getByRole('heading', { level: 1 }).textContent()).toContain('Refuser la réunion avec Secretaría de Relaciones Exteriores, Mexico ?');
    await provider.getByLabel('Pourquoi vous refusez').fill('Notre experte ne peut pas venir ce jour-là.');
    await snap(provider, 'meetings-03-provider-decline-confirm');
    await provider.getByRole('button', { name: 'Oui, refuser la réunion' }).click();
    await expect.poll(() => provider.getByRole('status').first().textContent()).toContain('Vous avez refusé la réunion');
    expect(await provider.getByText('Notre experte ne peut pas venir ce jour-là.').isVisible()).toBe(true);
    await snap(provider, 'meetings-04-provider-declined');
    await provider.getByRole('button', { name: 'Accepter à nouveau la réunion avec Secretaría de Relaciones Exteriores, Mexico' }).click();
    await expect.poll(() => provider.getByRole('status').first().textContent()).toContain('Vous avez accepté la réunion');
    await provider.getByRole('link', { name: 'Refuser… la réunion avec Secretaría de Relaciones Exteriores, Mexico' }).click();
    await provider.getByRole('button', { name: 'Oui, refuser la réunion' }).click();
    await expect.poll(() => provider.getByRole('status').first().textContent()).toContain('Vous avez refusé la réunion');

    // The meeting's own page, in Spanish, with its calendar file.
    const spanish = await browser.newContext({ locale: 'es-ES', extraHTTPHeaders: { 'accept-language': 'es' } });
    await spanish.addCookies([{ name: 'fm_session', value: bangladesh.browserToken, url: t.env.baseUrl, httpOnly: true, sameSite: 'Lax' }]);
    const reader = await spanish.newPage();
    await reader.goto(`${t.env.baseUrl}/meetings?lang=es`);
    await reader.getByRole('link', { name: 'International Labour Organization (ILO)' }).first().click();
    await expect.poll(() => reader.getByRole('heading', { level: 1 }).textContent()).toContain('Reunión paralela con International Labour Organization (ILO)');
    expect(await reader.getByText('Contacto del proveedor').isVisible()).toBe(true);
    const download = await reader.request.get(`${t.env.baseUrl}${await reader.getByRole('link', { name: /Archivo de calendario/ }).getAttribute('href')}`);
    expect(download.headers()['content-type']).toContain('text/calendar');
    expect(await download.text()).toContain('STATUS:TENTATIVE');
    await snap(reader, 'meetings-05-meeting-page-es');

    // The same pages on a 375 px phone (with scripts, to measure): nothing wider than the screen.
    const measured = await (await browser.newContext({ viewport: { width: 375, height: 740 } })).newPage();
    await measured.context().addCookies([{ name: 'fm_session', value: iom.browserToken, url: t.env.baseUrl, httpOnly: true, sameSite: 'Lax' }]);
    for (const path of ['/meetings', `/meetings/${(await t.api('GET', '/api/v1/meetings', { token: iom.token })).body.items[0].id}`]) {
      await measured.goto(`${t.env.baseUrl}${path}`);
      expect(await measured.evaluate(() => document.documentElement.scrollWidth), path).toBeLessThanOrEqual(375);
    }

    const secretariat = await (await signedIn(organizer)).newPage();
    await secretariat.goto(`${t.env.baseUrl}/organizer/marketplaces/gfmd-2007/timetable`);
    const grid = secretariat.getByRole('table', { name: /Meetings on Sat 10 Jul 2027/ });
    await expect.poll(() => grid.textContent()).toContain('Ministry of Expatriates Welfare, Bangladesh');
    expect(await grid.textContent()).not.toContain('Secretaría de Relaciones Exteriores, Mexico');
    await snap(secretariat, 'meetings-06-organizer-timetable');

    // The secretariat pins the meeting from its page: a plain form (CSRF token in it), the badge and the button change, nobody is emailed.
    const outboxBefore = (await t.env.ctx.db.selectFrom('outbox').select('id').execute()).length;
    await grid.getByRole('link', { name: /Move or remove.*Bangladesh/ }).click();
    await secretariat.getByRole('button', { name: 'Pin the meeting' }).click();
    await expect.poll(() => secretariat.locator('main').textContent()).toContain('Pinned: no matching run moves this meeting.');
    expect(await secretariat.getByRole('button', { name: 'Unpin the meeting' }).count()).toBe(1);
    const pinned = await t.env.ctx.db.selectFrom('meetings').select(['pinned']).where('requester_org_id', '=', bangladesh.organizationId).where('status', 'in', ['proposed', 'confirmed']).execute();
    expect(pinned).toEqual([{ pinned: true }]);
    await snap(secretariat, 'meetings-07-pinned');
    await secretariat.getByRole('button', { name: 'Unpin the meeting' }).click();
    await expect.poll(() => secretariat.getByRole('button', { name: 'Pin the meeting' }).count()).toBe(1);
    expect((await t.env.ctx.db.selectFrom('outbox').select('id').execute()).length).toBe(outboxBefore);
  // A journey of five browser contexts and some thirty pages: 16 s alone, over 30 s on a machine whose
  // other test files run beside it (a CI run timed out at 30.5 s).
  }, 90_000);
});
