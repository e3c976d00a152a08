import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cycleDamage, cyclesToFailure, rainflow, reversals } from './rainflow';

test('ASTM E1049-85 section 5.4.4 worked example (Fig. 6, Table 4)', () => {
  // load history A..I: -2, 1, -3, 5, -1, 3, -4, 4, -2
  const cycles = rainflow([-2, 1, -3, 5, -1, 3, -4, 4, -2]);
  const byRange = new Map<number, number>();
  for (const c of cycles) byRange.set(c.range, (byRange.get(c.range) ?? 0) + c.count);
  // Table 4: range 3: 0.5, 4: 1.5, 6: 0.5, 8: 1.0, 9: 0.5 (and nothing else)
  assert.deepEqual(
    [...byRange.entries()].sort((a, b) => a[0] - b[0]),
    [
      [3, 0.5],
      [4, 1.5],
      [6, 0.5],
      [8, 1],
      [9, 0.5],
    ],
  );
});

test('random series: half cycles = reversals - 1, and Σ count × 2 × range = total variation of the reversals', () => {
  let seed = 12345;
  const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let run = 0; run < 200; run++) {
    const n = 2 + Math.floor(rnd() * 300);
    const x = Array.from({ length: n }, () => Math.round(rnd() * 1000) / 10);
    const rev = reversals(x);
    const cycles = rainflow(x);
    const halves = cycles.reduce((s, c) => s + c.count * 2, 0);
    assert.equal(halves, Math.max(0, rev.length - 1), `run ${run}: half cycles`);
    let tv = 0;
    for (let i = 1; i < rev.length; i++) tv += Math.abs((rev[i] as number) - (rev[i - 1] as number));
    const counted = cycles.reduce((s, c) => s + c.count * 2 * c.range, 0);
    assert.ok(Math.abs(counted - tv) < 1e-6 * Math.max(1, tv), `run ${run}: counted range ${counted} vs total variation ${tv}`);
    const span = Math.max(...x) - Math.min(...x);
    for (const c of cycles) assert.ok(c.range <= span + 1e-9, `run ${run}: no range exceeds the series' span`);
  }
});

test('reversals merge monotone runs and equal values', () => {
  assert.deepEqual(reversals([0, 1, 2, 2, 3, 1, 1, 0, 4]), [0, 3, 0, 4]);
  assert.deepEqual(reversals([5]), [5]);
  assert.deepEqual(reversals([0, 0.2, 0.1, 5, 4.95, 6], 0.5), [0, 6]);
});

test('cycles to failure: log-log interpolation of the cycle-life curve, Miner damage', () => {
  const curve = [
    { dodPct: 20, cycles: 40_000 },
    { dodPct: 80, cycles: 8_000 },
    { dodPct: 95, cycles: 6_000 },
  ];
  assert.equal(Math.round(cyclesToFailure(curve, 80)), 8000);
  assert.equal(Math.round(cyclesToFailure(curve, 95)), 6000);
  // halfway on log axes between 20 % and 80 % (40 %): sqrt(40000 * 8000)
  assert.ok(Math.abs(cyclesToFailure(curve, 40) - Math.sqrt(40_000 * 8_000)) < 1e-6);
  // one point: constant throughput
  assert.equal(cyclesToFailure([{ dodPct: 95, cycles: 6000 }], 47.5), 12_000);
  // 6,000 full cycles at 95 % DoD consume the whole life
  assert.ok(Math.abs(cycleDamage(Array.from({ length: 6000 }, () => ({ range: 95, mean: 50, count: 1 as const })), curve) - 1) < 1e-9);
});
