/**
 * The Ampere partner cloud client against the CONTRACT TEST DOUBLE of the documented API
 * (drivers/ampere-cloud/contract-double.ts; the real cloud cannot be reached from here). Every
 * documented endpoint, with the double checking each request strictly (no violation may be
 * recorded), and every error path: a bad API key, a wrong password, an expired token, 500
 * answers, slow answers, a reply that is not JSON, a reply with a field missing, and schedules
 * the client must refuse before sending.
 */
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { AmpereCloudClient, CloudContractError, CloudRefusal, CloudUnreachable } from '../../../drivers/ampere-cloud/client';
import { AmpereCloudContractDouble } from '../../../drivers/ampere-cloud/contract-double';

const ORG = 'GCut9dd030eh1KndCKRajQ';

function household(): AmpereCloudContractDouble {
  return new AmpereCloudContractDouble({
    apiKey: 'partner-key-7f3a',
    userName: 'maria@example.es',
    password: 'Olive-Harbour-42',
    organizationId: ORG,
    locations: [
      {
        locationId: 'loc-1',
        locationName: 'Casa Málaga',
        realTime: { soc: 63, batteryPower: -2400, meterPower: 850, pvPower: 3900, loadPower: 2350, online: true, gridBatFlow: false },
        devices: [
          {
            deviceId: 'tpro-1',
            deviceName: 'T-Pro 9 kW / 18 kWh',
            status: { batterySoc: 63, batteryPower: -2400, batteryTemperature: 27.5 },
            alerts: [{ alertId: 'a1', code: 'E12', message: 'Battery fan speed low', severity: 'warning', date: '2026-11-30T08:00:00Z', active: true }],
            schedules: [],
          },
        ],
      },
    ],
  });
}

describe('Ampere partner cloud client against the contract double', () => {
  const cloud = household();
  let url = '';
  const client = (over: Partial<ConstructorParameters<typeof AmpereCloudClient>[0]> = {}): AmpereCloudClient =>
    new AmpereCloudClient({ baseUrl: url, apiKey: 'partner-key-7f3a', userName: 'maria@example.es', password: 'Olive-Harbour-42', timeoutMs: 5000, attempts: 3, backoffMs: 20, ...over });

  before(async () => {
    url = await cloud.start();
  });
  after(async () => {
    await cloud.stop();
  });

  it('speaks every documented endpoint as documented (the double records no violation)', async () => {
    const c = client();
    const user = await c.profile();
    assert.equal(user.userId, 'u1');
    const locs = await c.locations(user.userId);
    assert.deepEqual(
      locs.map((l) => [l.locationId, l.devices.map((d) => d.deviceId)]),
      [['loc-1', ['tpro-1']]],
    );
    assert.equal((await c.settings('loc-1', ORG)).locationName, 'Casa Málaga');
    const rt = await c.realTime('loc-1');
    assert.equal(rt.soc, 63);
    assert.equal(rt.online, true);
    assert.ok(await c.performance('loc-1', '2026-11-01', '2026-11-30'));
    assert.ok(await c.achievements('loc-1', 'totals'));
    assert.ok(await c.achievements('loc-1', { weekly: '2026-11-23' }));
    assert.ok(await c.achievements('loc-1', { monthly: '2026-11-01' }));
    assert.deepEqual(await c.deviceStatus('tpro-1', ORG, ['batterySoc', 'batteryTemperature']), { batterySoc: 63, batteryTemperature: 27.5 });
    assert.ok(await c.deviceHistory('tpro-1', ORG, Date.UTC(2026, 10, 30, 0), Date.UTC(2026, 10, 30, 6)));
    assert.equal((await c.deviceAlerts('tpro-1', ORG))[0]?.message, 'Battery fan speed low');
    const h = Date.UTC(2026, 11, 1, 10);
    assert.match((await c.sendSchedule('tpro-1', ORG, [{ initTime: h, endTime: h + 3_600_000, power: 4.5 }, { initTime: h + 3_600_000, endTime: h + 7_200_000, power: -2 }])) ?? '', /2 slot/);
    assert.deepEqual(cloud.device('tpro-1').schedules.at(-1), [
      { initTime: '2026-12-01T10:00:00Z', endTime: '2026-12-01T11:00:00Z', power: 4.5 },
      { initTime: '2026-12-01T11:00:00Z', endTime: '2026-12-01T12:00:00Z', power: -2 },
    ]);
    assert.equal(c.logins, 1);
    assert.ok(c.bytesIn > 0 && c.bytesOut > 0);
    assert.deepEqual(cloud.violations, [], 'every request kept to the documented contract');
  });

  it('a bad API key and a wrong password are refusals that say so', async () => {
    await assert.rejects(client({ apiKey: 'nope' }).login(), (e: Error) => e instanceof CloudRefusal && /refused the sign-in of "maria@example.es": Invalid API key/.test(e.message));
    await assert.rejects(client({ password: 'wrong' }).realTime('loc-1'), (e: Error) => e instanceof CloudRefusal && /Wrong user name or password/.test(e.message));
  });

  it('an expired token is renewed once, and the request goes through', async () => {
    const c = client();
    await c.login();
    cloud.expireTokens();
    assert.equal((await c.realTime('loc-1')).soc, 63);
    assert.equal(c.logins, 2);
  });

  it('500 answers are retried with back-off; after the last attempt the error says what happened', async () => {
    const c = client();
    await c.login();
    cloud.failNext = 2;
    assert.equal((await c.realTime('loc-1')).soc, 63, 'third attempt answered');
    cloud.failNext = 3;
    await assert.rejects(c.realTime('loc-1'), (e: Error) => e instanceof CloudUnreachable && e.message === 'The Ampere cloud did not answer GET /locations/loc-1/real-time/info after 3 attempts: it answered 500: Internal server error');
    assert.equal(cloud.failNext, 0);
  });

  it('a slow cloud is given up on after the timeout of each attempt', async () => {
    const c = client({ attempts: 2, timeoutMs: 300 });
    await c.login();
    cloud.slowNext = 2;
    cloud.slowMs = 3000;
    await assert.rejects(c.deviceAlerts('tpro-1', ORG), (e: Error) => e instanceof CloudUnreachable && /after 2 attempts: no answer within 300 ms/.test(e.message));
    c.setTimeout(5000);
    cloud.slowNext = 0;
    assert.equal((await c.deviceAlerts('tpro-1', ORG)).length, 1, 'and works again when the cloud does');
  });

  it('a reply that is not JSON, or lacks a documented field, is a contract error naming the request and the field', async () => {
    const c = client();
    await c.login();
    cloud.garbleNext = true;
    await assert.rejects(c.realTime('loc-1'), (e: Error) => e instanceof CloudContractError && /reply to GET \/locations\/loc-1\/real-time\/info is not JSON \(status 200, it begins "<html>502 Bad Gateway/.test(e.message));
    cloud.dropSocNext = true;
    await assert.rejects(c.realTime('loc-1'), (e: Error) => e instanceof CloudContractError && /reply to GET \/locations\/loc-1\/real-time\/info has nothing at location_info\.soc \(number expected\)/.test(e.message));
  });

  it('refuses a schedule it cannot send as documented, before sending anything', async () => {
    const c = client();
    const before = cloud.requests.length;
    const h = Date.UTC(2026, 11, 1, 10);
    await assert.rejects(c.sendSchedule('tpro-1', ORG, [{ initTime: h + 60_000, endTime: h + 3_600_000, power: 1 }]), /slot 1 initTime must fall on a whole hour \(UTC\), got 2026-12-01T10:01:00.000Z/);
    await assert.rejects(c.sendSchedule('tpro-1', ORG, [{ initTime: h, endTime: h + 7_200_000, power: 1 }, { initTime: h + 3_600_000, endTime: h + 10_800_000, power: 1 }]), /slot 2 overlaps slot 1/);
    await assert.rejects(c.sendSchedule('tpro-1', ORG, [{ initTime: h, endTime: h + 3_600_000, power: Number.NaN }]), /slot 1: the power is not a number/);
    await assert.rejects(c.sendSchedule('tpro-1', ORG, []), /at least one slot/);
    await assert.rejects(c.performance('loc-1', '2026-11-30', '2026-11-01'), /starts \(2026-11-30\) after it ends/);
    assert.equal(cloud.requests.length, before, 'nothing reached the cloud');
    assert.deepEqual(cloud.violations, []);
  });

  it('the double itself refuses what breaks the contract (so a straying client fails its tests)', async () => {
    const post = (path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> =>
      fetch(url + path, { method: 'POST', headers: { 'Content-Type': 'application/json', 'x-api-key': 'partner-key-7f3a', ...headers }, body: JSON.stringify(body) });
    const token = ((await (await post('/login', { userName: 'maria@example.es', password: 'Olive-Harbour-42' })).json()) as { token: string }).token;
    const n = cloud.violations.length;
    assert.equal((await post('/login', { user: 'x', password: 'y' })).status, 400);
    assert.equal((await post(`/devices/tpro-1/organizations/${ORG}/schedule`, { schedule: [{ initTime: '2026-12-01T10:30:00Z', endTime: '2026-12-01T11:00:00Z', power: 1 }] }, { 'x-access-token': token })).status, 400);
    assert.equal((await post(`/devices/tpro-1/organizations/${ORG}/status`, { variables: ['notAVariable'] }, { 'x-access-token': token })).status, 400);
    assert.equal(cloud.violations.length, n + 3);
    assert.match(cloud.violations.at(-3) ?? '', /login body: missing userName; unexpected user/);
  });
});
