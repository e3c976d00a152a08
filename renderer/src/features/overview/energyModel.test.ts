import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alignBuckets, computeEnergyDay, startOfLocalDay } from './energyModel';

const Q = 900_000; // 15 min
const from = Date.UTC(2026, 5, 1, 22); // 00:00 in Madrid (CEST)

test('kWh by source and sink, self-consumption, self-sufficiency, peak avoided', () => {
  // 4 buckets = 1 h: load 20 kW, PV 0/0/30/30, battery discharges 10 kW in the first two
  // buckets and charges 5 kW in the last; PCC = load + ev - pv - ess
  const load = [20, 20, 20, 20];
  const ev = [0, 0, 0, 0];
  const pv = [0, 0, 30, 30];
  const ess = [10, 10, 0, -5];
  const pcc = load.map((l, i) => l + ev[i]! - pv[i]! - ess[i]!); // 10, 10, -10, -5
  const d = computeEnergyDay({ from, to: from + 4 * Q, bucketMs: Q, pcc, pv: [pv], ess: [ess], load: [load], ev: [ev] });
  assert.equal(d.buckets, 4);
  assert.equal(d.covered, 4);
  assert.equal(d.coverage, 1);
  assert.deepEqual(d.kwh, { gridImport: 5, gridExport: 3.75, pv: 15, essCharge: 1.25, essDischarge: 5, load: 20, ev: 0 });
  // the balance holds: sources = sinks
  const k = d.kwh;
  assert.ok(Math.abs(k.gridImport + k.pv + k.essDischarge - (k.gridExport + k.essCharge + k.load + k.ev)) < 1e-9);
  assert.equal(d.selfConsumption, (15 - 3.75) / 15);
  assert.equal(d.selfSufficiency, (20 - 5) / 20);
  assert.deepEqual(d.peak, { actualKw: 10, withoutBatteryKw: 20, avoidedKw: 10 });
  assert.equal(d.hours.length, 1);
  assert.equal(d.hours[0]?.t, from);
});

test('missing data is coverage, not zero', () => {
  const d = computeEnergyDay({ from, to: from + 4 * Q, bucketMs: Q, pcc: [10, null, 10, 10], pv: [[0, 0, 0, 0]], ess: [[0, 0, 0, 0]], load: [[10, 10, null, 10]], ev: [] });
  assert.equal(d.covered, 2);
  assert.equal(d.coverage, 0.5);
  assert.equal(d.missingHours, 0.5);
  assert.equal(d.kwh.gridImport, 5, 'only the covered buckets count');
  assert.equal(d.selfConsumption, null, 'no PV: no self-consumption figure');
  const none = computeEnergyDay({ from, to: from + 2 * Q, bucketMs: Q, pcc: null, pv: [], ess: [], load: [], ev: [] });
  assert.equal(none.coverage, 0);
  assert.equal(none.peak, null);
});

test('the peak is compared on 15-minute averages of short buckets', () => {
  const M = 60_000;
  // 30 one-minute buckets: a 1-minute spike of 50 kW in the first window, a steady 30 kW in the second
  const pcc = Array.from({ length: 30 }, (_, i) => (i < 15 ? (i === 3 ? 50 : 10) : 30));
  const ess = Array.from({ length: 30 }, (_, i) => (i < 15 ? 0 : 5));
  const d = computeEnergyDay({ from, to: from + 30 * M, bucketMs: M, pcc, pv: [], ess: [ess], load: [pcc.map((p, i) => p + ess[i]!)], ev: [] });
  assert.ok(Math.abs((d.peak?.actualKw ?? 0) - 30) < 1e-9, 'the spike averages out: 10 + 40/15 < 30');
  assert.ok(Math.abs((d.peak?.withoutBatteryKw ?? 0) - 35) < 1e-9);
  assert.ok(Math.abs((d.peak?.avoidedKw ?? 0) - 5) < 1e-9);
});

test('the last bucket counts only up to now', () => {
  const d = computeEnergyDay({ from, to: from + Q + Q / 3, bucketMs: Q, pcc: [12, 12], pv: [], ess: [], load: [[12, 12]], ev: [] });
  assert.equal(d.buckets, 2);
  assert.ok(Math.abs(d.kwh.gridImport - (12 * 0.25 + 12 * 0.25 / 3)) < 1e-9);
});

test('the local day starts at local midnight, also on DST days', () => {
  assert.equal(startOfLocalDay(Date.UTC(2026, 5, 2, 10), 'Europe/Madrid'), Date.UTC(2026, 5, 1, 22));
  assert.equal(startOfLocalDay(Date.UTC(2026, 0, 15, 23, 30), 'Europe/Madrid'), Date.UTC(2026, 0, 15, 23));
  // 29 March 2026: clocks go forward at 02:00; the day started at 00:00 CET = 23:00 UTC
  assert.equal(startOfLocalDay(Date.UTC(2026, 2, 29, 12), 'Europe/Madrid'), Date.UTC(2026, 2, 28, 23));
  assert.equal(startOfLocalDay(Date.UTC(2026, 0, 15, 3), 'UTC'), Date.UTC(2026, 0, 15));
});

test('pens are aligned on the buckets by their start times', () => {
  assert.deepEqual(alignBuckets([from + Q, from + 3 * Q, from - Q], [5, 7, 9], from, Q, 4), [null, 5, null, 7]);
});
