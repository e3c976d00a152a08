/// <reference lib="dom" />
/**
 * End to end, the rest of issue #9 on the screens: reason fields with counters (shelving, out
 * of service, impersonation), the simulated clock brought back to wall time from the simulator
 * page (audited).
 */
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { AuditEntry, SimState, SiteView } from '../../core/common';
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

  it('after a speed change the operator brings the simulated time back to wall time; the audit log says who', async () => {
    await withPage(browser, {}, async (o) => {
      await signInUi(o, boot.operator, { url: `${app.url}#/simulator` });
      const toWall = o.getByTestId('sim-to-wall-time');
      await toWall.waitFor({ timeout: 15_000 });
      // at 1 × on the wall clock there is nothing to do, and the button says so
      assert.equal(await toWall.isDisabled(), true);
      assert.match(await text(o, 'sim-to-wall-time-why'), /already on the wall clock/);
      await o.getByTestId('sim-speed').fill('3600');
      await o.getByRole('button', { name: 'Apply' }).click();
      await waitFor('the simulated clock an hour ahead', async () => (/\d+ h .*ahead of wall time/.test(await text(o, 'sim-state-wallOffset')) ? true : undefined), 20_000);
      assert.equal(await toWall.isDisabled(), false);
      await shot(o, 'safety-sim-ahead');
      await toWall.click();
      await waitFor('on wall time', async () => ((await text(o, 'sim-state-wallOffset')) === 'on wall time' ? true : undefined), 10_000);
      assert.match(await text(o, 'sim-state-speed'), /^1 ×$/);
      const s = await boot.admin.call<SimState>('sim.get', {});
      assert.ok(Math.abs(s.simTime - Date.now()) < 5000, `simulated time ${s.simTime - Date.now()} ms from the wall clock`);
      assert.equal(s.speed, 1);
      const rows = await boot.admin.call<AuditEntry[]>('audit.query', { type: 'sim.set' });
      assert.ok(rows.some((r) => r.actor === boot.operator.username && JSON.stringify(r.after).includes('toWallTime')), 'the audit log records the return to wall time');
      await shot(o, 'safety-sim-wall');
    });
  });
});
