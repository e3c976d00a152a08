/**
 * Columnar chunk codec: one chunk = the samples of one point over a stretch of time.
 *
 *   byte 0      flags: bit0 = body deflated (raw deflate, node:zlib)
 *   body        varint n, varint t0,
 *               timestamps as runs of equal deltas  (R, then R x (delta, runLength)),
 *               quality codes as runs               (R, then R x (code, runLength)),
 *               null mask as alternating runs       (R, then run lengths, starting non-null),
 *               value type (0 number, 1 boolean, 2 string), value encoding, values:
 *                 0 scaled integer: decimals d, zigzag varint deltas of round(v * 10^d)
 *                   (chosen when every value survives the round trip exactly),
 *                 1 XOR: each float64 XORed with the previous one, written as a
 *                   (leading zero bytes << 4 | trailing zero bytes) byte + the middle bytes,
 *                 2 JSON array of strings.
 *
 * Regular 1 s data costs ~0 bytes of timestamps; quantised register values (0.1 kW, 0.01 %)
 * cost ~1 byte before deflate. Decoding returns Float64Arrays so scans stay cheap.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { PointValue } from '../common/point';
import type { Bucket } from './rollup';

// ------------------------------------------------------------------ quality codes

// one codec for the historian and the trends (core/common/historian.ts)
export { qualityCode, qualityFromCode, qualityText } from '../common/historian';

// ------------------------------------------------------------------ byte writer / reader

export class ByteWriter {
  buf: Buffer;
  len = 0;
  constructor(initial = 256) {
    this.buf = Buffer.allocUnsafe(initial);
  }
  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const b = Buffer.allocUnsafe(size);
    this.buf.copy(b, 0, 0, this.len);
    this.buf = b;
  }
  byte(b: number): void {
    this.ensure(1);
    this.buf[this.len++] = b;
  }
  /** unsigned varint, exact up to 2^53 */
  uvar(n: number): void {
    this.ensure(8);
    while (n >= 0x80) {
      this.buf[this.len++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.buf[this.len++] = n;
  }
  svar(n: number): void {
    this.uvar(n >= 0 ? n * 2 : -n * 2 - 1);
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  result(): Buffer {
    return this.buf.subarray(0, this.len);
  }
}

export class ByteReader {
  pos = 0;
  constructor(readonly buf: Uint8Array) {}
  byte(): number {
    if (this.pos >= this.buf.length) throw new Error('chunk truncated');
    return this.buf[this.pos++] as number;
  }
  uvar(): number {
    let result = 0;
    let mul = 1;
    for (;;) {
      const b = this.byte();
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 0x80;
    }
  }
  svar(): number {
    const z = this.uvar();
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }
}

// ------------------------------------------------------------------ chunk

export interface DecodedChunk {
  t: Float64Array;
  /** numbers (booleans as 0/1); NaN where the value is null or a string */
  v: Float64Array;
  q: Uint8Array;
  /** the value type of the chunk */
  type: 'number' | 'boolean' | 'string';
  /** string chunks only: the values (null where null) */
  s?: (string | null)[];
  /** null mask (1 = null), present when the chunk holds any null */
  nulls?: Uint8Array;
}

const f64 = new Float64Array(1);
const f64b = new Uint8Array(f64.buffer);
const POW10 = [1, 10, 100, 1000, 1e4, 1e5, 1e6];

function detectDecimals(values: readonly number[]): number {
  outer: for (let d = 0; d < POW10.length; d++) {
    const p = POW10[d] as number;
    for (const v of values) {
      const s = v * p;
      if (!Number.isFinite(v) || Math.abs(s) > 2 ** 50 || Math.round(s) / p !== v) continue outer;
    }
    return d;
  }
  return -1;
}

function valueType(values: readonly PointValue[]): 'number' | 'boolean' | 'string' {
  for (const v of values) {
    if (typeof v === 'string') return 'string';
    if (typeof v === 'number') return 'number';
    if (typeof v === 'boolean') return 'boolean';
  }
  return 'number';
}

/** predictors of encoding 3: 0 = the previous value, k > 0 = the rounded mean of the last k values */
const PREDICTORS = [0, 4, 8, 16] as const;

/** the prediction of x[i] from the values before it (exact integer arithmetic, same in the reader) */
function residuals(x: Float64Array, k: number, out: Float64Array): void {
  const n = x.length;
  if (k === 0) {
    let prev = 0;
    for (let i = 0; i < n; i++) {
      const v = x[i] as number;
      out[i] = v - prev;
      prev = v;
    }
    return;
  }
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const c = i < k ? i : k;
    const v = x[i] as number;
    out[i] = v - (c === 0 ? 0 : Math.round(sum / c));
    sum += v;
    if (i >= k) sum -= x[i - k] as number;
  }
}

/**
 * Encoding 3: scaled integers as residuals of the predictor that fits the column best, written
 * as byte planes of their zigzag (all low bytes, then the next bytes...), which deflate codes
 * far better than mixed-length varints. A noisy signal predicted by a short mean leaves about
 * half the residual variance that plain deltas leave (FLAC-style predictor choice, per column).
 * Returns false (nothing written) when a residual needs more than 32 bits.
 */
function writePredicted(w: ByteWriter, nums: readonly number[], d: number): boolean {
  const n = nums.length;
  if (n < 16) return false;
  const p = POW10[d] as number;
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = Math.round((nums[i] as number) * p);
  // one pass scores every predictor by the bit length of its residuals (what an entropy coder
  // roughly needs): cheap integer work, no second pass per candidate
  let c0 = 0;
  let c4 = 0;
  let c8 = 0;
  let c16 = 0;
  let s4 = 0;
  let s8 = 0;
  let s16 = 0;
  const bits = (v: number): number => 32 - Math.clz32(Math.min(Math.abs(v), 0xffffffff));
  for (let i = 0; i < n; i++) {
    const v = x[i] as number;
    c0 += bits(v - (i === 0 ? 0 : (x[i - 1] as number)));
    c4 += bits(v - (i === 0 ? 0 : Math.round(s4 / (i < 4 ? i : 4))));
    c8 += bits(v - (i === 0 ? 0 : Math.round(s8 / (i < 8 ? i : 8))));
    c16 += bits(v - (i === 0 ? 0 : Math.round(s16 / (i < 16 ? i : 16))));
    s4 += v;
    s8 += v;
    s16 += v;
    if (i >= 4) s4 -= x[i - 4] as number;
    if (i >= 8) s8 -= x[i - 8] as number;
    if (i >= 16) s16 -= x[i - 16] as number;
  }
  const costs = [c0, c4, c8, c16];
  let bi = 0;
  for (let j = 1; j < costs.length; j++) if ((costs[j] as number) < (costs[bi] as number)) bi = j;
  const best = PREDICTORS[bi] as number;
  const r = new Float64Array(n);
  residuals(x, best, r);
  let max = 0;
  for (let i = 0; i < n; i++) {
    const v = r[i] as number;
    const z = v >= 0 ? v * 2 : -v * 2 - 1;
    if (z > max) max = z;
    r[i] = z;
  }
  if (max >= 2 ** 32) return false;
  const width = max < 0x100 ? 1 : max < 0x10000 ? 2 : max < 0x1000000 ? 3 : 4;
  w.byte(3);
  w.byte(d);
  w.byte(best);
  w.byte(width);
  const planes = Buffer.allocUnsafe(n * width);
  for (let i = 0; i < n; i++) {
    const z = r[i] as number;
    planes[i] = z & 0xff;
    if (width > 1) planes[n + i] = (z >>> 8) & 0xff;
    if (width > 2) planes[2 * n + i] = (z >>> 16) & 0xff;
    if (width > 3) planes[3 * n + i] = Math.floor(z / 0x1000000) & 0xff;
  }
  w.bytes(planes);
  return true;
}

/**
 * A column of numbers: encoding byte 3 = predicted scaled integers in byte planes (above), when
 * every value survives the round trip at some decimals and the column has 16 values or more;
 * 0 = scaled integers (decimals byte, zigzag varint deltas of
 * round(v * 10^d)), when every value survives the round trip exactly; else 1 = XOR of the
 * float64 bits with the previous value (leading/trailing zero bytes header + middle bytes).
 */
export function writeNumbers(w: ByteWriter, nums: readonly number[], deflated = true): void {
  const d = detectDecimals(nums);
  // byte planes pay only once deflated; the hot table's small undeflated deltas keep varints
  if (d >= 0 && deflated && writePredicted(w, nums, d)) return;
  if (d >= 0) {
    w.byte(0);
    w.byte(d);
    const p = POW10[d] as number;
    let prev = 0;
    for (const v of nums) {
      const x = Math.round(v * p);
      w.svar(x - prev);
      prev = x;
    }
    return;
  }
  w.byte(1);
  let prevLo = 0;
  let prevHi = 0;
  const u32 = new Uint32Array(f64.buffer);
  for (const v of nums) {
    f64[0] = v;
    const lo = (u32[0] as number) ^ prevLo;
    const hi = (u32[1] as number) ^ prevHi;
    prevLo = u32[0] as number;
    prevHi = u32[1] as number;
    u32[0] = lo;
    u32[1] = hi;
    // little endian: byte 7 is the most significant
    let lead = 0;
    while (lead < 8 && f64b[7 - lead] === 0) lead++;
    if (lead === 8) {
      w.byte(0x80);
      continue;
    }
    let trail = 0;
    while (f64b[trail] === 0) trail++;
    w.byte((lead << 4) | trail);
    for (let k = 7 - lead; k >= trail; k--) w.byte(f64b[k] as number);
  }
}

/** Reads n numbers written by writeNumbers (dense: no nulls). */
export function readNumbers(r: ByteReader, n: number): Float64Array {
  return readNumberColumn(r, r.byte(), n);
}

/** The body of a number column whose encoding byte was already read. */
function readNumberColumn(r: ByteReader, enc: number, n: number): Float64Array {
  const v = new Float64Array(n);
  if (enc === 3) {
    const p = POW10[r.byte()] as number;
    const k = r.byte();
    const width = r.byte();
    if (p === undefined || width < 1 || width > 4 || (k !== 0 && !(PREDICTORS as readonly number[]).includes(k))) throw new Error('chunk column header is not valid');
    if (r.pos + n * width > r.buf.length) throw new Error('chunk truncated');
    const b = r.buf;
    const o = r.pos;
    r.pos += n * width;
    const xs = k === 0 ? null : new Float64Array(n);
    let prev = 0;
    let sum = 0;
    for (let i = 0; i < n; i++) {
      let z = b[o + i] as number;
      if (width > 1) z += (b[o + n + i] as number) * 0x100;
      if (width > 2) z += (b[o + 2 * n + i] as number) * 0x10000;
      if (width > 3) z += (b[o + 3 * n + i] as number) * 0x1000000;
      const res = z % 2 === 0 ? z / 2 : -(z + 1) / 2;
      let x: number;
      if (k === 0) x = prev + res;
      else {
        const c = i < k ? i : k;
        x = res + (c === 0 ? 0 : Math.round(sum / c));
        (xs as Float64Array)[i] = x;
        sum += x;
        if (i >= k) sum -= (xs as Float64Array)[i - k] as number;
      }
      prev = x;
      v[i] = x / p;
    }
    return v;
  }
  if (enc === 0) {
    const p = POW10[r.byte()] as number;
    let x = 0;
    for (let i = 0; i < n; i++) {
      x += r.svar();
      v[i] = x / p;
    }
    return v;
  }
  const u32 = new Uint32Array(f64.buffer);
  let prevLo = 0;
  let prevHi = 0;
  for (let i = 0; i < n; i++) {
    const h = r.byte();
    f64[0] = 0;
    if (h !== 0x80) {
      const lead = h >> 4;
      const trail = h & 15;
      for (let k = 7 - lead; k >= trail; k--) f64b[k] = r.byte();
    }
    prevLo = ((u32[0] as number) ^ prevLo) >>> 0;
    prevHi = ((u32[1] as number) ^ prevHi) >>> 0;
    u32[0] = prevLo;
    u32[1] = prevHi;
    v[i] = f64[0] as number;
  }
  return v;
}

/**
 * Encodes samples (strictly increasing ts). `deflate` compresses the body (sealed chunks);
 * the small hot-table deltas are written without it.
 */
export function encodeChunk(ts: readonly number[], values: readonly PointValue[], quals: readonly number[], deflate: boolean): Buffer {
  const n = ts.length;
  const w = new ByteWriter(64 + n * 3);
  w.uvar(n);
  if (n === 0) return finish(w, false);
  w.uvar(ts[0] as number);
  // timestamps: runs of equal deltas
  {
    const runs: number[] = [];
    let prevDelta = -1;
    for (let i = 1; i < n; i++) {
      const d = (ts[i] as number) - (ts[i - 1] as number);
      if (d === prevDelta) runs[runs.length - 1]! += 1;
      else {
        runs.push(d, 1);
        prevDelta = d;
      }
    }
    w.uvar(runs.length / 2);
    for (const x of runs) w.uvar(x);
  }
  // qualities: runs
  {
    const runs: number[] = [];
    let prev = -1;
    for (let i = 0; i < n; i++) {
      const c = quals[i] as number;
      if (c === prev) runs[runs.length - 1]! += 1;
      else {
        runs.push(c, 1);
        prev = c;
      }
    }
    w.uvar(runs.length / 2);
    for (const x of runs) w.uvar(x);
  }
  // null mask: alternating runs starting with non-null
  const type = valueType(values);
  const isNull = (v: PointValue): boolean => v === null || (type === 'number' && typeof v !== 'number') || (type === 'boolean' && typeof v !== 'boolean') || (type === 'string' && typeof v !== 'string');
  {
    const runs: number[] = [];
    let cur = false;
    let run = 0;
    for (let i = 0; i < n; i++) {
      const nl = isNull(values[i] as PointValue);
      if (nl === cur) run++;
      else {
        runs.push(run);
        cur = nl;
        run = 1;
      }
    }
    runs.push(run);
    w.uvar(runs.length);
    for (const x of runs) w.uvar(x);
  }
  w.byte(type === 'number' ? 0 : type === 'boolean' ? 1 : 2);
  if (type === 'string') {
    w.byte(2);
    const strs = values.filter((v) => typeof v === 'string') as string[];
    const json = Buffer.from(JSON.stringify(strs), 'utf8');
    w.uvar(json.length);
    w.bytes(json);
  } else {
    const nums: number[] = [];
    for (const v of values) if (!isNull(v)) nums.push(typeof v === 'boolean' ? (v ? 1 : 0) : (v as number));
    writeNumbers(w, nums, deflate);
  }
  return finish(w, deflate);
}

function finish(w: ByteWriter, deflate: boolean): Buffer {
  const body = w.result();
  if (deflate && body.length > 32) {
    const z = deflateRawSync(body, { level: 6 });
    if (z.length < body.length) return Buffer.concat([Buffer.from([1]), z]);
  }
  return Buffer.concat([Buffer.from([0]), body]);
}

export function decodeChunk(blob: Uint8Array): DecodedChunk {
  const flags = blob[0] as number;
  const body = flags & 1 ? inflateRawSync(blob.subarray(1)) : blob.subarray(1);
  const r = new ByteReader(body);
  const n = r.uvar();
  const t = new Float64Array(n);
  const v = new Float64Array(n);
  const q = new Uint8Array(n);
  if (n === 0) return { t, v, q, type: 'number' };
  let cur = r.uvar();
  t[0] = cur;
  {
    const runs = r.uvar();
    let i = 1;
    for (let k = 0; k < runs; k++) {
      const d = r.uvar();
      const len = r.uvar();
      for (let j = 0; j < len; j++) {
        cur += d;
        t[i++] = cur;
      }
    }
  }
  {
    const runs = r.uvar();
    let i = 0;
    for (let k = 0; k < runs; k++) {
      const c = r.uvar();
      const len = r.uvar();
      q.fill(c, i, i + len);
      i += len;
    }
  }
  let nulls: Uint8Array | undefined;
  {
    const runs = r.uvar();
    let i = 0;
    for (let k = 0; k < runs; k++) {
      const len = r.uvar();
      if (k % 2 === 1 && len > 0) {
        nulls ??= new Uint8Array(n);
        nulls.fill(1, i, i + len);
      }
      i += len;
    }
  }
  const typeByte = r.byte();
  const type = typeByte === 0 ? 'number' : typeByte === 1 ? 'boolean' : 'string';
  const enc = r.byte();
  if (enc === 2) {
    const len = r.uvar();
    const strs = JSON.parse(Buffer.from(body.buffer, body.byteOffset + r.pos, len).toString('utf8')) as string[];
    const s: (string | null)[] = new Array<string | null>(n);
    let k = 0;
    for (let i = 0; i < n; i++) s[i] = nulls?.[i] ? null : (strs[k++] ?? null);
    v.fill(Number.NaN);
    return { t, v, q, type, s, ...(nulls ? { nulls } : {}) };
  }
  // the values of the non-null samples, in order; a null sample reads as NaN
  let nullCount = 0;
  if (nulls) for (let i = 0; i < n; i++) nullCount += nulls[i] as number;
  const dense = readNumberColumn(r, enc, n - nullCount);
  if (!nulls) return { t, v: dense, q, type };
  for (let i = 0, k = 0; i < n; i++) v[i] = nulls[i] ? Number.NaN : (dense[k++] as number);
  return { t, v, q, type, nulls };
}

/** The value of sample i of a decoded chunk as a PointValue. */
export function chunkValue(c: DecodedChunk, i: number): PointValue {
  if (c.nulls?.[i]) return null;
  if (c.type === 'string') return c.s?.[i] ?? null;
  const x = c.v[i] as number;
  return c.type === 'boolean' ? x !== 0 : x;
}

// ------------------------------------------------------------------ packed rollup buckets

/** the columns of a packed block, in order (times as offsets from the bucket start) */
const BUCKET_COLUMNS: ReadonlyArray<(b: Bucket) => number> = [
  (b) => b.b,
  (b) => b.n,
  (b) => b.tmin - b.b,
  (b) => b.tmax - b.b,
  (b) => b.tfirst - b.b,
  (b) => b.tlast - b.b,
  (b) => b.min,
  (b) => b.max,
  (b) => b.first,
  (b) => b.last,
  (b) => b.sum,
  (b) => b.integ,
  (b) => b.dur,
];

/**
 * Closed rollup buckets of one point and level, packed by columns (the chunk codec's number
 * columns) and deflated: a day of 15 min buckets costs tens of bytes per bucket instead of a
 * table row each. Lossless: decodeBuckets returns the same numbers.
 */
export function encodeBuckets(bs: readonly Bucket[]): Buffer {
  const w = new ByteWriter(64 + bs.length * 24);
  w.uvar(bs.length);
  for (const col of BUCKET_COLUMNS) writeNumbers(w, bs.map(col));
  return finish(w, true);
}

export function decodeBuckets(blob: Uint8Array): Bucket[] {
  const body = (blob[0] as number) & 1 ? inflateRawSync(blob.subarray(1)) : blob.subarray(1);
  const r = new ByteReader(body);
  const k = r.uvar();
  const c = BUCKET_COLUMNS.map(() => readNumbers(r, k));
  const out: Bucket[] = new Array<Bucket>(k);
  const [b, n, tmin, tmax, tfirst, tlast, min, max, first, last, sum, integ, dur] = c as [
    Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array,
    Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array,
  ];
  for (let i = 0; i < k; i++) {
    const bi = b[i] as number;
    out[i] = {
      b: bi,
      n: n[i] as number,
      tmin: bi + (tmin[i] as number),
      tmax: bi + (tmax[i] as number),
      tfirst: bi + (tfirst[i] as number),
      tlast: bi + (tlast[i] as number),
      min: min[i] as number,
      max: max[i] as number,
      first: first[i] as number,
      last: last[i] as number,
      sum: sum[i] as number,
      integ: integ[i] as number,
      dur: dur[i] as number,
    };
  }
  return out;
}
