/**
 * Issue #8 item 2: a device reporting SoC or PCC power as float32 NaN. Two fake Modbus
 * devices (real ModbusProfileServers on loopback, no simulator) serve a battery and a PCC
 * meter; the app runs with its real Modbus bridges, CVT, command pipeline and WebSocket API.
 * NaN must turn the point bad (reason device), and the interlocks must refuse on it: a 30 kW
 * discharge at SoC NaN and a 50 kW charge at PCC NaN.
 */
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import type { AlarmListRes, PointState } from '../../../core/common';
import { modbusProfileSchema } from '../../../core/common/site';
import type { CommandResult } from '../../../core/common/security';
import { composeApp, type App } from '../../../electron/compose';
import { ModbusProfileServer } from '../../../drivers/modbus/server';
import { bootstrapUsers, signedIn, type Bootstrapped } from '../../support/auth';
import { waitFor, type TestClient } from '../../support/ws-client';

const ESS_PROFILE = {
  id: 'float-ess',
  vendor: 'test',
  model: 'battery reporting float32',
  protocol: 'modbus',
  registers: [
    { channel: 'Soc', table: 'input', address: 0, type: 'float32', unit: '%' },
    { channel: 'ActivePower', table: 'input', address: 2, type: 'float32', unit: 'kW' },
    { channel: 'SetActivePower', table: 'holding', address: 100, type: 'float32', unit: 'kW', access: 'rw' },
  ],
};
const METER_PROFILE = {
  id: 'float-meter',
  vendor: 'test',
  model: 'meter reporting float32',
  protocol: 'modbus',
  registers: [{ channel: 'ActivePower', table: 'input', address: 0, type: 'float32', unit: 'kW' }],
};
const NAN = [0x7fc0, 0x0000];

/** The demo site's quality alarms on the battery SoC and the PCC power, on this site's points. */
function demoQualityAlarms(): string {
  const demo = parse(readFileSync(join(__dirname, '..', '..', '..', 'assets', 'sites', 'demo', 'site.yaml'), 'utf8')) as { alarms: { definitions: Array<{ id: string; point?: string }> } };
  const defs = demo.alarms.definitions.filter((d) => d.id === 'ess.soc.Q' || d.id === 'pcc-meter.power.Q');
  assert.equal(defs.length, 2, 'the demo site has quality alarms on ess/Soc and pcc-meter/ActivePower');
  return defs.map((d) => `    - ${JSON.stringify({ ...d, point: d.point === 'pcc-meter/ActivePower' ? 'pcc/ActivePower' : d.point })}`).join('\n');
}

function siteYaml(essPort: number, meterPort: number): string {
  return `
site:
  id: nan-site
  name: NaN test site
  gridType: prosumer
  timezone: Europe/Madrid
  location: { latitude: 36.7, longitude: -4.5 }
  pcc: { meter: pcc, contractedPowerKw: 60 }
assets:
  - id: ess
    name: Battery
    kind: ess
    nature: Ess
    rating: { powerKw: 100, capacityKwh: 120 }
    limits: { maxChargeKw: 100, maxDischargeKw: 100, socMinPct: 10, socMaxPct: 95 }
    points:
      SetActivePower: { min: -100, max: 100 }
  - id: pcc
    name: PCC meter
    kind: smart-meter
    nature: Meter
    role: pcc
devices:
  - { id: ess-dev, name: Battery device, protocol: modbus-tcp, connection: { host: 127.0.0.1, port: ${essPort}, unitId: 1 }, profile: float-ess, asset: ess, pollMs: 100, timeoutMs: 500 }
  - { id: pcc-dev, name: Meter device, protocol: modbus-tcp, connection: { host: 127.0.0.1, port: ${meterPort}, unitId: 1 }, profile: float-meter, asset: pcc, pollMs: 100, timeoutMs: 500 }
alarms:
  definitions:
${demoQualityAlarms()}
`;
}

describe('NaN from a device is bad quality and the interlocks refuse on it (issue #8 item 2)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'esm-nan-'));
  const ess = new ModbusProfileServer(modbusProfileSchema.parse(ESS_PROFILE));
  const meter = new ModbusProfileServer(modbusProfileSchema.parse(METER_PROFILE));
  let app: App;
  let users: Bootstrapped;
  let op: TestClient;

  const point = async (id: string): Promise<PointState> => (await op.call<PointState[]>('points.read', { ids: [id] }))[0] as PointState;
  const execute = (value: number): Promise<CommandResult> =>
    op.call<CommandResult>('command.execute', { siteId: 'nan-site', target: 'ess/SetActivePower', value, unit: 'kW', reason: 'test' });
  const outcome = async (value: number): Promise<string> => {
    const r = await execute(value);
    return r.ok ? 'ok' : `${r.stage}/${r.rule}`;
  };
  const until = (id: string, pred: (s: PointState) => boolean, what: string): Promise<PointState> =>
    waitFor(what, async () => {
      const s = await point(id);
      return pred(s) ? s : undefined;
    });

  before(async () => {
    const essPort = await ess.start();
    const meterPort = await meter.start();
    ess.set('Soc', 50);
    ess.set('ActivePower', 0);
    meter.set('ActivePower', 20);
    // the device applies a setpoint at once (its measured power follows)
    ess.onWrite((ch, v) => ch === 'SetActivePower' && ess.set('ActivePower', Number(v)));
    mkdirSync(join(dir, 'profiles'));
    writeFileSync(join(dir, 'profiles', 'float-ess.yaml'), JSON.stringify(ESS_PROFILE));
    writeFileSync(join(dir, 'profiles', 'float-meter.yaml'), JSON.stringify(METER_PROFILE));
    writeFileSync(join(dir, 'site.yaml'), siteYaml(essPort, meterPort));
    app = await composeApp({ mode: 'browser', sitePath: join(dir, 'site.yaml'), noSim: true, dataDir: join(dir, 'data'), web: { bind: '127.0.0.1', port: 0 } });
    users = await bootstrapUsers(app.host.url ?? '', app.host.setupToken);
    op = await signedIn(app.host.url ?? '', users.operator);
    await until('ess/Soc', (s) => s.quality.level === 'good' && s.value === 50, 'SoC 50 % good');
    await until('pcc/ActivePower', (s) => s.quality.level === 'good' && s.value === 20, 'PCC 20 kW good');
  });
  after(async () => {
    await op?.close();
    await users?.admin.close();
    await app?.stop();
    await ess.stop();
    await meter.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('SoC NaN: the point is bad (device) and a 30 kW discharge is refused (it was refused at SoC 5 % too)', async () => {
    ess.set('Soc', 5);
    await until('ess/Soc', (s) => s.value === 5, 'SoC 5 %');
    assert.equal(await outcome(30), 'interlock/interlock.soc-min');

    ess.setRaw('input', 0, NAN);
    const s = await until('ess/Soc', (x) => x.quality.level !== 'good', 'SoC not good');
    assert.deepEqual(s.quality, { level: 'bad', reason: 'device' });
    assert.equal(await outcome(30), 'interlock/interlock.soc-unknown');
    assert.equal(ess.get('SetActivePower'), 0, 'nothing was written to the device');

    ess.set('Soc', 50);
    await until('ess/Soc', (x) => x.quality.level === 'good' && x.value === 50, 'SoC good again');
  });

  it('PCC power NaN: the point is bad (device) and a 50 kW charge is refused (as at 59 kW)', async () => {
    meter.set('ActivePower', 59);
    await until('pcc/ActivePower', (s) => s.value === 59, 'PCC 59 kW');
    assert.equal(await outcome(-50), 'interlock/interlock.contracted-power');

    meter.setRaw('input', 0, NAN);
    const s = await until('pcc/ActivePower', (x) => x.quality.level !== 'good', 'PCC not good');
    assert.deepEqual(s.quality, { level: 'bad', reason: 'device' });
    assert.equal(await outcome(-50), 'interlock/interlock.pcc-unknown');
    assert.equal(ess.get('SetActivePower'), 0, 'nothing was written to the device');

    // +Infinity is no better
    meter.set('ActivePower', 30);
    await until('pcc/ActivePower', (x) => x.quality.level === 'good' && x.value === 30, 'PCC 30 kW good');
    meter.setRaw('input', 0, [0x7f80, 0x0000]);
    await until('pcc/ActivePower', (x) => x.quality.level === 'bad' && x.quality.reason === 'device', 'PCC bad again');
    assert.equal(await outcome(-50), 'interlock/interlock.pcc-unknown');

    // and with good values again, a command within the limits goes through
    meter.set('ActivePower', 20);
    await until('pcc/ActivePower', (x) => x.quality.level === 'good' && x.value === 20, 'PCC good again');
    assert.equal(await outcome(-10), 'ok');
    assert.equal(ess.get('SetActivePower'), -10);
  });

  it("a NaN SoC and a NaN PCC power held for more than a few seconds raise the demo's high-priority quality alarms naming the point", async () => {
    const active = async (): Promise<AlarmListRes['alarms']> => (await op.call<AlarmListRes>('alarms.list', { view: 'live' })).alarms.filter((a) => a.active);
    assert.deepEqual((await active()).filter((a) => a.id.endsWith('.Q')), [], 'no quality alarm while the values are good');
    ess.setRaw('input', 0, NAN);
    meter.setRaw('input', 0, NAN);
    await until('ess/Soc', (x) => x.quality.level === 'bad' && x.quality.reason === 'device', 'SoC bad');
    const alarms = await waitFor(
      'both quality alarms',
      async () => {
        const a = await active();
        const soc = a.find((x) => x.id === 'ess.soc.Q');
        const pcc = a.find((x) => x.id === 'pcc-meter.power.Q');
        return soc && pcc ? { soc, pcc } : undefined;
      },
      20_000,
    );
    assert.equal(alarms.soc.priority, 'high');
    assert.equal(alarms.pcc.priority, 'high');
    assert.match(alarms.soc.message, /ess\/Soc/);
    assert.match(alarms.pcc.message, /ActivePower/);
    // good values again: the alarms return to normal
    ess.set('Soc', 50);
    meter.set('ActivePower', 20);
    await waitFor('quality alarms cleared', async () => ((await active()).some((a) => a.id.endsWith('.Q')) ? undefined : true), 20_000);
  });
});
