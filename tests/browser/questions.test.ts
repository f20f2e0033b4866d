import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { useTestEnvironment } from '../helpers/environment.ts';
import { publishedRequest, sampleResponse } from '../helpers/factories.ts';
import { launchBrowser, seriousAccessibilityViolations, snap } from '../helpers/browser.ts';

const t = useTestEnvironment({ cast: ['organizer', 'bangladesh', 'ilo', 'iom'], marketplace: true, workers: false });
let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

describe('questions and answers in the browser', () => {
  it('a provider asks on a phone without JavaScript, the requester answers and changes the answer in Spanish, and another provider reads both versions', async () => {
    const { organizer, bangladesh, ilo, iom } = t.people;
    const request = await publishedRequest(t.api, bangladesh, organizer, { title: 'Pre-departure orientation for labour attachés' });
    await t.api('POST', `/api/v1/requests/${request.id}/responses`, { token: iom.token, body: sampleResponse });

    // ILO asks on a 375 px phone with scripts off; a too-short question comes back with its text kept.
    const phone = await browser.newContext({ viewport: { width: 375, height: 740 }, javaScriptEnabled: false });
    await phone.addCookies([{ name: 'fm_session', value: ilo.browserToken, url: t.env.baseUrl, httpOnly: true, sameSite: 'Lax' }]);
    const asker = await phone.newPage();
    await asker.goto(`${t.env.baseUrl}/requests/${request.id}`);
    await asker.getByLabel('Your question').fill('Budget?');
    await asker.getByRole('button', { name: 'Send the question' }).click();
    expect(await asker.getByRole('alert').textContent()).toContain('must be at least 10 characters');
    expect(await asker.getByLabel('Your question').inputValue()).toBe('Budget?');
    await asker.getByLabel('Your question').fill('Does the ministry cover the travel of the participants, or should providers budget for it?');
    await asker.getByRole('button', { name: 'Send the question' }).click();
    await asker.waitForURL(/notice=asked/);
    expect(await asker.getByRole('status').first().textContent()).toContain('Your question is sent');
    expect(await asker.getByText('asked by your organization').isVisible()).toBe(true);
    expect(await asker.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await snap(asker, 'questions-01-asked-on-a-phone');

    // The requester answers in Spanish; the page never names ILO.
    const spanish = await browser.newContext({ locale: 'es-ES', extraHTTPHeaders: { 'accept-language': 'es' }, bypassCSP: true });
    await spanish.addCookies([{ name: 'fm_session', value: bangladesh.browserToken, url: t.env.baseUrl, httpOnly: true, sameSite: 'Lax' }]);
    const requester = await spanish.newPage();
    await requester.goto(`${t.env.baseUrl}/requests/${request.id}?lang=es#questions`);
    expect(await requester.getByRole('heading', { name: 'Preguntas y respuestas' }).isVisible()).toBe(true);
    expect(await requester.content()).not.toContain('International Labour Organization');
    await requester.getByLabel('Su respuesta, publicada para todos los proveedores').fill('The ministry covers its own officials; providers cover their experts.');
    await requester.getByRole('button', { name: 'Publicar la respuesta' }).click();
    await requester.waitForURL(/notice=answered/);
    await requester.getByText('Modificar la respuesta').click();
    await requester.getByLabel('Su respuesta, publicada para todos los proveedores').fill('The ministry covers its own officials and the venue; providers cover their experts.');
    await requester.getByRole('button', { name: 'Publicar la respuesta modificada' }).click();
    await requester.waitForURL(/notice=answered/);
    expect(await requester.locator('#questions').textContent()).toContain('· modificada');
    expect(await seriousAccessibilityViolations(requester)).toEqual([]);
    await snap(requester, 'questions-02-answered-es');

    // IOM reads the answer and, on asking, the earlier version.
    const reader = await (await browser.newContext({ bypassCSP: true })).newPage();
    await reader.context().addCookies([{ name: 'fm_session', value: iom.browserToken, url: t.env.baseUrl, httpOnly: true, sameSite: 'Lax' }]);
    await reader.goto(`${t.env.baseUrl}/requests/${request.id}#questions`);
    const section = reader.locator('#questions');
    expect(await section.textContent()).toContain('The ministry covers its own officials and the venue');
    expect(await section.textContent()).toContain('Answered by Ministry of Expatriates Welfare, Bangladesh');
    expect(await section.textContent()).not.toContain('asked by your organization');
    await reader.getByText('Earlier version of the answer (1)').click();
    expect(await reader.getByText('The ministry covers its own officials; providers cover their experts.').isVisible()).toBe(true);
    expect(await seriousAccessibilityViolations(reader)).toEqual([]);
    await snap(reader, 'questions-03-provider-reads');
    // For the closing note: the section alone.
    await section.screenshot({ path: 'tests/artifacts/screenshots/questions-section.png' });
  });
});
