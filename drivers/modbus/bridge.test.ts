/**
 * Unit tests of the bridge that need no server. RTU: no serial port exists on the test
 * machines, so RTU is tested only as far as its configuration and the error when the port
 * is missing; its traffic is modbus-serial's RTU framing, not exercised here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deviceSchema, modbusProfileSchema, type ModbusProfile } from '../../core/common/site';
import type { PointSample } from '../../core/common/bridge';
import { ModbusBridge, deviceAddress, modbusBridgeFactory } from './bridge';

const profile: ModbusProfile = modbusProfileSchema.parse({
  id: 'meter',
  vendor: 'v',
  model: 'm',
  protocol: 'modbus',
  registers: [
    { channel: 'P', table: 'input', address: 0, type: 'float32', unit: 'kW' },
    { channel: 'Reset', table: 'coil', address: 0, type: 'bool', access: 'rw' },
  ],
});

const rtu = deviceSchema.parse({
  id: 'rtu1',
  name: 'RTU meter',
  protocol: 'modbus-rtu',
  connection: { path: '/dev/ttyESM-does-not-exist', baudRate: 19200, parity: 'even', unitId: 3 },
  profile: 'meter',
  asset: 'm1',
  pollMs: 100,
  timeoutMs: 200,
});

test('factory serves modbus-tcp and modbus-rtu', () => {
  assert.deepEqual([...modbusBridgeFactory.protocols], ['modbus-tcp', 'modbus-rtu']);
  const b = modbusBridgeFactory.create({ device: rtu, profile, sink: { publish: () => undefined } });
  assert.ok(b instanceof ModbusBridge);
  assert.equal(b.deviceId, 'rtu1');
  assert.equal(b.status().state, 'disabled', 'not started');
});

test('RTU configuration shows in the status address', () => {
  assert.equal(deviceAddress(rtu), '/dev/ttyESM-does-not-exist 19200 8E1 unit 3');
  const b = new ModbusBridge({ device: rtu, profile, sink: { publish: () => undefined } });
  const s = b.status();
  assert.equal(s.protocol, 'modbus-rtu');
  assert.equal(s.address, '/dev/ttyESM-does-not-exist 19200 8E1 unit 3');
  assert.equal(s.pollMs, 100);
});

test('RTU with a missing serial port: offline with an error naming the path, points bad once', async () => {
  const batches: PointSample[][] = [];
  const b = new ModbusBridge({ device: rtu, profile, sink: { publish: (s) => batches.push([...s]) } });
  await b.start();
  try {
    const s = b.status();
    assert.equal(s.state, 'offline');
    assert.match(s.lastError ?? '', /cannot open serial port \/dev\/ttyESM-does-not-exist/);
    assert.equal(batches.length, 1);
    assert.deepEqual(
      batches[0]?.map((x) => [x.id, x.value, x.quality]),
      [
        ['m1/P', null, { level: 'bad', reason: 'comm-fail' }],
        ['m1/Reset', null, { level: 'bad', reason: 'comm-fail' }],
      ],
    );
    await assert.rejects(b.write('Reset', true), /channel Reset: write of true to device rtu1 failed: device rtu1 is not connected \(.*ttyESM/);
    await assert.rejects(b.write('P', 1), /channel P: not writable/);
    await new Promise((r) => setTimeout(r, 400)); // a retry or two, no new batch
    assert.equal(batches.length, 1, 'comm-fail is published on the transition only');
    assert.ok(b.status().failures >= 2, 'it keeps retrying');
  } finally {
    await b.stop();
  }
});

test('profiles the bridge cannot serve are refused at construction', () => {
  const dup = modbusProfileSchema.parse({
    ...profile,
    registers: [profile.registers[0], { ...profile.registers[0], address: 10 }],
  });
  assert.throws(() => new ModbusBridge({ device: rtu, profile: dup, sink: { publish: () => undefined } }), /maps channel P twice/);
  const tooWide = modbusProfileSchema.parse({ ...profile, maxBlock: 1 });
  assert.throws(() => new ModbusBridge({ device: rtu, profile: tooWide, sink: { publish: () => undefined } }), /more than maxBlock 1/);
});
