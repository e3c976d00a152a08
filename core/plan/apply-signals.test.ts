/**
 * External grid signals over a plan problem (energy.11): a TSO battery setpoint is the plan's
 * target in its period — the plan expects the battery at the setpoint (the grid-signals
 * controller holds it in real time), so the SoC after it is planned right — and PCC caps lower
 * the limits of their steps.
 */
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import type { PlanProblem } from '../optimiser/problem';
import { solvePlan } from '../optimiser/solve';
import { applySignals } from './service';

const problem = (): PlanProblem => ({
  start: Date.UTC(2026, 5, 1),
  stepMinutes: 60,
  steps: 4,
  objective: 'cost',
  loadKw: [20, 20, 20, 20],
  importPrice: [0.1, 0.1, 0.1, 0.1],
  exportPrice: [0, 0, 0, 0],
  importLimitKw: 100,
  contractOverrunPerKwh: 10,
  demandChargePerKw: 0,
  storage: [{ id: 'ess', capacityKwh: 100, socInitPct: 50, socMinPct: 10, socMaxPct: 90, chargeEfficiency: 1, dischargeEfficiency: 1, maxChargeKw: 50, maxDischargeKw: 50, terminalValuePerKwh: 0.1, degradationCostPerKwh: 0, deepDischargeCostPerKwh: 0 }],
  pv: [],
  ev: [],
  gensets: [],
  controllableLoads: [],
  deviationCostPerKwh: 0,
  degradationWeight: 1,
});

test('a TSO setpoint is planned as the target of its steps (a cap alone left the battery idle there)', async () => {
  // flat prices, lossless battery, energy left worth the import price: nothing to gain by moving, so
  // without the signal the plan is indifferent; the TSO asks 30 kW discharge in hours 2-3
  const p = problem();
  const said = applySignals(p, { setpointKw: [undefined, 30, 30, undefined], importMaxKw: [undefined, undefined, undefined, 15], exportMaxKw: [undefined, undefined, undefined, undefined] });
  assert.equal(said, 'import capped in 1 steps, TSO battery setpoints in 2 steps (held as targets)');
  const plan = await solvePlan(p);
  const b = plan.series.storage[0]!;
  assert.ok(Math.abs(b.powerKw[1]! - 30) < 1e-6 && Math.abs(b.powerKw[2]! - 30) < 1e-6, `held at 30 kW: ${b.powerKw.join(', ')}`);
  assert.ok(Math.abs(b.socPct[2]! - (b.socPct[0]! - 60)) < 1e-6, `60 kWh of a 100 kWh battery leave in the TSO hours: ${b.socPct.join(', ')} %`);
  assert.ok(plan.series.gridImportKw[3]! <= 15 + 1e-6, `the import cap of hour 4 holds: ${plan.series.gridImportKw[3]} kW`);
});
