/**
 * The optimiser in its worker thread, and its LP files re-solved by other solvers
 * (GLPK's glpsol and COIN-OR cbc, installed by .ci/run).
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Optimiser, OptimiserError } from './optimiser';
import type { PlanProblem } from './problem';

const dir = mkdtempSync(join(tmpdir(), 'esm-opt-'));
const optimiser = new Optimiser({ timeLimitS: 60 });
after(async () => {
  await optimiser.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A day of 288 five-minute steps with a battery, PV, two EVs with minimum power and a genset. */
function dayProblem(steps: number): PlanProblem {
  const h = (t: number) => (t * 24) / steps;
  return {
    start: Date.UTC(2026, 5, 1),
    stepMinutes: (24 * 60) / steps,
    steps,
    objective: 'cost',
    loadKw: Array.from({ length: steps }, (_, t) => 30 + 25 * Math.sin((h(t) / 24) * 2 * Math.PI)),
    importPrice: Array.from({ length: steps }, (_, t) => (h(t) >= 10 && h(t) < 14) || (h(t) >= 18 && h(t) < 22) ? 0.25 : h(t) >= 8 ? 0.18 : 0.1),
    exportPrice: new Array<number>(steps).fill(0.05),
    importLimitKw: 170,
    exportLimitKw: 60,
    contractedPowerKw: 60,
    contractOverrunPerKwh: 5,
    demandChargePerKw: 0.25,
    storage: [
      { id: 'ess', capacityKwh: 120, socInitPct: 40, socMinPct: 10, socMaxPct: 95, chargeEfficiency: 0.96, dischargeEfficiency: 0.96, maxChargeKw: 100, maxDischargeKw: 100, terminalValuePerKwh: 0.09, degradationCostPerKwh: 0.02, deepDischargeCostPerKwh: 0 },
    ],
    pv: [{ id: 'pv', curtailable: true, forecastKw: Array.from({ length: steps }, (_, t) => Math.max(0, 58 * Math.sin(((h(t) - 7) / 13) * Math.PI))) }],
    ev: [
      { id: 'evse1', maxKw: 22, minKw: 4.2, needs: [{ fromStep: steps / 3, departStep: (17 * steps) / 24, energyKwh: 30, socPct: 30 }] },
      { id: 'evse2', maxKw: 22, minKw: 4.2, needs: [{ fromStep: (9 * steps) / 24, departStep: (14 * steps) / 24, energyKwh: 20, socPct: 60 }] },
    ],
    gensets: [{ id: 'gen', minKw: 10, maxKw: 40, startCost: 3, costPerKwh: 0.3, initiallyOn: false }],
    controllableLoads: [],
    deviationCostPerKwh: 0,
    degradationWeight: 1,
  };
}

describe('optimiser worker', () => {
  it('solves in a worker thread: the core thread keeps running timers during a 288-step MIP solve', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const ticksAtStart = ticks;
    const plan = await optimiser.solve(dayProblem(288));
    clearInterval(timer);
    assert.equal(plan.status, 'optimal');
    assert.ok(plan.integerVariables > 0, 'the EV and genset binaries are in the model');
    // a solve on this thread would have blocked every timer until it returned
    assert.ok(ticks - ticksAtStart >= 2, `timers fired ${ticks - ticksAtStart} times while the solve ran`);
    assert.match(plan.lp, /^Minimize$/m);
    assert.match(plan.lp, /^Binary$/m);
  });

  it('an infeasible problem rejects with a clear message and the LP for support; the next solve works', async () => {
    const p = dayProblem(96);
    p.importLimitKw = 5;
    p.gensets = [];
    p.storage = [];
    await assert.rejects(optimiser.solve(p), (e: unknown) => e instanceof OptimiserError && e.kind === 'solve' && /no plan meets every constraint: at .* UTC the site needs/.test(e.message) && /^Subject To$/m.test(e.lp ?? ''));
    const ok = await optimiser.solve(dayProblem(96));
    assert.equal(ok.status, 'optimal');
  });

  it('bad inputs are refused in the worker with the problem named', async () => {
    const p = dayProblem(96);
    p.loadKw[10] = Number.NaN;
    await assert.rejects(optimiser.solve(p), (e: unknown) => e instanceof OptimiserError && e.kind === 'problem' && /load forecast has no valid value at step 10/.test(e.message));
  });
});

function has(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('the exported LP re-solved by other solvers', () => {
  it('glpsol and cbc find the objective HiGHS found (96-step day with EV and genset binaries)', async (t) => {
    const plan = await optimiser.solve(dayProblem(96), {}, { mipGap: 1e-6 });
    const file = join(dir, 'plan.lp');
    writeFileSync(file, plan.lp);
    const tol = 1e-3 * Math.max(1, Math.abs(plan.objectiveValue));
    const found = { glpsol: has('glpsol'), cbc: has('cbc') };
    assert.ok(found.glpsol || found.cbc, 'glpsol or cbc must be installed (.ci/run installs glpk-utils and coinor-cbc)');
    if (found.glpsol) {
      const out = join(dir, 'glpsol.txt');
      execFileSync('glpsol', ['--lp', file, '--mipgap', '1e-6', '--tmlim', '120', '-o', out], { stdio: 'ignore' });
      const text = execFileSync('cat', [out]).toString();
      const m = /Objective:\s+obj = (-?[\d.e+-]+)/.exec(text);
      assert.ok(m, `glpsol output has no objective:\n${text.slice(0, 500)}`);
      assert.ok(Math.abs(Number(m[1]) - plan.objectiveValue) <= tol, `glpsol ${m[1]} vs HiGHS ${plan.objectiveValue}`);
    } else t.diagnostic('glpsol not installed');
    if (found.cbc) {
      const text = execFileSync('cbc', [file, 'ratio', '1e-6', 'sec', '120', 'solve', 'quit']).toString();
      const m = /Objective value:\s+(-?[\d.e+-]+)/.exec(text);
      assert.ok(m, `cbc output has no objective:\n${text.slice(-800)}`);
      assert.ok(Math.abs(Number(m[1]) - plan.objectiveValue) <= tol, `cbc ${m[1]} vs HiGHS ${plan.objectiveValue}`);
    } else t.diagnostic('cbc not installed');
  });
});
