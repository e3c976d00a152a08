/**
 * End to end, the forecast accuracy screen (issue #11 item 5): the demo app in browser mode,
 * Chromium, on a data folder whose historian already holds a past day of measured building load,
 * the day before it, and two forecasts of that day issued at different times. The figures are
 * worked out by hand from what was written:
 *
 *   measured on day D:     a 15-min step curve 40 + 10 sin(2π i/96) kW (range 20 kW)
 *   measured on day D - 1: the same + 5 kW                 (persistence is 5 kW off)
 *   forecast issued D - 2 h:  measured + 1 kW over day D     ("late" issue)
 *   forecast issued D - 12 h: measured + 3 kW over day D     ("early" issue)
 *
 * compared every 3 min over the local day D (480 instants):
 *   latest issue, and ≥ 1 h ahead: the late issue → MAE 1.00 kW, nRMSE 5.0 %, skill 1 - 1/5 = 0.80
 *   ≥ 6 h ahead: the early issue before 04:00 (80 instants), the late one after (400) → MAE 1.33 kW
 *   ≥ 24 h ahead: early 12:00-22:00 (200), late 22:00-24:00 (40), nothing before noon → 240 pairs, MAE 2.67 kW
 * The PV forecast has nothing stored that day: the screen says so instead of a figure.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { localDayBounds, localParts } from '../../core/common/localtime';
import type { PlanApiMethods } from '../../core/common/plan';
import { Historian } from '../../core/historian/historian';
import { startAppProcess, type AppProcess } from '../support/app-process';
import { bootstrapUsers, type Bootstrapped } from '../support/auth';
import { openBrowser, signInUi, stopAll } from '../support/ui';

const TZ = 'Europe/Madrid';
const DAY = 86_400_000;
const STEP = 15 * 60_000;
let app: AppProcess;
let boot: Bootstrapped;
let browser: Browser;
let ctx: BrowserContext;
let page: Page;
let dataDir: string;
// a day well before anything the app records or simulates itself
const day = localParts(Date.now() - 60 * DAY, TZ).date;
const { from: D, to: DEnd } = localDayBounds(day, TZ);
const measured = (t: number) => 40 + 10 * Math.sin((2 * Math.PI * Math.floor((t - D) / STEP)) / 96);

async function seed(dir: string): Promise<void> {
  const h = new Historian(join(dir, 'historian'), { config: { queryWorkers: 0, default: { mode: 'all', retentionDays: 800 } }, now: () => DEnd + DAY });
  await h.open();
  try {
    const batch = [];
    for (let t = D - DAY; t < DEnd; t += 60_000) batch.push({ id: 'building/ActivePower', value: t < D ? measured(t + DAY) + 5 : measured(t), quality: { level: 'good' as const }, ts: t });
    h.record(batch);
    h.flush();
    const steps = Array.from({ length: Math.round((DEnd - D) / STEP) }, (_, i) => D + i * STEP);
    h.writeForecast({ series: 'forecast/building/load', kind: 'forecast', issuedAt: D - 12 * 3_600_000, points: steps.map((ts) => ({ ts, value: measured(ts) + 3 })) });
    h.writeForecast({ series: 'forecast/building/load', kind: 'forecast', issuedAt: D - 2 * 3_600_000, points: steps.map((ts) => ({ ts, value: measured(ts) + 1 })) });
  } finally {
    await h.close();
  }
}

describe('forecast accuracy screen (browser mode, Chromium)', () => {
  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'esm-accuracy-'));
    await seed(dataDir);
    app = await startAppProcess(['--data-dir', dataDir]);
    boot = await bootstrapUsers(app.url, app.setupToken);
    ({ browser, ctx, page } = await openBrowser());
  });
  after(async () => {
    await stopAll({ ctx, browser, clients: [boot?.admin], app });
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('the API gives MAE, nRMSE and skill per forecast and horizon, as worked out by hand', async () => {
    const r = await boot.admin.call<PlanApiMethods['forecast.accuracy']['res']>('forecast.accuracy', { from: D, to: DEnd });
    assert.equal(r.intervalMs, 3 * 60_000);
    const load = r.forecasts.find((f) => f.series === 'forecast/building/load');
    assert.ok(load, 'the building load forecast is compared');
    const h = (ms: number) => load.horizons.find((x) => x.horizonMs === ms);
    assert.equal(load.n, 480);
    assert.ok(Math.abs((load.mae ?? NaN) - 1) < 1e-6, `MAE ${load.mae}`);
    assert.ok(Math.abs((load.nrmse ?? NaN) - 0.05) < 1e-6, `nRMSE ${load.nrmse}`);
    assert.ok(Math.abs((load.skill ?? NaN) - 0.8) < 1e-6, `skill ${load.skill}`);
    assert.equal(load.quality, 'good');
    assert.ok(Math.abs((h(3_600_000)?.mae ?? NaN) - 1) < 1e-6);
    assert.equal(h(6 * 3_600_000)?.n, 480);
    assert.ok(Math.abs((h(6 * 3_600_000)?.mae ?? NaN) - 640 / 480) < 1e-6, `6 h: ${h(6 * 3_600_000)?.mae}`);
    assert.equal(h(24 * 3_600_000)?.n, 240);
    assert.ok(Math.abs((h(24 * 3_600_000)?.mae ?? NaN) - 640 / 240) < 1e-6, `24 h: ${h(24 * 3_600_000)?.mae}`);
    const pv = r.forecasts.find((f) => f.series === 'forecast/pv/power');
    assert.equal(pv?.quality, 'bad');
    assert.equal(pv?.why, 'no forecast stored for this period');
    await assert.rejects(boot.admin.call('forecast.accuracy', { from: DEnd, to: D }), /choose a period of up to 31 days/);
  });

  it('the operator opens Forecast accuracy, picks the day, and reads the figures per horizon and the chart', async () => {
    await signInUi(page, boot.operator, { url: app.url });
    await page.getByTestId('nav-plan').click();
    await page.waitForURL(/#\/plan/);
    await page.getByRole('tab', { name: 'Forecast accuracy' }).click();
    await page.getByLabel('Ending with the day').fill(day);
    const row = (ms: number) => page.getByTestId(`accuracy-row-forecast/building/load@${ms}`);
    await row(0).getByTestId('mae').getByText('1.00 kW').waitFor({ timeout: 20_000 });
    assert.equal(await row(0).getByTestId('nrmse').textContent(), '5.0 %');
    assert.equal(await row(0).getByTestId('skill').textContent(), '0.80');
    assert.equal(await row(6 * 3_600_000).getByTestId('mae').textContent(), '1.33 kW');
    assert.equal(await row(24 * 3_600_000).getByTestId('mae').textContent(), '2.67 kW');
    await row(24 * 3_600_000).getByText('≥ 24 h ahead (day-ahead)').waitFor();
    await page.getByTestId('accuracy-row-forecast/pv/power@0').getByText('no forecast stored for this period').waitFor();
    const chart = page.getByTestId('accuracy-chart');
    await chart.waitFor();
    assert.equal(await chart.getAttribute('data-series'), 'forecast/building/load');
    await page.screenshot({ path: 'test-results/forecast-accuracy.png' }).catch(() => undefined);
  });
});
