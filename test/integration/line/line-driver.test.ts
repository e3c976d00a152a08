/**
 * Decision 0001 made true: a protocol is a driver plus one line in the composition root.
 * The line protocol (drivers/line) is added to the application's drivers with one line
 * (`drivers: [...DRIVERS, lineDriver]`); nothing in core/ knows it. Its devices (a PCC meter
 * and a controller with enumerated modes) run next to a Modbus device over real sockets on
 * loopback, and the test sees their points, states, quality, status and statistics through
 * the real WebSocket API, commands them through the command pipeline, and watches the shared
 * connection supervisor mark them comm-fail and recover.
 *
 * A second app wraps the line driver's factory to observe what the host hands a driver:
 * start before the first bridge with its devices and data folder, stop after the last one,
 * and a sealed secret (the device's password) read through the narrow secrets accessor.
 */
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BridgeFactory, DeviceStatus, Driver, DriverContext, PointMeta, PointState } from '../../../core/common';
import { modbusProfileSchema } from '../../../core/common/site';
import type { CommandResult, SelectResult } from '../../../core/common/security';
import { DRIVERS, composeApp, type App } from '../../../electron/compose';
import { lineDriver } from '../../../drivers/line/bridge';
import { LineServer } from '../../../drivers/line/server';
import { ModbusProfileServer } from '../../../drivers/modbus/server';
import { bootstrapUsers, signedIn, type Bootstrapped } from '../../support/auth';
import { waitFor, type TestClient } from '../../support/ws-client';

const LINE_METER = {
  id: 'line-meter',
  vendor: 'test',
  model: 'meter speaking the line protocol',
  protocol: 'line',
  channels: [
    { channel: 'ActivePower', key: 'P', unit: 'kW', scale: 0.1 },
    { channel: 'Frequency', key: 'F', unit: 'Hz' },
  ],
};
const LINE_CTL = {
  id: 'line-ctl',
  vendor: 'test',
  model: 'controller speaking the line protocol',
  protocol: 'line',
  channels: [
    { channel: 'Mode', key: 'mode', access: 'rw', states: { 0: 'Auto', 1: 'Manual', 2: 'Off' } },
    { channel: 'Level', key: 'level', access: 'rw', unit: 'kW' },
    { channel: 'Alarm', key: 'alarm', type: 'boolean' },
  ],
};
const MODBUS_PV = {
  id: 'mb-pv',
  vendor: 'test',
  model: 'PV inverter',
  protocol: 'modbus',
  registers: [{ channel: 'ActivePower', table: 'input', address: 0, type: 'int16', scale: 0.1, unit: 'kW' }],
};

function writeSite(dir: string, ports: { meter: number; ctl: number; pv: number }, ctlConnection = ''): string {
  mkdirSync(join(dir, 'profiles'), { recursive: true });
  writeFileSync(join(dir, 'profiles', 'line-meter.json'), JSON.stringify(LINE_METER));
  writeFileSync(join(dir, 'profiles', 'line-ctl.json'), JSON.stringify(LINE_CTL));
  writeFileSync(join(dir, 'profiles', 'mb-pv.json'), JSON.stringify(MODBUS_PV));
  const file = join(dir, 'site.yaml');
  writeFileSync(
    file,
    `
site:
  id: line-site
  name: Line protocol site
  gridType: prosumer
  timezone: Europe/Madrid
  location: { latitude: 36.7, longitude: -4.5 }
  pcc: { meter: pcc, contractedPowerKw: 60 }
assets:
  - { id: pcc, name: PCC meter, kind: smart-meter, nature: Meter, role: pcc }
  - { id: ctl, name: Controller, kind: es-controller, nature: Controller }
  - { id: pv, name: PV, kind: pv-array, nature: Pv }
devices:
  - { id: meter-dev, name: Line meter, protocol: line-tcp, connection: { host: 127.0.0.1, port: ${ports.meter} }, profile: line-meter, asset: pcc, pollMs: 100, timeoutMs: 500 }
  - { id: ctl-dev, name: Line controller, protocol: line-tcp, connection: { host: 127.0.0.1, port: ${ports.ctl}${ctlConnection} }, profile: line-ctl, asset: ctl, pollMs: 100, timeoutMs: 500 }
  - { id: pv-dev, name: Modbus PV, protocol: modbus-tcp, connection: { host: 127.0.0.1, port: ${ports.pv} }, profile: mb-pv, asset: pv, pollMs: 100, timeoutMs: 500 }
`,
  );
  return file;
}

describe('a second protocol added with one line sees its points in the CVT and the API', () => {
  const dir = mkdtempSync(join(tmpdir(), 'esm-line-'));
  const meter = new LineServer();
  let ctl = new LineServer();
  const pv = new ModbusProfileServer(modbusProfileSchema.parse(MODBUS_PV));
  let ctlPort = 0;
  let app: App;
  let users: Bootstrapped;
  let op: TestClient;
  const read = async (id: string): Promise<PointState> => (await op.call<PointState[]>('points.read', { ids: [id] }))[0] as PointState;
  const until = (id: string, pred: (s: PointState) => boolean, what: string, timeoutMs?: number): Promise<PointState> =>
    waitFor(
      what,
      async () => {
        const s = await read(id);
        return pred(s) ? s : undefined;
      },
      timeoutMs,
    );
  const device = async (id: string): Promise<DeviceStatus> => {
    const d = (await op.call<DeviceStatus[]>('devices.list')).find((x) => x.id === id);
    assert.ok(d, `device ${id}`);
    return d;
  };

  before(async () => {
    meter.set('P', 123);
    meter.set('F', 50);
    ctl.set('mode', 0);
    ctl.set('level', 10);
    ctl.set('alarm', false);
    ctlPort = await ctl.start();
    const sitePath = writeSite(dir, { meter: await meter.start(), ctl: ctlPort, pv: await pv.start() });
    pv.set('ActivePower', 4.2);
    app = await composeApp({
      mode: 'browser',
      sitePath,
      noSim: true,
      dataDir: join(dir, 'data'),
      web: { bind: '127.0.0.1', port: 0 },
      drivers: [...DRIVERS, lineDriver], // ← the one line that adds a protocol
    });
    users = await bootstrapUsers(app.host.url ?? '', app.host.setupToken);
    op = await signedIn(app.host.url ?? '', users.operator);
  });
  after(async () => {
    await op?.close();
    await users?.admin.close();
    await app?.stop();
    await meter.stop();
    await ctl.stop();
    await pv.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists the line devices’ points with units and states, beside the Modbus one', async () => {
    const metas = await op.call<PointMeta[]>('points.list');
    const byId = new Map(metas.map((m) => [m.id, m]));
    assert.deepEqual([...byId.keys()].sort(), ['ctl/Alarm', 'ctl/Level', 'ctl/Mode', 'pcc/ActivePower', 'pcc/Frequency', 'pv/ActivePower']);
    assert.equal(byId.get('pcc/ActivePower')?.unit, 'kW');
    assert.equal(byId.get('pcc/ActivePower')?.deviceId, 'meter-dev');
    assert.deepEqual(byId.get('ctl/Mode')?.states, { 0: 'Auto', 1: 'Manual', 2: 'Off' });
    assert.equal(byId.get('ctl/Alarm')?.type, 'boolean');
  });

  it('publishes good values, scaled, to the CVT and follows the device', async () => {
    await until('pcc/ActivePower', (s) => s.quality.level === 'good' && s.value === 12.3, 'meter power 12.3 kW');
    await until('pv/ActivePower', (s) => s.quality.level === 'good' && s.value === 4.2, 'Modbus PV 4.2 kW');
    meter.set('P', -55);
    await until('pcc/ActivePower', (s) => s.value === -5.5, 'meter power -5.5 kW');
    const d = await device('meter-dev');
    assert.equal(d.state, 'online');
    assert.equal(d.protocol, 'line-tcp');
    assert.ok(d.stats && d.stats.ok > 0 && d.stats.bytesIn > 0 && d.stats.bytesOut > 0, JSON.stringify(d.stats));
    assert.equal(d.stats.successRate, 1);
  });

  it('commands a line device through the pipeline, refuses a value outside its states', async () => {
    const level = await op.call<CommandResult>('command.execute', { siteId: 'line-site', target: 'ctl/Level', value: 20, reason: 'test' });
    assert.ok(level.ok, JSON.stringify(level));
    assert.equal(level.readback, 20);
    assert.deepEqual(ctl.writes.at(-1), { key: 'level', value: '20' });
    await op.call('auth.reauth', { password: users.operator.password });
    const bad = await op.call<SelectResult>('command.select', { siteId: 'line-site', target: 'ctl/Mode', value: 5, reason: 'test' });
    assert.ok(!bad.ok && bad.rule === 'value.not-a-state', JSON.stringify(bad));
    const sel = await op.call<SelectResult>('command.select', { siteId: 'line-site', target: 'ctl/Mode', value: 2, reason: 'test' });
    assert.ok(sel.ok, JSON.stringify(sel));
    const mode = await op.call<CommandResult>('command.execute', { siteId: 'line-site', target: 'ctl/Mode', value: 2, reason: 'test', confirmToken: sel.token });
    assert.ok(mode.ok, JSON.stringify(mode));
    assert.equal(ctl.get('mode'), '2');
    ctl.readOnly.add('level');
    const refused = await op.call<CommandResult>('command.execute', { siteId: 'line-site', target: 'ctl/Level', value: 30, reason: 'test' });
    assert.ok(!refused.ok && refused.stage === 'write', JSON.stringify(refused));
    assert.match(refused.message, /cannot set level/);
    assert.equal((await device('ctl-dev')).state, 'online', 'a refusal by the device keeps the link');
  });

  it('the shared supervisor marks a lost device comm-fail and reconnects when it is back', async () => {
    await ctl.stop();
    const bad = await until('ctl/Level', (s) => s.quality.level === 'bad', 'controller points bad');
    assert.deepEqual(bad.quality, { level: 'bad', reason: 'comm-fail' });
    assert.equal(bad.value, 20, 'bad with the last good value');
    const down = await waitFor('controller offline', async () => {
      const d = await device('ctl-dev');
      return d.state === 'offline' ? d : undefined;
    });
    assert.ok(down.lastError, 'the cause is shown');
    assert.equal((await read('pcc/ActivePower')).quality.level, 'good', 'the other devices keep running');
    ctl = new LineServer({ port: ctlPort });
    ctl.set('mode', 1);
    ctl.set('level', 7);
    ctl.set('alarm', true);
    await ctl.start();
    await until('ctl/Level', (s) => s.quality.level === 'good' && s.value === 7, 'controller back', 15_000);
    const d = await device('ctl-dev');
    assert.equal(d.state, 'online');
    assert.ok((d.stats?.reconnects ?? 0) >= 1, JSON.stringify(d.stats));
    assert.ok((d.stats?.failed ?? 0) >= 1 && (d.stats?.successRate ?? 1) < 1, JSON.stringify(d.stats));
    assert.equal((await read('ctl/Alarm')).value, true);
  });
});

describe('what the host hands a driver: factory start/stop, data folder, secrets', () => {
  const dir = mkdtempSync(join(tmpdir(), 'esm-line-ctx-'));
  const meter = new LineServer();
  const ctl = new LineServer({ password: 'Quartz-Lantern-31' });
  const pv = new ModbusProfileServer(modbusProfileSchema.parse(MODBUS_PV));
  const events: string[] = [];
  let started: DriverContext | undefined;
  let app: App;
  let users: Bootstrapped;

  /** the line driver, its factory wrapped to record what the host does with it */
  const observed: Driver = {
    definition: lineDriver.definition,
    createFactory(): BridgeFactory {
      const inner = lineDriver.createFactory();
      return {
        protocols: inner.protocols,
        create(ctx) {
          const b = inner.create(ctx);
          return {
            deviceId: b.deviceId,
            start: async () => {
              events.push(`bridge start ${b.deviceId}`);
              await b.start();
            },
            stop: async () => {
              await b.stop();
              events.push(`bridge stop ${b.deviceId}`);
            },
            status: () => b.status(),
            onStatus: (h) => b.onStatus(h),
            write: (c, v) => b.write(c, v),
            read: (c) => (b.read ? b.read(c) : Promise.reject(new Error('no read'))),
          };
        },
        async start(ctx) {
          started = ctx;
          events.push(`factory start ${ctx.devices.map((d) => d.id).join(',')}`);
        },
        async stop() {
          events.push('factory stop');
        },
      };
    },
  };

  before(async () => {
    meter.set('P', 1);
    meter.set('F', 50);
    ctl.set('mode', 0);
    ctl.set('level', 3);
    ctl.set('alarm', false);
    const sitePath = writeSite(dir, { meter: await meter.start(), ctl: await ctl.start(), pv: await pv.start() }, ', passwordSecret: ctl-password');
    app = await composeApp({ mode: 'browser', sitePath, noSim: true, dataDir: join(dir, 'data'), web: { bind: '127.0.0.1', port: 0 }, drivers: [...DRIVERS, observed] });
    users = await bootstrapUsers(app.host.url ?? '', app.host.setupToken);
  });
  after(async () => {
    await users?.admin.close();
    await app?.stop();
    await meter.stop();
    await ctl.stop();
    await pv.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts the factory once, with its devices and its own data folder, before any of its bridges', () => {
    assert.equal(events[0], 'factory start meter-dev,ctl-dev');
    assert.deepEqual(events.slice(1).sort(), ['bridge start ctl-dev', 'bridge start meter-dev']);
    assert.equal(started?.siteId, 'line-site');
    assert.equal(started?.dataDir, join(dir, 'data', 'drivers', 'line-tcp'));
  });

  it('a device whose password is a sealed secret stays offline, naming the secret, until it is stored', async () => {
    const admin = users.admin;
    const status = async (): Promise<DeviceStatus | undefined> => (await admin.call<DeviceStatus[]>('devices.list')).find((d) => d.id === 'ctl-dev');
    const down = await waitFor('controller offline', async () => {
      const d = await status();
      return d?.state === 'offline' && d.lastError ? d : undefined;
    });
    assert.match(down.lastError ?? '', /the secret "ctl-password" \(its password\) is not stored/);
    assert.equal(ctl.connections <= 1, true);
    await admin.call('secrets.set', { id: 'ctl-password', siteId: 'line-site', description: 'line controller password', value: 'Quartz-Lantern-31' });
    await waitFor(
      'controller online with the secret',
      async () => {
        const p = (await admin.call<PointState[]>('points.read', { ids: ['ctl/Level'] }))[0];
        return p?.quality.level === 'good' && p.value === 3 ? p : undefined;
      },
      20_000,
    );
    assert.equal((await status())?.state, 'online');
  });

  it('stops the factory after the last of its bridges', async () => {
    await app.stop();
    assert.equal(events.at(-1), 'factory stop');
    assert.deepEqual(events.slice(-3, -1).sort(), ['bridge stop ctl-dev', 'bridge stop meter-dev']);
  });
});
