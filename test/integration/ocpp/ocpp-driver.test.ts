/**
 * The OCPP 1.6J driver against real OCPP clients on loopback: ES Manager's central system
 * (drivers/ocpp, ocpp-rpc's RPCServer with strict validation) and the simulator's charge points
 * (drivers/sim/serve/ocpp.ts, ocpp-rpc's RPCClient) driving the plant's EV charger model.
 *
 * - one server for two charge points (three connectors); identity → device from the site's devices;
 * - Boot, Heartbeat, StatusNotification, Authorize, Start/StopTransaction and MeterValues become
 *   points with their units converted (W → kW, Wh → kWh) and the Evse nature's status codes;
 * - RemoteStart/Stop, ChangeAvailability and SetChargingProfile (TxDefaultProfile between
 *   transactions, TxProfile of the running one) reach the charge point and are confirmed by what
 *   it reports (Transaction, Availability, PowerOffered);
 * - security profile 1: an unknown identity (404), a wrong password (401) are refused; profile 2:
 *   wss with a certificate made by openssl;
 * - a charge point that disconnects is comm-fail at once; one that goes silent is comm-fail after
 *   its heartbeat interval allows, and good again when it talks;
 * - a call that breaks the OCPP schema is refused with the schema's reason.
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { DeviceConfig, PointSample, SecretAccess } from '../../../core/common';
import { ocppProfileSchema, type OcppProfile } from '../../../core/common/profiles/ocpp';
import { parse } from 'yaml';
import { OcppFactory, type OcppBridge } from '../../../drivers/ocpp/bridge';
import { EvChargerModel } from '../../../drivers/sim/model/ev';
import { SimChargePoint, type SimConnectorModel } from '../../../drivers/sim/serve/ocpp';

const PROFILE: OcppProfile = ocppProfileSchema.parse(parse(readFileSync(join(__dirname, '../../../assets/profiles/ocpp-ac-22kw.yaml'), 'utf8')));

class Sink {
  readonly samples: PointSample[] = [];
  publish(s: readonly PointSample[]): void {
    this.samples.push(...s);
  }
  last(id: string): PointSample | undefined {
    for (let i = this.samples.length - 1; i >= 0; i--) if (this.samples[i]!.id === id) return this.samples[i];
    return undefined;
  }
}

async function until(what: string, cond: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function device(id: string, asset: string, connection: Record<string, unknown>): DeviceConfig {
  return { id, name: id, protocol: 'ocpp', profile: PROFILE.id, asset, pollMs: 1000, timeoutMs: 3000, connection: { host: '127.0.0.1', port: 0, connectorId: 1, heartbeatS: 60, meterSampleS: 0, idTag: 'ESMANAGER', ...connection } };
}

const secrets = (map: Record<string, string>): SecretAccess => ({ get: (n) => Promise.resolve(map[n]) });

/** a charger model and the connector view the simulated charge point drives */
function connector(connectorId: number): SimConnectorModel & { model: EvChargerModel } {
  const model = new EvChargerModel({ ratingKw: 22, schedule: false }, 1, connectorId);
  return { connectorId, ratingKw: 22, model, setLimitKw: (kw) => (model.limitKw = Math.min(22, Math.max(0, kw))) };
}

/** steps the models and the charge points every 50 ms (1 s of charging per step) */
function run(cps: SimChargePoint[], conns: Array<{ model: EvChargerModel }>): () => void {
  const t = setInterval(() => {
    const now = Date.now();
    const d = new Date(now);
    for (const c of conns) c.model.step(now, { dayIndex: 0, hour: d.getHours() + d.getMinutes() / 60, weekday: 3 } as never, 1);
    for (const cp of cps) cp.tick();
  }, 50);
  return () => clearInterval(t);
}

describe('OCPP 1.6J central system with simulated charge points over loopback', () => {
  const sink = new Sink();
  const factory = new OcppFactory();
  const devs = [device('cp1-c1', 'evse1', { identity: 'CP-1', connectorId: 1 }), device('cp1-c2', 'evse2', { identity: 'CP-1', connectorId: 2 }), device('cp2', 'evse3', { identity: 'CP-2', passwordSecret: 'cp2-password', heartbeatS: 1 })];
  // all three share one listening address: one server
  const bridges = new Map<string, OcppBridge>();
  const c1 = connector(1);
  const c2 = connector(2);
  const c3 = connector(1);
  let cp1: SimChargePoint;
  let cp2: SimChargePoint;
  let stopRun: () => void = () => undefined;
  let url = '';

  before(async () => {
    // one port for every device: bind an ephemeral one first, then give it to every device
    await factory.start({ siteId: 's', dataDir: tmpdir(), secrets: secrets({ 'cp2-password': 's3cret-of-cp2' }), devices: devs, now: Date.now });
    const [ep] = [...factory.endpoints().values()];
    assert.ok(ep, 'one central system');
    assert.equal(factory.endpoints().size, 1, 'one server for every charge point on one address');
    url = ep.url;
    for (const d of devs) {
      const b = factory.create({ device: d, profile: PROFILE, sink }) as OcppBridge;
      bridges.set(d.id, b);
      await b.start();
    }
    cp1 = new SimChargePoint({ endpoint: url, identity: 'CP-1', connectors: [c1, c2], now: Date.now, meterSampleS: 1 });
    cp2 = new SimChargePoint({ endpoint: url, identity: 'CP-2', password: 's3cret-of-cp2', connectors: [c3], now: Date.now, meterSampleS: 1 });
    cp1.start();
    cp2.start();
    stopRun = run([cp1, cp2], [c1, c2, c3]);
  });

  after(async () => {
    stopRun();
    await cp1?.stop();
    await cp2?.stop();
    for (const b of bridges.values()) await b.stop();
    await factory.stop();
  });

  it('accepts the site’s charge points on one server and reports their connectors', async () => {
    await until('both charge points online', () => [...bridges.values()].every((b) => b.status().state === 'online'));
    await until('connector statuses', () => sink.last('evse1/Status')?.value === 0 && sink.last('evse2/Status')?.value === 0 && sink.last('evse3/Status')?.value === 0);
    assert.equal(sink.last('evse1/ConnectorStatus')?.value, 0, 'Available is code 0');
    assert.equal(sink.last('evse1/Availability')?.value, 1);
    assert.equal(bridges.get('cp1-c1')!.status().address, `ws://127.0.0.1:0 CP-1#1`);
  });

  it('a vehicle arriving: Authorize, StartTransaction, Charging, meter values in kW and kWh, the vehicle’s SoC', async () => {
    c1.model.plugIn(10, 11, Date.now() + 3_600_000);
    await until('transaction started', () => sink.last('evse1/Transaction')?.value === 1);
    assert.match(String(sink.last('evse1/IdTag')?.value), /^EV1-/);
    await until('charging at 11 kW', () => sink.last('evse1/Status')?.value === 1 && Math.abs(Number(sink.last('evse1/ActivePower')?.value) - 11) < 0.01);
    assert.equal(sink.last('evse1/ConnectorStatus')?.value, 2, 'Charging is code 2');
    const e = Number(sink.last('evse1/Energy')?.value);
    assert.ok(e > 1000 && e < 2000, `the register in kWh (${e})`);
    await until('session energy grows', () => Number(sink.last('evse1/SessionEnergy')?.value) > 0);
    const soc = Number(sink.last('evse1/VehicleSoc')?.value);
    assert.ok(soc > 0 && soc < 100, `vehicle SoC ${soc} %`);
    assert.equal(sink.last('evse1/PowerOffered')?.value, 22, 'nothing limits it yet: 22 kW offered');
    // connector 2 of the same charge point is untouched
    assert.equal(sink.last('evse2/Transaction')?.value ?? 0, 0);
  });

  it('SetChargingProfile: a TxProfile of the running transaction, confirmed by Power.Offered', async () => {
    const b = bridges.get('cp1-c1')!;
    const tx = b.transactionId;
    assert.ok(tx !== undefined && tx === cp1.transactionId(1), 'both sides know the same transaction');
    await b.write('ChargePowerLimit', 7.5);
    assert.equal(cp1.limitKw(1), 7.5, 'the charge point applies 7500 W');
    await until('Power.Offered 7.5 kW', () => sink.last('evse1/PowerOffered')?.value === 7.5);
    await until('charging at 7.5 kW', () => Math.abs(Number(sink.last('evse1/ActivePower')?.value) - 7.5) < 0.01);
    assert.equal(sink.last('evse1/ChargePowerLimit')?.value, 7.5);
  });

  it('RemoteStopTransaction: the charge point stops, the TxProfile ends with it', async () => {
    await bridges.get('cp1-c1')!.write('Transaction', 0);
    await until('transaction stopped', () => sink.last('evse1/Transaction')?.value === 0);
    await until('connector available', () => sink.last('evse1/Status')?.value === 0);
    assert.equal(cp1.limitKw(1), 22, 'without a TxProfile the connector offers its rating again');
  });

  it('TxDefaultProfile between transactions, then RemoteStartTransaction charges within it', async () => {
    const b = bridges.get('cp1-c2')!;
    await b.write('ChargePowerLimit', 5);
    assert.equal(cp1.limitKw(2), 5);
    await b.write('Transaction', 1);
    await until('remote transaction', () => sink.last('evse2/Transaction')?.value === 1);
    assert.equal(sink.last('evse2/IdTag')?.value, 'ESMANAGER');
    await until('charging within the default profile', () => Math.abs(Number(sink.last('evse2/ActivePower')?.value) - 5) < 0.01);
    await b.write('Transaction', 0);
    await until('stopped', () => sink.last('evse2/Transaction')?.value === 0);
  });

  it('ChangeAvailability: inoperative and back, confirmed by StatusNotification', async () => {
    const b = bridges.get('cp1-c2')!;
    await b.write('Availability', 0);
    await until('unavailable', () => sink.last('evse2/Availability')?.value === 0 && sink.last('evse2/Status')?.value === 3);
    await assert.rejects(b.write('Transaction', 1), /refused to start a transaction on connector 2 \(Rejected\)/);
    await b.write('Availability', 1);
    await until('available', () => sink.last('evse2/Availability')?.value === 1 && sink.last('evse2/Status')?.value === 0);
  });

  it('refuses bad writes with sentences', async () => {
    const b = bridges.get('cp1-c1')!;
    await assert.rejects(b.write('ActivePower', 3), /channel ActivePower: not writable/);
    await assert.rejects(b.write('ChargePowerLimit', -1), /a charging limit is >= 0 kW/);
    await assert.rejects(b.write('Transaction', 2), /1 starts a transaction, 0 stops it/);
    await assert.rejects(b.write('Nope', 1), /not in profile ocpp-ac-22kw/);
  });

  it('a call that breaks the OCPP 1.6 schema is refused with the reason, the link stays up', async () => {
    await assert.rejects(cp1.rawCall('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Dancing' }), (e: Error) => /status|enum|allowed/i.test(e.message));
    await assert.rejects(cp1.rawCall('MeterValues', { connectorId: 'one', meterValue: [] }), (e: Error) => /connectorId|integer|type/i.test(e.message));
    assert.ok(cp1.connected);
    assert.equal(bridges.get('cp1-c1')!.status().state, 'online');
  });

  it('security profile 1: an unknown identity (HTTP 404) and a wrong or missing password (HTTP 401) are refused', async () => {
    const stranger = new SimChargePoint({ endpoint: url, identity: 'CP-X', connectors: [], now: Date.now });
    const impostor = new SimChargePoint({ endpoint: url, identity: 'CP-2', password: 'guess', connectors: [], now: Date.now });
    const anonymous = new SimChargePoint({ endpoint: url, identity: 'CP-2', connectors: [], now: Date.now });
    try {
      stranger.start();
      impostor.start();
      anonymous.start();
      await until('refusals', () => /Not Found/.test(stranger.lastError ?? '') && /Unauthorized/.test(impostor.lastError ?? '') && /Unauthorized/.test(anonymous.lastError ?? ''));
      assert.ok(!stranger.connected && !impostor.connected && !anonymous.connected);
      assert.ok(factory.endpoints().values().next().value!.unknownIdentities.has('CP-X'), 'the stranger is remembered for the operator');
      // the real CP-2 was not replaced by the impostor
      assert.equal(bridges.get('cp2')!.status().state, 'online');
    } finally {
      await Promise.all([stranger.stop(), impostor.stop(), anonymous.stop()]);
    }
  });

  it('a silent charge point is comm-fail after its heartbeat interval, good again when it talks', async () => {
    const b = bridges.get('cp2')!;
    await until('cp2 status known', () => sink.samples.some((s) => s.id === 'evse3/Status' && s.quality.level === 'good'));
    cp2.mute = true;
    await until('comm-fail from silence', () => b.status().state === 'offline' && sink.last('evse3/Status')?.quality.level === 'bad', 10_000);
    assert.equal(sink.last('evse3/Status')?.quality.reason, 'comm-fail');
    assert.match(b.status().lastError ?? '', /CP-2 silent for \d+ s \(heartbeat every 1 s\)/);
    cp2.mute = false;
    await until('online again', () => b.status().state === 'online' && sink.last('evse3/Status')?.quality.level === 'good', 10_000);
  });

  it('a charge point that disconnects is comm-fail at once and counted as a reconnect when back', async () => {
    const b = bridges.get('cp1-c1')!;
    const reconnects = b.status().stats!.reconnects;
    await cp1.stop();
    await until('comm-fail on close', () => b.status().state === 'offline' && sink.last('evse1/ActivePower')?.quality.reason === 'comm-fail');
    assert.match(b.status().lastError ?? '', /CP-1 disconnected/);
    await assert.rejects(b.write('ChargePowerLimit', 3), /charge point CP-1 is not connected/);
    cp1 = new SimChargePoint({ endpoint: url, identity: 'CP-1', connectors: [c1, c2], now: Date.now, meterSampleS: 1 });
    stopRun();
    stopRun = run([cp1, cp2], [c1, c2, c3]);
    cp1.start();
    await until('back online', () => b.status().state === 'online' && b.status().stats!.reconnects === reconnects + 1);
    const st = b.status().stats!;
    assert.ok(st.ok > 0 && st.bytesIn > 0 && st.bytesOut > 0, 'statistics count answers and bytes');
  });
});

describe('OCPP security profile 2: wss with the central system’s certificate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'esm-ocpp-tls-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a charge point that trusts the certificate connects over TLS with basic auth', async (t) => {
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    } catch (e) {
      t.skip(`openssl could not make a certificate: ${(e as Error).message}`);
      return;
    }
    const sink = new Sink();
    const factory = new OcppFactory();
    const d = device('tls-cp', 'evse9', { identity: 'CP-TLS', passwordSecret: 'tls-pw', tls: { certFile: 'cert.pem', keyFile: 'key.pem' } });
    await factory.start({ siteId: 's', dataDir: dir, secrets: secrets({ 'tls-pw': 'pw-over-tls' }), devices: [d], now: Date.now });
    const b = factory.create({ device: d, profile: PROFILE, sink });
    await b.start();
    const url = [...factory.endpoints().values()][0]!.url;
    assert.match(url, /^wss:\/\//);
    const c = connector(1);
    const untrusting = new SimChargePoint({ endpoint: url, identity: 'CP-TLS', password: 'pw-over-tls', connectors: [], now: Date.now });
    const cp = new SimChargePoint({ endpoint: url, identity: 'CP-TLS', password: 'pw-over-tls', wsOpts: { ca: readFileSync(join(dir, 'cert.pem')) }, connectors: [c], now: Date.now });
    try {
      untrusting.start();
      await until('an untrusted certificate refused by the charge point', () => /self[- ]signed|certificate/i.test(untrusting.lastError ?? ''));
      await untrusting.stop();
      cp.start();
      const stop = run([cp], [c]);
      try {
        await until('online over wss', () => b.status().state === 'online' && sink.last('evse9/Status')?.value === 0);
      } finally {
        stop();
      }
    } finally {
      await cp.stop();
      await b.stop();
      await factory.stop();
    }
  });
});
