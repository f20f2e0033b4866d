import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { Browser } from 'playwright-core';
import { useTestEnvironment } from '../helpers/environment.ts';
import { meetingFor, passDeadline, publishedRequest, sampleResponse } from '../helpers/factories.ts';
import { launchBrowser, seriousAccessibilityViolations, snap } from '../helpers/browser.ts';
import { outcomeUrl } from '../../src/outcomes/outcomes.service.ts';

const t = useTestEnvironment({ cast: ['organizer', 'bangladesh', 'ilo'], marketplace: true, workers: false });
let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

describe('outcomes in the browser', () => {
  it('a provider answers from the emailed link on a phone without JavaScript, in French; the secretariat reads the funnel as a chart and tables', async () => {
    const { api, env } = t;
    const { organizer, bangladesh, ilo } = t.people;
    const request = await publishedRequest(api, bangladesh, organizer, { title: 'Pre-departure orientation for labour attachés' });
    const response = await api('POST', `/api/v1/requests/${request.id}/responses`, { token: ilo.token, body: sampleResponse });
    await passDeadline(env.ctx, [request.id]);
    await env.ctx.db.updateTable('requests').set({ status: 'matched', closed_at: sql`now()` }).where('id', '=', request.id).execute();
    const meeting = await meetingFor(env.ctx, {
      marketplaceId: t.marketplace.marketplace.id,
      requestId: request.id,
      responseId: response.body.id,
      requesterOrgId: bangladesh.organizationId!,
      providerOrgId: ilo.organizationId!,
      startsAt: new Date(Date.UTC(2020, 6, 10, 8, 0)),
    });

    // The link as the email gives it, opened on a phone with scripts off, in French.
    const phone = await browser.newContext({ viewport: { width: 375, height: 740 }, javaScriptEnabled: false, locale: 'fr-FR', extraHTTPHeaders: { 'accept-language': 'fr' } });
    const page = await phone.newPage();
    await page.goto(outcomeUrl(env.ctx, meeting.id, 'provider', 'cooperation_possible'));
    expect(await page.getByLabel('Coopération possible').isChecked()).toBe(true);
    await page.getByLabel('Quelque chose à ajouter, pour le secrétariat du Forum').fill('Un plan de formation commun d’ici mars.');
    await page.getByRole('button', { name: 'Enregistrer la réponse' }).click();
    expect(await page.getByRole('status').textContent()).toContain('votre réponse est enregistrée');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await snap(page, 'outcomes-01-answered-from-the-link-fr');

    // The secretariat's report: the funnel as a chart and tables, accessible.
    const secretariat = await browser.newContext({ bypassCSP: true });
    await secretariat.addCookies([{ name: 'fm_session', value: organizer.browserToken, url: env.baseUrl, httpOnly: true, sameSite: 'Lax' }]);
    const report = await secretariat.newPage();
    await report.goto(`${env.baseUrl}/organizer/marketplaces/gfmd-2007/report`);
    const chart = report.getByRole('img', { name: 'Outcomes: from requests to assistance' });
    expect(await chart.isVisible()).toBe(true);
    expect(await chart.textContent()).toContain('Cooperation possible');
    expect(await report.getByRole('table', { name: 'By category' }).textContent()).toContain('Training');
    expect(await seriousAccessibilityViolations(report)).toEqual([]);
    await report.locator('section[aria-labelledby="funnel-title"]').screenshot({ path: 'tests/artifacts/screenshots/outcomes-funnel.png' });
  });
});
