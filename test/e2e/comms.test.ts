/**
 * The communications page in Chromium (browser mode, the built app on a copy of the demo site
 * with its simulator): an operator sees links and devices with statistics and point quality
 * and reads a point on request, but no technician tools; an administrator sets a polling
 * period for a selection and disables/enables a device (its points' quality shows it), watches
 * a device's raw frames, discovers a SunSpec device served by pymodbus and adds it to the site,
 * registers devices and points from CSV (a bad file located, nothing saved) and exports them.
 */
import { strict as assert } from 'node:assert';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Browser, Page } from 'playwright-core';
import { ROOT, startAppProcess, type AppProcess } from '../support/app-process';
import { bootstrapUsers, signedIn, type Bootstrapped } from '../support/auth';
import { describeFindings, seriousViolations } from '../support/axe';
import { startSunSpecServer, type SunSpecServer } from '../support/sunspec';
import { openBrowser, signInUi, stopAll, withPage } from '../support/ui';
import type { TestClient } from '../support/ws-client';

describe('communications page (browser mode, Chromium)', () => {
  let dir: string;
  let siteFile: string;
  let app: AppProcess;
  let boot: Bootstrapped;
  let browser: Browser;
  let ctx: BrowserContext;
  let page: Page;
  let py: SunSpecServer;
  let op: TestClient | undefined;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'esm-comms-e2e-'));
    siteFile = join(dir, 'site.yaml');
    copyFileSync(join(ROOT, 'assets', 'sites', 'demo', 'site.yaml'), siteFile);
    py = await startSunSpecServer();
    app = await startAppProcess(['--site', siteFile]);
    boot = await bootstrapUsers(app.url, app.setupToken);
    op = await signedIn(app.url, boot.operator);
    ({ browser, ctx, page } = await openBrowser({ bypassCSP: true }));
    await signInUi(page, boot.admins, { url: app.url });
    await page.goto(`${app.url}#/comms`);
    await page.getByTestId('comms-device-pcs').waitFor();
  });
  after(async () => {
    await stopAll({ ctx, browser, clients: [boot?.admin, op], app });
    await py?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('an operator: links and devices with statistics and point quality, a read on request, no technician tools', async () => {
    await withPage(browser, { bypassCSP: true }, async (p) => {
      await signInUi(p, boot.operator, { url: app.url });
      await p.goto(`${app.url}#/comms`);
      const row = p.getByTestId('comms-device-pcs');
      await row.waitFor();
      await p.waitForFunction(() => document.querySelector('[data-testid="comms-device-pcs"]')?.getAttribute('data-state') === 'online', undefined, { timeout: 20_000 });
      await p.waitForFunction(() => Number(document.querySelector('[data-testid="comms-pcs-requests"]')?.textContent ?? '0') > 0, undefined, { timeout: 20_000 });
      assert.match((await p.getByTestId('comms-pcs-quality').textContent()) ?? '', /^\d+ good$/);
      // the link row sums its devices
      const link = p.locator('[data-testid^="link-127.0.0.1:"]').first();
      assert.match((await link.textContent()) ?? '', /of \d+ online/);
      assert.equal(await p.getByTestId('comms-tab-discovery').isDisabled(), true);
      assert.equal(await p.getByTestId('comms-frames-pcs').isDisabled(), true);
      assert.equal(await p.getByTestId('bulk-bar').count(), 0);
      await p.getByTestId('comms-read-pcs').click();
      const first = p.locator('[data-testid^="read-now-ess/"]').first();
      await first.click();
      await p.getByTestId('read-result').filter({ hasText: /ms\)/ }).first().waitFor({ timeout: 15_000 });
      const findings = await seriousViolations(p);
      assert.deepEqual(findings, [], describeFindings('communications (operator, read dialog)', findings));
    });
  });

  it('bulk configuration: a polling period for two devices, then disable and enable one, with a reason', async () => {
    await page.getByTestId('select-load-meter').locator('input').check();
    await page.getByTestId('select-pv-inverter').locator('input').check();
    assert.equal(await page.getByTestId('bulk-count').textContent(), '2 selected');
    await page.getByTestId('bulk-poll').fill('500');
    await page.getByTestId('bulk-reason').fill('commissioning');
    await page.getByTestId('bulk-apply-poll').click();
    await page.getByTestId('bulk-result').getByText('load-meter: polls every 500 ms (was 1000 ms)').waitFor();
    await page.getByTestId('comms-pv-inverter-poll').getByText('500 ms').waitFor({ timeout: 15_000 });
    await page.getByTestId('select-pv-inverter').locator('input').uncheck();
    await page.getByTestId('bulk-reason').fill('meter replaced');
    await page.getByTestId('bulk-disable').click();
    await page.getByTestId('bulk-result').getByText(/load-meter: disabled/).waitFor();
    await page.waitForFunction(() => document.querySelector('[data-testid="comms-device-load-meter"]')?.getAttribute('data-state') === 'disabled', undefined, { timeout: 15_000 });
    await page.getByTestId('comms-load-meter-quality').getByText(/comm-fail|stale/).waitFor({ timeout: 15_000 });
    await page.getByTestId('bulk-reason').fill('meter back');
    await page.getByTestId('bulk-enable').click();
    await page.getByTestId('bulk-result').getByText(/load-meter: enabled/).waitFor();
    await page.getByTestId('comms-load-meter-quality').getByText(/^\d+ good$/).waitFor({ timeout: 20_000 });
  });

  it('raw frames of a Modbus device: captured on request, decoded, stopped', async () => {
    await page.getByTestId('comms-frames-pcs').click();
    assert.match((await page.getByTestId('frames-state').textContent()) ?? '', /Capturing is off/);
    await page.getByTestId('frames-toggle').click();
    await page.getByTestId('frame-decoded').filter({ hasText: /^FC\d read .* unit 1, transaction \d+$/ }).first().waitFor({ timeout: 15_000 });
    await page.getByTestId('frame-decoded').filter({ hasText: /^FC\d answer: \d+ data octets/ }).first().waitFor({ timeout: 15_000 });
    await page.getByTestId('frames-toggle').click();
    await page.getByText('No frames.').waitFor();
    await page.getByRole('button', { name: 'Close' }).click();
  });

  it('discovery: pymodbus serving SunSpec is found with its models and added to the site file', async () => {
    await page.getByTestId('comms-tab-discovery').click();
    await page.getByTestId('scan-ports').fill(String(py.port));
    await page.getByTestId('scan-units').fill('1');
    await page.getByTestId('scan-timeout').fill('500');
    await page.getByTestId('scan-start').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="scan-state"]')?.getAttribute('data-state') === 'done', undefined, { timeout: 30_000 });
    const key = `127.0.0.1:${py.port}/1`;
    const row = page.getByTestId(`proposal-${key}`);
    assert.match((await row.getByTestId('proposal-sunspec').textContent()) ?? '', /Fronius · Symo 10\.0-3-M · v3\.14\.1 · SN SN-0042models 1 common, 103 inverter \(three phase\), 124 storage/);
    await page.getByTestId(`accept-${key}`).locator('input').check();
    await row.getByTestId('accept-id').fill('pv2-inverter');
    await row.getByTestId('accept-profile').fill('pv-string-inverter');
    // the asset: the PV array is served already by pv-inverter, so its points would be served twice
    await page.getByTestId('accept-apply').click();
    await page.getByTestId('csv-issue').first().waitFor();
    assert.match((await page.getByTestId('csv-issues').textContent()) ?? '', /is served by both device/);
    assert.doesNotMatch(readFileSync(siteFile, 'utf8'), /pv2-inverter/);
  });

  it('CSV: a bad file located and nothing saved; a good one registered; export downloads the same format', async () => {
    await page.getByTestId('comms-tab-csv').click();
    const before = readFileSync(siteFile, 'utf8');
    const devices = join(dir, 'devices.csv');
    const points = join(dir, 'points.csv');
    writeFileSync(devices, 'id,name,asset,protocol,profile,host,port,unitId\nm2,Meter 2,res-controller,modbus-tcp,csv-meter,10.1.1.2,502,1\nm3,Meter 3,ev-manager,modbus-tcp,csv-meter,10.1.1.3,5o2,1\n');
    writeFileSync(points, 'profile,vendor,model,channel,table,address,type,unit\ncsv-meter,ACME,M1,MeterEnergy,input,0,uint32,kWh\n');
    await page.getByTestId('csv-devices').setInputFiles(devices);
    await page.getByTestId('csv-points').setInputFiles(points);
    await page.getByTestId('csv-preview').click();
    await page.getByTestId('csv-issue').first().waitFor();
    assert.deepEqual(await page.getByTestId('csv-issue').allTextContents(), ['devices.csv:3:53 (port): the port "5o2" is not a number']);
    assert.equal(await page.getByTestId('csv-apply').isDisabled(), true);
    assert.equal(readFileSync(siteFile, 'utf8'), before);
    writeFileSync(devices, readFileSync(devices, 'utf8').replace('5o2', '502'));
    await page.getByTestId('csv-devices').setInputFiles(devices);
    await page.getByTestId('csv-preview').click();
    await page.getByTestId('csv-outcome').getByText(/No problems: 2 devices and 1 profile/).waitFor();
    await page.getByTestId('csv-apply').click();
    await page.getByTestId('csv-outcome').getByText(/^Registered 2 devices and 1 profile/).waitFor();
    assert.match(readFileSync(siteFile, 'utf8'), /id: m3/);
    const download = page.waitForEvent('download');
    await page.getByTestId('csv-export').click();
    const d = await download;
    const text = readFileSync((await d.path()) ?? '', 'utf8');
    assert.match(text, /^id,name,asset,protocol,profile,pollMs,timeoutMs,host,port,unitId,simulated\r\n/);
    assert.match(text, /\r\nm3,Meter 3,ev-manager,modbus-tcp,csv-meter,1000,1000,10\.1\.1\.3,502,1,\r\n/);
    const findings = await seriousViolations(page);
    assert.deepEqual(findings, [], describeFindings('communications (CSV)', findings));
  });
});
