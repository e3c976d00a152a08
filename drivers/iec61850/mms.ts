/**
 * MMS values as plain data (what crosses the worker boundary), and the pure codecs for the
 * byte layouts IEC 61850-8-1 fixes: the 8-byte UtcTime, bit strings (bit 0 is the most
 * significant bit of the first octet, as in ASN.1 BER), and the 13-bit quality.
 *
 * No library here: the worker turns an MmsValue into `MmsData` (and back); everything the
 * app derives from it (engineering value, quality, source time) is computed from this data,
 * so it is tested without libiec61850.
 */
import type { PointValue } from '../../core/common/point';
import type { Quality, TimeQuality } from '../../core/common/quality';

export type MmsData =
  | { type: 'boolean'; value: boolean }
  | { type: 'integer'; value: number }
  | { type: 'unsigned'; value: number }
  | { type: 'float'; value: number }
  | { type: 'bit-string'; size: number; bytes: number[] }
  | { type: 'octet-string'; bytes: number[] }
  | { type: 'visible-string'; value: string }
  | { type: 'string'; value: string }
  | { type: 'utc-time'; bytes: number[] }
  | { type: 'binary-time'; ms: number }
  | { type: 'structure'; items: MmsData[] }
  | { type: 'array'; items: MmsData[] }
  | { type: 'data-access-error'; code: number }
  | { type: 'unsupported'; mmsType: number };

/** MmsType enum of libiec61850 (mms_common.h). */
export const MMS_TYPE = {
  ARRAY: 0,
  STRUCTURE: 1,
  BOOLEAN: 2,
  BIT_STRING: 3,
  INTEGER: 4,
  UNSIGNED: 5,
  FLOAT: 6,
  OCTET_STRING: 7,
  VISIBLE_STRING: 8,
  GENERALIZED_TIME: 9,
  BINARY_TIME: 10,
  BCD: 11,
  OBJ_ID: 12,
  STRING: 13,
  UTC_TIME: 14,
  DATA_ACCESS_ERROR: 15,
} as const;

// ---------------------------------------------------------------- bit strings

/** Bit `i` of a bit string laid out as in BER: bit 0 is the MSB of the first octet. */
export function bitAt(bytes: readonly number[], i: number): boolean {
  const b = bytes[i >> 3] ?? 0;
  return ((b >> (7 - (i & 7))) & 1) === 1;
}

/** The bit string as an integer with bit i of the string in bit i of the number (libiec61850's getBitStringAsInteger). */
export function bitStringToInt(bytes: readonly number[], size: number): number {
  if (size > 32) throw new Error(`a bit string of ${size} bits does not fit an integer (at most 32)`);
  let v = 0;
  for (let i = 0; i < size; i++) if (bitAt(bytes, i)) v += 2 ** i;
  return v;
}

/** The bit string as an integer read most significant bit first (libiec61850's getBitStringAsIntegerBigEndian; Dbpos). */
export function bitStringToIntBE(bytes: readonly number[], size: number): number {
  if (size > 32) throw new Error(`a bit string of ${size} bits does not fit an integer (at most 32)`);
  let v = 0;
  for (let i = 0; i < size; i++) v = v * 2 + (bitAt(bytes, i) ? 1 : 0);
  return v;
}

export function intToBitString(value: number, size: number): number[] {
  const bytes = new Array<number>(Math.ceil(size / 8)).fill(0);
  for (let i = 0; i < size; i++) {
    if (Math.floor(value / 2 ** i) % 2 === 1) bytes[i >> 3] = (bytes[i >> 3] ?? 0) | (1 << (7 - (i & 7)));
  }
  return bytes;
}

/** Inverse of bitStringToIntBE: the first bit is the most significant. */
export function intToBitStringBE(value: number, size: number): number[] {
  const bytes = new Array<number>(Math.ceil(size / 8)).fill(0);
  for (let i = 0; i < size; i++) {
    if (Math.floor(value / 2 ** (size - 1 - i)) % 2 === 1) bytes[i >> 3] = (bytes[i >> 3] ?? 0) | (1 << (7 - (i & 7)));
  }
  return bytes;
}

// ---------------------------------------------------------------- quality (IEC 61850-7-3 6.2)

export type Validity = 'good' | 'invalid' | 'reserved' | 'questionable';

export interface QualityBits {
  validity: Validity;
  overflow: boolean;
  outOfRange: boolean;
  badReference: boolean;
  oscillatory: boolean;
  failure: boolean;
  oldData: boolean;
  inconsistent: boolean;
  inaccurate: boolean;
  /** source = substituted (not process) */
  substituted: boolean;
  test: boolean;
  operatorBlocked: boolean;
  derived: boolean;
}

const DETAIL_BITS: Array<[keyof QualityBits, number]> = [
  ['overflow', 2],
  ['outOfRange', 3],
  ['badReference', 4],
  ['oscillatory', 5],
  ['failure', 6],
  ['oldData', 7],
  ['inconsistent', 8],
  ['inaccurate', 9],
  ['substituted', 10],
  ['test', 11],
  ['operatorBlocked', 12],
  ['derived', 13],
];

/** Decodes a quality bit string (13 bits; 14 with `derived` in edition 2.1). */
export function decodeQuality(bytes: readonly number[], size = 13): QualityBits {
  const bit = (i: number): boolean => i < size && bitAt(bytes, i);
  const v = (bit(0) ? 2 : 0) + (bit(1) ? 1 : 0);
  const validity: Validity = v === 0 ? 'good' : v === 1 ? 'invalid' : v === 2 ? 'reserved' : 'questionable';
  const q = { validity } as QualityBits;
  for (const [k, i] of DETAIL_BITS) (q as unknown as Record<string, boolean>)[k] = bit(i);
  return q;
}

export function encodeQuality(q: Partial<QualityBits>, size = 13): number[] {
  const bytes = new Array<number>(Math.ceil(size / 8)).fill(0);
  const set = (i: number): void => {
    if (i < size) bytes[i >> 3] = (bytes[i >> 3] ?? 0) | (1 << (7 - (i & 7)));
  };
  const validity = q.validity ?? 'good';
  if (validity === 'reserved' || validity === 'questionable') set(0);
  if (validity === 'invalid' || validity === 'questionable') set(1);
  for (const [k, i] of DETAIL_BITS) if (q[k]) set(i);
  return bytes;
}

/**
 * The app's quality from the 61850 quality bits. Invalid, or operator blocked (the value is
 * frozen, not updated from the process), is bad; questionable (old data, oscillatory,
 * inaccurate...) is uncertain; a substituted value is "manual" (uncertain, so it shows);
 * a value under test is uncertain (it does not describe the process).
 */
export function appQuality(q: QualityBits): Quality {
  if (q.validity === 'invalid' || q.validity === 'reserved') return { level: 'bad', reason: 'device' };
  if (q.operatorBlocked) return { level: 'bad', reason: 'device' };
  if (q.substituted) return { level: 'uncertain', reason: 'manual' };
  if (q.validity === 'questionable' || q.test) return { level: 'uncertain', reason: 'device' };
  return { level: 'good' };
}

/** Names the set flags of a quality, for the device page and logs ("questionable: oldData, test"). */
export function describeQuality(q: QualityBits): string {
  const flags = DETAIL_BITS.filter(([k]) => q[k]).map(([k]) => k);
  return flags.length ? `${q.validity}: ${flags.join(', ')}` : q.validity;
}

// ---------------------------------------------------------------- UtcTime (IEC 61850-8-1 8.1.3.7)

export type { TimeQuality } from '../../core/common/quality';

export interface UtcTime {
  /** ms since the epoch, as libiec61850 computes it (fraction / 16777, truncated) */
  ms: number;
  quality: TimeQuality;
}

/** 4 octets seconds since 1970 (big-endian), 3 octets fraction of a second (x 2^24), 1 octet time quality. */
export function decodeUtcTime(bytes: readonly number[]): UtcTime {
  if (bytes.length !== 8) throw new Error(`a UtcTime has 8 octets, got ${bytes.length}`);
  const b = (i: number): number => bytes[i] ?? 0;
  const seconds = b(0) * 2 ** 24 + b(1) * 2 ** 16 + b(2) * 2 ** 8 + b(3);
  const fraction = b(4) * 2 ** 16 + b(5) * 2 ** 8 + b(6);
  const tq = b(7);
  return {
    ms: seconds * 1000 + Math.floor(fraction / 16777),
    quality: {
      leapSecondsKnown: (tq & 0x80) !== 0,
      clockFailure: (tq & 0x40) !== 0,
      clockNotSynchronized: (tq & 0x20) !== 0,
      accuracyBits: tq & 0x1f,
    },
  };
}

/** Encodes like libiec61850's MmsValue_setUtcTimeMsEx (the same fraction rounding). */
export function encodeUtcTime(ms: number, quality: Partial<TimeQuality> = {}): number[] {
  if (!Number.isFinite(ms) || ms < 0) throw new Error(`a UtcTime needs a time at or after 1970, got ${ms}`);
  const seconds = Math.floor(ms / 1000);
  const remainder = Math.floor(ms) % 1000;
  const fraction = remainder * 16777 + Math.floor((remainder * 216) / 1000);
  const tq =
    (quality.leapSecondsKnown ? 0x80 : 0) |
    (quality.clockFailure ? 0x40 : 0) |
    (quality.clockNotSynchronized ? 0x20 : 0) |
    ((quality.accuracyBits ?? 10) & 0x1f);
  return [
    (seconds >>> 24) & 0xff,
    (seconds >>> 16) & 0xff,
    (seconds >>> 8) & 0xff,
    seconds & 0xff,
    (fraction >>> 16) & 0xff,
    (fraction >>> 8) & 0xff,
    fraction & 0xff,
    tq,
  ];
}

// ---------------------------------------------------------------- values

/** A scalar MMS value as the app's point value; undefined when it has none (structure, error). */
export function scalarValue(d: MmsData): PointValue | undefined {
  switch (d.type) {
    case 'boolean':
    case 'integer':
    case 'unsigned':
    case 'float':
    case 'visible-string':
    case 'string':
      return d.value;
    case 'bit-string':
      // Dbpos (2 bits: intermediate 0, off 1, on 2, bad 3) and other small bit strings, first bit most significant
      return d.size <= 32 ? bitStringToIntBE(d.bytes, d.size) : undefined;
    case 'utc-time':
      return decodeUtcTime(d.bytes).ms;
    case 'binary-time':
      return d.ms;
    default:
      return undefined;
  }
}

/** Text for an MMS value in the browser and in error messages. */
export function describeMms(d: MmsData): string {
  switch (d.type) {
    case 'structure':
    case 'array':
      return `${d.type === 'array' ? '[' : '{'}${d.items.map(describeMms).join(', ')}${d.type === 'array' ? ']' : '}'}`;
    case 'bit-string':
      return `bits(${d.size}):${Array.from({ length: d.size }, (_, i) => (bitAt(d.bytes, i) ? '1' : '0')).join('')}`;
    case 'octet-string':
      return `0x${d.bytes.map((b) => b.toString(16).padStart(2, '0')).join('')}`;
    case 'utc-time':
      return new Date(decodeUtcTime(d.bytes).ms).toISOString();
    case 'binary-time':
      return new Date(d.ms).toISOString();
    case 'data-access-error':
      return `data access error ${d.code}`;
    case 'unsupported':
      return `unsupported MMS type ${d.mmsType}`;
    default:
      return String(d.value);
  }
}

/**
 * The value to write for a data attribute whose current value is `like`: the same MMS type,
 * carrying `v`. Rejects with a sentence when `v` does not fit the type.
 */
export function valueLike(like: MmsData, v: number | boolean | string): MmsData {
  const what = `${/^[aeiu]/.test(like.type) ? 'an' : 'a'} ${like.type} attribute`;
  switch (like.type) {
    case 'boolean':
      if (typeof v === 'boolean') return { type: 'boolean', value: v };
      if (v === 0 || v === 1) return { type: 'boolean', value: v === 1 };
      throw new Error(`${what} takes true or false, not ${JSON.stringify(v)}`);
    case 'integer':
    case 'unsigned': {
      const n = typeof v === 'boolean' ? (v ? 1 : 0) : Number(v);
      if (!Number.isInteger(n)) throw new Error(`${what} takes a whole number, not ${JSON.stringify(v)}`);
      if (like.type === 'unsigned' && (n < 0 || n > 0xffffffff)) throw new Error(`${what} takes 0 to 4294967295, not ${n}`);
      if (!Number.isSafeInteger(n)) throw new Error(`${what}: ${n} is too large`);
      return { type: like.type, value: n };
    }
    case 'float': {
      const n = Number(v);
      if (typeof v === 'boolean' || !Number.isFinite(n)) throw new Error(`${what} takes a finite number, not ${JSON.stringify(v)}`);
      return { type: 'float', value: n };
    }
    case 'visible-string':
    case 'string':
      if (typeof v !== 'string') throw new Error(`${what} takes text, not ${JSON.stringify(v)}`);
      return { type: like.type, value: v };
    case 'bit-string': {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n >= 2 ** Math.min(like.size, 32))
        throw new Error(`${what} of ${like.size} bits takes 0 to ${2 ** Math.min(like.size, 32) - 1}, not ${JSON.stringify(v)}`);
      return { type: 'bit-string', size: like.size, bytes: intToBitStringBE(n, like.size) };
    }
    case 'utc-time': {
      const n = Number(v);
      return { type: 'utc-time', bytes: encodeUtcTime(n, decodeUtcTime(like.bytes).quality) };
    }
    default:
      throw new Error(`writing ${what} is not supported`);
  }
}
