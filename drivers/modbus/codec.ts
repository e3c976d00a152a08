/**
 * Modbus value codec: register words <-> engineering values, after a device profile.
 *
 * Pure (no Node, no I/O): used by the bridge (client side) and by the profile server
 * (the simulator's side), so both agree bit for bit.
 *
 * Order of operations when decoding: byte order inside each word, then word order of
 * 32-bit values, then the type (two's complement / IEEE 754), then
 * engineering = raw * scale + offset. Encoding is the exact inverse.
 */
import type { ModbusRegister, RegisterType } from '../../core/common/site';

export interface CodecDefaults {
  /** word order of 32-bit values when the register does not say: BE = high word first */
  wordOrder: 'BE' | 'LE';
  /** byte order inside each 16-bit register when the register does not say */
  byteOrder: 'BE' | 'LE';
}

/**
 * Number of 16-bit registers a value of this type occupies in a register table
 * (holding/input). Coils and discrete inputs are single bits: one address each.
 */
export function registerWords(type: RegisterType): number {
  switch (type) {
    case 'int16':
    case 'uint16':
    case 'bool':
      return 1;
    case 'int32':
    case 'uint32':
    case 'float32':
      return 2;
  }
}

const RAW_RANGE: Record<Exclude<RegisterType, 'float32' | 'bool'>, [number, number]> = {
  int16: [-0x8000, 0x7fff],
  uint16: [0, 0xffff],
  int32: [-0x80000000, 0x7fffffff],
  uint32: [0, 0xffffffff],
};

/** largest finite float32 */
const FLOAT32_MAX = 3.4028234663852886e38;

function isBitTable(reg: ModbusRegister): boolean {
  return reg.table === 'coil' || reg.table === 'discrete';
}

function swapBytes(w: number): number {
  return ((w & 0xff) << 8) | ((w >> 8) & 0xff);
}

function word(words: ArrayLike<number>, i: number, reg: ModbusRegister): number {
  const w = words[i];
  if (w === undefined || !Number.isInteger(w) || w < 0 || w > 0xffff)
    throw new Error(`channel ${reg.channel}: word ${i} is ${String(w)}, expected a uint16 register value`);
  return w;
}

/**
 * Decodes the words read for one register (as uint16 values, in the order the device
 * sent them) into its engineering value. Coils, discrete inputs and type 'bool' give a
 * boolean; every other type gives raw * scale + offset. A non-finite float32 (NaN, ±Infinity)
 * throws: the caller marks the point bad (reason device).
 */
export function decodeRegister(reg: ModbusRegister, words: ArrayLike<number>, defaults: CodecDefaults): number | boolean {
  if (isBitTable(reg)) {
    const b = words[0];
    if (b === undefined) throw new Error(`channel ${reg.channel}: no bit value`);
    return b !== 0;
  }
  const n = registerWords(reg.type);
  if (words.length < n) throw new Error(`channel ${reg.channel}: ${reg.type} needs ${n} words, got ${words.length}`);
  const byteLE = (reg.byteOrder ?? defaults.byteOrder) === 'LE';
  const wordLE = (reg.wordOrder ?? defaults.wordOrder) === 'LE';
  const w: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = word(words, i, reg);
    w.push(byteLE ? swapBytes(v) : v);
  }
  if (reg.type === 'bool') return w[0] !== 0;
  let raw: number;
  if (n === 1) {
    const u = w[0] as number;
    raw = reg.type === 'int16' && u >= 0x8000 ? u - 0x10000 : u;
  } else {
    const hi = (wordLE ? w[1] : w[0]) as number;
    const lo = (wordLE ? w[0] : w[1]) as number;
    const dv = new DataView(new ArrayBuffer(4));
    dv.setUint16(0, hi);
    dv.setUint16(2, lo);
    raw = reg.type === 'int32' ? dv.getInt32(0) : reg.type === 'uint32' ? dv.getUint32(0) : dv.getFloat32(0);
  }
  // a float32 NaN or ±Infinity is the device saying "no valid value": an error here, so the
  // bridge marks the point bad (device) — never a good-quality non-number
  if (!Number.isFinite(raw)) throw new Error(`channel ${reg.channel}: the device reported ${String(raw)}, not a number`);
  if (reg.type === 'float32') raw = shortestFloat32(raw);
  return applyScale(raw, reg.scale) + reg.offset;
}

/** raw * scale, computed as raw / 10 rather than raw * 0.1 when 1/scale is whole (3 * 0.1 != 0.3). */
function applyScale(raw: number, scale: number): number {
  if (scale === 1) return raw;
  const inv = 1 / scale;
  const whole = Math.round(inv);
  return Math.abs(inv - whole) < 1e-9 * Math.abs(inv) && whole !== 0 ? raw / whole : raw * scale;
}

/** The shortest decimal that is the same float32 (230.1, not 230.10000610351562). */
function shortestFloat32(x: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  for (let p = 6; p < 9; p++) {
    const d = Number(x.toPrecision(p));
    if (Math.fround(d) === x) return d;
  }
  return x;
}

function unitText(reg: ModbusRegister): string {
  return reg.unit ? ` ${reg.unit}` : '';
}

/**
 * Encodes an engineering value into the words to write (or to serve), in wire order.
 * Integer types are rounded to the register's resolution (one raw step = scale).
 * Throws an Error naming the channel when the value does not fit the raw type.
 * Coils/discretes return [0] or [1].
 */
export function encodeRegister(reg: ModbusRegister, value: number | boolean, defaults: CodecDefaults): number[] {
  if (isBitTable(reg) || reg.type === 'bool') {
    let bit: boolean;
    if (typeof value === 'boolean') bit = value;
    else if (value === 0 || value === 1) bit = value === 1;
    else throw new Error(`channel ${reg.channel}: ${String(value)} is not a boolean (expected true/false or 0/1)`);
    if (isBitTable(reg)) return [bit ? 1 : 0];
    const w = bit ? 1 : 0;
    return [(reg.byteOrder ?? defaults.byteOrder) === 'LE' ? swapBytes(w) : w];
  }
  if (typeof value !== 'number') throw new Error(`channel ${reg.channel}: expected a number for ${reg.type}, got ${typeof value}`);
  if (!Number.isFinite(value)) throw new Error(`channel ${reg.channel}: ${String(value)} is not a finite number`);
  const exact = (value - reg.offset) / reg.scale;
  const range = (kind: string): Error =>
    new Error(
      `channel ${reg.channel}: ${value}${unitText(reg)} is outside ${kind} range after scale ${reg.scale}` +
        (reg.offset !== 0 ? ` and offset ${reg.offset}` : ''),
    );
  const dv = new DataView(new ArrayBuffer(4));
  let n: number;
  if (reg.type === 'float32') {
    if (Math.abs(exact) > FLOAT32_MAX) throw range('float32');
    dv.setFloat32(0, exact);
    n = 2;
  } else {
    // Round to the nearest raw step; an exact .5 * scale rounds away from zero.
    const raw = Math.sign(exact) * Math.round(Math.abs(exact));
    const [min, max] = RAW_RANGE[reg.type];
    if (raw < min || raw > max) throw range(reg.type);
    n = registerWords(reg.type);
    if (n === 1) dv.setUint16(0, raw < 0 ? raw + 0x10000 : raw);
    else if (reg.type === 'int32') dv.setInt32(0, raw);
    else dv.setUint32(0, raw);
  }
  let out: number[];
  if (n === 1) out = [dv.getUint16(0)];
  else {
    const hi = dv.getUint16(0);
    const lo = dv.getUint16(2);
    out = (reg.wordOrder ?? defaults.wordOrder) === 'LE' ? [lo, hi] : [hi, lo];
  }
  return (reg.byteOrder ?? defaults.byteOrder) === 'LE' ? out.map(swapBytes) : out;
}
