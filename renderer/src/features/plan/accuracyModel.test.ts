import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import type { ForecastAccuracy } from '../../../../core/common/plan';
import { accuracyOption, accuracyRows, horizonLabel } from './accuracyModel';

const f = (over: Partial<ForecastAccuracy> = {}): ForecastAccuracy => ({
  series: 'forecast/building/load',
  measured: 'building/ActivePower',
  label: 'Office load',
  unit: 'kW',
  t: [0, 60_000],
  forecast: [1, null],
  actual: [2, 3],
  n: 20,
  mae: 1.234,
  nrmse: 0.0512,
  skill: 0.8,
  quality: 'good',
  horizons: [
    { horizonMs: 0, n: 20, mae: 1.234, nrmse: 0.0512, skill: 0.8 },
    { horizonMs: 86_400_000, n: 0, mae: null, nrmse: null, skill: null },
    { horizonMs: 3_600_000, n: 5, mae: 2, nrmse: 0.1, skill: null },
  ],
  ...over,
});

test('a row per forecast and horizon, with units, and the reason where a figure is missing or uncertain', () => {
  const rows = accuracyRows([f()]);
  assert.deepEqual(
    rows.map((r) => [r.horizon, r.mae, r.nrmse, r.skill, r.note]),
    [
      ['latest issue', '1.23 kW', '5.1 %', '0.80', ''],
      ['≥ 24 h ahead (day-ahead)', '—', '—', '—', 'no forecast issued this far ahead'],
      ['≥ 1 h ahead', '2.00 kW', '10.0 %', '—', 'uncertain: only 5 pairs'],
    ],
  );
  assert.equal(accuracyRows([f({ why: 'no forecast stored for this period', horizons: [{ horizonMs: 0, n: 0, mae: null, nrmse: null, skill: null }] })])[0]?.note, 'no forecast stored for this period');
  assert.equal(horizonLabel(6 * 3_600_000), '≥ 6 h ahead');
});

test('the chart shows the forecast dashed and the measured solid, gaps kept as gaps', () => {
  const o = accuracyOption(f(), String) as { series: Array<{ id: string; data: unknown[]; lineStyle: { type: unknown } }> };
  assert.deepEqual(o.series.map((s) => s.id), ['forecast', 'actual']);
  assert.deepEqual(o.series[0]?.data, [[0, 1], [60_000, null]]);
  assert.notEqual(o.series[0]?.lineStyle.type, 'solid');
  assert.equal(o.series[1]?.lineStyle.type, 'solid');
});
