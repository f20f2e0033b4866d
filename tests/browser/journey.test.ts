import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { DateTime } from 'luxon';
import { useTestEnvironment } from '../helpers/environment.ts';
import { launchBrowser, scrollsSideways, seriousAccessibilityViolations, snap } from '../helpers/browser.ts';

// They sign in through the pages; the development mailbox shows them their links.
const t = useTestEnvironment({ cast: ['organizer', 'bangladesh', 'ilo', 'iom'], devMailbox: true });
let browser: Browser;
const problems: string[] = [];

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

/** Signs in through the pages: the login form, the development mailbox, the link, the button. */
async function signIn(email: string): Promise<Page> {
  const context = await browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  await page.goto(`${t.env.baseUrl}/login`);
  await page.getByLabel('Email address').fill(email);
  const before = t.env.mail.to(email).length;
  await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
  await t.env.mail.waitFor((m) => m.envelopeTo.includes(email) && t.env.mail.to(email).indexOf(m) >= before);
  await page.getByRole('link', { name: 'development mailbox' }).click();
  await page.getByRole('row', { name: new RegExp(email.replace('.', '\\.')) }).first().getByRole('link').click();
  await page.getByRole('link', { name: /\/auth\/callback\?token=/ }).click();
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/auth/'));
  return page;
}

/** Accessibility and small-screen checks of a page a person uses. */
async function check(page: Page, name: string): Promise<void> {
  for (const v of await seriousAccessibilityViolations(page)) problems.push(`${name}: ${v}`);
  const size = page.viewportSize()!;
  await page.setViewportSize({ width: 375, height: 800 });
  if (await scrollsSideways(page)) problems.push(`${name}: scrolls sideways at 375 px`);
  await page.setViewportSize(size);
}

describe('the whole journey through the pages', () => {
  it('organizer opens the marketplace, a focal point posts, two providers respond, the worker matches, a party accepts from the email', async () => {
    // The secretariat opens the marketplace, its deadline 90 s away (Brussels time, with seconds): room
    // for the posting, publishing and two responses below on a busy machine.
    const organizer = await signIn('secretariat@gfmd.test');
    await organizer.goto(`${t.env.baseUrl}/organizer/marketplaces/new`);
    const deadline = DateTime.now().setZone('Europe/Brussels').plus({ seconds: 90 });
    const opens = DateTime.now().setZone('Europe/Brussels').minus({ days: 1 });
    await organizer.getByLabel('Name', { exact: true }).fill('GFMD 2007 Brussels');
    await organizer.getByLabel('Address').fill('gfmd-2007');
    await organizer.getByLabel('Time zone of the forum').selectOption('Europe/Brussels');
    await organizer.getByLabel('Opens on').fill(opens.toFormat('yyyy-LL-dd'));
    await organizer.getByLabel('at', { exact: true }).fill('09:00');
    await organizer.getByLabel('Providers respond by').fill(deadline.toFormat('yyyy-LL-dd'));
    await organizer.getByLabel('at (close of business)').fill(deadline.toFormat('HH:mm:ss'));
    await organizer.getByLabel('First forum day').fill('2027-07-10');
    await organizer.getByLabel('Last forum day').fill('2027-07-10');
    // The matching runs right after the deadline in this journey: no review window.
    await organizer.getByLabel('Review window, in hours').fill('0');
    await organizer.getByLabel(/^Rooms/).fill('Room A\nRoom B');
    // The agenda, row by row: a session, and the ILO's role in it picked from the list.
    const session = organizer.getByRole('group', { name: 'Session 1', exact: true });
    await session.getByLabel('Code').fill('1.2');
    await session.getByLabel('Title').fill('Temporary labour migration');
    await session.getByLabel('Date').fill('2027-07-10');
    await session.getByLabel('Start').fill('15:00');
    await session.getByLabel('End').fill('18:00');
    const role = organizer.getByRole('group', { name: 'Role 1', exact: true });
    await role.getByLabel('Session').fill('1.2');
    // The organization by its name, as the field suggests it from the registered organizations.
    expect(await organizer.locator('datalist#organization-names option[value="International Labour Organization (ILO)"]').count()).toBe(1);
    await role.getByLabel('Organization').fill('International Labour Organization (ILO)');
    await role.getByLabel('Role').selectOption({ label: 'speaker' });
    await check(organizer, 'marketplace form');
    await snap(organizer, 'journey-a1-new-marketplace');
    await organizer.getByRole('button', { name: 'Create the marketplace' }).click();
    await organizer.waitForURL(`${t.env.baseUrl}/m/gfmd-2007`);
    const agenda = (await t.api('GET', '/api/v1/marketplaces/gfmd-2007')).body.sessions;
    expect(agenda).toEqual([expect.objectContaining({ code: '1.2', title: 'Temporary labour migration', roles: [expect.objectContaining({ organizationName: 'International Labour Organization (ILO)', role: 'speaker' })] })]);

    // A focal point posts a request.
    const focal = await signIn('focal@mole.gov.bd');
    await focal.goto(`${t.env.baseUrl}/m/gfmd-2007/requests/new`);
    await focal.getByLabel('Title').fill('Pre-departure orientation for migrant workers');
    await focal.getByLabel('Category').selectOption({ label: 'Training' });
    await focal.getByLabel(/^1\.2: Temporary labour migration/).check();
    await focal.getByLabel('What do you need?').fill('Training of trainers for the pre-departure orientation of workers leaving for the Gulf states.');
    await focal.getByLabel('Expected outcome').fill('Three hundred trainers certified by the end of 2008.');
    await focal.getByLabel('Countries').fill('Bangladesh');
    await focal.getByLabel('Languages').fill('English');
    await focal.getByLabel('Number of providers to meet').fill('1');
    await check(focal, 'request form');
    await focal.getByRole('button', { name: 'Submit the request' }).click();
    await focal.waitForURL(/\/requests\/[0-9a-f-]+\?notice=submitted$/);
    const requestUrl = focal.url().split('?')[0]!;
    await snap(focal, 'journey-a2-request-submitted');

    // The organizer publishes it.
    await organizer.goto(`${t.env.baseUrl}/m/gfmd-2007?status=submitted`);
    await check(organizer, 'moderation list');
    await organizer.getByRole('link', { name: 'Pre-departure orientation for migrant workers' }).click();
    await organizer.getByRole('button', { name: 'Publish' }).click();
    await expect.poll(() => organizer.getByRole('status').first().textContent()).toContain('The request is published');

    // Two providers respond.
    for (const [email, summary] of [
      ['focal@ilo.org', 'ILO pre-departure orientation curriculum'],
      ['focal@iom.int', 'IOM orientation for departing workers'],
    ] as const) {
      const provider = await signIn(email);
      await provider.goto(requestUrl);
      await check(provider, 'request page (provider)');
      await provider.getByRole('link', { name: 'Respond to this request' }).click();
      await provider.getByLabel('What you offer, in one line').fill(summary);
      await provider.getByLabel('How you would help').fill('A two-week training of trainers in Dhaka, with the ministry, and the material handed over.');
      await provider.getByLabel('Training').check();
      await provider.getByLabel('How', { exact: true }).selectOption({ label: 'In person' });
      await provider.getByLabel('Languages').fill('English');
      await provider.getByLabel('Funding').selectOption({ label: 'We cover the costs' });
      await check(provider, 'response form');
      await provider.getByRole('button', { name: 'Submit the response' }).click();
      await expect.poll(() => provider.getByRole('status').first().textContent()).toContain('Your response is submitted');
      await snap(provider, `journey-a3-responded-${email.split('@')[1]!.split('.')[0]}`);
    }

    // The deadline passes; the worker closes the request and runs the matching.
    await expect
      .poll(async () => (await t.env.ctx.db.selectFrom('meetings').select('id').where('status', '=', 'proposed').execute()).length, { timeout: 120_000, interval: 1000 })
      .toBe(1);

    // The marketplace reviews before sending (the default): the secretariat checks the draft, then publishes it.
    await organizer.goto(`${t.env.baseUrl}/organizer/marketplaces/gfmd-2007/timetable`);
    await expect.poll(() => organizer.getByRole('status').first().textContent()).toContain('1 meeting is a draft');
    await check(organizer, 'timetable with a draft');
    await snap(organizer, 'journey-a4-draft-timetable');
    await organizer.getByRole('button', { name: 'Publish and send the invitations' }).click();
    await expect.poll(() => organizer.getByRole('status').first().textContent()).toContain('Published: 1 meeting is now shown');

    // Both parties find the meeting in the page and in the mail viewer.
    await focal.goto(`${t.env.baseUrl}/meetings`);
    await expect.poll(() => focal.getByRole('heading', { level: 2 }).first().textContent()).toMatch(/International (Labour|Organization)/);
    const provider = (await focal.getByRole('heading', { level: 2 }).first().textContent())!;
    await check(focal, 'meetings page');
    await snap(focal, 'journey-a4b-requester-meetings');
    const providerEmail = provider.includes('Labour') ? 'focal@ilo.org' : 'focal@iom.int';
    const providerPage = await signIn(providerEmail);
    await providerPage.goto(`${t.env.baseUrl}/meetings`);
    expect(await providerPage.getByRole('heading', { name: 'Ministry of Expatriates Welfare, Bangladesh' }).isVisible()).toBe(true);
    await t.env.mail.waitFor((m) => m.envelopeTo.includes(providerEmail) && /Accept or decline/.test(m.parsed.subject ?? ''));
    await providerPage.goto(`${t.env.baseUrl}/dev/mail`);
    await providerPage.getByRole('row', { name: new RegExp(`${providerEmail.replace('.', '\\.')}.*Accept or decline`) }).first().getByRole('link').click();
    expect(await providerPage.getByRole('heading', { name: /invite\.ics/ }).isVisible()).toBe(true);
    await snap(providerPage, 'journey-a5-invitation-in-mail-viewer');

    // The provider accepts from the email's link.
    await providerPage.getByRole('link', { name: /\/meetings\/[0-9a-f-]+\/answer\/provider\// }).click();
    await providerPage.getByRole('button', { name: 'Accept the meeting' }).click();
    await expect.poll(() => providerPage.getByRole('status').first().textContent()).toContain('You accepted the meeting');
    await snap(providerPage, 'journey-a6-accepted-from-email');
    const meeting = await t.env.ctx.db.selectFrom('meetings').select(['provider_answer']).where('status', '=', 'proposed').executeTakeFirstOrThrow();
    expect(meeting.provider_answer).toBe('accepted');

    await organizer.goto(`${t.env.baseUrl}/organizer/marketplaces/gfmd-2007/timetable`);
    await check(organizer, 'timetable');
    await snap(organizer, 'journey-a7-timetable');
    expect(problems).toEqual([]);
  }, 180_000);
});
