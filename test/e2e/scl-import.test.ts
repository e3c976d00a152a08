/**
 * SCL import from the UI (always runs, no library needed): the built app on a copy of the demo
 * site, an administrator in Chromium imports an IEC 61850 device from the Devices screen. A
 * malformed file and a device whose points clash with another's are shown with their place
 * (file:line:column) and nothing is saved; a good file previews its channels and imports the
 * profile file and the site-file entry together; the loader accepts the result.
 */
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Browser, Page } from 'playwright-core';
import { loadSite, defaultProfileDirs } from '../../core/config/load';
import { DRIVERS } from '../../electron/compose';
import { ROOT, startAppProcess, type AppProcess } from '../support/app-process';
import { bootstrapUsers, type Bootstrapped } from '../support/auth';
import { openBrowser, signInUi, stopAll } from '../support/ui';

const FIXTURES = join(ROOT, 'test', 'fixtures', 'scl');
const hash = (f: string): string => createHash('sha256').update(readFileSync(f)).digest('hex');

describe('SCL import dialog (browser mode, Chromium)', () => {
  let dir: string;
  let siteFile: string;
  let app: AppProcess;
  let boot: Bootstrapped;
  let browser: Browser;
  let ctx: BrowserContext;
  let page: Page;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'esm-scl-'));
    siteFile = join(dir, 'site.yaml');
    copyFileSync(join(ROOT, 'assets', 'sites', 'demo', 'site.yaml'), siteFile);
    app = await startAppProcess(['--site', siteFile]);
    boot = await bootstrapUsers(app.url, app.setupToken);
    ({ browser, ctx, page } = await openBrowser());
    await signInUi(page, boot.admins, { url: app.url });
    await page.goto(`${app.url}#/devices`);
    await page.getByTestId('scl-open').click();
  });
  after(async () => {
    await stopAll({ ctx, browser, clients: [boot?.admin], app });
    rmSync(dir, { recursive: true, force: true });
  });

  async function fill(file: string, deviceId: string, assetId: string): Promise<void> {
    await page.getByTestId('scl-file').setInputFiles(join(FIXTURES, file));
    await page.getByTestId('scl-device-id').fill(deviceId);
    await page.getByTestId('scl-asset').selectOption(assetId);
    await page.getByTestId('scl-preview').click();
  }

  it('a malformed file: the problem with its line and column, nothing saved', async () => {
    const before = hash(siteFile);
    await fill('bad-xml.cid', 'esc2', 'res-controller');
    const issues = page.getByTestId('scl-issues').locator('li');
    await issues.first().waitFor();
    assert.match((await issues.first().textContent()) ?? '', /^bad-xml\.cid:26:\d+: not well-formed XML/);
    assert.equal(await page.getByTestId('scl-import').isDisabled(), true);
    assert.equal(hash(siteFile), before);
    assert.equal(existsSync(join(dir, 'profiles')), false);
  });

  it('a device id the site already has: located in the site file, nothing saved', async () => {
    const before = hash(siteFile);
    await fill('esc1.cid', 'pcs', 'res-controller');
    const issues = page.getByTestId('scl-issues').locator('li');
    await page.getByTestId('scl-issues').getByText(/pcs/).first().waitFor({ timeout: 15_000 }).catch(async (e: Error) => {
      throw new Error(`${e.message}\nshown: ${await page.getByTestId('scl-dialog').textContent()}`);
    });
    assert.match((await issues.first().textContent()) ?? '', /^site\.yaml:\d+:\d+: devices\[\d+\]/);
    assert.equal(await page.getByTestId('scl-import').isDisabled(), true);
    assert.equal(hash(siteFile), before);
    assert.equal(existsSync(join(dir, 'profiles')), false);
  });

  it('a good file: the channels previewed, then the profile and the device saved together; the loader accepts them', async () => {
    await fill('esc1.cid', 'esc2', 'res-controller');
    const rows = page.getByTestId('scl-channels').locator('tr');
    await rows.first().waitFor();
    const n = await rows.count();
    assert.ok(n >= 5, `${n} channels`);
    assert.ok((await page.getByTestId('scl-channels').textContent())?.includes('MMXU1.TotW'), 'the references shown');
    await page.getByTestId('scl-import').click();
    await page.getByTestId('scl-result').waitFor();
    assert.match((await page.getByTestId('scl-result').textContent()) ?? '', new RegExp(`Saved: device esc2 with ${n} channels. Restart`));
    assert.deepEqual(readdirSync(join(dir, 'profiles')), ['esc2-61850.yaml']);
    const loaded = loadSite(siteFile, defaultProfileDirs(ROOT), DRIVERS.map((d) => d.definition));
    const dev = loaded.site.devices.find((d) => d.id === 'esc2');
    assert.equal(dev?.protocol, 'iec61850');
    assert.equal(dev?.asset, 'res-controller');
    assert.equal(loaded.profiles.get('esc2-61850')?.protocol, 'iec61850');
    assert.match(readFileSync(siteFile, 'utf8'), /# Embedded demo site/, 'the site file keeps its comments');
  });
});
