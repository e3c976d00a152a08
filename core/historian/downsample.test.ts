import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lttb, minMaxPerPixel } from './downsample';

test('lttb keeps ends and peaks in the requested number of points', () => {
  const t = Array.from({ length: 10_000 }, (_, i) => i);
  const v = t.map((i) => (i === 5000 ? 100 : Math.sin(i / 100)));
  const r = lttb(t, v, 200);
  assert.equal(r.t.length, 200);
  assert.equal(r.t[0], 0);
  assert.equal(r.t[199], 9999);
  assert.ok(r.v.includes(100), 'the spike survives');
});

test('min/max per pixel emits min and max of each column in time order', () => {
  const t = [0, 1, 2, 3, 10, 11, 12];
  const v = [5, 9, 1, 4, 7, 7, 3];
  const r = minMaxPerPixel(t, v, 0, 19, 2);
  assert.deepEqual(r, { t: [1, 2, 10, 12], v: [9, 1, 7, 3] });
});
