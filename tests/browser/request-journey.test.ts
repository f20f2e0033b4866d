import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { useTestEnvironment } from '../helpers/environment.ts';
import { createPerson } from '../helpers/factories.ts';
import { launchBrowser, snap } from '../helpers/browser.ts';
import { linkIn } from '../helpers/http.ts';

const t = useTestEnvironment({ marketplace: true });
let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

describe('a focal point posts a request in the browser', () => {
  it('signs in by emailed link, fixes a mistake in the form and sees the request awaiting moderation', async () => {
    // The ministry is registered and verified; its focal point has never signed in on this browser.
    await createPerson(t.env.ctx, { email: 'focal.point@mole.gov.bd', organization: { name: 'Ministry of Labour and Employment, Bangladesh', kind: 'government', country: 'BD' } });
    const page = await browser.newPage();
    await page.goto(`${t.env.baseUrl}/login`);
    await page.getByLabel('Email address').fill('focal.point@mole.gov.bd');
    await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Check your email' }).isVisible()).toBe(true);
    await snap(page, 'journey-01-check-email');

    const mail = await t.env.mail.waitFor((m) => m.envelopeTo.includes('focal.point@mole.gov.bd'));
    await page.goto(linkIn(mail.parsed.text ?? '', `${t.env.baseUrl}/auth/callback`));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${t.env.baseUrl}/m/gfmd-2007`);
    await snap(page, 'journey-02-marketplace');

    await page.getByRole('link', { name: 'Post a request' }).click();
    await page.getByLabel('Title').fill('Pre-departure orientation for migrant workers');
    await page.getByLabel('Category').selectOption({ label: 'Training' });
    await page.getByLabel(/^1\.2: Temporary labour migration/).check();
    await page.getByLabel('What do you need?').fill('Training.');
    await page.getByLabel('Expected outcome').fill('Three hundred trainers certified by the end of 2008.');
    await page.getByLabel('Countries').fill('Bangladesh');
    await page.getByLabel('Languages').fill('English, Bengali');
    await page.getByLabel('Number of providers to meet').fill('2');
    await page.getByRole('button', { name: 'Submit the request' }).click();

    const summary = page.getByRole('alert');
    await expect.poll(() => summary.isVisible()).toBe(true);
    expect(await summary.textContent()).toContain('What do you need: must be at least 20 characters');
    expect(await page.getByLabel('Title').inputValue()).toBe('Pre-departure orientation for migrant workers');
    expect(await page.getByLabel(/^1\.2: Temporary labour migration/).isChecked()).toBe(true);
    await snap(page, 'journey-03-form-error');

    await page.getByRole('link', { name: /What do you need: must be at least 20 characters/ }).click();
    await page.getByLabel('What do you need?').fill('Training of trainers for the pre-departure orientation of workers leaving for the Gulf states.');
    await page.getByRole('button', { name: 'Submit the request' }).click();

    await page.waitForURL(/\/requests\/[0-9a-f-]+\?notice=submitted$/);
    await expect.poll(() => page.getByRole('status').first().textContent()).toContain('awaits moderation');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Pre-departure orientation for migrant workers');
    expect(await page.locator('.badge').first().textContent()).toBe('submitted');
    await snap(page, 'journey-04-awaiting-moderation');
    await page.close();
  });
});
