/// <reference lib="dom" />
/**
 * End to end, the rest of issue #9 on the screens: reason fields with counters (shelving, out
 * of service, impersonation), the simulated clock brought back to wall time from the simulator
 * page (audited), and a protective procedure step that does not act raising the critical alarm
 * (the battery in maintenance refuses its stop) shown in the banner and the alarm detail.
 */
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { AlarmListRes, AuditEntry, CommandResult, SelectResult, SimState, SiteView } from '../../core/common';
import type { AppProcess } from '../support/app-process';
import { signedIn, type Bootstrapped } from '../support/auth';
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

  it('a protective step that does not act raises a critical alarm, in the banner and in the detail with the real outcome', async () => {
    // the battery taken into maintenance by the engineer: commands to it are refused
    await boot.admin.call('alarms.setAssetMode', { assetId: ess, mode: 'maintenance', reason: 'inverter firmware update' });
    // an alarm on the PCC whose procedure is a protective stop of the battery (always active here)
    const id = 'test.protective.refused';
    await boot.admin.call('alarms.definitions.upsert', {
      definition: { id, type: 'limit', point: 'pcc-meter/ActivePower', level: 'H', setpoint: -100_000, priority: 'high', asset: 'pcc-meter', message: 'Test: stop the battery', actions: [{ target: `${ess}/Stop`, value: 1 }] },
    });
    const failedId = `system.protective-failed.${id}`;
    const failed = await waitFor(
      'the critical failed-protective alarm',
      async () => (await boot.admin.call<AlarmListRes>('alarms.list', { view: 'live' })).alarms.find((a) => a.id === failedId && a.active),
      30_000,
    );
    assert.equal(failed.priority, 'critical', 'the highest priority');
    assert.equal(failed.state, 'unack-active');
    assert.match(failed.message, new RegExp(`Protective action refused: ${ess}/Stop := 1`));
    // the banner: the critical alarm on a line of its own, first
    await page.goto(`${app.url.replace(/\/$/, '')}/#/overview`);
    const line = page.locator(`[data-testid="alarm-banner-line"][data-alarm-id="${failedId}"]`);
    await line.waitFor({ timeout: 15_000 });
    assert.equal(await line.getAttribute('data-priority'), 'critical');
    assert.equal(await page.getByTestId('alarm-banner-line').first().getAttribute('data-alarm-id'), failedId, 'the most urgent line');
    assert.ok(Number(await page.getByTestId('alarm-count-critical').getAttribute('data-unack')) >= 1);
    // the procedure's alarm: its step with the real outcome and the rule, not a claim of success
    await page.goto(`${app.url.replace(/\/$/, '')}/#/alarms?id=${encodeURIComponent(id)}`);
    const step = page.getByTestId('alarm-procedure-step').first();
    await step.waitFor({ timeout: 15_000 });
    assert.equal(await step.getAttribute('data-outcome'), 'refused');
    const text = (await step.textContent()) ?? '';
    assert.match(text, /REFUSED/);
    assert.match(text, new RegExp(`${ess}/Stop := 1`));
    assert.match(text, /maintenance/);
    await shot(page, 'safety-protective-refused');
    // clean up for the tests after this one
    await boot.admin.call('alarms.setAssetMode', { assetId: ess, mode: 'in-service', reason: 'update done' });
    await boot.admin.call('alarms.reset', { ids: [id] }).catch(() => undefined);
    await boot.admin.call('alarms.definitions.delete', { id });
  });

  it('controls a role may not use are shown disabled with the reason, on every screen', async () => {
    const why = async (p: Page, testId: string): Promise<string> => {
      const b = p.getByTestId(testId);
      await b.waitFor({ timeout: 15_000 });
      assert.equal(await b.isDisabled(), true, `${testId} is disabled`);
      return (await p.getByTestId(`${testId}-why`).textContent()) ?? '';
    };
    await withPage(browser, {}, async (v) => {
      await signInUi(v, boot.viewer, { url: app.url });
      // overview: set power and mode
      assert.match(await why(v, `setpoint-open-${ess}`), /needs “Change setpoints/);
      assert.match(await why(v, `mode-open-${ess}`), /needs “Operate/);
      // alarm summary: acknowledge, and the definitions editor
      await v.goto(`${app.url}#/alarms`);
      assert.match(await why(v, 'alarm-ack-page'), /needs “Acknowledge and shelve alarms”/);
      assert.match(await why(v, 'alarm-definitions-link'), /needs “Edit configuration/);
      // alarm history: export
      await v.goto(`${app.url}#/alarm-history`);
      assert.match(await why(v, 'history-export'), /needs “Export data/);
      // plan: a new plan
      await v.goto(`${app.url}#/plan`);
      assert.match(await why(v, 'plan-replan'), /needs “Operate/);
      // simulator (already: read-only with the reason)
      await v.goto(`${app.url}#/simulator`);
      assert.match(await why(v, 'sim-to-wall-time'), /needs “Operate/);
      await shot(v, 'safety-viewer-plan');
    });
    await withPage(browser, {}, async (o) => {
      await signInUi(o, boot.operator, { url: app.url });
      // audit: verifying the chain is the administrator's
      await o.goto(`${app.url}#/audit`);
      assert.match(await why(o, 'audit-verify'), /needs “Administer/);
      // history: the historian backup too
      await o.goto(`${app.url}#/history`);
      assert.match(await why(o, 'history-backup'), /needs “Administer/);
    });
  });

  it('"Set power" is disabled with the reason while the battery runs in its own local mode', async () => {
    const op = await signedIn(app.url, boot.operator);
    try {
      const setMode = async (value: number): Promise<void> => {
        await op.call('auth.reauth', { password: boot.operator.password });
        const cmd = { siteId: site.id, target: `${ess}/Mode`, value, reason: 'test' };
        const sel = await op.call<SelectResult>('command.select', cmd);
        assert.equal(sel.ok, true, JSON.stringify(sel));
        const done = await op.call<CommandResult>('command.execute', { ...cmd, confirmToken: sel.ok ? sel.token : '' });
        assert.equal(done.ok, true, JSON.stringify(done));
      };
      await withPage(browser, {}, async (o) => {
        await signInUi(o, boot.operator, { url: app.url });
        const set = o.getByTestId(`setpoint-open-${ess}`);
        await set.waitFor({ timeout: 15_000 });
        await waitFor('Set power enabled in remote mode', async () => ((await set.isDisabled()) ? undefined : true), 15_000);
        await setMode(1);
        await waitFor('Set power disabled in local mode', async () => ((await set.isDisabled()) ? true : undefined), 15_000);
        assert.match(await text(o, `setpoint-open-${ess}-why`), /The battery is in “Local peak shaving” mode: it follows its own logic, not a power setpoint\. Change the mode first\./);
        assert.equal(await o.getByTestId(`mode-open-${ess}`).isDisabled(), false, 'the mode can still be changed');
        await shot(o, 'safety-local-mode');
        await setMode(0);
        await waitFor('Set power enabled again', async () => ((await set.isDisabled()) ? undefined : true), 15_000);
      });
    } finally {
      await op.close();
    }
  });
});
