/**
 * A T-Pro household managed through the Ampere partner cloud appears in ES Manager like any
 * other device: the app (real host, real WebSocket API, the driver from DRIVERS) talks to the
 * CONTRACT TEST DOUBLE of the cloud API on loopback (the real cloud cannot be reached here).
 * - The API key and password are sealed secrets; without them the device says which is missing.
 * - Real-time info and alerts become points with units and quality; an active alert raises the
 *   site's alarm.
 * - A battery setpoint goes through the command pipeline (permission, reason, audit) and
 *   reaches the cloud as a one-hour schedule slot, read back.
 * - An expired token is renewed without a gap; a cloud that fails marks the points
 *   bad/comm-fail with their last value, and they recover when it answers again.
 */
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AlarmListRes, DeviceStatus, PointState } from '../../../core/common';
import type { CommandResult } from '../../../core/common/security';
import { composeApp, type App } from '../../../electron/compose';
import { AmpereCloudContractDouble } from '../../../drivers/ampere-cloud/contract-double';
import { bootstrapUsers, signedIn, type Bootstrapped } from '../../support/auth';
import { waitFor, type TestClient } from '../../support/ws-client';

const ORG = 'GCut9dd030eh1KndCKRajQ';
const TPRO = {
  id: 'ampere-tpro-cloud',
  vendor: 'Ampere Energy',
  model: 'T-Pro through the partner cloud',
  protocol: 'ampere-cloud',
  channels: [
    { channel: 'Soc', source: 'realtime', key: 'soc', unit: '%' },
    { channel: 'ActivePower', source: 'realtime', key: 'batteryPower', unit: 'kW', scale: 0.001 },
    { channel: 'Temperature', source: 'status', key: 'batteryTemperature', unit: '°C' },
    { channel: 'SetActivePower', source: 'schedule', unit: 'kW', scale: -1 },
    { channel: 'ActiveAlerts', source: 'alerts', key: 'count' },
    { channel: 'AlertText', source: 'alerts', key: 'text' },
  ],
};
const METER = {
  id: 'ampere-meter-cloud',
  vendor: 'Ampere Energy',
  model: 'household meter through the partner cloud',
  protocol: 'ampere-cloud',
  channels: [{ channel: 'ActivePower', source: 'realtime', key: 'meterPower', unit: 'kW', scale: 0.001 }],
};

describe('a T-Pro household through the Ampere partner cloud', () => {
  const dir = mkdtempSync(join(tmpdir(), 'esm-ampere-'));
  const cloud = new AmpereCloudContractDouble({
    apiKey: 'partner-key-7f3a',
    userName: 'maria@example.es',
    password: 'Olive-Harbour-42',
    organizationId: ORG,
    locations: [
      {
        locationId: 'loc-1',
        locationName: 'Casa Málaga',
        realTime: { soc: 63, batteryPower: -2400, meterPower: 850, pvPower: 3900, loadPower: 2350, online: true },
        devices: [{ deviceId: 'tpro-1', deviceName: 'T-Pro 9 kW', status: { batterySoc: 63, batteryPower: -2400, batteryTemperature: 27.5 }, alerts: [], schedules: [] }],
      },
    ],
  });
  let app: App;
  let users: Bootstrapped;
  let op: TestClient;
  const read = async (id: string): Promise<PointState> => (await op.call<PointState[]>('points.read', { ids: [id] }))[0] as PointState;
  const until = (id: string, pred: (s: PointState) => boolean, what: string): Promise<PointState> =>
    waitFor(
      what,
      async () => {
        const s = await read(id);
        return pred(s) ? s : undefined;
      },
      15_000,
    );
  const device = async (id: string): Promise<DeviceStatus> => {
    const d = (await op.call<DeviceStatus[]>('devices.list')).find((x) => x.id === id);
    assert.ok(d, `device ${id}`);
    return d;
  };

  before(async () => {
    const url = await cloud.start();
    mkdirSync(join(dir, 'profiles'));
    writeFileSync(join(dir, 'profiles', 'tpro.json'), JSON.stringify(TPRO));
    writeFileSync(join(dir, 'profiles', 'meter.json'), JSON.stringify(METER));
    const conn = `{ baseUrl: "${url}", apiKeySecret: ampere-key, userName: maria@example.es, passwordSecret: ampere-password, organizationId: ${ORG}, locationId: loc-1, attempts: 2 }`;
    writeFileSync(
      join(dir, 'site.yaml'),
      `
site:
  id: casa
  name: Casa Málaga (T-Pro through the Ampere cloud)
  gridType: prosumer
  timezone: Europe/Madrid
  location: { latitude: 36.7, longitude: -4.4 }
  pcc: { meter: pcc, contractedPowerKw: 8 }
assets:
  - { id: pcc, name: House meter, kind: smart-meter, nature: Meter, role: pcc }
  - { id: ess, name: T-Pro battery, kind: ess, nature: Ess }
devices:
  - { id: cloud-meter, name: Ampere cloud meter, protocol: ampere-cloud, connection: ${conn}, profile: ampere-meter-cloud, asset: pcc, pollMs: 300, timeoutMs: 2000 }
  - { id: cloud-ess, name: Ampere cloud T-Pro, protocol: ampere-cloud, connection: ${conn}, profile: ampere-tpro-cloud, asset: ess, pollMs: 300, timeoutMs: 2000 }
alarms:
  definitions:
    - id: ess.cloud-alert
      type: limit
      point: ess/ActiveAlerts
      level: H
      setpoint: 0.5
      priority: medium
      class: equipment
      message: "T-Pro: the Ampere cloud reports an active alert"
      consequence: The household battery may stop or limit its power.
      response: Read the alert text on the battery page and call the installer if it stays.
`,
    );
    app = await composeApp({ mode: 'browser', sitePath: join(dir, 'site.yaml'), noSim: true, dataDir: join(dir, 'data'), web: { bind: '127.0.0.1', port: 0 } });
    users = await bootstrapUsers(app.host.url ?? '', app.host.setupToken);
    op = await signedIn(app.host.url ?? '', users.operator);
  });
  after(async () => {
    await op?.close();
    await users?.admin.close();
    await app?.stop();
    await cloud.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('says which secret is missing, then comes online with the sealed key and password', async () => {
    const down = await waitFor('device names the missing secret', async () => {
      const d = await device('cloud-ess');
      return /the secret "ampere-key" \(the partner API key\) is not stored/.test(d.lastError ?? '') ? d : undefined;
    });
    assert.notEqual(down.state, 'online');
    await users.admin.call('secrets.set', { id: 'ampere-key', siteId: 'casa', description: 'Ampere partner x-api-key', value: 'partner-key-7f3a' });
    await users.admin.call('secrets.set', { id: 'ampere-password', siteId: 'casa', description: 'password of maria@example.es', value: 'Olive-Harbour-42' });
    const soc = await until('ess/Soc', (s) => s.quality.level === 'good', 'SoC from the cloud');
    assert.equal(soc.value, 63);
    assert.equal((await read('ess/ActivePower')).value, -2.4);
    assert.equal((await read('ess/Temperature')).value, 27.5);
    assert.equal((await until('pcc/ActivePower', (s) => s.quality.level === 'good', 'meter')).value, 0.85);
    assert.equal((await read('ess/ActiveAlerts')).value, 0);
    const d = await device('cloud-ess');
    assert.equal(d.state, 'online');
    assert.ok(d.stats && d.stats.ok > 0 && d.stats.bytesIn > 0, JSON.stringify(d.stats));
    assert.deepEqual(cloud.violations, []);
  });

  it('a cloud alert becomes a point and raises the site alarm', async () => {
    cloud.device('tpro-1').alerts.push({ alertId: 'a7', code: 'E12', message: 'Battery fan speed low', severity: 'warning', date: '2026-12-01T09:00:00Z', active: true });
    await until('ess/ActiveAlerts', (s) => s.value === 1, 'alert counted');
    assert.equal((await read('ess/AlertText')).value, 'E12: Battery fan speed low');
    const alarm = await waitFor('alarm raised', async () => (await op.call<AlarmListRes>('alarms.list', { view: 'live' })).alarms.find((a) => a.id === 'ess.cloud-alert' && a.active));
    assert.match(alarm.message, /Ampere cloud reports an active alert/);
  });

  it('a battery setpoint goes through the pipeline and reaches the cloud as this hour’s schedule slot', async () => {
    const hour = Math.floor(Date.now() / 3_600_000) * 3_600_000;
    const r = await op.call<CommandResult>('command.execute', { siteId: 'casa', target: 'ess/SetActivePower', value: 3, reason: 'test', comment: 'evening peak: discharge 3 kW' });
    assert.ok(r.ok, JSON.stringify(r));
    assert.equal(r.readback, 3);
    const sent = cloud.device('tpro-1').schedules.at(-1);
    const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');
    // the same hour unless the clock crossed one meanwhile
    assert.ok(sent && sent.length === 1 && sent[0]!.power === -3, JSON.stringify(sent));
    assert.ok([iso(hour), iso(hour + 3_600_000)].includes(sent[0]!.initTime), JSON.stringify(sent));
    const audit = await users.admin.call<{ entries: Array<{ action: string; target?: string; detail?: unknown }> }>('audit.query', { limit: 20 });
    assert.ok(JSON.stringify(audit).includes('ess/SetActivePower'), 'the command is audited');
  });

  it('renews an expired token without a gap, marks comm-fail when the cloud fails, and recovers', async () => {
    cloud.expireTokens();
    cloud.o.locations[0]!.realTime.soc = 64;
    await until('ess/Soc', (s) => s.value === 64 && s.quality.level === 'good', 'new SoC after the token expired');
    assert.equal((await device('cloud-ess')).state, 'online', 'an expired token is not an outage');
    cloud.failNext = 10_000;
    const bad = await until('ess/Soc', (s) => s.quality.level === 'bad', 'points bad while the cloud fails');
    assert.deepEqual(bad.quality, { level: 'bad', reason: 'comm-fail' });
    assert.equal(bad.value, 64, 'with the last value');
    assert.match((await device('cloud-ess')).lastError ?? '', /did not answer .* after 2 attempts: it answered 500/);
    cloud.failNext = 0;
    await until('ess/Soc', (s) => s.quality.level === 'good', 'recovered');
    assert.deepEqual(cloud.violations, []);
  });
});
