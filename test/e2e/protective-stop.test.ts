/**
 * Issue #9 item 1, end to end: the battery in its own local peak-shaving mode, discharging
 * into a site load above the contracted power, gets hot (55 °C room via the simulator's
 * temperature control). Its over-temperature alarm's procedure is a protective stop: the
 * contracted-power interlock (stopping raises the PCC import above 60 kW) must not block it,
 * the device must honour it in local mode, and the alarm must show the real outcome.
 * Built app in browser mode, demo plant over Modbus TCP, Debian's Chromium.
 */
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { AlarmListRes, CommandResult, PointState, SelectResult, SiteView } from '../../core/common';
import type { AppProcess } from '../support/app-process';
import { signedIn, type Bootstrapped } from '../support/auth';
import { openBrowser, signInUi, startAppWithUsers, stopAll } from '../support/ui';
import { waitFor, type TestClient } from '../support/ws-client';

let app: AppProcess;
let boot: Bootstrapped;
let browser: Browser;
let ctx: BrowserContext;
let page: Page;
let site: SiteView;
let op: TestClient;
const clients: TestClient[] = [];

const read = async (id: string): Promise<PointState> => (await op.call<PointState[]>('points.read', { ids: [id] }))[0] as PointState;
const num = async (id: string): Promise<number> => Number((await read(id)).value);

describe('protective stop in local peak-shaving mode (browser mode, Chromium)', () => {
  before(async () => {
    ({ app, boot } = await startAppWithUsers());
    clients.push(boot.admin);
    site = await boot.admin.call<SiteView>('site.get');
    op = await signedIn(app.url, boot.operator);
    clients.push(op);
    ({ browser, ctx, page } = await openBrowser());
  });
  after(() => stopAll({ ctx, browser, clients, app }));

  it('the battery runs in local peak shaving, discharging to hold the PCC at the contracted power', async () => {
    // the device's own mode: select-before-operate with a fresh password
    await op.call('auth.reauth', { password: boot.operator.password });
    const mode = { siteId: site.id, target: 'ess/Mode', value: 1, reason: 'test' };
    const sel = await op.call<SelectResult>('command.select', mode);
    assert.equal(sel.ok, true, JSON.stringify(sel));
    const done = await op.call<CommandResult>('command.execute', { ...mode, confirmToken: sel.ok ? sel.token : '' });
    assert.equal(done.ok, true, JSON.stringify(done));
    // a building load well above the 60 kW contract, no PV
    await boot.admin.call('sim.set', { loadStepKw: 75, pvFactor: 0 });
    await waitFor('the battery to discharge', async () => ((await num('ess/ActivePower')) > 10 ? true : undefined), 30_000);
  });

  it('heated to 55 °C it is stopped by its over-temperature procedure, and the alarm shows the real outcome', async () => {
    // speed the thermal model up (time constant 10 min) and heat the container to 55 °C
    await boot.admin.call('sim.set', { speed: 60, batteryTempOffsetC: 30 });
    const hh = await waitFor(
      'the over-temperature procedure to finish',
      async () => {
        const l = await op.call<AlarmListRes>('alarms.list', { view: 'live' });
        const a = l.alarms.find((x) => x.id === 'ess.temperature.HH');
        return a && a.actions.length > 0 && !a.actionsPending ? a : undefined;
      },
      90_000,
    );
    await boot.admin.call('sim.set', { speed: 1 });
    const step = hh.actions[0]!;
    assert.equal(step.target, 'ess/Stop');
    assert.equal(step.outcome, 'done', `the protective stop: ${step.outcome} ${step.rule ?? ''} ${step.message}`);
    assert.equal(step.protective, true);

    // the battery really stopped, still in its local mode, while the PCC is above the contract
    await waitFor('the battery at 0 kW', async () => (Math.abs(await num('ess/ActivePower')) < 0.5 ? true : undefined), 20_000);
    assert.equal(await num('ess/Mode'), 1, 'still in local peak-shaving mode');
    assert.equal(await num('ess/Stop'), 1);
    // the meter follows within a poll or two
    await waitFor('the PCC above the 60 kW contract with the battery stopped: a commercial limit did not block the stop', async () =>
      (await num('pcc-meter/ActivePower')) > 60 && Math.abs(await num('ess/ActivePower')) < 0.5 ? true : undefined, 10_000);
    const l = await op.call<AlarmListRes>('alarms.list', { view: 'live' });
    assert.equal(l.alarms.find((x) => x.id === 'system.protective-failed.ess.temperature.HH')?.active ?? false, false, 'no failed-protective alarm');

    // the screen: the step with its real outcome, the response claims nothing
    await signInUi(page, boot.operator, { url: app.url, until: 'alarm-banner' });
    await page.goto(`${app.url.replace(/\/$/, '')}/#/alarms?id=${encodeURIComponent('ess.temperature.HH')}`);
    const shown = page.getByTestId('alarm-procedure-step').first();
    await shown.waitFor({ timeout: 20_000 });
    assert.equal(await shown.getAttribute('data-outcome'), 'done');
    const text = (await shown.textContent()) ?? '';
    assert.match(text, /DONE/);
    assert.match(text, /ess\/Stop := 1/);
    assert.match(text, /protective/);
    assert.doesNotMatch((await page.getByTestId('alarm-response').textContent()) ?? '', /was set to 0/);
    await page.screenshot({ path: 'test-results/protective-stop-done.png' }).catch(() => undefined);
  });

  it('a value past its range that the device still reports is drawn in alarm colour with its RANGE tag, not greyed (issue #9 item 2)', async () => {
    // a 57 °C battery room: the cells go past the 55 °C top of their range (the BMS trips at 60)
    await boot.admin.call('sim.set', { speed: 120, batteryTempOffsetC: 32 });
    await waitFor('the temperature past its range', async () => ((await read('ess/Temperature')).quality.reason === 'out-of-range' ? true : undefined), 90_000);
    await boot.admin.call('sim.set', { speed: 1 });
    await page.goto(`${app.url.replace(/\/$/, '')}/#/`);
    const value = page.getByTestId('value-ess/Temperature');
    await waitFor('the synoptic to show the out-of-range temperature', async () => ((await value.getAttribute('data-reason')) === 'out-of-range' ? true : undefined), 20_000);
    assert.equal(await value.getAttribute('data-degraded'), 'false', 'not drawn as untrusted');
    // the day theme's alarm colour #C62828, resolved from the theme's CSS variable
    assert.equal(await value.evaluate((el) => getComputedStyle(el).fill), 'rgb(198, 40, 40)', 'alarm colour');
    assert.ok(Number((await value.textContent()) ?? '') > 55, 'the value itself is shown');
    // the RANGE tag beside it, and no hatching behind the value
    const tag = value.locator('xpath=..').locator('[aria-label="quality RANGE"]');
    assert.equal(await tag.count(), 1, 'the quality tag is beside the value');
    assert.equal(await value.locator('xpath=..').locator('rect[fill="url(#esm-hatch)"]').count(), 0, 'no hatched patch');
    await page.screenshot({ path: 'test-results/alarmed-value-past-range.png' }).catch(() => undefined);
  });
});
