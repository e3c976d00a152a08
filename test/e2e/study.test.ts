/**
 * End to end, study mode (issue #15): the built app in browser mode with the demo plant, Debian's
 * Chromium. A planner (a custom role holding study.run and data.export, no control rights) opens
 * Studies, sees study mode marked, creates a study from the demo site, changes the battery size,
 * picks a third strategy and a sizing sweep, runs it (progress in the worker) and compares the strategies side by
 * side; the series CSV has a column set per strategy; a study file of a newer format opens
 * read-only with its sentence and cannot be run.
 */
import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { AppProcess } from '../support/app-process';
import type { Bootstrapped } from '../support/auth';
import { openBrowser, signInUi, startAppWithUsers, stopAll } from '../support/ui';
import type { TestClient } from '../support/ws-client';

let app: AppProcess;
let boot: Bootstrapped;
let browser: Browser;
let ctx: BrowserContext;
let page: Page;
const clients: TestClient[] = [];
const PLANNER = { username: 'planner1', password: 'Copper-Valley-58!' };

const num = async (id: string): Promise<number> => Number(await page.getByTestId(id).getAttribute('data-value'));

describe('study mode (browser mode, Chromium)', () => {
  before(async () => {
    ({ app, boot } = await startAppWithUsers());
    clients.push(boot.admin);
    await boot.admin.call('roles.create', { id: 'planner', name: 'Planner', capabilities: ['site.view', 'study.run', 'data.export'] });
    await boot.admin.call('users.create', { ...PLANNER, displayName: 'Paula Planner', roles: ['planner'], sites: [boot.siteId], mustChangePassword: false });
    ({ browser, ctx, page } = await openBrowser({ acceptDownloads: true }));
  });
  after(() => stopAll({ ctx, browser, clients, app }));

  it('creates a study from the demo site, changes the battery, runs it and compares three strategies', async () => {
    await signInUi(page, PLANNER, { url: app.url });
    await page.getByTestId('nav-study').click();
    await page.waitForURL(/#\/study/);
    assert.match((await page.getByTestId('study-mode-banner').textContent()) ?? '', /STUDY MODE .* Nothing on this screen reaches the site's devices/);
    await page.getByTestId('study-new').click();
    const kwh = page.getByTestId('study-battery-kwh');
    await kwh.waitFor({ timeout: 20_000 });
    assert.equal(await kwh.inputValue(), '120', 'copied from the demo site');
    await kwh.fill('240');
    await page.getByTestId('study-days').fill('5');
    await page.getByRole('checkbox', { name: 'Tariff management' }).check();
    // a sizing sweep of the first strategy (self-consumption): two battery sizes on a 50 kW inverter
    await page.getByTestId('study-sweep-kwh').fill('60, 240');
    await page.getByTestId('study-sweep-kw').fill('50');
    await page.getByTestId('study-run').click();
    await page.getByTestId('study-results').waitFor({ timeout: 120_000 });
    // the three strategies side by side, with the edited battery
    const ids = ['self-consumption', 'plan-cost', 'tariff'];
    for (const id of ids) {
      const cycles = await num(`study-total-equivalentFullCycles-${id}`);
      const throughput = await num(`study-total-throughputKwh-${id}`);
      assert.ok(throughput > 0, `${id} used the battery`);
      assert.ok(Math.abs(cycles - throughput / (2 * 240)) < 1e-6, `${id}: full cycles counted on 240 kWh`);
    }
    assert.equal(await num('study-total-plans-plan-cost'), 5, 'a day-ahead plan per day');
    const costs = await Promise.all(ids.map((id) => num(`study-total-netCost-${id}`)));
    assert.equal(new Set(costs).size, 3, `three different net costs: ${costs.join(', ')}`);
    assert.ok((await num('study-total-netCost-plan-cost')) < (await num('study-total-netCost-self-consumption')), 'the plan costs less than self-consumption');
    await page.getByTestId('study-soc-chart').locator('canvas').first().waitFor();
    const sweep = page.getByTestId('study-sweep').locator('tbody tr');
    assert.equal(await sweep.count(), 2);
    const cells = await Promise.all([0, 1].map(async (i) => (await sweep.nth(i).locator('td').allTextContents()).map((c) => c.trim())));
    // investment = kWh x 400 + kW x 150 (the screen's default costs), payback shown in years or "never"
    assert.deepEqual(cells.map((c) => [c[0], c[1], c[2]]), [['60', '50', '31500'], ['240', '50', '103500']]);
    for (const c of cells) assert.match(c[4] ?? '', /^(\d[\d,]*\.\d|never)$/);

    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.getByTestId('study-export-csv').click()]);
    const csv = readFileSync((await download.path()) as string, 'utf8');
    const [head, first] = csv.split('\n');
    assert.equal(head, 'time_utc,load_kw,pv_kw,self-consumption_battery_kw,self-consumption_soc_pct,self-consumption_grid_kw,plan-cost_battery_kw,plan-cost_soc_pct,plan-cost_grid_kw,tariff_battery_kw,tariff_soc_pct,tariff_grid_kw');
    assert.match(first ?? '', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:00\.000Z,/);
  });

  it('a study file of a newer format opens read-only with a sentence and cannot be run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'esm-study-e2e-'));
    const file = join(dir, 'future.esmstudy');
    writeFileSync(file, JSON.stringify({ kind: 'es-manager-study', format: 99, name: 'Hydrogen future', spec: { electrolyserKw: 500 } }));
    await page.getByTestId('study-import').setInputFiles(file);
    const ro = page.getByTestId('study-readonly');
    await ro.waitFor({ timeout: 20_000 });
    assert.match((await ro.textContent()) ?? '', /saved by a newer version of ES Manager \(study format 99; this version reads up to 1\)\. It opens read-only/);
    assert.equal(await page.getByTestId('study-run').count(), 0, 'no editor, no run button for a study this app cannot read');
  });
});
