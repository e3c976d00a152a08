/**
 * Accessibility, as axe-core sees it: every screen of the built app in Chromium (browser
 * mode), signed in as the administrator (who sees every screen), with no serious or critical
 * violation of the WCAG 2.x A/AA rules and axe's best practices.
 */
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { SiteView } from '../../core/common';
import type { AppProcess } from '../support/app-process';
import { ADMIN, OPERATOR } from '../support/auth';
import { describeFindings, seriousViolations } from '../support/axe';
import { launchChromium } from '../support/browser';
import { DESKTOP, signInUi, startAppWithUsers, stopAll } from '../support/ui';

let app: AppProcess;
let browser: Browser;
let page: Page;
let site: SiteView;

/** Every screen reachable from the navigation, and the detail page of an asset. */
const SCREENS = ['overview', 'devices', 'points', 'simulator', 'alarms', 'alarm-history', 'alarm-definitions', 'trends', 'plan', 'kpi', 'study', 'history', 'audit', 'admin'];

describe('accessibility (axe-core over every screen)', () => {
  before(async () => {
    const started = await startAppWithUsers();
    app = started.app;
    site = await started.boot.admin.call<SiteView>('site.get');
    await started.boot.admin.close();
    browser = await launchChromium();
    // bypassCSP: only so that the test can inject axe-core into the page
    page = await browser.newPage({ viewport: DESKTOP, reducedMotion: 'reduce', bypassCSP: true });
  });
  after(() => stopAll({ ctx: page, browser, app }));

  it('the sign-in screen has no serious violation', async () => {
    await page.goto(app.url);
    await page.getByLabel('Username').waitFor({ timeout: 20_000 });
    const f = await seriousViolations(page);
    assert.equal(f.length, 0, describeFindings('sign-in', f));
  });

  async function everyScreen(theme: string): Promise<string[]> {
    const ess = site.assets.find((a) => a.nature === 'Ess');
    assert.ok(ess, 'the demo site has a battery');
    const problems: string[] = [];
    for (const s of [...SCREENS, `asset/${ess.id}`]) {
      await page.evaluate((h) => (window.location.hash = h), `#/${s}`);
      await page.locator('main#main').waitFor();
      // the screen's first data (values, tables) is on screen
      await page.waitForTimeout(1500);
      const f = await seriousViolations(page);
      if (f.length) problems.push(describeFindings(`${theme} ${s}`, f));
    }
    return problems;
  }

  it('no screen has a serious or critical violation (day theme)', async () => {
    await signInUi(page, ADMIN);
    const problems = await everyScreen('day');
    assert.equal(problems.length, 0, problems.join('\n'));
  });

  it('the night theme switches live, is remembered for the user, and no screen has a serious violation in it', async () => {
    const bg = (): Promise<string> => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const luminance = (rgb: string): number => {
      const [r = 0, g = 0, b = 0] = (rgb.match(/\d+/g) ?? []).map(Number);
      return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
    };
    await page.evaluate(() => (window.location.hash = '#/overview'));
    assert.ok(luminance(await bg()) > 0.6, `the day theme is light: ${await bg()}`);
    await page.getByTestId('display-menu').click();
    await page.getByRole('menuitemradio', { name: /Night theme/ }).click();
    assert.ok(luminance(await bg()) < 0.2, `the night theme is dark: ${await bg()}`);
    // the priority badges keep their shape and number: meaning never by colour alone
    const badge = page.getByTestId('alarm-count-critical');
    assert.match((await badge.getAttribute('title')) ?? '', /Critical/);
    const problems = await everyScreen('night');
    assert.equal(problems.length, 0, problems.join('\n'));
    // remembered: a reload (a new start of the window) shows the night theme again
    await page.reload();
    await page.getByTestId('session-user').or(page.getByLabel('Username')).first().waitFor({ timeout: 20_000 });
    assert.ok(luminance(await bg()) < 0.2, 'still night after a reload');
  });

  it('the theme is per user: another user on the same workstation gets their own (day by default)', async () => {
    await page.evaluate(() => (window.location.hash = '#/overview'));
    if (await page.getByTestId('sign-out').isVisible()) await page.getByTestId('sign-out').click();
    await page.getByLabel('Username').waitFor({ timeout: 20_000 });
    await signInUi(page, OPERATOR);
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.equal(bg, 'rgb(212, 212, 212)', 'the operator has never chosen a theme: day');
    await page.getByTestId('sign-out').click();
    await page.getByLabel('Username').waitFor({ timeout: 20_000 });
    await signInUi(page, ADMIN);
    assert.notEqual(await page.evaluate(() => getComputedStyle(document.body).backgroundColor), 'rgb(212, 212, 212)', 'the administrator gets the night theme back');
    await page.getByTestId('display-menu').click();
    await page.getByRole('menuitemradio', { name: /Day theme/ }).click();
  });

  it('the keyboard reaches the navigation and every focused control shows a visible focus ring', async () => {
    // a fresh page: Tab starts from the top of the document
    await page.evaluate(() => (window.location.hash = '#/overview'));
    await page.reload();
    await page.getByTestId('session-user').waitFor({ timeout: 20_000 });
    await page.locator('main#main').waitFor();
    const seen: string[] = [];
    for (let i = 0; i < 25; i++) {
      await page.keyboard.press('Tab');
      const f = await page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null;
        if (!el || el === document.body) return null;
        const cs = getComputedStyle(el);
        const ring = cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2;
        return { name: (el.getAttribute('aria-label') ?? el.textContent ?? el.tagName).trim().slice(0, 40), ring, inNav: !!el.closest('nav') };
      });
      if (!f) continue;
      assert.ok(f.ring, `the focused control "${f.name}" has no visible focus ring`);
      seen.push(`${f.inNav ? 'nav:' : ''}${f.name}`);
    }
    assert.ok(seen[0]?.startsWith('Skip to content'), `the first Tab stop is the skip link, not ${seen[0]}`);
    for (const screen of ['Site overview', 'Alarms', 'Trends']) assert.ok(seen.some((s) => s.startsWith(`nav:${screen}`)), `Tab reaches ${screen} in the navigation: ${seen.join(' | ')}`);
  });
});
