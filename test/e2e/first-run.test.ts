/**
 * First run in browser mode (issue #16 item 7): a fresh installation asks for the administrator
 * (with the setup code the core printed), then the wizard shows the site it runs (the demo,
 * marked simulated) and lets the administrator choose language and theme; it is shown once.
 */
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startAppProcess, type AppProcess } from '../support/app-process';
import { ADMIN } from '../support/auth';
import { describeFindings, seriousViolations } from '../support/axe';
import { launchChromium } from '../support/browser';
import { DESKTOP, stopAll } from '../support/ui';

let app: AppProcess;
let browser: Browser;
let page: Page;

describe('first-run wizard (browser mode, Chromium)', () => {
  before(async () => {
    app = await startAppProcess([], 60_000);
    browser = await launchChromium();
    // bypassCSP: only so that the test can inject axe-core into the page
    page = await browser.newPage({ viewport: DESKTOP, locale: 'en-GB', bypassCSP: true });
  });
  after(() => stopAll({ ctx: page, browser, app }));

  it('creates the administrator, then shows the demo site and the display choices, once', async () => {
    assert.ok(app.setupToken, 'the core printed a setup code');
    await page.goto(app.url);
    await page.getByRole('heading', { name: 'First start: create the administrator' }).waitFor({ timeout: 20_000 });
    // required fields: their labels end with " *"
    await page.locator('input[autocomplete="new-password"]').nth(0).fill(ADMIN.password);
    await page.locator('input[autocomplete="new-password"]').nth(1).fill(ADMIN.password);
    await page.getByLabel('Setup code').fill(app.setupToken);
    await page.getByRole('button', { name: 'Create administrator' }).click();

    const wizard = page.getByTestId('first-run');
    await wizard.waitFor({ timeout: 20_000 });
    const siteStep = page.getByTestId('first-run-site');
    await page.waitForFunction(() => /runs the site “[^—]/.test(document.querySelector('[data-testid="first-run-site"]')?.textContent ?? ''), null, { timeout: 10_000 });
    assert.match((await siteStep.textContent()) ?? '', /demo site: every device is simulated/);
    assert.match((await siteStep.textContent()) ?? '', /--site FILE/);
    const f = await seriousViolations(page);
    assert.equal(f.length, 0, describeFindings('first-run wizard', f));

    await page.getByTestId('first-run-next').click();
    await page.getByTestId('first-run-language-es').click();
    // the switch is live: the wizard itself is in Spanish now
    await page.getByRole('button', { name: 'Terminar' }).waitFor({ timeout: 5000 });
    await page.getByTestId('first-run-finish').click();
    await wizard.waitFor({ state: 'detached' });
    await page.getByRole('navigation', { name: 'Principal' }).waitFor({ timeout: 5000 });

    // shown once: a reload signs in again without the wizard
    await page.reload();
    await page.getByRole('navigation', { name: 'Principal' }).waitFor({ timeout: 20_000 });
    await page.waitForTimeout(1000);
    assert.equal(await wizard.count(), 0);
  });
});
