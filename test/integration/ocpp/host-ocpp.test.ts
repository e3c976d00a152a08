/**
 * OCPP in the running application, through its real WebSocket API: the app is the central
 * system (drivers/ocpp, one server on an ephemeral port) and the simulator's charge points
 * connect to it as OCPP clients (drivers/sim/serve/ocpp.ts), driving the plant's EV chargers.
 *
 * - the chargers are devices online with statistics; their points are live with units;
 * - commands go through the command pipeline: a viewer is refused, a limit above the rating is
 *   refused before anything reaches the charge point, a charging limit is a SetChargingProfile
 *   confirmed by the charge point's Power.Offered (readback from the CVT), RemoteStart and
 *   RemoteStop are confirmed by the transaction the charge point reports, each audited;
 * - security profile 1 in the host: a charge point whose password is a sealed secret connects
 *   once an administrator stored the secret, and not with a wrong password.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { DeviceStatus, PointState } from '../../../core/common';
import type { CommandResult, SelectResult } from '../../../core/common/security';
import { isOcppDevice } from '../../../core/common/profiles/ocpp';
import { composeApp, type App } from '../../../electron/compose';
import { EvChargerModel } from '../../../drivers/sim/model/ev';
import { SimChargePoint } from '../../../drivers/sim/serve/ocpp';
import { bootstrapUsers, signedIn, type Bootstrapped } from '../../support/auth';
import { waitFor, type TestClient } from '../../support/ws-client';

const SITE = `
site:
  id: ev-site
  name: EV charging site
  gridType: prosumer
  timezone: Europe/Madrid
  location: { latitude: 36.7, longitude: -4.5 }
  pcc: { meter: pcc, contractedPowerKw: 60 }
assets:
  - { id: pcc, name: PCC meter, kind: smart-meter, nature: Meter, role: pcc }
  - id: evse1
    name: Charger 1
    kind: ev-charger
    nature: Evse
    rating: { powerKw: 22 }
    points: { ChargePowerLimit: { min: 0, max: 22 } }
  - id: evse2
    name: Charger 2
    kind: ev-charger
    nature: Evse
    rating: { powerKw: 22 }
    points: { ChargePowerLimit: { min: 0, max: 22 } }
  - id: evse3
    name: Secured charger
    kind: ev-charger
    nature: Evse
    rating: { powerKw: 22 }
devices:
  - { id: pcc-dev, name: PCC meter, protocol: modbus-tcp, connection: { host: 127.0.0.1, port: 15023, unitId: 1 }, profile: janitza-umg96rm, asset: pcc, pollMs: 1000, simulated: true }
  - { id: cp1, name: Charge point 1, protocol: ocpp, connection: { identity: SIM-CP-1, port: 15180, heartbeatS: 30, meterSampleS: 1 }, profile: ocpp-ac-22kw, asset: evse1, pollMs: 30000, timeoutMs: 5000, simulated: true }
  - { id: cp2, name: Charge point 2, protocol: ocpp, connection: { identity: SIM-CP-2, port: 15180, heartbeatS: 30, meterSampleS: 1 }, profile: ocpp-ac-22kw, asset: evse2, pollMs: 30000, timeoutMs: 5000, simulated: true }
  - { id: cp3, name: Secured charge point, protocol: ocpp, connection: { identity: SECURE-CP, port: 15180, passwordSecret: cp3-password }, profile: ocpp-ac-22kw, asset: evse3, pollMs: 30000, timeoutMs: 5000 }
simulation:
  enabled: true
  speed: 1
`;

describe('OCPP charge points in the application: live connectors, commands through the pipeline, security profile 1', () => {
  const dir = mkdtempSync(join(tmpdir(), 'esm-ocpp-host-'));
  let app: App;
  let users: Bootstrapped;
  let op: TestClient;
  let viewer: TestClient;
  let url = '';
  const operate = async (target: string, v: number): Promise<CommandResult> => {
    const sel = await op.call<SelectResult>('command.select', { siteId: 'ev-site', target, value: v, reason: 'test' });
    if (!sel.ok) return sel as unknown as CommandResult;
    return op.call<CommandResult>('command.execute', { siteId: 'ev-site', target, value: v, reason: 'test', confirmToken: sel.token });
  };
  const read = async (id: string): Promise<PointState> => (await op.call<PointState[]>('points.read', { ids: [id] }))[0] as PointState;
  const device = async (id: string): Promise<DeviceStatus> => (await op.call<DeviceStatus[]>('devices.list')).find((x) => x.id === id)!;
  const value = (id: string, want: (v: unknown) => boolean) => async (): Promise<true | undefined> => {
    const p = await read(id);
    return p.quality.level === 'good' && want(p.value) ? true : undefined;
  };

  before(async () => {
    const sitePath = join(dir, 'site.yaml');
    writeFileSync(sitePath, SITE);
    app = await composeApp({ mode: 'browser', sitePath, ephemeralSimPorts: true, dataDir: join(dir, 'data'), web: { bind: '127.0.0.1', port: 0 } });
    const cp = app.loaded.site.devices.find((d) => d.id === 'cp1');
    const cp3 = app.loaded.site.devices.find((d) => d.id === 'cp3');
    assert.ok(cp && isOcppDevice(cp) && cp3 && isOcppDevice(cp3));
    assert.notEqual(cp.connection.port, 15180, 'the simulator gave the central system a free port');
    assert.equal(cp3.connection.port, cp.connection.port, 'one server for every charge point of the address');
    url = `ws://127.0.0.1:${cp.connection.port}/ocpp`;
    users = await bootstrapUsers(app.host.url ?? '', app.host.setupToken);
    op = await signedIn(app.host.url ?? '', users.operator);
    viewer = await signedIn(app.host.url ?? '', users.viewer);
  });
  after(async () => {
    await op?.close();
    await viewer?.close();
    await users?.admin.close();
    await app?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the simulated charge points connect to the central system; their connectors are live', async () => {
    await waitFor('both online', async () => ((await device('cp1')).state === 'online' && (await device('cp2')).state === 'online' ? true : undefined), 20_000);
    await waitFor('status known', value('evse1/Status', (v) => v === 0 || v === 1), 10_000);
    await waitFor('offered power known', value('evse1/PowerOffered', (v) => v === 22), 10_000);
    const d = await device('cp1');
    assert.equal(d.protocol, 'ocpp');
    assert.match(d.address, /SIM-CP-1#1$/);
    assert.equal(d.simulated, true);
    assert.ok(d.stats && d.stats.ok > 0 && d.stats.bytesIn > 0, JSON.stringify(d.stats));
    const p = await read('evse1/ActivePower');
    assert.equal(p.quality.level, 'good');
    assert.equal((await device('cp3')).state, 'connecting', 'the secured charge point has not connected');
  });

  it('commands: permission, limits, SetChargingProfile confirmed by Power.Offered, RemoteStart/Stop confirmed by the transaction, audited', async () => {
    await assert.rejects(viewer.call('command.execute', { siteId: 'ev-site', target: 'evse2/ChargePowerLimit', value: 10, reason: 'test' }), /forbidden|not allowed|permission/i);
    const over = await op.call<CommandResult>('command.execute', { siteId: 'ev-site', target: 'evse2/ChargePowerLimit', value: 30, reason: 'test' });
    assert.ok(!over.ok, JSON.stringify(over));
    assert.equal((await read('evse2/PowerOffered')).value, 22, 'nothing reached the charge point');

    const limit = await op.call<CommandResult>('command.execute', { siteId: 'ev-site', target: 'evse2/ChargePowerLimit', value: 9.2, reason: 'test' });
    assert.ok(limit.ok, JSON.stringify(limit));
    assert.equal(limit.readback, 9.2, 'read back from PowerOffered');
    const sim = app.sim!.plant().assets as Record<string, Record<string, number>>;
    assert.equal(sim.evse2?.ChargePowerLimit, 9.2, 'the plant charges within the TxDefaultProfile');

    // starting and stopping a session are critical commands (enumerated states): re-authentication and select-before-operate
    const plain = await op.call<CommandResult>('command.execute', { siteId: 'ev-site', target: 'evse2/Transaction', value: 1, reason: 'test' });
    assert.ok(!plain.ok && /select-required|reauth-required/.test(plain.rule ?? ''), JSON.stringify(plain));
    await op.call('auth.reauth', { password: users.operator.password });
    if ((await read('evse2/Transaction')).value === 1) {
      const stop0 = await operate('evse2/Transaction', 0);
      assert.ok(stop0.ok, JSON.stringify(stop0));
    }
    const start = await operate('evse2/Transaction', 1);
    assert.ok(start.ok, JSON.stringify(start));
    assert.equal(start.readback, 1);
    await waitFor('the remote session charges within the limit', value('evse2/ActivePower', (v) => Math.abs(Number(v) - 9.2) < 0.05), 15_000);
    assert.equal((await read('evse2/IdTag')).value, 'ESMANAGER');
    const stop = await operate('evse2/Transaction', 0);
    assert.ok(stop.ok, JSON.stringify(stop));
    assert.equal(stop.readback, 0);
    await waitFor('no power after the stop', value('evse2/ActivePower', (v) => v === 0), 15_000);

    const audit = await users.admin.call<Array<{ type: string; target?: string; outcome: string }>>('audit.query', { type: 'command.' });
    const mine = audit.filter((e) => e.target?.startsWith('evse2/'));
    assert.ok(mine.some((e) => e.target === 'evse2/ChargePowerLimit' && e.outcome === 'ok'), JSON.stringify(mine.slice(0, 6)));
    assert.ok(mine.some((e) => e.target === 'evse2/ChargePowerLimit' && e.outcome === 'refused'), JSON.stringify(mine.slice(0, 6)));
    assert.ok(mine.filter((e) => e.target === 'evse2/Transaction' && e.outcome === 'ok').length >= 2, JSON.stringify(mine.slice(0, 6)));
  });

  it('security profile 1: the password is a sealed secret; a wrong one is refused, the right one connects', async () => {
    const model = new EvChargerModel({ ratingKw: 22, schedule: false }, 1, 0);
    const conn = { connectorId: 1, ratingKw: 22, model, setLimitKw: (kw: number) => (model.limitKw = kw) };
    const wrong = new SimChargePoint({ endpoint: url, identity: 'SECURE-CP', password: 'not-it', connectors: [conn], now: Date.now });
    const right = new SimChargePoint({ endpoint: url, identity: 'SECURE-CP', password: 'Open-Sesame-7', connectors: [conn], now: Date.now });
    try {
      // before the secret is stored nobody gets in
      right.start();
      await waitFor('refused without a stored secret', async () => (/Unauthorized/.test(right.lastError ?? '') ? true : undefined), 10_000);
      await right.stop();
      await users.admin.call('secrets.set', { id: 'cp3-password', siteId: 'ev-site', description: 'OCPP basic auth of SECURE-CP', value: 'Open-Sesame-7' });
      wrong.start();
      await waitFor('the wrong password refused', async () => (/Unauthorized/.test(wrong.lastError ?? '') ? true : undefined), 10_000);
      await wrong.stop();
      const again = new SimChargePoint({ endpoint: url, identity: 'SECURE-CP', password: 'Open-Sesame-7', connectors: [conn], now: Date.now });
      try {
        again.start();
        const tick = setInterval(() => again.tick(), 100);
        try {
          await waitFor('the secured charge point online', async () => ((await device('cp3')).state === 'online' ? true : undefined), 15_000);
          await waitFor('its status', value('evse3/Status', (v) => v === 0), 10_000);
        } finally {
          clearInterval(tick);
        }
      } finally {
        await again.stop();
      }
      await waitFor('comm-fail when it leaves', async () => ((await read('evse3/Status')).quality.reason === 'comm-fail' ? true : undefined), 10_000);
    } finally {
      await Promise.all([wrong.stop(), right.stop()]);
    }
  });
});
