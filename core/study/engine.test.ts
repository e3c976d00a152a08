/**
 * Study runs on the demo site's configuration: reproducible, physically consistent, strategies
 * that differ the way they should, a sizing sweep with a known ordering, and cancel.
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadSite } from '../config/load';
import { studySpecSchema, type StudySpec } from '../common/study';
import { StudyCancelled, runStrategy } from './engine';
import { buildInputs } from './inputs';
import { paybackYears, runStudy } from './run';
import { specFromSite } from './spec';

const ROOT = join(__dirname, '..', '..');
const demo = loadSite(join(ROOT, 'assets', 'sites', 'demo', 'site.yaml'), [join(ROOT, 'assets', 'profiles')]).site;

function spec(days: number, extra: Partial<StudySpec> = {}): StudySpec {
  // a week of spring in Málaga: PV surplus at midday, office load, the demo's 3.0TD-like tariff
  return studySpecSchema.parse({ ...specFromSite(demo, { start: '2026-04-06', days }), ...extra });
}

describe('study engine', () => {
  it('copies the live site into the study (sizes, contract, tariffs)', () => {
    const s = spec(1);
    assert.equal(s.site.batteryKwh, 120);
    assert.equal(s.site.inverterKw, 100);
    assert.equal(s.site.contractedPowerKw, demo.site.pcc.contractedPowerKw);
    assert.deepEqual(s.site.importTariff, demo.energy?.grid.importTariff);
  });

  it('is reproducible: the same study twice gives the same results', async () => {
    const s = spec(3);
    const a = await runStudy(s);
    const b = await runStudy(s);
    assert.equal(a.steps, 3 * 96);
    assert.deepEqual(
      a.strategies.map((x) => x.series),
      b.strategies.map((x) => x.series),
    );
    assert.deepEqual(
      a.strategies.map((x) => x.totals),
      b.strategies.map((x) => x.totals),
    );
    assert.equal(a.specHash, b.specHash);
  });

  it('keeps the power balance and the SoC window at every step; the plan beats self-consumption on cost', async () => {
    const s = spec(4);
    const r = await runStudy(s);
    for (const st of r.strategies) {
      const x = st.series;
      for (let k = 0; k < x.gridKw.length; k++) {
        assert.ok(Math.abs((x.gridKw[k] ?? 0) - ((x.loadKw[k] ?? 0) - (x.pvKw[k] ?? 0) - (x.essKw[k] ?? 0))) < 0.01, `${st.strategyId} step ${k}: grid = load − PV − battery`);
        assert.ok((x.socPct[k] ?? 0) >= s.site.socMinPct - 0.5 && (x.socPct[k] ?? 0) <= 100, `${st.strategyId} step ${k}: SoC ${x.socPct[k]} %`);
        assert.ok(Math.abs(x.essKw[k] ?? 0) <= s.site.inverterKw + 1e-6);
      }
      assert.ok(st.totals.throughputKwh > 0, `${st.strategyId} used the battery`);
      assert.ok(st.totals.equivalentFullCycles > 0 && st.totals.cycleDamagePct > 0);
    }
    const [self, plan] = r.strategies;
    assert.ok(self && plan);
    assert.equal(plan.totals.plans, 4, 'one day-ahead plan per local day');
    assert.equal(plan.totals.planFailures, 0);
    assert.equal(self.totals.plans, 0);
    assert.ok(plan.totals.netCost < self.totals.netCost, `plan ${plan.totals.netCost} < self-consumption ${self.totals.netCost}`);
    assert.ok(plan.totals.saving > 0);
    // the counterfactual is the same for every strategy
    assert.equal(plan.totals.baselineNetCost, self.totals.baselineNetCost);
  });

  it('a sizing sweep orders the sizes: more battery saves more on tariff management, with its payback', async () => {
    const s = spec(7, {
      strategies: [{ id: 'tariff', name: 'Tariff management', mode: 'tariff', objective: 'cost', degradationWeight: 1 }],
      sweep: { strategyId: 'tariff', batteryKwh: [20, 60, 120], inverterKw: [15, 50], costPerKwh: 400, costPerKw: 150, fixedCost: 2000 },
    });
    const r = await runStudy(s);
    const rows = r.sweep?.rows ?? [];
    assert.equal(rows.length, 6);
    const at = (kwh: number, kw: number) => rows.find((w) => w.batteryKwh === kwh && w.inverterKw === kw)!;
    // at 15 kW the inverter fills any of these batteries in the valley hours: the saving grows with the energy shifted
    assert.ok(at(20, 15).annualSaving < at(60, 15).annualSaving && at(60, 15).annualSaving < at(120, 15).annualSaving, JSON.stringify(rows));
    // a 20 kWh battery charged at 50 kW sets a new monthly import peak: the power term eats the arbitrage
    assert.ok(at(20, 50).annualSaving < at(20, 15).annualSaving);
    // the best payback of the grid is the largest battery on the small inverter
    const best = rows.filter((w) => w.paybackYears !== null).sort((a, b) => a.paybackYears! - b.paybackYears!)[0];
    assert.deepEqual([best?.batteryKwh, best?.inverterKw], [120, 15]);
    for (const w of rows) {
      assert.equal(w.investment, w.batteryKwh * 400 + w.inverterKw * 150 + 2000);
      assert.equal(w.paybackYears, paybackYears(w.investment, w.annualSaving));
      if (w.annualSaving > 0) assert.ok(w.paybackYears !== null && Math.abs(w.paybackYears * w.annualSaving - w.investment) < 1e-6);
    }
  });

  it('no battery: the strategy equals the counterfactual', async () => {
    const s = spec(2);
    const inputs = buildInputs(s);
    const r = await runStrategy(s, s.strategies[0]!, inputs, { batteryKwh: 0, inverterKw: 0 });
    assert.equal(r.totals.saving, 0);
    assert.equal(r.totals.throughputKwh, 0);
  });

  it('stops at the next simulated day when cancelled', async () => {
    const s = spec(5);
    const inputs = buildInputs(s);
    let days = 0;
    await assert.rejects(
      runStrategy(s, s.strategies[1]!, inputs, { batteryKwh: 120, inverterKw: 100 }, { cancelled: () => ++days > 2 }),
      (e: unknown) => e instanceof StudyCancelled,
    );
    assert.equal(days, 3);
  });
});
