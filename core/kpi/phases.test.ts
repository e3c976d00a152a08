/**
 * The balancing report per phase (energy.05): a hand-built day whose answer is worked out
 * beside each assertion, and what it says when the meters measure the total only.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kpiConfigSchema } from '../common/kpi';
import { localDayBounds } from '../common/localtime';
import { computeDay, type Cell, type DayInput } from './day';
import { dayAgg, finalize } from './period';

const W = 900_000;
const TZ = 'Europe/Madrid';
const { from, to } = localDayBounds('2026-06-10', TZ);

function flat(kw: number): Map<number, Cell> {
  const m = new Map<number, Cell>();
  for (let t = from; t < to; t += W) m.set(t, { b: t, n: 2, min: kw, max: kw, tmin: t, tmax: t + W, first: kw, tfirst: t, last: kw, tlast: t + W, integ: kw * W, dur: W });
  return m;
}

const config = kpiConfigSchema.parse({});
const ctx = { config, monthHours: () => 720, has: { pv: true, genset: false, wind: false, ess: false, load: true, ev: false, voltage: false, tariff: false } };
// the building draws 12 / 10 / 8 kW on L1 / L2 / L3 (30 kW), PV makes 6 kW (2 kW a phase):
// the PCC imports 10 / 8 / 6 kW — plus 1 kW lost on L1 (a warm cable): 11 / 8 / 6
const day = (phases: DayInput['phases']): DayInput => ({
  date: '2026-06-10',
  tz: TZ,
  from,
  to,
  end: to,
  pcc: flat(25),
  assets: [
    { id: 'pv', role: 'pv', p: flat(6) },
    { id: 'building', role: 'load', p: flat(30) },
  ],
  voltage: null,
  importTariff: null,
  exportTariff: null,
  contractedKw: 60,
  config,
  phases,
});

test('per phase: supplied, consumed and losses over a day, and the unbalance between phases', () => {
  const d = computeDay(day({ pcc: [flat(11), flat(8), flat(6)], loads: [[flat(12), flat(10), flat(8)]] }));
  const { stats } = finalize(dayAgg(d, []), ctx);
  const v = (k: string) => stats[k]?.value;
  // L1: supplied (11 + 6/3) × 24 = 312, consumed 12 × 24 = 288, losses 24 kWh
  assert.equal(v('suppliedL1'), 312);
  assert.equal(v('consumedL1'), 288);
  assert.equal(v('lossesL1'), 24);
  // L2: (8 + 2) × 24 = 240 against 10 × 24 = 240; L3: (6 + 2) × 24 = 192 against 192
  assert.deepEqual([v('suppliedL2'), v('consumedL2'), v('lossesL2')], [240, 240, 0]);
  assert.deepEqual([v('suppliedL3'), v('consumedL3'), v('lossesL3')], [192, 192, 0]);
  // the phases add up to the total balance: losses 24 kWh = (25 + 6 − 30) × 24
  assert.equal(v('losses'), 24);
  // consumption 288 / 240 / 192, mean 240: (288 − 192) / 240 = 40 %
  assert.equal(v('phaseBalance'), 40);
  assert.equal(stats.suppliedL1?.coverage, 1);
});

test('meters that measure the total only: each per-phase figure says what is missing, none is zero', () => {
  const { stats } = finalize(dayAgg(computeDay(day({ pcc: [new Map(), new Map(), new Map()], loads: [[new Map(), new Map(), new Map()]] })), []), ctx);
  for (const k of ['suppliedL1', 'consumedL2', 'lossesL3', 'phaseBalance']) {
    assert.equal(stats[k]?.value, null, k);
    assert.match(stats[k]?.missing?.join(' ') ?? '', /ActivePowerL1\.\.L3/);
  }
  assert.equal(stats.losses?.value, 24, 'the total balance is still there');
});
