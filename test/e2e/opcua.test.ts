/**
 * End to end with OPC UA, in Debian's Chromium against the built app in browser mode:
 *  1. the demo: the simulator's BMS rack supervision served by node-opcua; the administrator
 *     browses the server's address space from the Devices page, picks variables (profile
 *     channels shown), reads a point on request, and sees the OPC UA points live on the Points
 *     page as the battery moves;
 *  2. a site with a genset on a SignAndEncrypt endpoint: refused as untrusted, trusted from the
 *     Server certificates dialog after reading its thumbprint, then online with live points.
 */
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { CommandResult } from '../../core/common/security';
import { opcuaProfileSchema } from '../../drivers/opcua/profile';
import { OpcuaProfileServer } from '../../drivers/opcua/server';
import { startAppProcess, type AppProcess } from '../support/app-process';
import { ADMIN, OPERATOR, bootstrapUsers, signedIn } from '../support/auth';
import { openBrowser, signInUi, startAppWithUsers, stopAll } from '../support/ui';
import { waitFor, type TestClient } from '../support/ws-client';

const num = (s: string | null): number => Number((s ?? '').replace(/[^\d.+-]/g, ''));

async function openDevices(page: Page): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByText('Devices').click();
  await page.getByRole('heading', { name: 'Devices' }).waitFor();
}

describe('OPC UA in the browser: browse the simulator, live points, on-request read', () => {
  let app: AppProcess;
  let browser: Browser;
  let ctx: BrowserContext;
  let page: Page;
  let op: TestClient;

  before(async () => {
    const started = await startAppWithUsers();
    app = started.app;
    await started.boot.admin.close();
    op = await signedIn(app.url, OPERATOR);
    ({ browser, ctx, page } = await openBrowser());
  });
  after(() => stopAll({ ctx, browser, clients: [op], app }));

  it('browses the BMS server, picks variables, reads a point now and sees the points follow the battery', async () => {
    await signInUi(page, ADMIN, { url: app.url });
    await openDevices(page);
    const row = page.getByTestId('device-bms-opcua');
    await waitFor('the OPC UA BMS online', async () => ((await row.getAttribute('data-state')) === 'online' ? true : undefined), 30_000);
    assert.match((await row.textContent()) ?? '', /opcua/);
    assert.match((await page.getByTestId('device-bms-opcua-stats').textContent()) ?? '', /ok .*reconnects/);

    // browse: Objects → Bms → Cells, values and access shown; pick two variables
    await page.getByTestId('browse-bms-opcua').click();
    const dialog = page.getByRole('dialog', { name: /Browse SEMS Buffer BMS rack supervision/ });
    await dialog.getByRole('button', { name: 'Bms', exact: true }).click();
    await dialog.getByRole('button', { name: 'Cells', exact: true }).click();
    const vmax = dialog.getByTestId('node-ns=1;s=Bms.Cells.VoltageMax');
    await vmax.waitFor({ timeout: 10_000 });
    const v = num(await vmax.getByTestId('node-value').textContent());
    assert.ok(v > 2.5 && v < 3.7, `a LiFePO4 cell voltage, got ${v}`);
    assert.match((await vmax.textContent()) ?? '', /Double.*read$/);
    await vmax.getByRole('checkbox').check();
    await dialog.getByTestId('node-ns=1;s=Bms.Cells.VoltageMin').getByRole('checkbox').check();
    const yaml = (await dialog.getByTestId('picked-yaml').textContent()) ?? '';
    assert.match(yaml, /channel: VoltageMax\s+nodeId: "ns=1;s=Bms\.Cells\.VoltageMax"/);
    assert.match(yaml, /channel: VoltageMin\s+nodeId: "ns=1;s=Bms\.Cells\.VoltageMin"/);
    await dialog.getByRole('button', { name: 'Bms', exact: true }).click();
    await dialog.getByRole('button', { name: 'Balancing', exact: true }).click();
    assert.match((await dialog.getByTestId('node-ns=1;s=Bms.Balancing.Enabled').textContent()) ?? '', /Boolean.*read\/write/);
    await dialog.getByRole('button', { name: 'Close' }).click();

    // read a point from the device now
    await page.getByTestId('read-bms-opcua').click();
    const readDialog = page.getByRole('dialog', { name: /Read from SEMS Buffer BMS rack supervision/ });
    await readDialog.getByTestId('read-now-ess/CellVoltageMax').click();
    const result = readDialog.getByTestId('read-ess/CellVoltageMax').getByTestId('read-result');
    await waitFor('the on-request read', async () => (/\d\.\d+ V \(\d/.test((await result.textContent()) ?? '') ? true : undefined), 10_000);
    await readDialog.getByRole('button', { name: 'Close' }).click();

    // the OPC UA points live on the Points page: charge the battery, the rack currents follow
    await page.getByRole('navigation', { name: 'Main' }).getByText('Points').click();
    const rack1 = page.getByTestId('value-ess/Rack1Current');
    await rack1.waitFor({ timeout: 20_000 });
    await waitFor('rack current good', async () => ((await rack1.getAttribute('data-quality')) === 'good' ? true : undefined), 20_000);
    const idle = num(await rack1.textContent());
    const r = await op.call<CommandResult>('command.execute', { siteId: 'demo', target: 'ess/SetActivePower', value: -20, reason: 'test' });
    assert.ok(r.ok, JSON.stringify(r));
    const charging = await waitFor(
      'the rack current of a 20 kW charge on screen',
      async () => {
        // from whatever the battery did before (the demo's cycle may have it discharging) to the charge
        const x = num(await rack1.textContent());
        return x < idle - 10 && x < -10 ? x : undefined;
      },
      20_000,
    );
    assert.ok(charging < -10 && charging > -20, `about -14 A per rack at 20 kW, got ${charging}`);
    assert.equal(await rack1.getAttribute('data-quality'), 'good');
    await op.call<CommandResult>('command.execute', { siteId: 'demo', target: 'ess/SetActivePower', value: 0, reason: 'test' });
  });
});

describe('OPC UA in the browser: trusting a server certificate from the dialog', () => {
  const dir = mkdtempSync(join(tmpdir(), 'esm-e2e-ua-'));
  const GENSET = {
    id: 'ua-genset',
    vendor: 'test',
    model: 'genset controller',
    protocol: 'opcua',
    channels: [{ channel: 'ActivePower', nodeId: 'ns=1;s=Genset.ActivePower', unit: 'kW' }],
  };
  const METER = { id: 'ua-meter', vendor: 'test', model: 'meter', protocol: 'opcua', channels: [{ channel: 'ActivePower', nodeId: 'ns=1;s=Meter.P', unit: 'kW' }] };
  const genset = new OpcuaProfileServer(opcuaProfileSchema.parse(GENSET), { pkiDir: join(dir, 'srv-g'), securityModes: ['SignAndEncrypt'], allowAnonymous: true });
  const meter = new OpcuaProfileServer(opcuaProfileSchema.parse(METER), { pkiDir: join(dir, 'srv-m'), securityModes: ['None'] });
  let app: AppProcess;
  let browser: Browser;
  let ctx: BrowserContext;
  let page: Page;

  before(async () => {
    await genset.start();
    await meter.start();
    genset.set('ActivePower', 42);
    meter.set('ActivePower', 5);
    mkdirSync(join(dir, 'profiles'));
    writeFileSync(join(dir, 'profiles', 'ua-genset.json'), JSON.stringify(GENSET));
    writeFileSync(join(dir, 'profiles', 'ua-meter.json'), JSON.stringify(METER));
    writeFileSync(
      join(dir, 'site.yaml'),
      `
site: { id: ua-e2e, name: OPC UA e2e site, gridType: prosumer, timezone: Europe/Madrid, location: { latitude: 36.7, longitude: -4.5 }, pcc: { meter: pcc, contractedPowerKw: 60 } }
assets:
  - { id: pcc, name: PCC meter, kind: smart-meter, nature: Meter, role: pcc }
  - { id: gen, name: Genset, kind: genset, nature: Genset }
devices:
  - { id: meter-dev, name: Meter, protocol: opcua, connection: { endpointUrl: "${meter.endpointUrl}" }, profile: ua-meter, asset: pcc, pollMs: 500 }
  - { id: genset-dev, name: Genset controller, protocol: opcua, connection: { endpointUrl: "${genset.endpointUrl}", securityMode: SignAndEncrypt, securityPolicy: Basic256Sha256 }, profile: ua-genset, asset: gen, pollMs: 500 }
`,
    );
    app = await startAppProcess(['--site', join(dir, 'site.yaml'), '--no-sim']);
    const boot = await bootstrapUsers(app.url, app.setupToken);
    await boot.admin.close();
    ({ browser, ctx, page } = await openBrowser());
  });
  after(async () => {
    await stopAll({ ctx, browser, app });
    await genset.stop();
    await meter.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows the untrusted server with its thumbprint; trusting it brings the genset online', async () => {
    await signInUi(page, ADMIN, { url: app.url });
    await openDevices(page);
    const row = page.getByTestId('device-genset-dev');
    await waitFor('the untrusted sentence on the row', async () => (/is not trusted/.test((await row.textContent()) ?? '') ? true : undefined), 30_000);
    assert.equal(await row.getAttribute('data-state'), 'offline');
    await page.getByTestId('open-certificates').click();
    const dialog = page.getByRole('dialog', { name: 'Server certificates' });
    const cert = dialog.getByTestId(`cert-${genset.thumbprint}`);
    await cert.waitFor({ timeout: 10_000 });
    assert.equal(await cert.getAttribute('data-status'), 'rejected');
    // the thumbprint as it is read out: groups of four hex digits
    assert.equal(((await cert.getByTestId('thumbprint').textContent()) ?? '').replace(/\s/g, ''), genset.thumbprint);
    assert.match((await cert.getByTestId('thumbprint').textContent()) ?? '', /^[0-9a-f]{4}( [0-9a-f]{4}){9}$/);
    await dialog.getByTestId(`trust-${genset.thumbprint}`).click();
    await waitFor('trusted', async () => ((await cert.getAttribute('data-status')) === 'trusted' ? true : undefined), 10_000);
    await dialog.getByRole('button', { name: 'Close' }).click();
    await waitFor('the genset online', async () => ((await row.getAttribute('data-state')) === 'online' ? true : undefined), 40_000);
    await page.getByRole('navigation', { name: 'Main' }).getByText('Points').click();
    const p = page.getByTestId('value-gen/ActivePower');
    await waitFor('genset power on screen', async () => ((await p.getAttribute('data-quality')) === 'good' && num(await p.textContent()) === 42 ? true : undefined), 20_000);
  });
});
