/**
 * The OPC UA driver against a real node-opcua server on loopback (drivers/opcua/server.ts):
 * insecure and secure endpoints (Sign / SignAndEncrypt with Basic256Sha256 and
 * Aes128_Sha256_RsaOaep), an untrusted and an expired server certificate refused with a
 * sentence, trust from the factory's certificate store, user/password from the secrets, values
 * from a subscription (deadband honoured), writes and method calls, browse, a server that
 * closes mid-subscription and comes back, and a broken TCP connection restored with the same
 * session (transfer/republish) while the points show comm-fail.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { OPCUACertificateManager } from 'node-opcua';
import type { Bridge, BridgeFactory, DeviceStatus, PointSample } from '../../../core/common/bridge';
import type { DeviceConfig } from '../../../core/common/profile';
import { createOpcuaFactory } from '../../../drivers/opcua/bridge';
import { opcuaProfileSchema, opcuaConnectionSchema, type OpcuaProfile } from '../../../drivers/opcua/profile';
import { OpcuaProfileServer } from '../../../drivers/opcua/server';

const PROFILE: OpcuaProfile = opcuaProfileSchema.parse({
  id: 'test-genset',
  vendor: 'test',
  model: 'genset controller',
  protocol: 'opcua',
  samplingMs: 100,
  channels: [
    { channel: 'ActivePower', nodeId: 'ns=1;s=Genset.ActivePower', unit: 'kW', deadband: 0.5 },
    { channel: 'Running', nodeId: 'ns=1;s=Genset.Running', type: 'boolean' },
    { channel: 'PowerSetpoint', nodeId: 'ns=1;s=Genset.PowerSetpoint', unit: 'kW', access: 'rw' },
    { channel: 'FuelLevel', nodeId: 'nsu=urn:test:fuel;s=Tank.Level', unit: '%', scale: 0.1 },
    { channel: 'Start', access: 'rw', method: { object: 'ns=1;s=Genset', method: 'ns=1;s=Genset.Start', input: 'none' } },
    { channel: 'RampRate', access: 'rw', unit: 'kW/s', method: { object: 'ns=1;s=Genset', method: 'ns=1;s=Genset.SetRampRate' } },
  ],
});

class Sink {
  readonly samples: PointSample[] = [];
  batches = 0;
  publish(s: readonly PointSample[]): void {
    this.batches++;
    this.samples.push(...s);
  }
  last(id: string): PointSample | undefined {
    for (let i = this.samples.length - 1; i >= 0; i--) if (this.samples[i]!.id === id) return this.samples[i];
    return undefined;
  }
}

async function until<T>(what: string, f: () => T | undefined | false, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function device(id: string, connection: Record<string, unknown>): DeviceConfig {
  return { id, name: `device ${id}`, protocol: 'opcua', profile: PROFILE.id, asset: 'gen', pollMs: 500, timeoutMs: 2000, connection: opcuaConnectionSchema.parse(connection) };
}

const root = mkdtempSync(join(tmpdir(), 'esm-opcua-'));
const secrets = new Map<string, string>([['genset-pw', 's3cret'], ['wrong-pw', 'nope']]);
const opened: Array<{ stop(): Promise<void> }> = [];

async function makeFactory(name: string): Promise<{ factory: BridgeFactory; dataDir: string }> {
  const factory = createOpcuaFactory();
  const dataDir = join(root, name);
  await factory.start!({ siteId: 't', dataDir, secrets: { get: async (n) => secrets.get(n) }, devices: [], now: Date.now });
  opened.push({ stop: () => factory.stop!() });
  return { factory, dataDir };
}

function bridge(factory: BridgeFactory, dataDir: string, dev: DeviceConfig, sink: Sink): Bridge {
  const b = factory.create({ device: dev, profile: PROFILE, sink, dataDir, secrets: { get: async (n) => secrets.get(n) } });
  opened.unshift({ stop: () => b.stop() });
  return b;
}

after(async () => {
  for (const o of opened) await o.stop().catch(() => undefined);
  rmSync(root, { recursive: true, force: true });
});

describe('OPC UA driver, insecure endpoint', () => {
  let server: OpcuaProfileServer;
  before(async () => {
    server = new OpcuaProfileServer(PROFILE, { pkiDir: join(root, 'srv-none'), securityModes: ['None', 'SignAndEncrypt'], users: { operator: 's3cret' }, allowAnonymous: true });
    opened.push(server);
    await server.start();
    server.set('ActivePower', 40);
    server.set('Running', true);
    server.set('FuelLevel', 55.5);
  });

  it('subscribes (deadband honoured), writes, calls methods, reads, browses and counts statistics', async () => {
    const { factory, dataDir } = await makeFactory('c-none');
    const sink = new Sink();
    const b = bridge(factory, dataDir, device('gen1', { endpointUrl: server.endpointUrl }), sink);
    await b.start();
    await until('first values', () => sink.last('gen/ActivePower')?.value === 40 && sink.last('gen/FuelLevel')?.value === 55.5 && sink.last('gen/Running')?.value === true);
    assert.equal(b.status().state, 'online');
    // a change above the deadband arrives; one below it does not
    server.set('ActivePower', 41);
    await until('41 kW', () => sink.last('gen/ActivePower')?.value === 41);
    const n = sink.samples.filter((s) => s.id === 'gen/ActivePower').length;
    server.set('ActivePower', 41.2);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(sink.samples.filter((s) => s.id === 'gen/ActivePower').length, n, 'a change of 0.2 kW is inside the 0.5 kW deadband');
    server.set('ActivePower', 42);
    await until('42 kW', () => sink.last('gen/ActivePower')?.value === 42);

    // a value the device marks invalid turns bad (device), keeping the last value
    server.setBad('ActivePower');
    await until('bad ActivePower', () => sink.last('gen/ActivePower')?.quality.level === 'bad');
    assert.deepEqual(sink.last('gen/ActivePower')!.quality, { level: 'bad', reason: 'device' });
    server.set('ActivePower', 43);
    await until('good again', () => sink.last('gen/ActivePower')?.value === 43 && sink.last('gen/ActivePower')?.quality.level === 'good');

    // write to a variable, read it back on request
    await b.write('PowerSetpoint', 25.5);
    assert.equal(server.get('PowerSetpoint'), 25.5);
    assert.equal(await b.read!('PowerSetpoint'), 25.5);
    await until('setpoint published', () => sink.last('gen/PowerSetpoint')?.value === 25.5);
    // method calls: without argument, and with the value as argument
    await b.write('Start', 1);
    await b.write('RampRate', 7.5);
    assert.deepEqual(server.calls, [
      { channel: 'Start', value: undefined },
      { channel: 'RampRate', value: 7.5 },
    ]);
    assert.equal(await b.read!('RampRate'), 7.5);
    await assert.rejects(b.write('Start', 0), /takes no argument: write 1/);
    // the device refuses: a sentence, and the link stays up
    server.refuseWith = 'BadOutOfRange';
    await assert.rejects(b.write('RampRate', 99), /RampRate: call of 99 on device gen1 failed: the method answered: .*BadOutOfRange/);
    server.refuseWith = undefined;
    await assert.rejects(b.write('Running', true), /not writable/);
    assert.equal(b.status().state, 'online');

    // browse: Objects → Genset → its variables with type, value and access, and its methods
    const top = await b.browse!();
    const genset = top.find((x) => x.name === 'Genset');
    assert.ok(genset && genset.kind === 'object' && genset.hasChildren, JSON.stringify(top));
    const kids = await b.browse!(genset.id);
    const sp = kids.find((k) => k.id === 'ns=1;s=Genset.PowerSetpoint');
    assert.deepEqual({ kind: sp?.kind, dataType: sp?.dataType, value: sp?.value, writable: sp?.writable }, { kind: 'variable', dataType: 'Double', value: 25.5, writable: true });
    assert.equal(kids.find((k) => k.id === 'ns=1;s=Genset.ActivePower')?.writable, false);
    assert.ok(kids.some((k) => k.kind === 'method' && k.name === 'Start'));
    await assert.rejects(b.browse!('not a node'), /is not a NodeId/);

    await until('statistics', () => (b.status().stats?.bytesIn ?? 0) > 0);
    const st = b.status().stats!;
    assert.ok(st.ok > 5 && st.failed >= 1 && st.bytesOut > 0, JSON.stringify(st));
    await b.stop();
    assert.equal(b.status().state, 'disabled');
  });

  it('a server that closes mid-subscription: comm-fail with the last value, then live again when it is back', async () => {
    const { factory, dataDir } = await makeFactory('c-restart');
    const sink = new Sink();
    const b = bridge(factory, dataDir, device('gen2', { endpointUrl: server.endpointUrl }), sink);
    const states: DeviceStatus['state'][] = [];
    b.onStatus((s) => states.push(s.state));
    await b.start();
    server.set('ActivePower', 50);
    await until('50 kW', () => sink.last('gen/ActivePower')?.value === 50);
    const port = server.port;
    await server.stop();
    await until('comm-fail', () => sink.last('gen/ActivePower')?.quality.reason === 'comm-fail');
    assert.equal(sink.last('gen/ActivePower')!.value, 50, 'the last good value is kept with the bad quality');
    assert.equal(sink.last('gen/Running')!.quality.reason, 'comm-fail');
    await until('offline', () => b.status().state === 'offline');
    assert.match(b.status().lastError ?? '', /lost|reconnect|closed/i);
    await assert.rejects(b.write('PowerSetpoint', 1), /reconnecting|not connected/);
    // the server comes back (a new process: the old session is gone): a new session, a new subscription
    server = new OpcuaProfileServer(PROFILE, { pkiDir: join(root, 'srv-none'), port, securityModes: ['None', 'SignAndEncrypt'], users: { operator: 's3cret' }, allowAnonymous: true });
    opened.push(server);
    await server.start();
    server.set('ActivePower', 51);
    await until('values after the restart', () => sink.last('gen/ActivePower')?.value === 51 && sink.last('gen/ActivePower')?.quality.level === 'good', 40_000);
    await until('online', () => b.status().state === 'online');
    assert.ok((b.status().stats?.reconnects ?? 0) >= 1, JSON.stringify(b.status().stats));
    assert.ok(states.includes('offline') && states.at(-1) === 'online', states.join(','));
  });

  it('a broken connection is restored with the same session: the subscription is transferred and republished', async () => {
    // a TCP relay between the bridge and the server; cutting it breaks the channel but not the server's session
    const sockets = new Set<Socket>();
    const relay: Server = createServer((inbound) => {
      const outbound = connect(server.port, '127.0.0.1');
      sockets.add(inbound).add(outbound);
      inbound.pipe(outbound).pipe(inbound);
      const end = (): void => {
        inbound.destroy();
        outbound.destroy();
      };
      inbound.on('error', end).on('close', end);
      outbound.on('error', end).on('close', end);
    });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', () => r()));
    opened.push({ stop: () => new Promise<void>((r) => relay.close(() => r())) });
    const port = (relay.address() as { port: number }).port;
    const { factory, dataDir } = await makeFactory('c-relay');
    const sink = new Sink();
    const b = bridge(factory, dataDir, device('gen3', { endpointUrl: `opc.tcp://127.0.0.1:${port}` }), sink);
    await b.start();
    server.set('ActivePower', 60);
    await until('60 kW', () => sink.last('gen/ActivePower')?.value === 60);
    const sessionsBefore = server.sessionIds();
    for (const s of sockets) s.destroy();
    sockets.clear();
    await until('comm-fail', () => sink.last('gen/ActivePower')?.quality.reason === 'comm-fail');
    server.set('ActivePower', 61);
    await until('61 kW after the transfer', () => sink.last('gen/ActivePower')?.value === 61 && sink.last('gen/ActivePower')?.quality.level === 'good', 40_000);
    await until('online', () => b.status().state === 'online');
    assert.deepEqual(server.sessionIds(), sessionsBefore, 'the same session carries on (no new session)');
    assert.ok((b.status().stats?.reconnects ?? 0) >= 1);
  });
});

describe('OPC UA driver, secure endpoints and certificates', () => {
  let server: OpcuaProfileServer;
  before(async () => {
    server = new OpcuaProfileServer(PROFILE, { pkiDir: join(root, 'srv-secure'), securityModes: ['Sign', 'SignAndEncrypt'], users: { operator: 's3cret' } });
    opened.push(server);
    await server.start();
    server.set('ActivePower', 70);
  });

  it('refuses an untrusted server certificate with a sentence; once an administrator trusts its thumbprint, SignAndEncrypt with a user works', async () => {
    const { factory, dataDir } = await makeFactory('c-secure');
    const sink = new Sink();
    const b = bridge(factory, dataDir, device('gen4', { endpointUrl: server.endpointUrl, securityMode: 'SignAndEncrypt', securityPolicy: 'Basic256Sha256', user: { name: 'operator', passwordSecret: 'genset-pw' } }), sink);
    await b.start();
    assert.equal(b.status().state, 'offline');
    assert.match(b.status().lastError ?? '', /certificate .* is not trusted: an administrator can trust it/);
    assert.match(b.status().lastError ?? '', new RegExp(server.thumbprint));
    assert.equal(sink.last('gen/ActivePower')?.quality.reason, 'comm-fail');
    // the app's own certificate was created in the driver's data folder
    const list = await factory.certificates!.list();
    const seen = list.find((c) => c.thumbprint === server.thumbprint);
    assert.ok(seen && seen.status === 'rejected' && seen.validTo > Date.now(), JSON.stringify(list));
    await factory.certificates!.setTrust(server.thumbprint, true);
    assert.equal((await factory.certificates!.list()).find((c) => c.thumbprint === server.thumbprint)?.status, 'trusted');
    await until('secure values', () => sink.last('gen/ActivePower')?.value === 70 && sink.last('gen/ActivePower')?.quality.level === 'good', 30_000);
    assert.equal(b.status().state, 'online');
    assert.match(b.status().address, /SignAndEncrypt, Basic256Sha256/);
    await b.write('PowerSetpoint', 12);
    assert.equal(server.get('PowerSetpoint'), 12);
    await b.stop();
    // Sign with the other policy, same trust store, same user
    const sink2 = new Sink();
    const b2 = bridge(factory, dataDir, device('gen5', { endpointUrl: server.endpointUrl, securityMode: 'Sign', securityPolicy: 'Aes128_Sha256_RsaOaep', user: { name: 'operator', passwordSecret: 'genset-pw' } }), sink2);
    await b2.start();
    await until('signed values', () => sink2.last('gen/ActivePower')?.value === 70);
    // a wrong password is refused with a sentence
    const b3 = bridge(factory, dataDir, device('gen6', { endpointUrl: server.endpointUrl, securityMode: 'SignAndEncrypt', securityPolicy: 'Aes128_Sha256_RsaOaep', user: { name: 'operator', passwordSecret: 'wrong-pw' } }), new Sink());
    await b3.start();
    assert.match(b3.status().lastError ?? '', /refused the user name or password/);
    // a password that is not stored
    const b4 = bridge(factory, dataDir, device('gen7', { endpointUrl: server.endpointUrl, securityMode: 'SignAndEncrypt', securityPolicy: 'Basic256Sha256', user: { name: 'operator', passwordSecret: 'missing-pw' } }), new Sink());
    await b4.start();
    assert.match(b4.status().lastError ?? '', /the secret "missing-pw" \(password of OPC UA user "operator"\) is not stored/);
    // anonymous is not offered on this server
    const b5 = bridge(factory, dataDir, device('gen8', { endpointUrl: server.endpointUrl, securityMode: 'SignAndEncrypt', securityPolicy: 'Basic256Sha256' }), new Sink());
    await b5.start();
    assert.equal(b5.status().state, 'offline');
  });

  it('refuses an expired server certificate even when trusted, saying it expired', async () => {
    const dir = join(root, 'expired');
    mkdirSync(dir, { recursive: true });
    const cm = new OPCUACertificateManager({ rootFolder: join(dir, 'maker'), disableFileWatchers: true });
    await cm.initialize();
    const certificateFile = join(dir, 'expired.pem');
    const start = new Date(Date.now() - 400 * 86400_000);
    await cm.createSelfSignedCertificate({ applicationUri: 'urn:es-manager:sim:test-genset', subject: '/CN=Expired genset', dns: ['127.0.0.1', 'localhost'], ip: ['127.0.0.1'], startDate: start, validity: 30, outputFile: certificateFile });
    const expired = new OpcuaProfileServer(PROFILE, { pkiDir: join(dir, 'srv'), securityModes: ['SignAndEncrypt'], certificateFile, privateKeyFile: cm.privateKey, allowAnonymous: true });
    opened.push(expired);
    await expired.start();
    await cm.dispose();
    // the administrator trusted it (its file is in the trusted folder when the driver starts)
    const { X509Certificate } = await import('node:crypto');
    const { readFileSync } = await import('node:fs');
    const der = new X509Certificate(readFileSync(certificateFile)).raw;
    mkdirSync(join(root, 'c-expired', 'pki', 'trusted', 'certs'), { recursive: true });
    writeFileSync(join(root, 'c-expired', 'pki', 'trusted', 'certs', 'expired.der'), der);
    const { factory, dataDir } = await makeFactory('c-expired');
    const listed = (await factory.certificates!.list()).find((c) => c.thumbprint === expired.thumbprint);
    assert.match(listed?.problem ?? '', /^expired on \d{4}-\d\d-\d\d$/);
    const b = bridge(factory, dataDir, device('gen9', { endpointUrl: expired.endpointUrl, securityMode: 'SignAndEncrypt', securityPolicy: 'Basic256Sha256' }), new Sink());
    await b.start();
    assert.equal(b.status().state, 'offline');
    assert.match(b.status().lastError ?? '', /has expired or is not yet valid \(expired on \d{4}-\d\d-\d\d\)/);
  });
});
