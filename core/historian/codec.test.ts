import { test } from 'node:test';
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
