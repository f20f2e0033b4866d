import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { useTestEnvironment } from '../helpers/environment.ts';
import { publishedRequest, sampleResponse } from '../helpers/factories.ts';
import { launchBrowser, seriousAccessibilityViolations, snap } from '../helpers/browser.ts';

const t = useTestEnvironment({ cast: ['organizer', 'bangladesh', 'ilo'], marketplace: true, workers: false });
let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

describe('a receipt in the browser', () => {
  it('a provider downloads its receipt from the request page; anyone checks it on the public page; a changed character fails', async () => {
    const { api, env } = t;
    const { organizer, bangladesh, ilo } = t.people;
    const request = await publishedRequest(api, bangladesh, organizer, { title: 'Pre-departure orientation for labour attachés' });
    await api('POST', `/api/v1/requests/${request.id}/responses`, { token: ilo.token, body: sampleResponse });

    const context = await browser.newContext({ acceptDownloads: true, bypassCSP: true });
    await context.addCookies([{ name: 'fm_session', value: ilo.browserToken, url: env.baseUrl, httpOnly: true, sameSite: 'Lax' }]);
    const provider = await context.newPage();
    await provider.goto(`${env.baseUrl}/requests/${request.id}`);
    const [download] = await Promise.all([provider.waitForEvent('download'), provider.getByRole('link', { name: 'Download the receipt' }).click()]);
    const receipt = await (await import('node:fs/promises')).readFile((await download.path())!, 'utf8');
    expect(JSON.parse(receipt).receipt.event).toBe('submitted');

    // Anyone, not signed in, checks it.
    const visitor = await (await browser.newContext({ bypassCSP: true })).newPage();
    await visitor.goto(`${env.baseUrl}/receipts/verify`);
    await visitor.getByLabel('The receipt (the whole JSON file)').fill(receipt);
    await visitor.getByRole('button', { name: /Check/ }).click();
    expect(await visitor.getByText('Valid.').isVisible()).toBe(true);
    expect(await seriousAccessibilityViolations(visitor)).toEqual([]);
    await snap(visitor, 'receipts-01-valid');
    await visitor.getByLabel('The receipt (the whole JSON file)').fill(receipt.replace('International Labour Organization', 'International Labour Organisation'));
    await visitor.getByRole('button', { name: /Check/ }).click();
    expect(await visitor.getByText('Not valid.').isVisible()).toBe(true);
    await snap(visitor, 'receipts-02-changed-fails');
  });
});
