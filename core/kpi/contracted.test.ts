/**
 * The run-time contracted power in the KPIs: the contract over time from the audited changes,
 * and congestion hours judged against the contract in force in each quarter hour (a hand-built
 * day whose answer is worked out beside each assertion).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kpiConfigSchema } from '../common/kpi';
import { localDayBounds } from '../common/localtime';
import { contractedAt, contractedSteps, firstDifference } from './contracted';
import { computeDay, type Cell } from './day';
import { dayAgg, finalize } from './period';

const W = 900_000;
const H = 3_600_000;

test('the contract over time from the audited changes (any order), the site file before the first', () => {
  const steps = contractedSteps(
    60,
    [
      { ts: 3000, before: { contractedPowerKw: 80 }, after: { contractedPowerKw: 40 } },
      { ts: 1000, before: { contractedPowerKw: 60 }, after: { contractedPowerKw: 80 } },
      // another parameter's change is not the contract's
      { ts: 2000, before: { peakShavingLimitKw: 60 }, after: { peakShavingLimitKw: 50 } },
    ],
    40,
  );
  assert.deepEqual(steps, [
    { from: 0, kw: 60 },
    { from: 1000, kw: 80 },
    { from: 3000, kw: 40 },
  ]);
  assert.equal(contractedAt(steps, 999, 0), 60);
  assert.equal(contractedAt(steps, 1000, 0), 80);
  assert.equal(contractedAt(steps, 10_000, 0), 40);
  // no change audited: the value in force throughout
  assert.deepEqual(contractedSteps(60, [], 60), [{ from: 0, kw: 60 }]);
  assert.equal(firstDifference([{ from: 0, kw: 60 }], steps), 1000);
  assert.equal(firstDifference(steps, steps.map((s) => ({ ...s }))), null);
});

test('congestion hours count each quarter hour against the contract in force then', () => {
  const tz = 'Europe/Madrid';
  const { from, to } = localDayBounds('2026-06-10', tz);
  // the PCC imports 20 kW all day
  const pcc = new Map<number, Cell>();
  for (let t = from; t < to; t += W) pcc.set(t, { b: t, n: 2, min: 20, max: 20, tmin: t, tmax: t + W, first: 20, tfirst: t, last: 20, tlast: t + W, integ: 20 * W, dur: W });
  const config = kpiConfigSchema.parse({});
  const base = { date: '2026-06-10', tz, from, to, end: to, pcc, assets: [], voltage: null, importTariff: null, exportTariff: null, contractedKw: 15, config };
  const ctx = { config, monthHours: () => 720, has: { pv: false, genset: false, wind: false, ess: false, load: false, ev: false, voltage: false, tariff: false } };
  const hours = (d: ReturnType<typeof computeDay>): number | null | undefined => finalize(dayAgg(d, []), ctx).kpis.congestionHours?.value;
  // the site file's 15 kW all day: 24 h above it
  assert.equal(hours(computeDay(base)), 24);
  // raised to 30 kW at 09:30 local: only 00:00-09:30 was above the contract in force
  const steps = contractedSteps(15, [{ ts: from + 9.5 * H, before: { contractedPowerKw: 15 }, after: { contractedPowerKw: 30 } }], 30);
  assert.equal(hours(computeDay({ ...base, contractedAt: (t) => contractedAt(steps, t, 15) })), 9.5);
});
