import { test } from 'node:test';
import assert from 'node:assert/strict';
import { modbusProfileSchema, type ModbusProfile } from '../../core/common/site';
import { planBlocks } from './blocks';

type R = { channel: string; table: 'holding' | 'input' | 'coil' | 'discrete'; address: number; type: string };

function profile(registers: R[], opts: { maxBlock?: number; maxGap?: number } = {}): ModbusProfile {
  return modbusProfileSchema.parse({ id: 'p', vendor: 'v', model: 'm', protocol: 'modbus', ...opts, registers });
}
const h = (channel: string, address: number, type = 'uint16'): R => ({ channel, table: 'holding', address, type });

function shape(p: ModbusProfile): Array<[string, number, number, string[]]> {
  return planBlocks(p).blocks.map((b) => [b.table, b.start, b.count, b.registers.map((i) => p.registers[i]?.channel ?? '?')]);
}

test('adjacent registers coalesce into one block; slices locate each register', () => {
  const p = profile([h('B', 1, 'float32'), h('A', 0), h('C', 3, 'int32')]);
  assert.deepEqual(shape(p), [['holding', 0, 5, ['A', 'B', 'C']]]);
  const { slices } = planBlocks(p);
  assert.deepEqual(slices, [
    { block: 0, offset: 1, length: 2 },
    { block: 0, offset: 0, length: 1 },
    { block: 0, offset: 3, length: 2 },
  ]);
});

test('gaps up to maxGap are bridged, larger gaps split', () => {
  assert.deepEqual(shape(profile([h('A', 0), h('B', 9)], { maxGap: 8 })), [['holding', 0, 10, ['A', 'B']]]);
  assert.deepEqual(shape(profile([h('A', 0), h('B', 10)], { maxGap: 8 })), [
    ['holding', 0, 1, ['A']],
    ['holding', 10, 1, ['B']],
  ]);
  assert.deepEqual(shape(profile([h('A', 0), h('B', 1), h('C', 3)], { maxGap: 0 })), [
    ['holding', 0, 2, ['A', 'B']],
    ['holding', 3, 1, ['C']],
  ]);
});

test('a block never exceeds maxBlock; a 32-bit value is never split', () => {
  const regs = Array.from({ length: 10 }, (_, i) => h(`R${i}`, i));
  assert.deepEqual(
    shape(profile(regs, { maxBlock: 4 })).map(([, s, c]) => [s, c]),
    [
      [0, 4],
      [4, 4],
      [8, 2],
    ],
  );
  // A(0) B(1..2) C(3..4): with maxBlock 4, C would make 5, so C starts a new block
  assert.deepEqual(shape(profile([h('A', 0), h('B', 1, 'float32'), h('C', 3, 'float32')], { maxBlock: 4 })), [
    ['holding', 0, 3, ['A', 'B']],
    ['holding', 3, 2, ['C']],
  ]);
  for (const [, , count] of shape(profile(Array.from({ length: 300 }, (_, i) => h(`R${i}`, i * 2, 'int32')))))
    assert.ok(count <= 125);
  assert.throws(() => planBlocks(profile([h('F', 0, 'float32')], { maxBlock: 1 })), /channel F: float32 needs 2 registers, more than maxBlock 1/);
});

test('tables are planned separately, in a fixed order', () => {
  const p = profile([
    { channel: 'Di', table: 'discrete', address: 0, type: 'bool' },
    { channel: 'In', table: 'input', address: 0, type: 'uint16' },
    h('Ho', 1),
    { channel: 'Co', table: 'coil', address: 2, type: 'bool' },
    { channel: 'In2', table: 'input', address: 1, type: 'int16' },
  ]);
  assert.deepEqual(shape(p), [
    ['holding', 1, 1, ['Ho']],
    ['input', 0, 2, ['In', 'In2']],
    ['coil', 2, 1, ['Co']],
    ['discrete', 0, 1, ['Di']],
  ]);
});

test('bits: one address per coil, at most 2000 per block', () => {
  const coils: R[] = Array.from({ length: 2500 }, (_, i) => ({ channel: `C${i}`, table: 'coil', address: i, type: 'bool' }));
  assert.deepEqual(
    shape(profile(coils, { maxBlock: 10 })).map(([t, s, c]) => [t, s, c]),
    [
      ['coil', 0, 2000],
      ['coil', 2000, 500],
    ],
  );
});

test('registers sharing an address land in one block', () => {
  const p = profile([h('Word', 5), h('Same', 5, 'int16'), h('Wide', 4, 'uint32')]);
  assert.deepEqual(shape(p), [['holding', 4, 2, ['Wide', 'Word', 'Same']]]);
});

test('a register past address 65535 is refused', () => {
  assert.throws(() => planBlocks(profile([h('Top', 65535, 'uint32')])), /channel Top: uint32 at holding address 65535 ends past address 65535/);
  assert.equal(planBlocks(profile([h('Top', 65534, 'uint32')])).blocks.length, 1);
});
