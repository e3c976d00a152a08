/// <reference lib="dom" />
/**
 * End to end, the operating modes (issue #11 items 3 and 7): the demo as shipped follows its
 * plan; the overview and the plan screen say which mode is active, why and what is next; the
 * operator switches to peak shaving with a reason from the dialog (command pipeline, audited)
 * and, under a 90 kW load step, the synoptic shows the battery discharging to hold the PCC.
 */
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { AuditEntry, ControlStatus } from '../../core/common';
import type { AppProcess } from '../support/app-process';
import type { Bootstrapped } from '../support/auth';
import { openBrowser, signInUi, startAppWithUsers, stopAll } from '../support/ui';
import { waitFor } from '../support/ws-client';

let app: AppProcess;
let boot: Bootstrapped;
let browser: Browser;
let ctx: BrowserContext;
let page: Page;

const shot = (p: Page, name: string) => p.screenshot({ path: `test-results/${name}.png` }).catch(() => undefined);

describe('operating modes (browser mode, Chromium)', () => {
  before(async () => {
    ({ app, boot } = await startAppWithUsers());
    ({ browser, ctx, page } = await openBrowser());
    await signInUi(page, boot.operator, { url: app.url });
  });
  after(() => stopAll({ ctx, browser, clients: [boot.admin], app }));

  it('the overview says the demo follows its plan, why, and what is scheduled next', async () => {
    const active = page.getByTestId('mode-active');
    await active.waitFor({ timeout: 20_000 });
    assert.equal(await active.getAttribute('data-mode'), 'plan-following');
    assert.equal((await active.textContent())?.trim(), 'Plan following');
    assert.match((await page.getByTestId('mode-why').textContent()) ?? '', /^Default: default mode \(Plan following\)/);
    assert.match((await page.getByTestId('mode-next').textContent()) ?? '', /Nothing else scheduled/);
    // the plan screen says the same
    await page.getByTestId('nav-plan').click();
    await page.getByTestId('plan-mode').waitFor({ timeout: 20_000 });
    await waitFor('the plan screen to name the mode', async () => ((await page.getByTestId('mode-active').getAttribute('data-mode')) === 'plan-following' ? true : undefined), 20_000);
    await page.getByTestId('nav-overview').click();
    await page.getByTestId('mode-change').waitFor({ timeout: 20_000 });
  });

  it('the operator switches to peak shaving with a reason; the synoptic shows the battery responding', async () => {
    await page.getByTestId('mode-change').click();
    const dialog = page.getByTestId('mode-dialog');
    await dialog.getByTestId('mode-select').selectOption('peak-shaving');
    assert.equal(await dialog.getByTestId('mode-apply').isDisabled(), true, 'a reason is required first');
    await dialog.getByTestId('mode-reason').selectOption('test');
    await dialog.getByTestId('mode-comment').fill('e2e: peak shaving for the afternoon');
    await dialog.getByTestId('mode-apply').click();
    const result = dialog.getByTestId('mode-result');
    await result.waitFor({ timeout: 10_000 });
    assert.equal(await result.getAttribute('data-ok'), 'true', (await result.textContent()) ?? '');
    assert.match((await result.textContent()) ?? '', /Peak shaving is now active \(chosen by Olga Operator \(reason: test\)/);
    await dialog.getByRole('button', { name: 'Close' }).click();
    const active = page.getByTestId('mode-active');
    await waitFor('the panel to show peak shaving', async () => ((await active.getAttribute('data-mode')) === 'peak-shaving' ? true : undefined), 10_000);
    assert.equal(await active.getAttribute('data-source'), 'operator');
    assert.match((await page.getByTestId('mode-why').textContent()) ?? '', /^Operator: chosen by Olga Operator \(reason: test\)/);

    // 90 kW more building load: the PCC would be far above the 60 kW contract without the battery
    await boot.admin.call('sim.set', { loadStepKw: 90 });
    // peak shaving itself answers the load step (not the transition from the plan): its sentence says so
    const sp = await waitFor(
      'peak shaving to discharge against the load step',
      async () => {
        const st = await boot.admin.call<ControlStatus>('control.status');
        const x = st.setpoints.find((s) => s.target === 'ess/SetActivePower');
        return x && /^Peak shaving mode \(chosen by Olga Operator[^)]*\)[^:]*: the site draws [\d.]+ kW without the battery, above the 60 kW limit: discharging/.test(x.why) && x.requested > 10 ? x : undefined;
      },
      60_000,
    );
    const dir = page.getByTestId('direction-ess');
    await waitFor('the synoptic to show the battery discharging', async () => (/DISCHARGE/.test((await dir.textContent()) ?? '') ? true : undefined), 30_000);
    assert.ok(sp.requested > 10);
    await waitFor('the battery panel to name the controller', async () => ((await page.getByTestId('battery-source').getAttribute('data-source')) === 'controller' ? true : undefined), 20_000);
    await shot(page, 'modes-peak-shaving');
    const audit = await boot.admin.call<AuditEntry[]>('audit.query', { type: 'mode.', limit: 10 });
    assert.ok(audit.some((a) => a.type === 'mode.result' && a.outcome === 'ok' && a.reason === 'test'), 'audited with the reason');
    await boot.admin.call('sim.set', { loadStepKw: 0 });
  });

  it('a viewer sees the mode but cannot change it, and is told why', async () => {
    const { browser: b2, ctx: c2, page: p2 } = await openBrowser();
    try {
      await signInUi(p2, boot.viewer, { url: app.url });
      await p2.getByTestId('mode-active').waitFor({ timeout: 20_000 });
      assert.equal(await p2.getByTestId('mode-change').isDisabled(), true);
    } finally {
      await c2.close();
      await b2.close();
    }
  });
});
