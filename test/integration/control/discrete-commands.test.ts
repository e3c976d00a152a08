/**
 * Issue #8 item 6: discrete commands. The PCS mode register accepted 7, 65535 and 0.5 (0.5
 * was written as 1, and a readback within 0.5 counted as success). Enumerated channels carry
 * their allowed states in the device profile; values outside them are refused before
 * anything reaches the device, and a discrete readback must match exactly.
 *
 * Part 1 runs the demo site (simulator over real Modbus TCP) through the real WebSocket API.
 * Part 2 uses a fake controller (a real ModbusProfileServer on loopback) that ignores one
 * mode: its readback is 99 for a command of 100, which the numeric tolerance (1 % of 100)
 * used to accept.
 */
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { PointMeta, PointState, SiteView } from '../../../core/common';
import { modbusProfileSchema } from '../../../core/common/site';
import type { CommandResult, SelectResult } from '../../../core/common/security';
import { composeApp, type App } from '../../../electron/compose';
import { ModbusProfileServer } from '../../../drivers/modbus/server';
import { bootstrapUsers, signedIn, type Bootstrapped } from '../../support/auth';
import { waitFor, type TestClient } from '../../support/ws-client';

async function operate(op: TestClient, siteId: string, target: string, value: number): Promise<string> {
  const sel = await op.call<SelectResult>('command.select', { siteId, target, value, reason: 'test' });
  if (!sel.ok) return `${sel.stage}/${sel.rule}`;
  const r = await op.call<CommandResult>('command.execute', { siteId, target, value, reason: 'test', confirmToken: sel.token });
  return r.ok ? `ok ${String(r.readback)}` : `${r.stage}/${r.rule}: ${r.message}`;
}

describe('discrete commands on the demo site: only the profile states of the PCS mode (issue #8 item 6)', () => {
  let app: App;
  let users: Bootstrapped;
  let op: TestClient;
  let site: SiteView;
  const dataDir = mkdtempSync(join(tmpdir(), 'esm-discrete-'));

  before(async () => {
    app = await composeApp({ mode: 'browser', ephemeralSimPorts: true, dataDir, web: { bind: '127.0.0.1', port: 0 } });
    users = await bootstrapUsers(app.host.url ?? '', app.host.setupToken);
    op = await signedIn(app.host.url ?? '', users.operator);
    site = await op.call<SiteView>('site.get');
    await op.call('auth.reauth', { password: users.operator.password });
  });
  after(async () => {
    await op?.close();
    await users?.admin.close();
    await app?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('the mode point carries its states from the profile, for the screens', async () => {
    const mode = (await op.call<PointMeta[]>('points.list')).find((p) => p.channel === 'Mode');
    assert.ok(mode);
    assert.deepEqual(mode.states, { 0: 'Remote setpoint', 1: 'Local peak shaving' });
  });

  it('refuses 7, 65535 and 0.5 at validation, naming the allowed states; nothing reaches the device', async () => {
    const mode = (await op.call<PointMeta[]>('points.list')).find((p) => p.channel === 'Mode');
    assert.ok(mode);
    const was = (await op.call<PointState[]>('points.read', { ids: [mode.id] }))[0]?.value;
    for (const value of [7, 65535, 0.5, -1]) {
      const sel: SelectResult = await op.call<SelectResult>('command.select', { siteId: site.id, target: mode.id, value, reason: 'test' });
      assert.ok(!sel.ok, `select ${value}: ${JSON.stringify(sel)}`);
      assert.equal(`${sel.stage}/${sel.rule}`, 'validation/value.not-a-state', `select ${value}`);
      assert.match(sel.message, /takes one of 0 \(Remote setpoint\), 1 \(Local peak shaving\)/);
      const direct: CommandResult = await op.call<CommandResult>('command.execute', { siteId: site.id, target: mode.id, value, reason: 'test' });
      assert.ok(!direct.ok && direct.rule === 'value.not-a-state', `execute ${value}: ${JSON.stringify(direct)}`);
    }
    const now = (await op.call<PointState[]>('points.read', { ids: [mode.id] }))[0]?.value;
    assert.equal(now, was, 'the mode did not change');
    // a state of the profile still works, read back exactly
    const target = was === 1 ? 0 : 1;
    assert.equal(await operate(op, site.id, mode.id, target), `ok ${target}`);
  });
});

describe('a discrete readback must match exactly (issue #8 item 6)', () => {
  const PROFILE = {
    id: 'fake-ctl',
    vendor: 'test',
    model: 'controller with coded modes',
    protocol: 'modbus',
    registers: [
      { channel: 'Mode', table: 'holding', address: 0, type: 'uint16', access: 'rw', states: { 0: 'Off', 99: 'Standby', 100: 'Run' } },
      { channel: 'Level', table: 'holding', address: 1, type: 'uint16', access: 'rw', unit: 'kW' },
    ],
  };
  const METER = {
    id: 'fake-meter',
    vendor: 'test',
    model: 'meter',
    protocol: 'modbus',
    registers: [{ channel: 'ActivePower', table: 'input', address: 0, type: 'int16', unit: 'kW' }],
  };
  const dir = mkdtempSync(join(tmpdir(), 'esm-discrete-rb-'));
  const ctl = new ModbusProfileServer(modbusProfileSchema.parse(PROFILE));
  const meter = new ModbusProfileServer(modbusProfileSchema.parse(METER));
  let app: App;
  let users: Bootstrapped;
  let op: TestClient;

  before(async () => {
    const ctlPort = await ctl.start();
    const meterPort = await meter.start();
    // the controller refuses to run: a Mode write of 100 falls back to Standby (99);
    // Level is a plain number that lands 1 below what was asked (within the tolerance)
    ctl.onWrite((ch, v) => {
      if (ch === 'Mode' && v === 100) ctl.set('Mode', 99);
      if (ch === 'Level') ctl.set('Level', Number(v) - 1);
    });
    mkdirSync(join(dir, 'profiles'));
    writeFileSync(join(dir, 'profiles', 'ctl.json'), JSON.stringify(PROFILE));
    writeFileSync(join(dir, 'profiles', 'meter.json'), JSON.stringify(METER));
    writeFileSync(
      join(dir, 'site.yaml'),
      `
site:
  id: disc
  name: Discrete site
  gridType: prosumer
  timezone: Europe/Madrid
  location: { latitude: 36.7, longitude: -4.5 }
  pcc: { meter: pcc, contractedPowerKw: 60 }
assets:
  - { id: ctl, name: Controller, kind: es-controller, nature: Controller }
  - { id: pcc, name: PCC meter, kind: smart-meter, nature: Meter, role: pcc }
devices:
  - { id: ctl-dev, name: Controller, protocol: modbus-tcp, connection: { host: 127.0.0.1, port: ${ctlPort} }, profile: fake-ctl, asset: ctl, pollMs: 100, timeoutMs: 500 }
  - { id: pcc-dev, name: Meter, protocol: modbus-tcp, connection: { host: 127.0.0.1, port: ${meterPort} }, profile: fake-meter, asset: pcc, pollMs: 100, timeoutMs: 500 }
`,
    );
    app = await composeApp({ mode: 'browser', sitePath: join(dir, 'site.yaml'), noSim: true, dataDir: join(dir, 'data'), web: { bind: '127.0.0.1', port: 0 } });
    users = await bootstrapUsers(app.host.url ?? '', app.host.setupToken);
    op = await signedIn(app.host.url ?? '', users.operator);
    await op.call('auth.reauth', { password: users.operator.password });
    await waitFor('controller online', async () => {
      const s = (await op.call<PointState[]>('points.read', { ids: ['ctl/Mode'] }))[0];
      return s?.quality.level === 'good' ? s : undefined;
    });
  });
  after(async () => {
    await op?.close();
    await users?.admin.close();
    await app?.stop();
    await ctl.stop();
    await meter.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a mode that reads back 99 after a command of 100 failed, though 99 is within 1 % of 100', async () => {
    assert.equal(await operate(op, 'disc', 'ctl/Mode', 99), 'ok 99');
    const r = await operate(op, 'disc', 'ctl/Mode', 100);
    assert.equal(r, 'readback/readback.mismatch: ctl/Mode reads 99 after 5 s, expected 100');
    assert.equal(ctl.get('Mode'), 99);
  });

  it('a plain number keeps its tolerance (0.5 unit or 1 %)', async () => {
    const r = await op.call<CommandResult>('command.execute', { siteId: 'disc', target: 'ctl/Level', value: 100, reason: 'test' });
    assert.ok(r.ok, JSON.stringify(r));
    assert.equal(r.readback, 99);
  });
});
