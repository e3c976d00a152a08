/**
 * Discovery against real servers on loopback (issue #12 item 5): the simulator's Modbus
 * server (ModbusProfileServer answering one unit id only), pymodbus (Debian's, an independent
 * stack) serving a SunSpec map (common model 1, inverter 103, storage 124, end marker), a
 * closed port, and a server that never answers (for cancel). The scan runs through
 * DiscoveryService with the driver's scanner, as the host runs it.
 *
 * Run: node --import tsx --test test/integration/modbus/discovery.test.ts
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { modbusProfileSchema } from '../../../core/common/site';
import { DiscoveryService } from '../../../core/discovery';
import { scanModbusTarget } from '../../../drivers/modbus/scan';
import { ModbusProfileServer } from '../../../drivers/modbus/server';
import { ApiError } from '../../../core/common/api/contract';
import { startSunSpecServer, type SunSpecServer } from '../../support/sunspec';

const PROFILE = modbusProfileSchema.parse({
  id: 'scan-meter',
  vendor: 'test',
  model: 'meter',
  protocol: 'modbus',
  registers: [{ channel: 'ActivePower', table: 'holding', address: 0, type: 'int16', scale: 0.1, unit: 'kW' }],
});

let py: SunSpecServer | undefined;
let pyPort = 0;
const sim = new ModbusProfileServer(PROFILE, { unitId: 3 });
let simPort = 0;
let silent: Server;
let silentPort = 0;
let closedPort = 0;

before(async () => {
  simPort = await sim.start();
  // a port that accepts and never answers
  silent = createServer((s) => s.on('error', () => undefined));
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  silentPort = (silent.address() as { port: number }).port;
  // a port nobody listens on: bind, note, close
  const tmp = createServer();
  await new Promise<void>((r) => tmp.listen(0, '127.0.0.1', r));
  closedPort = (tmp.address() as { port: number }).port;
  await new Promise<void>((r) => tmp.close(() => r()));
  py = await startSunSpecServer();
  pyPort = py.port;
});

after(async () => {
  await sim.stop();
  await new Promise<void>((r) => silent.close(() => r()));
  await py?.stop();
});

test('finds the unit the simulator answers and the SunSpec device pymodbus serves, and nothing on a closed port', async () => {
  const svc = new DiscoveryService({ scanner: scanModbusTarget, known: () => new Map([[`127.0.0.1:${simPort}/3`, 'meter-dev']]) });
  const started = svc.start({ fromHost: '127.0.0.1', toHost: '127.0.0.1', ports: [simPort, pyPort, closedPort], unitIds: [1, 2, 3], timeoutMs: 400, concurrency: 3 });
  assert.equal(started.state, 'running');
  assert.equal(started.total, 3);
  const r = await svc.settled(started.id);
  assert.equal(r.state, 'done', r.message);
  assert.equal(r.done, 3);
  const keys = r.proposals.map((p) => p.key);
  // the simulator's server answers unit 3 only; pymodbus (single context) answers every unit
  assert.deepEqual(keys.filter((k) => k.includes(`:${simPort}/`)), [`127.0.0.1:${simPort}/3`]);
  assert.deepEqual(keys.filter((k) => k.includes(`:${pyPort}/`)), [1, 2, 3].map((u) => `127.0.0.1:${pyPort}/${u}`));
  assert.ok(!keys.some((k) => k.includes(`:${closedPort}/`)));
  const simDev = r.proposals.find((p) => p.port === simPort)!;
  assert.equal(simDev.knownDevice, 'meter-dev', 'a device already on the site is marked');
  assert.equal(simDev.sunspec, undefined);
  assert.match(simDev.evidence, /holding/);
  const py = r.proposals.find((p) => p.port === pyPort && p.unitId === 1)!;
  assert.ok(py.sunspec, JSON.stringify(py));
  assert.equal(py.sunspec.base, 40000);
  assert.deepEqual(
    py.sunspec.models.map((m) => [m.id, m.length, m.address]),
    [
      [1, 66, 40002],
      [103, 50, 40070],
      [124, 24, 40122],
    ],
  );
  assert.deepEqual(py.sunspec.models.map((m) => m.name), ['common', 'inverter (three phase)', 'storage']);
  assert.equal(py.sunspec.manufacturer, 'Fronius');
  assert.equal(py.sunspec.model, 'Symo 10.0-3-M');
  assert.equal(py.sunspec.version, '3.14.1');
  assert.equal(py.sunspec.serial, 'SN-0042');
  assert.equal(py.evidence, '"SunS" at holding 40000');
});

test('a scan is cancellable: connections in flight are dropped, no more are made', async () => {
  const svc = new DiscoveryService({ scanner: scanModbusTarget, known: () => new Map() });
  // 32 unit ids × 5 s on a server that never answers would take minutes
  const s = svc.start({ fromHost: '127.0.0.1', toHost: '127.0.0.1', ports: [silentPort], unitIds: Array.from({ length: 32 }, (_, i) => i + 1), timeoutMs: 5000, concurrency: 1 });
  assert.throws(() => svc.start({ fromHost: '127.0.0.1', toHost: '127.0.0.1' }), (e: unknown) => e instanceof ApiError && e.code === 'busy' && /still running/.test(e.message));
  const c = svc.cancel(s.id);
  assert.equal(c.state, 'cancelled');
  assert.match(c.message ?? '', /cancelled after 0 of 1 probes/);
  const settled = await svc.settled(s.id);
  assert.equal(settled.state, 'cancelled');
  assert.deepEqual(settled.proposals, []);
  // and a new scan may start
  const next = svc.start({ fromHost: '127.0.0.1', toHost: '127.0.0.1', ports: [closedPort], timeoutMs: 300 });
  assert.equal((await svc.settled(next.id)).state, 'done');
});

test('the bounds are sentences: a range of more than 256 hosts, a reversed range', () => {
  const svc = new DiscoveryService({ scanner: scanModbusTarget, known: () => new Map() });
  assert.throws(() => svc.start({ fromHost: '10.0.0.0', toHost: '10.0.1.0' }), /holds 257 addresses: scan at most 256 at a time/);
  assert.throws(() => svc.start({ fromHost: '10.0.0.9', toHost: '10.0.0.1' }), /ends \(10\.0\.0\.1\) before it starts \(10\.0\.0\.9\)/);
});
