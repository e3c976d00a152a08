/**
 * The shell's commands in browser mode (the desktop menu sends the same ones over IPC): the
 * keyboard shortcuts change screens, F1 opens the help of the screen shown, and About lists the
 * version and every bundled library with the version and licence of the installed package;
 * both dialogs pass axe-core, and the help follows the language.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { AppProcess } from '../support/app-process';
import { ADMIN } from '../support/auth';
import { describeFindings, seriousViolations } from '../support/axe';
import { launchChromium } from '../support/browser';
import { DESKTOP, signInUi, startAppWithUsers, stopAll } from '../support/ui';

const ROOT = join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; dependencies: Record<string, string> };
const installed = (name: string): { version: string; license: string } => JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string; license: string };

let app: AppProcess;
let browser: Browser;
let page: Page;

describe('shell commands, help and About (browser mode, Chromium)', () => {
  before(async () => {
    const started = await startAppWithUsers();
    app = started.app;
    await started.boot.admin.close();
    browser = await launchChromium();
    // bypassCSP: only so that the test can inject axe-core into the page
    page = await browser.newPage({ viewport: DESKTOP, locale: 'en-GB', reducedMotion: 'reduce', bypassCSP: true });
  });
  after(() => stopAll({ ctx: page, browser, app }));

  it('Ctrl+2 opens the alarm list, Ctrl+1 the overview; F1 opens the help of the screen shown', async () => {
    await signInUi(page, ADMIN, { url: app.url });
    await page.getByTestId('synoptic').waitFor({ timeout: 20_000 });
    await page.locator('main#main').focus();
    await page.keyboard.press('Control+2');
    await page.waitForFunction(() => window.location.hash === '#/alarms', null, { timeout: 5000 });
    await page.keyboard.press('F1');
    const help = page.getByTestId('screen-help');
    await help.waitFor({ timeout: 5000 });
    assert.equal(await help.getAttribute('data-route'), 'alarms');
    assert.match((await help.textContent()) ?? '', /The active alarms, highest priority first/);
    assert.match((await page.locator('#help-title').textContent()) ?? '', /^Help: Alarms/);
    const f = await seriousViolations(page);
    assert.equal(f.length, 0, describeFindings('help dialog', f));
    await page.getByRole('button', { name: 'Close' }).click();
    await help.waitFor({ state: 'detached' });
    await page.keyboard.press('Control+1');
    await page.waitForFunction(() => window.location.hash === '#/overview', null, { timeout: 5000 });
  });

  it('About lists the version and each bundled library with its installed version and licence', async () => {
    await page.getByTestId('display-menu').click();
    await page.getByTestId('menu-about').click();
    await page.getByTestId('about-libraries').waitFor({ timeout: 10_000 });
    // the Display menu has closed (axe must not see it fading out)
    await page.getByTestId('theme-day').waitFor({ state: 'detached', timeout: 5000 });
    assert.equal((await page.getByTestId('about-version').textContent())?.trim(), `ES Manager ${pkg.version}`);
    const rows = page.locator('[data-testid^="about-lib-"]');
    assert.equal(await rows.count(), Object.keys(pkg.dependencies).length, 'one row per dependency of package.json');
    for (const name of ['better-sqlite3', 'i18next', 'react', 'zod']) {
      const cells = (await page.getByTestId(`about-lib-${name}`).locator('td').allTextContents()).map((c) => c.trim());
      const p = installed(name);
      assert.deepEqual(cells, [name, p.version, p.license], name);
    }
    assert.match((await page.getByTestId('about').textContent()) ?? '', /Browser mode · core on Node\.js \d+\.\d+/);
    const f = await seriousViolations(page);
    assert.equal(f.length, 0, describeFindings('About dialog', f));
    await page.getByRole('button', { name: 'Close' }).click();
  });

  it('the help follows the language (Spanish)', async () => {
    await page.getByTestId('display-menu').click();
    await page.getByRole('menuitemradio', { name: 'Español' }).click();
    await page.keyboard.press('F1');
    const help = page.getByTestId('screen-help');
    await help.waitFor({ timeout: 5000 });
    assert.match((await help.textContent()) ?? '', /El sitio de un vistazo/);
    assert.match((await page.locator('#help-title').textContent()) ?? '', /^Ayuda: Vista general/);
    await page.getByRole('button', { name: 'Cerrar' }).click();
    // back to English for the user (the preference is stored per user)
    await page.getByTestId('display-menu').click();
    await page.getByRole('menuitemradio', { name: 'English' }).click();
  });
});
