/**
 * Languages, as the operator switches them: the built app in Chromium (browser mode), the
 * Display menu to Spanish; the navigation and the synoptic's labels change at once, numbers
 * take the decimal comma, a date shows in Spanish form, and the choice survives a reload.
 */
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { SiteView } from '../../core/common';
import type { AppProcess } from '../support/app-process';
import { ADMIN } from '../support/auth';
import { launchChromium } from '../support/browser';
import { DESKTOP, signInUi, startAppWithUsers, stopAll } from '../support/ui';
import { waitFor } from '../support/ws-client';

let app: AppProcess;
let browser: Browser;
let page: Page;
let site: SiteView;

describe('languages (browser mode, Chromium)', () => {
  before(async () => {
    const started = await startAppWithUsers();
    app = started.app;
    site = await started.boot.admin.call<SiteView>('site.get');
    await started.boot.admin.close();
    browser = await launchChromium();
    // an English browser: the app starts in English
    page = await browser.newPage({ viewport: DESKTOP, locale: 'en-GB' });
  });
  after(() => stopAll({ ctx: page, browser, app }));

  it('switches to Spanish live: navigation and synoptic labels change, numbers take the decimal comma', async () => {
    await signInUi(page, ADMIN, { url: app.url });
    const ess = site.assets.find((a) => a.nature === 'Ess');
    assert.ok(ess);
    const synoptic = page.getByTestId('synoptic');
    await synoptic.waitFor({ timeout: 20_000 });
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByText('Site overview').waitFor();
    assert.match((await synoptic.textContent()) ?? '', /AC BUSBAR/);
    assert.match((await page.getByTestId(`asset-${ess.id}`).textContent()) ?? '', /State of charge/);
    const soc = page.getByTestId(`value-${ess.id}/Soc`);
    await waitFor('SoC on screen', async () => ((await soc.getAttribute('data-quality')) === 'good' ? true : undefined), 20_000);
    assert.match((await soc.textContent()) ?? '', /^\d+\.\d/);

    await page.getByTestId('display-menu').click();
    await page.getByRole('menuitemradio', { name: 'Español' }).click();

    await page.getByRole('navigation', { name: 'Principal' }).getByText('Vista general').waitFor({ timeout: 5000 });
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'es');
    assert.match((await page.getByTestId('synoptic').textContent()) ?? '', /EMBARRADO CA/);
    const panel = (await page.getByTestId(`asset-${ess.id}`).textContent()) ?? '';
    assert.match(panel, /Estado de carga/);
    assert.match(panel, /Potencia/);
    assert.doesNotMatch(panel, /State of charge/);
    await waitFor('SoC with a decimal comma', async () => (/^\d+,\d/.test((await page.getByTestId(`value-${ess.id}/Soc`).textContent()) ?? '') ? true : undefined), 5000);
    assert.match((await page.getByTestId('sign-out').textContent()) ?? '', /Cerrar sesión/);
  });

  it('a date shows in Spanish form (day/month/year)', async () => {
    await page.getByRole('navigation', { name: 'Principal' }).getByText('Registro de auditoría').click();
    const firstRow = page.locator('[data-testid^="audit-row-"]').first();
    await firstRow.waitFor({ timeout: 20_000 });
    const cells = (await firstRow.locator('td').allTextContents()).map((c) => c.trim());
    assert.ok(cells.some((c) => /^\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}:\d{2}$/.test(c)), `a cell with a Spanish date (dd/mm/aaaa) in ${cells.join(' | ')}`);
    assert.ok(!cells.some((c) => /\d{4}-\d{2}-\d{2}/.test(c)), `no ISO date left in ${cells.join(' | ')}`);
  });

  it('is remembered for the user (a reload keeps Spanish), and switches back to English', async () => {
    await page.reload();
    await page.getByRole('navigation', { name: 'Principal' }).waitFor({ timeout: 20_000 });
    await page.getByTestId('display-menu').click();
    await page.getByRole('menuitemradio', { name: 'English' }).click();
    await page.getByRole('navigation', { name: 'Main' }).getByText('Site overview').waitFor({ timeout: 5000 });
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
  });
});
