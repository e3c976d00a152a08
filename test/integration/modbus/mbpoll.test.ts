/**
 * ModbusProfileServer read and written by an independent client, mbpoll (C, libmodbus).
 * Skipped only when mbpoll is not on PATH.
 * Run: node --import tsx --test test/integration/modbus/mbpoll.test.ts
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { modbusProfileSchema } from '../../../core/common/site';
import { ModbusProfileServer } from '../../../drivers/modbus/server';

const hasMbpoll = spawnSync('sh', ['-c', 'command -v mbpoll'], { encoding: 'utf8' }).status === 0;
const skip = hasMbpoll ? false : 'mbpoll is not on PATH';

const profile = modbusProfileSchema.parse({
  id: 'mbpoll-device',
  vendor: 'ES Manager',
  model: 'test',
  protocol: 'modbus',
  registers: [
    { channel: 'Power', table: 'holding', address: 0, type: 'int16', scale: 0.1, unit: 'kW', access: 'rw' },
    { channel: 'Voltage', table: 'holding', address: 10, type: 'float32', unit: 'V' },
    { channel: 'EnergyLE', table: 'holding', address: 12, type: 'int32', wordOrder: 'LE', unit: 'Wh' },
    { channel: 'Soc', table: 'input', address: 5, type: 'uint16', scale: 0.1, unit: '%' },
    { channel: 'Run', table: 'coil', address: 3, type: 'bool', access: 'rw' },
  ],
});

const server = new ModbusProfileServer(profile, { unitId: 1 });
let port = 0;

before(async () => {
  port = await server.start();
});
after(async () => {
  await server.stop();
});

/** runs mbpoll once against the server; returns { address: text } of its output */
function mbpoll(args: string[]): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    execFile('mbpoll', ['-m', 'tcp', '-p', String(port), '-a', '1', '-0', '-1', '-o', '2', ...args], { timeout: 10_000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`mbpoll ${args.join(' ')} failed: ${err.message}\n${stdout}\n${stderr}`));
      const out: Record<string, string> = {};
      for (const m of stdout.matchAll(/^\[(\d+)\]:\s+(\S+)/gm)) out[m[1] as string] = m[2] as string;
      resolve(out);
    });
  });
}

test('mbpoll reads the values the server encodes', { skip }, async () => {
  server.set('Power', -12.3);
  server.set('Voltage', 230.5);
  server.set('EnergyLE', -7654321);
  server.set('Soc', 64.2);
  server.set('Run', true);
  // -t 4: 16-bit holding, printed unsigned: -123 (raw of -12.3 kW) is 65413; -B: big-endian words
  assert.deepEqual(await mbpoll(['-t', '4', '-r', '0', '127.0.0.1']), { 0: String(0x10000 - 123) });
  assert.deepEqual(await mbpoll(['-t', '4:float', '-B', '-r', '10', '127.0.0.1']), { 10: '230.5' });
  assert.deepEqual(await mbpoll(['-t', '4:int', '-r', '12', '127.0.0.1']), { 12: '-7654321' }); // mbpoll's default: LE words
  assert.deepEqual(await mbpoll(['-t', '3', '-r', '5', '127.0.0.1']), { 5: '642' });
  assert.deepEqual(await mbpoll(['-t', '0', '-r', '3', '127.0.0.1']), { 3: '1' });
});

test('mbpoll writes arrive through onWrite, decoded', { skip }, async () => {
  const writes: Array<[string, number | boolean]> = [];
  const off = server.onWrite((c, v) => writes.push([c, v]));
  try {
    await mbpoll(['-t', '4', '-r', '0', '127.0.0.1', '456']);
    await mbpoll(['-t', '0', '-r', '3', '127.0.0.1', '0']);
    assert.deepEqual(writes, [
      ['Power', 45.6],
      ['Run', false],
    ]);
    assert.equal(server.get('Power'), 45.6);
  } finally {
    off();
  }
});

test('mbpoll sees exception 2 for an unmapped address and for a read-only register write', { skip }, async () => {
  await assert.rejects(mbpoll(['-t', '4', '-r', '50', '127.0.0.1']), /Illegal data address/);
  await assert.rejects(mbpoll(['-t', '4', '-r', '10', '127.0.0.1', '1']), /Illegal data address/);
});
