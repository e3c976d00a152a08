/**
 * End to end, the plan screen as the operator meets it: the built app in browser mode with the
 * demo plant simulated, Debian's Chromium. The app makes its first plan after start; the
 * operator opens Plan, sees the mode, the schedule into tomorrow with the expected SoC inside
 * the battery's window, the objective's terms, downloads the LP model, and asks for a new plan
 * with a reason and another objective. A viewer sees the plan but no re-plan form.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { PlanStatus } from '../../core/common/plan';
import type { AppProcess } from '../support/app-process';
import type { Bootstrapped } from '../support/auth';
import { DESKTOP, openBrowser, signInUi, startAppWithUsers, stopAll, withPage } from '../support/ui';
import { waitFor, type TestClient } from '../support/ws-client';

let app: AppProcess;
let boot: Bootstrapped;
let browser: Browser;
let ctx: BrowserContext;
let page: Page;
const clients: TestClient[] = [];

describe('plan screen (browser mode, Chromium)', () => {
  before(async () => {
    ({ app, boot } = await startAppWithUsers());
    clients.push(boot.admin);
    ({ browser, ctx, page } = await openBrowser({ acceptDownloads: true }));
  });
  after(() => stopAll({ ctx, browser, clients, app }));

  it('the operator sees the schedule into tomorrow with the expected SoC, the terms, and re-plans with a reason', async () => {
    // the first plan comes after the devices have reported (about 15 s after start)
    await waitFor(
      'a first plan',
      async () => {
        const s = await boot.admin.call<PlanStatus>('plan.status');
        return s.latest?.ok ? s : undefined;
      },
      120_000,
      500,
    );
    await signInUi(page, boot.operator, { url: app.url });
    await page.getByTestId('nav-plan').click();
    await page.waitForURL(/#\/plan/);
    await page.getByText('Following the plan').waitFor({ timeout: 20_000 });
    const chart = page.getByTestId('plan-chart');
    await chart.waitFor({ timeout: 20_000 });
    const attr = async (n: string) => Number(await chart.getAttribute(`data-${n}`));
    const steps = await attr('plan-steps');
    const start = await attr('plan-start');
    assert.ok(start + steps * 15 * 60_000 > Date.now() + 24 * 3_600_000, 'the schedule reaches into tomorrow');
    assert.equal(await attr('soc-points'), steps, 'an expected SoC for every step');
    assert.ok((await attr('soc-min')) >= 10 - 1e-6 && (await attr('soc-max')) <= 95 + 1e-6, 'the expected SoC stays in the 10-95 % window');
    await page.getByTestId('plan-terms').getByText('energy import').waitFor();
    await page.getByTestId('plan-terms').getByText('Objective (total)').waitFor();
    await page.screenshot({ path: 'test-results/plan-screen.png' }).catch(() => undefined);

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download LP model' }).click()]);
    const lp = readFileSync((await download.path()) as string, 'utf8');
    assert.match(lp, /^Minimize$/m);
    assert.match(download.suggestedFilename(), /\.lp$/);

    await page.getByLabel('Reason for a new plan').fill('check the self-consumption plan');
    await page.getByLabel('Objective').click();
    await page.getByRole('option', { name: 'Self-consumption' }).click();
    await page.getByRole('button', { name: 'Plan now' }).click();
    await page.getByText(/New plan issued/).waitFor({ timeout: 60_000 });
    await page.getByText('Objective: Self-consumption').waitFor({ timeout: 10_000 });
  });

  it('a viewer sees the plan but cannot ask for a new one (the button is disabled, with the reason)', async () => {
    await withPage(browser, { viewport: DESKTOP }, async (p) => {
      await signInUi(p, boot.viewer, { url: app.url });
      await p.getByTestId('nav-plan').click();
      await p.getByTestId('plan-chart').waitFor({ timeout: 20_000 });
      const planNow = p.getByRole('button', { name: 'Plan now' });
      assert.equal(await planNow.count(), 1);
      assert.ok(await planNow.isDisabled(), 'disabled for a viewer');
    });
  });
});
