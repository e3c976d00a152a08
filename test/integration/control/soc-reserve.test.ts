/**
 * Issue #9 item 3 (SoC window in the device's own modes): ES Manager writes the site's SoC
 * reserve (assets[ess].limits.socMinPct) to the battery's own MinSoc register once the device is
 * online, as a system command with an audit record. The simulator is started on its own,
 * commissioned with another reserve (30 %); the app, with the demo's 10 %, connects to it over
 * Modbus TCP and the register reads back 10.0 %.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import ModbusRTU from 'modbus-serial';
import type { PointState } from '../../../core/common';
import { isModbusTcpDevice } from '../../../core/common/site';
import { defaultProfileDirs, loadSite } from '../../../core/config/load';
import { startSimulator, type SimulatorHandle } from '../../../drivers/sim/serve';
import { composeApp, type App } from '../../../electron/compose';
import { bootstrapUsers, signedIn, type Bootstrapped } from '../../support/auth';
import { waitFor, type TestClient } from '../../support/ws-client';

const ROOT = join(__dirname, '..', '..', '..');

describe("the site's SoC reserve is written to the battery's own MinSoc", () => {
  const dir = mkdtempSync(join(tmpdir(), 'esm-reserve-'));
  let sim: SimulatorHandle;
  let app: App;
  let users: Bootstrapped;
  let op: TestClient;
  const modbus = new ModbusRTU();

  before(async () => {
    const demo = readFileSync(join(ROOT, 'assets', 'sites', 'demo', 'site.yaml'), 'utf8');
    assert.match(demo, /socMinPct: 10\b/);
    // the device, commissioned with another reserve
    const simFile = join(dir, 'sim-site.yaml');
    writeFileSync(simFile, demo.replace(/socMinPct: 10\b/, 'socMinPct: 30'));
    const loaded = loadSite(simFile, defaultProfileDirs(ROOT));
    sim = await startSimulator({ site: loaded.site, profiles: loaded.profiles, ephemeralPorts: true, stepMs: 100 });
    const pcs = sim.site.devices.find((d) => d.id === 'pcs');
    assert.ok(pcs && isModbusTcpDevice(pcs));
    await modbus.connectTCP(pcs.connection.host, { port: pcs.connection.port });
    modbus.setID(pcs.connection.unitId);
    modbus.setTimeout(2000);
    assert.equal((await modbus.readHoldingRegisters(105, 1)).data[0], 300, 'the device starts with its own 30.0 % reserve');
    // the app: the demo's reserve (10 %), pointed at the running simulator's ports
    let site = demo;
    for (const d of sim.site.devices) {
      if (!isModbusTcpDevice(d)) continue;
      const re = new RegExp(`(- id: ${d.id}\\n[\\s\\S]*?port: )\\d+`);
      assert.match(site, re, d.id);
      site = site.replace(re, `$1${String(d.connection.port)}`);
    }
    writeFileSync(join(dir, 'site.yaml'), site);
    app = await composeApp({ mode: 'browser', sitePath: join(dir, 'site.yaml'), noSim: true, dataDir: join(dir, 'data'), web: { bind: '127.0.0.1', port: 0 } });
    users = await bootstrapUsers(app.host.url ?? '', app.host.setupToken);
    op = await signedIn(app.host.url ?? '', users.operator);
  });
  after(async () => {
    await op?.close();
    await users?.admin.close();
    await app?.stop();
    await new Promise<void>((r) => (modbus.isOpen ? modbus.close(() => r()) : r()));
    await sim?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the device had 30 %; the app writes 10 %, it reads back, and the write is audited', async () => {
    const raw = await waitFor(
      'MinSoc register at 10.0 %',
      async () => {
        const v = (await modbus.readHoldingRegisters(105, 1)).data[0];
        return v === 100 ? v : undefined;
      },
      30_000,
    );
    assert.equal(raw, 100);
    const st = await waitFor(
      'ess/MinSoc read back as 10 % in the app',
      async () => {
        const s = (await op.call<PointState[]>('points.read', { ids: ['ess/MinSoc'] }))[0];
        return s && s.quality.level === 'good' && s.value === 10 ? s : undefined;
      },
      15_000,
    );
    assert.equal(st.value, 10);
    const audit = await users.admin.call<Array<{ type: string; actor: string; target: string | null; outcome: string }>>('audit.query', { type: 'command.result', limit: 1000 });
    const rec = audit.find((a) => a.target === 'ess/MinSoc');
    assert.ok(rec, `no command.result for ess/MinSoc in ${JSON.stringify(audit.map((a) => [a.actor, a.target]))}`);
    assert.equal(rec.outcome, 'ok');
    assert.match(rec.actor, /site-reserve/);
  });
});
