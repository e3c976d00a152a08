import { test } from 'node:test';
import assert from 'node:assert/strict';
import { modbusRegisterSchema, type ModbusRegister, type RegisterType } from '../../core/common/site';
import { decodeRegister, encodeRegister, registerWords, type CodecDefaults } from './codec';

const BE: CodecDefaults = { wordOrder: 'BE', byteOrder: 'BE' };

function reg(r: Partial<ModbusRegister> & { type: RegisterType }): ModbusRegister {
  return modbusRegisterSchema.parse({ channel: 'X', table: 'holding', address: 0, ...r });
}

/** Independent reference: Node's Buffer writes the value big-endian, then we reorder. */
function reference(type: RegisterType, raw: number, wordOrder: 'BE' | 'LE', byteOrder: 'BE' | 'LE'): number[] {
  const b = Buffer.alloc(4);
  let n = 2;
  switch (type) {
    case 'int16':
      b.writeInt16BE(raw);
      n = 1;
      break;
    case 'uint16':
    case 'bool':
      b.writeUInt16BE(raw);
      n = 1;
      break;
    case 'int32':
      b.writeInt32BE(raw);
      break;
    case 'uint32':
      b.writeUInt32BE(raw);
      break;
    case 'float32':
      b.writeFloatBE(raw);
      break;
  }
  let words = n === 1 ? [b.readUInt16BE(0)] : [b.readUInt16BE(0), b.readUInt16BE(2)];
  if (wordOrder === 'LE') words = words.reverse();
  if (byteOrder === 'LE') words = words.map((w) => Buffer.from([w & 0xff, w >> 8]).readUInt16BE(0));
  return words;
}

const SAMPLES: Record<RegisterType, number[]> = {
  int16: [0, 1, -1, 12345, -12345, 32767, -32768],
  uint16: [0, 1, 0x1234, 65535],
  int32: [0, -1, -2, 123456789, -123456789, 2147483647, -2147483648],
  uint32: [0, 1, 0x12345678, 4294967295],
  float32: [0, 1.5, -1.5, 230.5, -0.125, 1e-7, 3.0e38],
  bool: [0, 1],
};

test('registerWords', () => {
  assert.equal(registerWords('int16'), 1);
  assert.equal(registerWords('uint16'), 1);
  assert.equal(registerWords('bool'), 1);
  assert.equal(registerWords('int32'), 2);
  assert.equal(registerWords('uint32'), 2);
  assert.equal(registerWords('float32'), 2);
});

for (const type of Object.keys(SAMPLES) as RegisterType[]) {
  for (const wordOrder of ['BE', 'LE'] as const) {
    for (const byteOrder of ['BE', 'LE'] as const) {
      test(`${type} word ${wordOrder} byte ${byteOrder}: encode matches reference, decode inverts`, () => {
        // orders given on the register override the profile defaults (which say the opposite)
        const r = reg({ type, wordOrder, byteOrder });
        const defaults: CodecDefaults = { wordOrder: wordOrder === 'BE' ? 'LE' : 'BE', byteOrder: byteOrder === 'BE' ? 'LE' : 'BE' };
        for (const raw of SAMPLES[type]) {
          const expected = reference(type, raw, wordOrder, byteOrder);
          const value = type === 'bool' ? raw === 1 : raw;
          assert.deepEqual(encodeRegister(r, value, defaults), expected, `encode ${raw}`);
          const back = decodeRegister(r, expected, defaults);
          if (type === 'float32') assert.equal(back, Math.fround(raw) === raw ? raw : Number(Math.fround(raw).toPrecision(7)), `decode ${raw}`);
          else assert.equal(back, value, `decode ${raw}`);
        }
        // the same through the profile defaults
        const viaDefaults = reg({ type });
        const raw = SAMPLES[type][SAMPLES[type].length - 1] as number;
        assert.deepEqual(encodeRegister(viaDefaults, type === 'bool' ? raw === 1 : raw, { wordOrder, byteOrder }), reference(type, raw, wordOrder, byteOrder));
      });
    }
  }
}

test('known wire images', () => {
  assert.deepEqual(encodeRegister(reg({ type: 'float32' }), 230.5, BE), [0x4366, 0x8000]);
  assert.deepEqual(encodeRegister(reg({ type: 'float32', wordOrder: 'LE' }), 230.5, BE), [0x8000, 0x4366]);
  assert.deepEqual(encodeRegister(reg({ type: 'int32' }), -2, BE), [0xffff, 0xfffe]);
  assert.deepEqual(encodeRegister(reg({ type: 'int32', wordOrder: 'LE' }), 123456789, BE), [0xcd15, 0x075b]);
  assert.deepEqual(encodeRegister(reg({ type: 'int32', byteOrder: 'LE' }), 123456789, BE), [0x5b07, 0x15cd]);
  assert.deepEqual(encodeRegister(reg({ type: 'int16' }), -1, BE), [0xffff]);
  assert.equal(decodeRegister(reg({ type: 'int16' }), [0x8000], BE), -32768);
  assert.equal(decodeRegister(reg({ type: 'uint16' }), [0x8000], BE), 32768);
  assert.equal(decodeRegister(reg({ type: 'int32' }), [0x8000, 0x0000], BE), -2147483648);
  assert.equal(decodeRegister(reg({ type: 'uint32' }), [0x8000, 0x0000], BE), 2147483648);
});

test('float32 decodes to the shortest decimal of the float (230.1, not 230.10000610351562)', () => {
  const r = reg({ type: 'float32' });
  assert.equal(decodeRegister(r, encodeRegister(r, 230.1, BE), BE), 230.1);
  assert.equal(decodeRegister(r, encodeRegister(r, -49.98, BE), BE), -49.98);
  // NaN and ±Infinity are not values: decoding them throws, and the bridge marks the point bad
  assert.throws(() => decodeRegister(r, [0x7fc0, 0x0000], BE), /channel X: the device reported NaN, not a number/);
  assert.throws(() => decodeRegister(r, [0x7f80, 0x0000], BE), /Infinity/);
  assert.throws(() => decodeRegister(r, [0xff80, 0x0000], BE), /-Infinity/);
});

test('scale and offset: engineering = raw * scale + offset, and back', () => {
  const p = reg({ type: 'int16', scale: 0.1, unit: 'kW' });
  assert.deepEqual(encodeRegister(p, -12.3, BE), [0x10000 - 123]);
  assert.equal(decodeRegister(p, [0x10000 - 123], BE), -12.3);
  assert.equal(decodeRegister(p, [3], BE), 0.3); // not 0.30000000000000004
  const t = reg({ type: 'uint16', scale: 0.1, offset: -40, unit: 'degC' });
  assert.deepEqual(encodeRegister(t, 25, BE), [650]);
  assert.equal(decodeRegister(t, [650], BE), 25);
  const e = reg({ type: 'uint32', scale: 10, unit: 'Wh' });
  assert.deepEqual(encodeRegister(e, 123450, BE), [0, 12345]);
  assert.equal(decodeRegister(e, [0, 12345], BE), 123450);
  const f = reg({ type: 'float32', scale: 1000, unit: 'W' });
  assert.deepEqual(encodeRegister(f, 1500, BE), [0x3fc0, 0x0000]); // 1.5 kW raw
  assert.equal(decodeRegister(f, [0x3fc0, 0x0000], BE), 1500);
});

test('integer types round to the register resolution', () => {
  const p = reg({ type: 'int16', scale: 0.1 });
  assert.deepEqual(encodeRegister(p, 12.34, BE), [123]);
  assert.deepEqual(encodeRegister(p, 12.36, BE), [124]);
  assert.deepEqual(encodeRegister(p, -12.36, BE), [0x10000 - 124]);
  assert.deepEqual(encodeRegister(reg({ type: 'uint16' }), 2.5, BE), [3]);
  assert.deepEqual(encodeRegister(reg({ type: 'int16' }), -0.4, BE), [0]);
});

test('out-of-range values throw an error naming the channel, value, unit, type and scale', () => {
  const p = reg({ channel: 'SetActivePower', type: 'int16', scale: 0.1, unit: 'kW', access: 'rw' });
  assert.throws(() => encodeRegister(p, 40000, BE), {
    message: 'channel SetActivePower: 40000 kW is outside int16 range after scale 0.1',
  });
  assert.deepEqual(encodeRegister(p, 3276.7, BE), [32767]);
  assert.throws(() => encodeRegister(p, 3276.8, BE), /SetActivePower.*int16/);
  assert.deepEqual(encodeRegister(p, -3276.8, BE), [0x8000]);
  assert.throws(() => encodeRegister(p, -3276.9, BE), /int16/);
  assert.throws(() => encodeRegister(reg({ type: 'uint16' }), -1, BE), /channel X: -1 is outside uint16 range/);
  assert.throws(() => encodeRegister(reg({ type: 'uint16' }), 65536, BE), /uint16/);
  assert.throws(() => encodeRegister(reg({ type: 'int32' }), 2147483648, BE), /int32/);
  assert.throws(() => encodeRegister(reg({ type: 'uint32' }), 4294967296, BE), /uint32/);
  assert.throws(() => encodeRegister(reg({ type: 'float32' }), 1e39, BE), /float32/);
  assert.throws(() => encodeRegister(reg({ type: 'uint16', offset: 100 }), 50, BE), /after scale 1 and offset 100/);
  assert.throws(() => encodeRegister(reg({ type: 'int16' }), Number.NaN, BE), /channel X: NaN is not a finite number/);
  assert.throws(() => encodeRegister(reg({ type: 'int16' }), Infinity, BE), /finite/);
  assert.throws(() => encodeRegister(reg({ type: 'int16' }), true, BE), /channel X: expected a number/);
  assert.throws(() => encodeRegister(reg({ type: 'bool' }), 2, BE), /channel X: 2 is not a boolean/);
});

test('coils and discrete inputs are single bits', () => {
  for (const table of ['coil', 'discrete'] as const) {
    const c = reg({ table, type: 'bool' });
    assert.deepEqual(encodeRegister(c, true, BE), [1]);
    assert.deepEqual(encodeRegister(c, false, BE), [0]);
    assert.deepEqual(encodeRegister(c, 1, BE), [1]);
    assert.equal(decodeRegister(c, [1], BE), true);
    assert.equal(decodeRegister(c, [0], BE), false);
    assert.throws(() => encodeRegister(c, 5, BE), /not a boolean/);
  }
  // bool in a holding register: non-zero is true
  assert.equal(decodeRegister(reg({ type: 'bool' }), [0x0100], BE), true);
  assert.equal(decodeRegister(reg({ type: 'bool' }), [0], BE), false);
});

test('decode rejects missing or invalid words', () => {
  assert.throws(() => decodeRegister(reg({ type: 'int32' }), [1], BE), /channel X: int32 needs 2 words, got 1/);
  assert.throws(() => decodeRegister(reg({ type: 'int16' }), [70000], BE), /uint16/);
});
