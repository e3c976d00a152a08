/**
 * Issue #9 item 3 (SoC window in the device's own modes): ES Manager writes the site's SoC
 * reserve (assets[ess].limits.socMinPct) to the battery's own MinSoc register once the device is
 * online, as a system command with an audit record. The simulator is started on its own,
 * commissioned with another reserve (30 %); the app, with the demo's 10 %, connects to it over
 * Modbus TCP and the register reads back 10.0 %.
 *
 * Issue #9 leftovers: the reserve is a run-time site parameter (socMinPct) changed through the
 * command pipeline; the battery, the SoC-low alarm and the limits follow. The peak-shaving limit
 * stored in the app database is pushed to the device at start-up (a restart against a device
 * that lost both values), each a system command with an audit record and read-back.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import ModbusRTU from 'modbus-serial';
import type { AlarmDefinition, AuditEntry, PointState, SiteParameterResult } from '../../../core/common';
import { isModbusTcpDevice } from '../../../core/common/site';
import { defaultProfileDirs, loadSite } from '../../../core/config/load';
import { startSimulator, type SimulatorHandle } from '../../../drivers/sim/serve';
import { composeApp, type App } from '../../../electron/compose';
import { ADMIN, bootstrapUsers, signedIn, type Bootstrapped } from '../../support/auth';
import { waitFor, type TestClient } from '../../support/ws-client';

const ROOT = join(__dirname, '..', '..', '..');

describe("the site's SoC reserve is written to the battery's own MinSoc", () => {
  const dir = mkdtempSync(join(tmpdir(), 'esm-reserve-'));
  let sim: SimulatorHandle;
  let app: App;
  let users: Bootstrapped;
  let op: TestClient;
  let siteId = '';
  const modbus = new ModbusRTU();
  const register = async (addr: number): Promise<number | undefined> => (await modbus.readHoldingRegisters(addr, 1)).data[0];
  const startApp = () => composeApp({ mode: 'browser', sitePath: join(dir, 'site.yaml'), noSim: true, dataDir: join(dir, 'data'), web: { bind: '127.0.0.1', port: 0 } });

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
    app = await startApp();
    users = await bootstrapUsers(app.host.url ?? '', app.host.setupToken);
    siteId = users.siteId;
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

  it('the operator raises the SoC reserve to 20 % through the pipeline: the battery, the SoC-low alarm and the audit log follow', async () => {
    const r = await op.call<SiteParameterResult>('site.parameters.set', { siteId, parameter: 'socMinPct', value: 20, reason: 'grid-request', comment: 'winter reserve' });
    assert.equal(r.ok, true, JSON.stringify(r));
    await waitFor('MinSoc register at 20.0 %', async () => ((await register(105)) === 200 ? true : undefined), 20_000);
    const defs = await users.admin.call<AlarmDefinition[]>('alarms.definitions.list');
    const low = defs.find((d) => d.type === 'limit' && d.setpointRef === 'socMinPct');
    assert.ok(low && low.type === 'limit', 'the demo has a SoC-low alarm on { ref: socMinPct }');
    assert.equal(low.setpoint, 20, 'the SoC-low alarm follows the reserve');
    // the result is recorded once the device has read back (just after the register changed)
    const write = await waitFor(
      'the write of the new reserve in the audit log',
      async () => (await users.admin.call<AuditEntry[]>('audit.query', { type: 'command.result', limit: 1000 })).find((a) => a.target === 'ess/MinSoc' && JSON.stringify(a.after).includes('20')),
      10_000,
    );
    assert.equal(write.outcome, 'ok');
    assert.match(write.actor, /site-reserve/);
    const param = (await users.admin.call<AuditEntry[]>('audit.query', { type: 'parameter.result' })).find((a) => a.actor === users.operator.username);
    assert.deepEqual([param?.before, param?.after], [{ socMinPct: 10 }, { socMinPct: 20 }]);
    // the site view shows the reserve in force, in %
    const limited = (await op.call<{ parameters?: Array<{ id: string; value: number; unit: string }> }>('site.get', {})).parameters?.find((p) => p.id === 'socMinPct');
    assert.deepEqual([limited?.value, limited?.unit], [20, '%']);
  });

  it('after a restart the stored peak-shaving limit and SoC reserve are pushed to a device that lost them, audited as system commands with read-back', async () => {
    const r = await op.call<SiteParameterResult>('site.parameters.set', { siteId, parameter: 'peakShavingLimitKw', value: 40, reason: 'grid-request' });
    assert.equal(r.ok, true, JSON.stringify(r));
    await waitFor('PeakShavingLimit register at 40.0 kW', async () => ((await register(103)) === 400 ? true : undefined), 20_000);
    await op.close();
    await users.admin.close();
    await app.stop();
    // the device restarts with its commissioned values while the app is away
    await modbus.writeRegister(103, 600);
    await modbus.writeRegister(105, 300);
    assert.equal(await register(103), 600);
    app = await startApp();
    const url = app.host.url ?? '';
    users = { ...users, admin: await signedIn(url, ADMIN) };
    op = await signedIn(url, users.operator);
    await waitFor('PeakShavingLimit register back at 40.0 kW', async () => ((await register(103)) === 400 ? true : undefined), 30_000);
    await waitFor('MinSoc register back at 20.0 %', async () => ((await register(105)) === 200 ? true : undefined), 30_000);
    const st = await waitFor(
      'ess/PeakShavingLimit read back as 40 kW in the app',
      async () => {
        const s = (await op.call<PointState[]>('points.read', { ids: ['ess/PeakShavingLimit'] }))[0];
        return s && s.quality.level === 'good' && s.value === 40 ? s : undefined;
      },
      15_000,
    );
    assert.equal(st.value, 40);
    const push = await waitFor(
      'a system command.result for ess/PeakShavingLimit',
      async () => (await users.admin.call<AuditEntry[]>('audit.query', { type: 'command.result', limit: 1000 })).find((a) => a.target === 'ess/PeakShavingLimit' && /site-parameters/.test(a.actor)),
      10_000,
    );
    assert.equal(push.outcome, 'ok');
    assert.match(JSON.stringify(push.after), /:40\b/, 'read back as 40 kW');
  });
});
