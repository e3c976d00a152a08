/**
 * End to end, the alarm definition editor (issue #4): the built app in browser mode with the
 * demo plant simulated, Debian's Chromium. An administrator adds a limit alarm from the editor
 * (the core's live validation names a wrong point first), it appears in the list as "added" and
 * fires on the running simulator; an operator has no editor (no entry, no page).
 */
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { AlarmDefinitionOverrideInfo, AlarmListRes, PointState, SiteView } from '../../core/common';
import type { AppProcess } from '../support/app-process';
import type { Bootstrapped } from '../support/auth';
import { openBrowser, signInUi, startAppWithUsers, stopAll, withPage } from '../support/ui';
import { waitFor, type TestClient } from '../support/ws-client';

let app: AppProcess;
let boot: Bootstrapped;
let browser: Browser;
let ctx: BrowserContext;
let page: Page;
let ess: string;
const clients: TestClient[] = [];
const NEW_ID = (): string => `${ess}.soc.e2e-H`;

describe('alarm definition editor (browser mode, Chromium)', () => {
  before(async () => {
    ({ app, boot } = await startAppWithUsers());
    clients.push(boot.admin);
    const site = await boot.admin.call<SiteView>('site.get');
    ess = site.assets.find((x) => x.nature === 'Ess')?.id ?? '';
    assert.ok(ess, 'the demo site has a battery');
    ({ browser, ctx, page } = await openBrowser());
  });
  after(() => stopAll({ ctx, browser, clients, app }));

  it('an administrator adds a limit alarm from the editor; it is listed as added and fires on the simulator', async () => {
    // the state of charge is a good value between 0 and 100 %: a H alarm at -1 % is certainly active
    await waitFor(
      'a good SoC',
      async () => {
        const [s] = await boot.admin.call<PointState[]>('points.read', { ids: [`${ess}/Soc`] });
        return s?.quality.level === 'good' && typeof s.value === 'number' && s.value > -1 ? true : undefined;
      },
      30_000,
    );
    await signInUi(page, boot.admins, { url: app.url, until: 'alarm-banner' });
    await page.getByTestId('nav-alarm-definitions').click();
    await page.getByTestId('alarmdef-page').waitFor({ timeout: 10_000 });
    await page.locator('[data-testid="alarmdef-row"][data-source="site"]').first().waitFor({ timeout: 10_000 });

    await page.getByTestId('alarmdef-add').click();
    const form = page.getByTestId('alarmdef-form');
    await form.waitFor();
    await page.getByTestId('alarmdef-f-type').selectOption('limit');
    // a wrong point first: the core's live validation names the field
    await page.getByTestId('alarmdef-f-point').fill('nowhere/Soc');
    await page.getByTestId('alarmdef-f-level').selectOption('H');
    await page.getByTestId('alarmdef-f-setpoint').fill('-1');
    await page.getByTestId('alarmdef-f-id').fill(NEW_ID());
    await page.getByTestId('alarmdef-f-message').fill('E2E: state of charge above -1 %');
    await page.getByTestId('alarmdef-f-priority').selectOption('low');
    await page.locator('[data-testid="alarmdef-issues"] [data-path="point"]').waitFor({ timeout: 10_000 });
    assert.match((await page.getByTestId('alarmdef-issues').textContent()) ?? '', /unknown point "nowhere\/Soc"/);
    assert.ok(await page.getByTestId('alarmdef-save').isDisabled(), 'no saving while the core finds a problem');

    await page.getByTestId('alarmdef-f-point').fill(`${ess}/Soc`);
    await waitFor('the definition to validate', async () => ((await page.getByTestId('alarmdef-validity').getAttribute('data-ok')) === 'true' ? true : undefined), 10_000);
    await page.screenshot({ path: 'test-results/alarm-definitions-form.png' }).catch(() => undefined);
    await page.getByTestId('alarmdef-save').click();

    const row = page.locator(`[data-testid="alarmdef-row"][data-alarm-id="${NEW_ID()}"]`);
    await row.waitFor({ timeout: 10_000 }).catch(async (e: unknown) => {
      await page.screenshot({ path: 'test-results/alarm-definitions-failed.png' }).catch(() => undefined);
      const err = await page.getByTestId('alarmdef-save-error').textContent().catch(() => null);
      throw new Error(`the new row did not appear${err ? `: ${err}` : ''}: ${String(e)}`);
    });
    assert.equal(await row.getAttribute('data-source'), 'added');
    assert.equal(await row.getAttribute('data-type'), 'limit');
    await page.getByTestId('alarmdef-message').waitFor();

    // it fires on the running simulator
    const fired = await waitFor(
      'the new alarm to be active',
      async () => {
        const r = await boot.admin.call<AlarmListRes>('alarms.list', { view: 'live' });
        return r.alarms.find((a) => a.id === NEW_ID() && a.active);
      },
      15_000,
    );
    assert.equal(fired.state, 'unack-active');
    assert.equal(fired.priority, 'low');
    await page.goto(`${app.url.replace(/\/$/, '')}/#/alarms?id=${encodeURIComponent(NEW_ID())}`);
    await page.locator(`[data-testid="alarm-row"][data-alarm-id="${NEW_ID()}"]`).waitFor({ timeout: 10_000 });
    const detail = page.getByTestId('alarm-detail');
    await waitFor('the detail of the new alarm', async () => ((await detail.getAttribute('data-alarm-id')) === NEW_ID() ? true : undefined), 10_000);
    assert.equal(await detail.getAttribute('data-state'), 'unack-active');
    await page.getByTestId('alarm-definitions-link').waitFor();
    await page.screenshot({ path: 'test-results/alarm-definitions-fired.png' }).catch(() => undefined);

    // kept over the site file
    const info = await boot.admin.call<AlarmDefinitionOverrideInfo[]>('alarms.definitions.overrides', {});
    assert.ok(info.some((o) => o.id === NEW_ID() && o.kind === 'added' && o.updatedBy === boot.admins.username));
  });

  it('the administrator deletes it after a confirmation; the export has the effective set', async () => {
    await page.getByTestId('alarm-definitions-link').click();
    const row = page.locator(`[data-testid="alarmdef-row"][data-alarm-id="${NEW_ID()}"]`);
    await row.waitFor({ timeout: 10_000 });
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('alarmdef-export').click()]);
    assert.match(download.suggestedFilename(), /^alarm-definitions-.*\.yaml$/);
    await row.getByTestId('alarmdef-delete').click();
    await page.getByTestId('alarmdef-delete-confirm').click();
    await waitFor('the row to go', async () => ((await row.count()) === 0 ? true : undefined), 10_000);
    const r = await boot.admin.call<AlarmListRes>('alarms.list', { view: 'all' });
    assert.ok(!r.alarms.some((a) => a.id === NEW_ID()), 'the engine no longer has it');
  });

  it('an operator cannot open the editor: the summary shows the link disabled, with the reason', async () => {
    await withPage(browser, { viewport: { width: 1400, height: 900 } }, async (op) => {
      await signInUi(op, boot.operator, { url: app.url, until: 'alarm-banner' });
      await op.getByTestId('nav-alarms').waitFor();
      assert.equal(await op.getByTestId('nav-alarm-definitions').count(), 0, 'no navigation entry');
      await op.getByTestId('nav-alarms').click();
      await op.getByTestId('alarm-view-live').waitFor({ timeout: 10_000 });
      // issue #9: a control the role may not use is shown disabled with the reason, not hidden
      const link = op.getByTestId('alarm-definitions-link');
      assert.equal(await link.count(), 1, 'the link is shown');
      assert.ok(await link.isDisabled(), 'and disabled');
      assert.match((await op.getByTestId('alarm-definitions-link-why').textContent()) ?? '', /\S/, 'with the reason');
      await op.goto(`${app.url.replace(/\/$/, '')}/#/alarm-definitions`);
      await op.getByTestId('alarmdef-denied').waitFor({ timeout: 10_000 });
      assert.equal(await op.getByTestId('alarmdef-add').count(), 0);
      assert.equal(await op.getByTestId('alarmdef-row').count(), 0);
    });
  });
});
