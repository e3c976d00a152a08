import { test } from 'node:test';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import assert from 'node:assert/strict';
import { decodeBuckets, decodeChunk, encodeBuckets, encodeChunk, chunkValue, qualityCode, qualityFromCode } from './codec';
import type { Bucket } from './rollup';
import type { PointValue } from '../common/point';

function roundTrip(ts: number[], vs: PointValue[], qs: number[], deflate: boolean): Buffer {
  const blob = encodeChunk(ts, vs, qs, deflate);
  const c = decodeChunk(blob);
  assert.deepEqual(Array.from(c.t), ts);
  assert.deepEqual(Array.from(c.q), qs);
  assert.deepEqual(
    ts.map((_, i) => chunkValue(c, i)),
    vs,
  );
  return blob;
}

test('scaled-integer values and regular timestamps round-trip and stay small', () => {
  const ts = Array.from({ length: 4096 }, (_, i) => 1_700_000_000_000 + i * 1000);
  const vs = ts.map((_, i) => Math.round((50 + 20 * Math.sin(i / 300)) * 10) / 10);
  const qs = ts.map(() => 0);
  const blob = roundTrip(ts, vs, qs, true);
  assert.ok(blob.length / ts.length < 1.5, `${blob.length / ts.length} bytes/sample`);
  roundTrip(ts, vs, qs, false);
});

test('arbitrary floats (XOR), NaN, infinities, negative zero round-trip bit-exactly', () => {
  const ts = Array.from({ length: 1000 }, (_, i) => i * 7 + (i % 3));
  const vs: PointValue[] = ts.map((_, i) => (i % 97 === 0 ? Infinity : i % 89 === 0 ? -0 : Math.random() * 1e6 - 5e5));
  vs[5] = 1e-300;
  const c = decodeChunk(encodeChunk(ts, vs, ts.map(() => 0), true));
  for (let i = 0; i < ts.length; i++) assert.ok(Object.is(c.v[i], vs[i]), `index ${i}`);
});

test('booleans, strings, nulls and quality runs round-trip', () => {
  const ts = [1, 2, 5, 9, 10, 11, 20];
  roundTrip(ts, [true, false, null, true, true, null, false], [0, 0, 18, 18, 0, 0, 10], true);
  roundTrip(ts, ['a', 'b,"c"', null, 'ü', '', 'x', 'y'], [0, 0, 0, 16, 0, 0, 0], true);
  roundTrip(ts, [1.5, null, null, 2.25, -3, null, 4], [0, 17, 17, 0, 0, 17, 0], false);
  roundTrip([], [], [], true);
  roundTrip([42], [3.14159], [0], true);
});

test('quality codes round-trip', () => {
  for (const q of [{ level: 'good' }, { level: 'bad', reason: 'comm-fail' }, { level: 'uncertain', reason: 'stale' }, { level: 'bad', reason: 'manual' }] as const) {
    assert.deepEqual(qualityFromCode(qualityCode(q)), q);
  }
  assert.equal(qualityCode({ level: 'good' }), 0);
  assert.ok(qualityCode({ level: 'bad', reason: 'comm-fail' }) >= 16);
});

test('packed rollup buckets round-trip exactly, decimal and float columns alike', () => {
  const bs: Bucket[] = [];
  let seed = 7;
  const rnd = (): number => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  for (let i = 0; i < 96; i++) {
    const b = Date.UTC(2025, 0, 1) + (i + (i > 50 ? 3 : 0)) * 900_000; // a gap of 3 buckets
    const min = Math.round(rnd() * 10_000) / 100;
    const max = min + Math.round(rnd() * 1000) / 100;
    bs.push({ b, n: 900 - (i % 3), min, max, tmin: b + 1000 * Math.floor(rnd() * 900), tmax: b + 1000 * Math.floor(rnd() * 900), first: min, tfirst: b, last: max, tlast: b + 899_000, sum: min * 450 + max * 450.1, integ: (min + max) * 0.5 * 899_000 + rnd(), dur: 900_000 });
  }
  bs.push({ ...bs[0]!, b: bs[95]!.b + 900_000, min: 0.1 + 0.2, integ: Number.MAX_VALUE, sum: 5.5 });
  const back = decodeBuckets(encodeBuckets(bs));
  assert.deepEqual(back, bs);
  assert.ok(encodeBuckets(bs).length < bs.length * 40, `${encodeBuckets(bs).length} bytes for ${bs.length} buckets`);
});

test('predicted scaled integers: every predictor and residual width round-trips exactly; noisy signals cost less than plain deltas', () => {
  let seed = 7;
  const rnd = (): number => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const ts = Array.from({ length: 3000 }, (_, i) => 1_700_000_000_000 + i * 1000);
  const qs = ts.map(() => 0);
  const cases: Record<string, number[]> = {
    // a smooth curve with uniform noise: a short mean predicts it better than the last value
    noisy: ts.map((_, i) => Math.round((60 + 30 * Math.sin(i / 500) + (rnd() - 0.5) * 4) * 100) / 100),
    // slow ramps: the previous value is the best predictor
    ramp: ts.map((_, i) => Math.round((50 + i / 700) * 100) / 100),
    // negative, large and wide jumps: residuals need 3 and 4 bytes
    wide: ts.map((_, i) => (i % 2 ? -1 : 1) * Math.round(rnd() * 2_000_000_000) / (i % 5 === 0 ? 1 : 1)),
    counters: ts.map((_, i) => 123_456_789.12 + i * 0.37),
  };
  for (const [name, vs] of Object.entries(cases)) {
    const fixed = vs.map((v) => Math.round(v * 100) / 100);
    const blob = roundTrip(ts, fixed, qs, true);
    roundTrip(ts, fixed, qs, false);
    assert.ok(blob.length > 0, name);
  }
  // the noisy signal: smaller than the same values written as plain zigzag varint deltas
  const noisy = cases.noisy as number[];
  const varints: number[] = [];
  for (let i = 0; i < noisy.length; i++) {
    let z = Math.round(((noisy[i] as number) - (noisy[i - 1] ?? 0)) * 100);
    z = z >= 0 ? z * 2 : -z * 2 - 1;
    while (z >= 0x80) {
      varints.push((z & 0x7f) | 0x80);
      z >>>= 7;
    }
    varints.push(z);
  }
  const plain = deflateRawSync(Buffer.from(varints), { level: 6 }).length;
  const ours = encodeChunk(ts, noisy, qs, true).length;
  assert.ok(ours < plain, `predicted ${ours} B against deflated plain deltas ${plain} B`);
  // a damaged column is a sentence, not garbage
  const blob = encodeChunk(ts, noisy, qs, true);
  const body = inflateRawSync(blob.subarray(1));
  assert.throws(() => decodeChunk(Buffer.concat([Buffer.from([0]), body.subarray(0, body.length - 10)])), /truncated/);
});
