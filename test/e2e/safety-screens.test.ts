/// <reference lib="dom" />
/**
 * End to end, the rest of issue #9 on the screens: reason fields with counters (shelving, out
 * of service, impersonation).
 */
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { SiteView } from '../../core/common';
import type { AppProcess } from '../support/app-process';
import type { Bootstrapped } from '../support/auth';
import { openBrowser, signInUi, startAppWithUsers, stopAll, withPage } from '../support/ui';
import { waitFor } from '../support/ws-client';

let app: AppProcess;
let boot: Bootstrapped;
let browser: Browser;
let ctx: BrowserContext;
let page: Page;
let site: SiteView;
let ess: string;

const shot = (p: Page, name: string) => p.screenshot({ path: `test-results/${name}.png` }).catch(() => undefined);
const text = async (p: Page, testId: string): Promise<string> => (await p.getByTestId(testId).textContent()) ?? '';

describe('operator safety on every screen (issue #9, browser mode, Chromium)', () => {
  before(async () => {
    ({ app, boot } = await startAppWithUsers());
    site = await boot.admin.call<SiteView>('site.get');
    const a = site.assets.find((x) => x.nature === 'Ess');
    assert.ok(a);
    ess = a.id;
    ({ browser, ctx, page } = await openBrowser());
    await signInUi(page, boot.admins, { url: app.url });
  });
  after(() => stopAll({ ctx, browser, clients: [boot.admin], app }));

  it('the out-of-service reason shows a counter against the core’s limit', async () => {
    const id = 'test.oos.counter';
    await boot.admin.call('alarms.definitions.upsert', {
      definition: { id, type: 'limit', point: `${ess}/Temperature`, level: 'H', setpoint: 1, priority: 'low', asset: ess, message: 'Counter test alarm' },
    });
    await page.goto(`${app.url.replace(/\/$/, '')}/#/alarms?id=${encodeURIComponent(id)}`);
    const detail = page.getByTestId('alarm-detail');
    await waitFor('the test alarm in the detail pane', async () => ((await detail.getAttribute('data-alarm-id')) === id ? true : undefined), 20_000);
    // the shelving reason (also used to take it out of service) counts
    await page.getByTestId('alarm-shelve-reason').fill('transmitter replaced');
    assert.match(await text(page, 'alarm-shelve-reason-counter'), /^20 \/ 500 characters$/);
    await page.getByTestId('alarm-oos').click();
    // out of service: its own reason box to return it, with its counter
    await page.getByTestId('alarm-oos-reason').waitFor({ timeout: 10_000 });
    assert.match(await text(page, 'alarm-oos-reason-counter'), /^0 \/ 500 characters$/);
    await page.getByTestId('alarm-oos-reason').fill('x'.repeat(600));
    assert.match(await text(page, 'alarm-oos-reason-counter'), /^500 \/ 500 characters — the limit is reached$/);
    await page.getByTestId('alarm-oos-reason').fill('back from repair');
    assert.match(await text(page, 'alarm-oos-reason-counter'), /^16 \/ 500 characters$/);
    await page.getByTestId('alarm-oos').click();
    await waitFor('back in service', async () => ((await page.getByTestId('alarm-oos-reason').count()) === 0 ? true : undefined), 10_000);
    await shot(page, 'safety-oos-counter');
    await boot.admin.call('alarms.definitions.delete', { id }).catch(() => undefined);
  });

  it('the impersonation reason shows a counter', async () => {
    await withPage(browser, {}, async (a) => {
      await signInUi(a, boot.admins, { url: `${app.url}#/admin` });
      await a.getByTestId(`user-${boot.operator.username}`).getByRole('button', { name: 'Impersonate' }).click();
      const reason = a.getByTestId('impersonate-reason');
      await reason.waitFor({ timeout: 10_000 });
      assert.match(await text(a, 'impersonate-reason-counter'), /^0 \/ 500 characters$/);
      await reason.fill('ticket 42: operator cannot see trends');
      assert.match(await text(a, 'impersonate-reason-counter'), /^37 \/ 500 characters$/);
      await shot(a, 'safety-impersonate-counter');
    });
  });
});
