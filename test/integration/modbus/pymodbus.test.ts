/**
 * Interop with an independent Modbus server: Debian's pymodbus (python3-pymodbus, 3.0.x API),
 * test/fixtures/pymodbus_server.py. The values are encoded by Python's struct module, not by
 * our codec. If /usr/bin/python3 lacks pymodbus this test FAILS (CI installs it).
 * Run: node --import tsx --test test/integration/modbus/pymodbus.test.ts
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as path from 'node:path';
import { modbusProfileSchema } from '../../../core/common/site';
import { ModbusBridge } from '../../../drivers/modbus/bridge';
import { CollectingSink, tcpDevice, waitFor } from './helpers';

const PYTHON = '/usr/bin/python3';
const FIXTURE = path.join(__dirname, '..', '..', 'fixtures', 'pymodbus_server.py');

/** what the Python server serves (raw values; it encodes them itself) */
const MAP = {
  registers: [
    { table: 'holding', address: 0, type: 'float32', wordOrder: 'BE', value: 230.5 },
    { table: 'holding', address: 2, type: 'float32', wordOrder: 'LE', value: -49.75 },
    { table: 'holding', address: 4, type: 'int32', wordOrder: 'BE', value: -123456 },
    { table: 'holding', address: 6, type: 'int32', wordOrder: 'LE', value: 7654321 },
    { table: 'holding', address: 8, type: 'int16', value: -1234 },
    { table: 'holding', address: 9, type: 'uint16', value: 65000 },
    { table: 'holding', address: 20, type: 'uint16', byteOrder: 'LE', value: 0x1234 },
    { table: 'holding', address: 21, type: 'uint32', wordOrder: 'LE', byteOrder: 'LE', value: 0x11223344 },
    { table: 'input', address: 0, type: 'uint16', value: 555 },
    { table: 'coil', address: 0, type: 'bool', value: true },
    { table: 'discrete', address: 0, type: 'bool', value: true },
  ],
};

/** the profile of the same device, plus a register it does not have */
const profile = modbusProfileSchema.parse({
  id: 'py-device',
  vendor: 'pymodbus',
  model: 'fixture',
  protocol: 'modbus',
  maxGap: 2,
  registers: [
    { channel: 'FloatBE', table: 'holding', address: 0, type: 'float32' },
    { channel: 'FloatLE', table: 'holding', address: 2, type: 'float32', wordOrder: 'LE' },
    { channel: 'IntBE', table: 'holding', address: 4, type: 'int32', access: 'rw' },
    { channel: 'IntLE', table: 'holding', address: 6, type: 'int32', wordOrder: 'LE', access: 'rw' },
    { channel: 'Power', table: 'holding', address: 8, type: 'int16', scale: 0.1, unit: 'kW', access: 'rw' },
    { channel: 'Count', table: 'holding', address: 9, type: 'uint16' },
    { channel: 'Swapped', table: 'holding', address: 20, type: 'uint16', byteOrder: 'LE' },
    { channel: 'AllLE', table: 'holding', address: 21, type: 'uint32', wordOrder: 'LE', byteOrder: 'LE' },
    { channel: 'Soc', table: 'input', address: 0, type: 'uint16', scale: 0.1, unit: '%' },
    { channel: 'Run', table: 'coil', address: 0, type: 'bool', access: 'rw' },
    { channel: 'Door', table: 'discrete', address: 0, type: 'bool' },
    { channel: 'Missing', table: 'holding', address: 100, type: 'uint16' },
  ],
});

let child: ChildProcessWithoutNullStreams | undefined;
let port = 0;
const writes: string[] = [];
let stderr = '';

before(async () => {
  const probe = spawnSync(PYTHON, ['-c', 'import pymodbus; print(pymodbus.__version__)'], { encoding: 'utf8', timeout: 20_000 });
  if (probe.status !== 0)
    assert.fail(
      `${PYTHON} cannot import pymodbus (${(probe.stderr || String(probe.error ?? '')).trim()}). ` +
        'This interop test needs it: apt-get install python3-pymodbus (CI installs it).',
    );
  const version = probe.stdout.trim();
  assert.match(version, /^3\.0\./, `fixture written for the pymodbus 3.0 API; found pymodbus ${version}`);

  const proc = spawn(PYTHON, [FIXTURE, '0', JSON.stringify(MAP)], { stdio: ['pipe', 'pipe', 'pipe'] });
  child = proc;
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`pymodbus server not READY within 10 s; stderr:\n${stderr}`)), 10_000);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`pymodbus server exited (${code}) before READY; stderr:\n${stderr}`));
    });
    proc.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      let nl: number;
      while ((nl = out.indexOf('\n')) >= 0) {
        const line = out.slice(0, nl).trim();
        out = out.slice(nl + 1);
        const ready = /^READY (\d+)$/.exec(line);
        if (ready) {
          clearTimeout(timer);
          resolve(Number(ready[1]));
        } else if (line.startsWith('WRITE ')) writes.push(line.slice(6));
      }
    });
  });
});

after(async () => {
  const proc = child;
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.stdin.end(); // the fixture exits when stdin closes
  proc.kill('SIGTERM');
  await exited;
});

test('the bridge decodes what pymodbus serves and writes to it', async () => {
  const sink = new CollectingSink();
  const bridge = new ModbusBridge({ device: tcpDevice(port, { pollMs: 100, timeoutMs: 1000 }), profile, sink });
  try {
    await bridge.start();
    assert.equal(bridge.status().state, 'online', `status: ${JSON.stringify(bridge.status())}`);
    const v = (c: string): unknown => sink.value(`ess1/${c}`);
    assert.equal(v('FloatBE'), 230.5);
    assert.equal(v('FloatLE'), -49.75);
    assert.equal(v('IntBE'), -123456);
    assert.equal(v('IntLE'), 7654321);
    assert.equal(v('Power'), -123.4);
    assert.equal(v('Count'), 65000);
    assert.equal(v('Swapped'), 0x1234);
    assert.equal(v('AllLE'), 0x11223344);
    assert.equal(v('Soc'), 55.5);
    assert.equal(v('Run'), true);
    assert.equal(v('Door'), true);
    for (const c of profile.registers.filter((r) => r.channel !== 'Missing'))
      assert.deepEqual(sink.latest.get(`ess1/${c.channel}`)?.quality, { level: 'good' }, c.channel);
    // pymodbus answers the unmapped register with exception 2: that block only is bad
    assert.deepEqual(sink.latest.get('ess1/Missing')?.quality, { level: 'bad', reason: 'device' });
    assert.match(bridge.status().lastError ?? '', /exception 2/i);

    // writes: FC6 (int16), FC16 (int32 in both word orders), FC5 (coil)
    await bridge.write('Power', -99.9);
    await bridge.write('IntBE', -2);
    await bridge.write('IntLE', 0x01020304);
    await bridge.write('Run', false);
    await waitFor(() => writes.length >= 4, 2000, 'pymodbus to report 4 writes');
    assert.deepEqual(writes, [
      `holding 8 ${0x10000 - 999}`,
      `holding 4 ${0xffff},${0xfffe}`,
      `holding 6 ${0x0304},${0x0102}`,
      'coil 0 0',
    ]);
    assert.equal(await bridge.read('Power'), -99.9);
    assert.equal(await bridge.read('IntLE'), 0x01020304);
    assert.equal(await bridge.read('Run'), false);
    await waitFor(() => sink.value('ess1/IntBE') === -2, 2000, 'the poll to see the write');
  } finally {
    await bridge.stop();
  }
  assert.equal(child?.exitCode, null, `the pymodbus server is still running; stderr:\n${stderr}`);
});
