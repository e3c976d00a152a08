import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { SiteView } from '../../../../core/common/api/contract';
import type { PlanRecord } from '../../../../core/common/plan';
import { PLAN_DASH, actualPoints, planCurves, scheduleOption, termRows } from './planModel';

const site = {
  pcc: { meter: 'pcc', contractedPowerKw: 60 },
  assets: [
    { id: 'ess', name: 'Battery', kind: 'ess', nature: 'Ess' },
    { id: 'pv', name: 'Roof PV', kind: 'pv-array', nature: 'Pv' },
    { id: 'pcc', name: 'PCC', kind: 'smart-meter', nature: 'Meter', role: 'pcc' },
    { id: 'sub', name: 'Sub-meter', kind: 'smart-meter', nature: 'Meter', role: 'submeter' },
  ],
} as unknown as SiteView;

const plan: PlanRecord = {
  issuedAt: 1000,
  kind: 'day-ahead',
  reason: 'daily schedule',
  requestedBy: 'system',
  ok: true,
  start: 0,
  stepMinutes: 15,
  steps: 2,
  objective: 'cost',
  objectiveValue: 1.5,
  file: 'x.json',
  terms: { 'energy import': 2, 'energy export': -0.5, 'PV use (tie-break)': -0.0001 },
  series: {
    gridImportKw: [10, 0],
    gridExportKw: [0, 4],
    loadKw: [5, 5],
    importPrice: [0.1, 0.2],
    exportPrice: [0.05, 0.05],
    storage: [{ id: 'ess', chargeKw: [5, 0], dischargeKw: [0, 3], powerKw: [-5, 3], socPct: [55, 52] }],
    pv: [{ id: 'pv', availableKw: [0, 6], plannedKw: [0, 6] }],
    ev: [],
    gensets: [],
    controllableLoads: [],
  },
};

describe('plan screen model', () => {
  it('actual points come from natures: battery power and SoC, PV, the PCC meter only', () => {
    assert.deepEqual(
      actualPoints(site).map((p) => p.id),
      ['ess/ActivePower', 'ess/Soc', 'pv/ActivePower', 'pcc/ActivePower'],
    );
  });

  it('planned curves hold each step to its end; the grid is import minus export', () => {
    const curves = planCurves(plan, site);
    const grid = curves.find((c) => c.key === 'grid');
    assert.deepEqual(grid?.data, [
      [0, 10],
      [900_000, -4],
      [1_800_000, -4],
    ]);
    const soc = curves.find((c) => c.key === 'ess/soc');
    assert.equal(soc?.axis, '%');
    assert.equal(soc?.label, 'Battery expected SoC');
  });

  it('terms: largest first, negligible ones left out, the total last', () => {
    assert.deepEqual(termRows(plan), [
      { name: 'energy import', value: 2 },
      { name: 'energy export', value: -0.5 },
      { name: 'Objective (total)', value: 1.5, total: true },
    ]);
  });

  it('plan dashed, actual solid, SoC on a 0-100 % axis', () => {
    const curves = planCurves(plan, site);
    const opt = scheduleOption([...curves, { key: 'grid', label: 'Grid (actual)', axis: 'kW', kind: 'actual', data: [[0, 9]], shade: '#000' }], 0, 1_800_000, String) as {
      series: Array<{ id: string; lineStyle: { type: unknown } }>;
      yAxis: Array<{ name: string; min?: number; max?: number }>;
    };
    assert.deepEqual(opt.series.find((s) => s.id === 'plan:grid')?.lineStyle.type, PLAN_DASH);
    assert.equal(opt.series.find((s) => s.id === 'actual:grid')?.lineStyle.type, 'solid');
    const pct = opt.yAxis.find((a) => a.name === '%');
    assert.equal(pct?.min, 0);
    assert.equal(pct?.max, 100);
  });
});
