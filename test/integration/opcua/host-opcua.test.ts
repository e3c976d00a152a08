/**
 * OPC UA devices in the running application, through its real WebSocket API: a genset
 * controller behind a SignAndEncrypt endpoint with a user whose password is a sealed secret,
 * and a PCC meter on an insecure endpoint. The genset's certificate is refused until the
 * administrator trusts its thumbprint (devices.certificates / .trust, audited, refused to an
 * operator); then its points are live, a point is read on request, its address space is
 * browsed, and commands (a setpoint written, a method called) go through the command pipeline
 * with permissions, limits and audit. The statistics of the shared supervisor are on the status.
 */
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BrowseNode, DeviceStatus, PointState, TrustedCertificate } from '../../../core/common';
import type { DeviceReadResult } from '../../../core/common/api/contract';
import type { CommandResult } from '../../../core/common/security';
import { composeApp, type App } from '../../../electron/compose';
import { opcuaProfileSchema } from '../../../drivers/opcua/profile';
import { OpcuaProfileServer } from '../../../drivers/opcua/server';
import { bootstrapUsers, signedIn, type Bootstrapped } from '../../support/auth';
import { waitFor, type TestClient } from '../../support/ws-client';

const GENSET = {
  id: 'ua-genset',
  vendor: 'test',
  model: 'genset controller with an OPC UA server',
  protocol: 'opcua',
  samplingMs: 100,
  channels: [
    { channel: 'ActivePower', nodeId: 'ns=1;s=Genset.ActivePower', unit: 'kW' },
    { channel: 'SetActivePower', nodeId: 'ns=1;s=Genset.SetActivePower', unit: 'kW', access: 'rw' },
    { channel: 'Running', nodeId: 'ns=1;s=Genset.Running', type: 'boolean' },
    { channel: 'Start', access: 'rw', method: { object: 'ns=1;s=Genset', method: 'ns=1;s=Genset.Start', input: 'none' } },
  ],
};
const METER = {
  id: 'ua-meter',
  vendor: 'test',
  model: 'meter with an OPC UA server',
  protocol: 'opcua',
  channels: [{ channel: 'ActivePower', nodeId: 'ns=1;s=Meter.P', unit: 'kW', deadband: 0.05 }],
};

describe('OPC UA devices in the application: trust, live points, on-request read, browse, commands', () => {
  const dir = mkdtempSync(join(tmpdir(), 'esm-ua-host-'));
  const genset = new OpcuaProfileServer(opcuaProfileSchema.parse(GENSET), { pkiDir: join(dir, 'srv-genset'), securityModes: ['SignAndEncrypt'], users: { esm: 'Gen-Pass-9' } });
  const meter = new OpcuaProfileServer(opcuaProfileSchema.parse(METER), { pkiDir: join(dir, 'srv-meter'), securityModes: ['None'] });
  let app: App;
  let users: Bootstrapped;
  let op: TestClient;
  let viewer: TestClient;
  const read = async (id: string): Promise<PointState> => (await op.call<PointState[]>('points.read', { ids: [id] }))[0] as PointState;
  const device = async (id: string): Promise<DeviceStatus> => (await op.call<DeviceStatus[]>('devices.list')).find((x) => x.id === id)!;

  before(async () => {
    await genset.start();
    await meter.start();
    genset.set('ActivePower', 80);
    genset.set('Running', true);
    meter.set('ActivePower', 12.5);
    mkdirSync(join(dir, 'profiles'));
    writeFileSync(join(dir, 'profiles', 'ua-genset.json'), JSON.stringify(GENSET));
    writeFileSync(join(dir, 'profiles', 'ua-meter.json'), JSON.stringify(METER));
    const sitePath = join(dir, 'site.yaml');
    writeFileSync(
      sitePath,
      `
site:
  id: ua-site
  name: OPC UA site
  gridType: prosumer
  timezone: Europe/Madrid
  location: { latitude: 36.7, longitude: -4.5 }
  pcc: { meter: pcc, contractedPowerKw: 60 }
assets:
  - { id: pcc, name: PCC meter, kind: smart-meter, nature: Meter, role: pcc }
  - id: gen
    name: Genset
    kind: genset
    nature: Genset
    points:
      SetActivePower: { min: 0, max: 100 }
devices:
  - { id: meter-dev, name: Meter, protocol: opcua, connection: { endpointUrl: "${meter.endpointUrl}" }, profile: ua-meter, asset: pcc, pollMs: 500, timeoutMs: 1500 }
  - id: genset-dev
    name: Genset controller
    protocol: opcua
    connection: { endpointUrl: "${genset.endpointUrl}", securityMode: SignAndEncrypt, securityPolicy: Aes128_Sha256_RsaOaep, user: { name: esm, passwordSecret: genset-password } }
    profile: ua-genset
    asset: gen
    pollMs: 500
    timeoutMs: 1500
`,
    );
    app = await composeApp({ mode: 'browser', sitePath, noSim: true, dataDir: join(dir, 'data'), web: { bind: '127.0.0.1', port: 0 } });
    users = await bootstrapUsers(app.host.url ?? '', app.host.setupToken);
    op = await signedIn(app.host.url ?? '', users.operator);
    viewer = await signedIn(app.host.url ?? '', users.viewer);
  });
  after(async () => {
    await op?.close();
    await viewer?.close();
    await users?.admin.close();
    await app?.stop();
    await genset.stop();
    await meter.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the insecure meter is live by subscription', async () => {
    await waitFor('meter value', async () => ((await read('pcc/ActivePower')).value === 12.5 ? true : undefined), 15_000);
    meter.set('ActivePower', -3.25);
    await waitFor('meter follows', async () => ((await read('pcc/ActivePower')).value === -3.25 ? true : undefined), 10_000);
  });

  it('the genset is refused until an administrator trusts its certificate by thumbprint; then it is live', async () => {
    const admin = users.admin;
    await admin.call('secrets.set', { id: 'genset-password', siteId: 'ua-site', description: 'OPC UA user esm on the genset', value: 'Gen-Pass-9' });
    const down = await waitFor(
      'the untrusted sentence',
      async () => {
        const d = await device('genset-dev');
        return /is not trusted/.test(d.lastError ?? '') ? d : undefined;
      },
      20_000,
    );
    assert.equal(down.state, 'offline');
    assert.match(down.lastError!, new RegExp(`SHA-1 thumbprint ${genset.thumbprint}`));
    assert.equal((await read('gen/ActivePower')).quality.level, 'bad');
    // only an administrator sees and decides
    await assert.rejects(op.call('devices.certificates'), /forbidden|not allowed|permission/i);
    const list = await admin.call<TrustedCertificate[]>('devices.certificates');
    const cert = list.find((c) => c.thumbprint === genset.thumbprint);
    assert.ok(cert && cert.status === 'rejected' && cert.protocol === 'opcua', JSON.stringify(list));
    await assert.rejects(op.call('devices.certificates.trust', { protocol: 'opcua', thumbprint: genset.thumbprint, trust: true }), /forbidden|not allowed|permission/i);
    await assert.rejects(admin.call('devices.certificates.trust', { protocol: 'opcua', thumbprint: '0'.repeat(40), trust: true }), /no OPC UA server certificate with thumbprint 0{40}/);
    const trusted = await admin.call<TrustedCertificate>('devices.certificates.trust', { protocol: 'opcua', thumbprint: genset.thumbprint, trust: true });
    assert.equal(trusted.status, 'trusted');
    const audit = await admin.call<Array<{ type: string; details?: { thumbprint?: string } }>>('audit.query', { type: 'device.certificate.' });
    assert.ok(audit.some((e) => e.type === 'device.certificate.trusted' && e.details?.thumbprint === genset.thumbprint), JSON.stringify(audit.slice(0, 3)));
    await waitFor('genset live', async () => ((await read('gen/ActivePower')).value === 80 && (await read('gen/ActivePower')).quality.level === 'good' ? true : undefined), 30_000);
    const d = await device('genset-dev');
    assert.equal(d.state, 'online');
    assert.ok(d.stats && d.stats.ok > 0 && d.stats.bytesIn > 0 && d.stats.failed > 0, JSON.stringify(d.stats));
  });

  it('reads a point on request and browses the address space (configuration right)', async () => {
    genset.set('ActivePower', 81.5);
    const r = await viewer.call<DeviceReadResult>('devices.read', { pointId: 'gen/ActivePower' });
    assert.equal(r.value, 81.5);
    assert.equal(r.deviceId, 'genset-dev');
    await assert.rejects(viewer.call('devices.read', { pointId: 'gen/Nope' }), /no device serves the point "gen\/Nope"/);
    await assert.rejects(op.call('devices.browse', { deviceId: 'genset-dev' }), /forbidden|not allowed|permission/i);
    const top = await users.admin.call<BrowseNode[]>('devices.browse', { deviceId: 'genset-dev' });
    const g = top.find((n) => n.name === 'Genset');
    assert.ok(g, JSON.stringify(top));
    const kids = await users.admin.call<BrowseNode[]>('devices.browse', { deviceId: 'genset-dev', nodeId: g.id });
    assert.deepEqual(
      kids.filter((k) => k.kind === 'variable').map((k) => [k.id, k.dataType, k.writable]).sort(),
      [
        ['ns=1;s=Genset.ActivePower', 'Double', false],
        ['ns=1;s=Genset.Running', 'Boolean', false],
        ['ns=1;s=Genset.SetActivePower', 'Double', true],
      ],
    );
    await assert.rejects(users.admin.call('devices.browse', { deviceId: 'nope' }), /unknown device "nope"/);
  });

  it('commands go through the pipeline: permission, limits, audit, write and method call on the device', async () => {
    await assert.rejects(viewer.call('command.execute', { siteId: 'ua-site', target: 'gen/SetActivePower', value: 20, reason: 'test' }), /forbidden|not allowed|permission/i);
    const over = await op.call<CommandResult>('command.execute', { siteId: 'ua-site', target: 'gen/SetActivePower', value: 150, reason: 'test' });
    assert.ok(!over.ok, JSON.stringify(over));
    assert.equal(genset.get('SetActivePower'), 0, 'nothing reached the device');
    const ok = await op.call<CommandResult>('command.execute', { siteId: 'ua-site', target: 'gen/SetActivePower', value: 40, reason: 'test' });
    assert.ok(ok.ok, JSON.stringify(ok));
    assert.equal(ok.readback, 40);
    assert.equal(genset.get('SetActivePower'), 40);
    const start = await op.call<CommandResult>('command.execute', { siteId: 'ua-site', target: 'gen/Start', value: 1, reason: 'test' });
    assert.ok(start.ok, JSON.stringify(start));
    assert.deepEqual(genset.calls, [{ channel: 'Start', value: undefined }]);
    genset.refuseWith = 'BadUserAccessDenied';
    const refused = await op.call<CommandResult>('command.execute', { siteId: 'ua-site', target: 'gen/Start', value: 1, reason: 'test' });
    genset.refuseWith = undefined;
    assert.ok(!refused.ok && refused.stage === 'write', JSON.stringify(refused));
    assert.match(refused.message, /the method answered: .*BadUserAccessDenied/);
    assert.equal((await device('genset-dev')).state, 'online', "the device's refusal keeps the link");
    const audit = await users.admin.call<Array<{ type: string; target?: string; outcome: string }>>('audit.query', { type: 'command.' });
    const mine = audit.filter((e) => e.target === 'gen/SetActivePower' || e.target === 'gen/Start');
    assert.ok(mine.some((e) => e.target === 'gen/SetActivePower' && e.outcome === 'ok'), JSON.stringify(mine.slice(0, 5)));
    assert.ok(mine.some((e) => e.target === 'gen/Start' && (e.outcome === 'failed' || e.outcome === 'refused')), JSON.stringify(mine.slice(0, 5)));
  });
});
