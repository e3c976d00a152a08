/**
 * Formulation tests: tiny problems (1-4 steps) whose optimum is worked out by hand in each
 * test, solved by HiGHS; and constraint tests on larger random problems.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { buildModel } from './model';
import { ProblemError, type PlanProblem, type StorageProblem } from './problem';
import { SolveError, solvePlan } from './solve';

function problem(over: Partial<PlanProblem> & { steps: number }): PlanProblem {
  const T = over.steps;
  return {
    start: Date.UTC(2026, 5, 1),
    stepMinutes: 60,
    objective: 'cost',
    loadKw: new Array<number>(T).fill(0),
    importPrice: new Array<number>(T).fill(0.1),
    exportPrice: new Array<number>(T).fill(0),
    contractOverrunPerKwh: 10,
    demandChargePerKw: 0,
    storage: [],
    pv: [],
    ev: [],
    gensets: [],
    controllableLoads: [],
    deviationCostPerKwh: 0,
    degradationWeight: 1,
    ...over,
  };
}

function battery(over: Partial<StorageProblem> = {}): StorageProblem {
  return {
    id: 'ess',
    capacityKwh: 10,
    socInitPct: 50,
    socMinPct: 0,
    socMaxPct: 100,
    chargeEfficiency: 0.9,
    dischargeEfficiency: 0.9,
    maxChargeKw: 10,
    maxDischargeKw: 10,
    terminalValuePerKwh: 0,
    degradationCostPerKwh: 0,
    deepDischargeCostPerKwh: 0,
    ...over,
  };
}

const close = (actual: number, expected: number, what: string, tol = 1e-4) =>
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: expected ${expected}, got ${actual}`);

describe('optimiser formulation (hand-worked optima)', () => {
  it('arbitrage: charges in the cheap hour, discharges in the dear one, through both efficiencies', async () => {
    // 10 kWh at 50 %, η = 0.9 each way, prices 0.1 then 0.3 EUR/kWh, load 0 then 10 kW, export worthless.
    // Charging 1 kWh at 0.1 gives 0.81 kWh later worth 0.243: fill up. c = 5/0.9 kWh -> soe 10;
    // discharge 0.9 * 10 = 9 kW into the 10 kW load; import 1 kWh at 0.3.
    // cost = 0.1 * 50/9 + 0.3 * 1 = 0.855556
    const plan = await solvePlan(problem({ steps: 2, loadKw: [0, 10], importPrice: [0.1, 0.3], storage: [battery()] }));
    close(plan.objectiveValue, 0.1 * (50 / 9) + 0.3, 'objective');
    const b = plan.series.storage[0]!;
    close(b.chargeKw[0]!, 50 / 9, 'charge in hour 1');
    close(b.dischargeKw[1]!, 9, 'discharge in hour 2');
    close(b.socPct[0]!, 100, 'SoC after hour 1');
    close(b.socPct[1]!, 0, 'SoC after hour 2');
    close(plan.terms['energy import']!, plan.objectiveValue, 'the only term is the import cost');
  });

  it('SoC window: the same arbitrage stops at 90 % and at 20 %', async () => {
    // window 2..9 kWh: charge (9-5)/0.9 = 4.444; discharge 0.9 * (9-2) = 6.3; import 3.7 at 0.3
    // cost = 0.1 * 4.4444 + 0.3 * 3.7 = 1.554444
    const plan = await solvePlan(problem({ steps: 2, loadKw: [0, 10], importPrice: [0.1, 0.3], storage: [battery({ socMinPct: 20, socMaxPct: 90 })] }));
    close(plan.objectiveValue, 0.1 * (4 / 0.9) + 0.3 * 3.7, 'objective');
    close(plan.series.storage[0]!.socPct[0]!, 90, 'SoC after hour 1');
    close(plan.series.storage[0]!.socPct[1]!, 20, 'SoC after hour 2');
  });

  it('peak shaving with a demand charge (Ampere: 8 kW contracted, 15 kW load): the battery flattens the import', async () => {
    // 10 kWh full, η = 1, load 8 then 15 kW, 0.1 EUR/kWh, 1 EUR/kW of peak. Energy: import 23 - 10 = 13 kWh
    // whatever the split; the peak is least when both hours import the same:
    // 8 - d1 = 15 - d2, d1 + d2 = 10 -> d1 = 1.5, d2 = 8.5, peak 6.5. cost = 1.3 + 6.5 = 7.8
    const plan = await solvePlan(
      problem({
        steps: 2,
        loadKw: [8, 15],
        contractedPowerKw: 8,
        demandChargePerKw: 1,
        storage: [battery({ socInitPct: 100, chargeEfficiency: 1, dischargeEfficiency: 1 })],
      }),
    );
    close(plan.objectiveValue, 7.8, 'objective');
    close(plan.series.gridImportKw[0]!, 6.5, 'import hour 1');
    close(plan.series.gridImportKw[1]!, 6.5, 'import hour 2');
    close(plan.terms['demand charge']!, 6.5, 'demand charge term');
    close(plan.terms['contracted power overrun'] ?? 0, 0, 'no overrun');
  });

  it('PCC export limit curtails PV; zero-export curtails to the load', async () => {
    // PV 10 kW, load 2 kW, export limit 5 kW at 0.05: export 5, curtail 3, revenue 2 x 0.25
    const base = { steps: 2, loadKw: [2, 2], exportPrice: [0.05, 0.05], exportLimitKw: 5, pv: [{ id: 'pv', forecastKw: [10, 10], curtailable: true }] };
    const plan = await solvePlan(problem(base));
    assert.deepEqual(plan.series.gridExportKw, [5, 5]);
    assert.deepEqual(plan.series.pv[0]!.plannedKw, [7, 7]);
    close(plan.terms['energy export']!, -0.5, 'export revenue');
    const zero = await solvePlan(problem({ ...base, objective: 'zero-export' }));
    assert.deepEqual(zero.series.gridExportKw, [0, 0]);
    assert.deepEqual(zero.series.pv[0]!.plannedKw, [2, 2]);
  });

  it('genset: a start costs more than running at minimum power through the gap', async () => {
    // island (import limit 0), load 10, 0, 10 kW; genset 4..20 kW, start 5 EUR, 0.2 EUR/kWh, off at start;
    // export allowed at 0. Stop and restart: 2 starts + 20 kWh = 14. Run at 4 kW in hour 2 (exported):
    // 1 start + 24 kWh = 9.8.
    const plan = await solvePlan(
      problem({
        steps: 3,
        loadKw: [10, 0, 10],
        importLimitKw: 0,
        exportLimitKw: 100,
        gensets: [{ id: 'g', minKw: 4, maxKw: 20, startCost: 5, costPerKwh: 0.2, initiallyOn: false }],
      }),
    );
    close(plan.objectiveValue, 9.8, 'objective');
    assert.deepEqual(plan.series.gensets[0]!.on, [true, true, true]);
    close(plan.series.gensets[0]!.powerKw[1]!, 4, 'minimum power through the gap');
  });

  it('genset semi-continuous: it never runs between 0 and its minimum', async () => {
    // load 2 kW for 1 h, grid at 1 EUR/kWh, genset 4..20 kW at 0.1 EUR/kWh, export limit 0:
    // the genset cannot run at 2 kW and cannot export, so the grid supplies: cost 2.
    const plan = await solvePlan(
      problem({ steps: 1, loadKw: [2], importPrice: [1], exportLimitKw: 0, gensets: [{ id: 'g', minKw: 4, maxKw: 20, startCost: 0, costPerKwh: 0.1, initiallyOn: true }] }),
    );
    close(plan.objectiveValue, 2, 'objective');
    close(plan.series.gensets[0]!.powerKw[0]!, 0, 'genset off');
  });

  it('EV: the energy is delivered by departure in the cheapest hours, respecting the minimum charging power', async () => {
    // 10 kW connector, 15 kWh needed before hour 3; prices 0.3, 0.1, 0.2, 0.05 (hour 4 is after departure).
    // Continuous: 10 kWh at 0.1 + 5 at 0.2 = 2.0. With a 6 kW minimum: 9 at 0.1 + 6 at 0.2 = 2.1.
    const need = { fromStep: 0, departStep: 3, energyKwh: 15, socPct: 40 };
    const base = { steps: 4, importPrice: [0.3, 0.1, 0.2, 0.05] };
    const free = await solvePlan(problem({ ...base, ev: [{ id: 'ev', maxKw: 10, minKw: 0, needs: [need] }] }));
    close(free.objectiveValue, 2.0, 'objective without minimum power');
    assert.deepEqual(free.series.ev[0]!.powerKw, [0, 10, 5, 0]);
    const semi = await solvePlan(problem({ ...base, ev: [{ id: 'ev', maxKw: 10, minKw: 6, needs: [need] }] }));
    close(semi.objectiveValue, 2.1, 'objective with a 6 kW minimum');
    assert.deepEqual(semi.series.ev[0]!.powerKw, [0, 9, 6, 0]);
  });

  it('lazy binaries: the same optimum as every binary from the start, with fewer binaries', async () => {
    // 48 half-hour steps, two chargers with a 4.2 kW minimum, a genset with a start cost,
    // prices with a cheap night and a dear evening: semi-continuity binds in a few intervals only
    const T = 48;
    const price = Array.from({ length: T }, (_, t) => (t < 12 ? 0.08 : t >= 36 && t < 44 ? 0.35 : 0.18) + 0.001 * (t % 5));
    const p = problem({
      steps: T,
      stepMinutes: 30,
      loadKw: Array.from({ length: T }, (_, t) => 20 + 15 * Math.sin((t / T) * Math.PI)),
      importPrice: price,
      importLimitKw: 60,
      storage: [battery({ capacityKwh: 40, maxChargeKw: 20, maxDischargeKw: 20 })],
      ev: [
        { id: 'a', maxKw: 11, minKw: 4.2, needs: [{ fromStep: 2, departStep: 15, energyKwh: 17.3, socPct: 30 }] },
        { id: 'b', maxKw: 22, minKw: 4.2, needs: [{ fromStep: 16, departStep: 40, energyKwh: 23.9, socPct: 60 }] },
      ],
      gensets: [{ id: 'g', minKw: 10, maxKw: 30, startCost: 3, costPerKwh: 0.3, initiallyOn: false }],
    });
    const all = await solvePlan(p, { binaries: 'all' }, { mipGap: 1e-6 });
    const lazy = await solvePlan(p, { binaries: 'lazy' }, { mipGap: 1e-6 });
    close(lazy.objectiveValue, all.objectiveValue, 'objective', 1e-4 * Math.abs(all.objectiveValue));
    assert.ok(lazy.integerVariables < all.integerVariables, `lazy ${lazy.integerVariables} vs all ${all.integerVariables} binaries`);
    for (const e of lazy.series.ev) for (const [t, kw] of e.powerKw.entries()) assert.ok(kw < 1e-6 || kw >= 4.2 - 1e-6, `charger ${e.id} step ${t}: ${kw} kW`);
    const g = lazy.series.gensets[0]!;
    for (const [t, kw] of g.powerKw.entries()) assert.ok(kw < 1e-6 || kw >= 10 - 1e-6, `genset step ${t}: ${kw} kW`);
  });

  it('EV priority: when not every need can be met, the vehicle with the lower SoC is served', async () => {
    // 10 kW import limit, two vehicles each needing 10 kWh within one hour
    const plan = await solvePlan(
      problem({
        steps: 1,
        importLimitKw: 10,
        ev: [
          { id: 'full', maxKw: 22, minKw: 0, needs: [{ fromStep: 0, departStep: 1, energyKwh: 10, socPct: 80 }] },
          { id: 'empty', maxKw: 22, minKw: 0, needs: [{ fromStep: 0, departStep: 1, energyKwh: 10, socPct: 10 }] },
        ],
      }),
    );
    assert.deepEqual(plan.series.ev.map((e) => e.powerKw[0]), [0, 10]);
    close(plan.series.ev[0]!.unmetKwh[0]!, 10, 'energy not delivered to the fuller vehicle');
  });

  it('controllable load: curtailment steps within the maximum curtailed duration', async () => {
    // 10 kW load, one 5 kW step at 0.05 EUR/kWh, prices 0.1 then 0.3: curtailing pays in both hours,
    // but a curtailment lasts at most 60 min and the next needs a pause: curtail in the dear hour.
    // cost = 0.1 * 10 + 0.3 * 5 + 0.05 * 5 = 2.75
    const plan = await solvePlan(
      problem({
        steps: 2,
        importPrice: [0.1, 0.3],
        controllableLoads: [{ id: 'hvac', baseKw: [10, 10], stepKw: 5, steps: 1, costPerKwh: 0.05, minGapSteps: 0, maxCurtailedSteps: 1 }],
      }),
    );
    close(plan.objectiveValue, 2.75, 'objective');
    assert.deepEqual(plan.series.controllableLoads[0]!.curtailedKw, [0, 5]);
  });

  it('controllable load: a minimum time between curtailments', async () => {
    // 4 hours, dear hours 1 and 3 (0.3) and cheap 0 and 2 (0.01 < 0.05 curtailment cost); max 1 h each,
    // 2 h between curtailments: only one of the dear hours can be curtailed. cost = 0.01*20 + 0.3*10 + 0.3*5 + 0.05*5 = 4.95
    const plan = await solvePlan(
      problem({
        steps: 4,
        importPrice: [0.01, 0.3, 0.01, 0.3],
        controllableLoads: [{ id: 'hvac', baseKw: [10, 10, 10, 10], stepKw: 5, steps: 1, costPerKwh: 0.05, minGapSteps: 2, maxCurtailedSteps: 1 }],
      }),
    );
    close(plan.objectiveValue, 4.95, 'objective');
    assert.equal(plan.series.controllableLoads[0]!.curtailedKw.filter((k) => k > 0).length, 1);
  });

  it('UC4 reserve: holding capacity for balancing pays more than discharging into the load', async () => {
    // full 10 kWh, 5 kW inverter, load 5 kW at 0.1, reserve 1 EUR/kW/h for 1 h:
    // discharge 5 saves 0.5; hold 5 kW of reserve earns 5. cost = 0.5 - 5 = -4.5
    const plan = await solvePlan(
      problem({
        steps: 1,
        objective: 'reserve',
        loadKw: [5],
        reserve: { pricePerKwH: 1, durationH: 1 },
        storage: [battery({ socInitPct: 100, maxChargeKw: 5, maxDischargeKw: 5, chargeEfficiency: 1, dischargeEfficiency: 1 })],
      }),
    );
    close(plan.objectiveValue, -4.5, 'objective');
    close(plan.series.storage[0]!.reserveKw![0]!, 5, 'reserve held');
  });

  it('UC5 battery life: the operator weight on degradation stops unprofitable cycling', async () => {
    // the arbitrage of the first test with 0.2 EUR/kWh throughput cost.
    // weight 0: as before, 0.855556. weight 1: charging 1 kWh costs 0.1 + 0.2 and saves 0.81 x (0.3 - 0.2): no
    // charging; the 4.5 kWh already stored still pay (0.3 > 0.2): cost = 0.3 x 5.5 + 0.2 x 4.5 = 2.55
    const base = { steps: 2, objective: 'battery-life' as const, loadKw: [0, 10], importPrice: [0.1, 0.3], storage: [battery({ degradationCostPerKwh: 0.2 })] };
    const w0 = await solvePlan(problem({ ...base, degradationWeight: 0 }));
    close(w0.objectiveValue, 0.1 * (50 / 9) + 0.3, 'objective with weight 0');
    const w1 = await solvePlan(problem({ ...base, degradationWeight: 1 }));
    close(w1.objectiveValue, 2.55, 'objective with weight 1');
    close(w1.series.storage[0]!.chargeKw[0]!, 0, 'no charging');
  });

  it('UC1 profile: the battery follows a committed PCC profile', async () => {
    // committed import 5, 5 kW; load 0, 10; battery 10 kWh at 50 %, η = 1; deviation 1 EUR/kWh dominates
    // the flat 0.1 price: charge 5 in hour 1, discharge 5 in hour 2, zero deviation. cost = 0.1 x 10 = 1
    const plan = await solvePlan(
      problem({
        steps: 2,
        objective: 'profile',
        loadKw: [0, 10],
        committedKw: [5, 5],
        deviationCostPerKwh: 1,
        storage: [battery({ chargeEfficiency: 1, dischargeEfficiency: 1 })],
      }),
    );
    close(plan.objectiveValue, 1, 'objective');
    assert.deepEqual(plan.series.gridImportKw, [5, 5]);
  });

  it('self-consumption: the PV surplus is stored and used later instead of importing', async () => {
    // PV 6 then 0, load 1 then 5: store 5 (η = 1) then discharge 5. Import 0.
    const plan = await solvePlan(
      problem({
        steps: 2,
        objective: 'self-consumption',
        loadKw: [1, 5],
        pv: [{ id: 'pv', forecastKw: [6, 0], curtailable: true }],
        storage: [battery({ socInitPct: 0, chargeEfficiency: 1, dischargeEfficiency: 1 })],
      }),
    );
    assert.deepEqual(plan.series.gridImportKw, [0, 0]);
    assert.deepEqual(plan.series.storage[0]!.powerKw, [-5, 5]);
  });

  it('reactive power: the inverter delivers what its PQ capability leaves beside the active power', async () => {
    // 10 kVA inverter that must discharge 8 kW (island load, no import); the operator asks for 6 kvar.
    // On the circle Q = √(10² - 8²) = 6; the plan uses the inscribed 16-gon (never outside the
    // real capability): at P = 8 the edge between the vertices at 22.5° and 45° gives
    // Q = 10 sin 22.5° + (10 cos 22.5° - 8) / (10 cos 22.5° - 10 cos 45°) × (10 sin 45° - 10 sin 22.5°) ≈ 5.681.
    const A = [10 * Math.cos(Math.PI / 8), 10 * Math.sin(Math.PI / 8)] as const;
    const B = [10 * Math.cos(Math.PI / 4), 10 * Math.sin(Math.PI / 4)] as const;
    const q = A[1] + ((A[0] - 8) / (A[0] - B[0])) * (B[1] - A[1]);
    const plan = await solvePlan(
      problem({
        steps: 1,
        loadKw: [8],
        importLimitKw: 0,
        reactiveTargetKvar: [6],
        reactiveShortfallPerKvarh: 1,
        storage: [battery({ socInitPct: 100, chargeEfficiency: 1, dischargeEfficiency: 1, apparentPowerKva: 10, degradationCostPerKwh: 0.01 })],
      }),
    );
    const b = plan.series.storage[0]!;
    close(b.powerKw[0]!, 8, 'active power');
    close(b.reactiveKvar![0]!, q, 'reactive power on the capability edge');
    assert.ok(b.reactiveKvar![0]! <= 6, 'inside the circle');
    close(plan.terms['reactive power not delivered']!, 6 - q, 'shortfall term');
    // with no active power the whole 6 kvar is delivered
    const idle = await solvePlan(problem({ steps: 1, reactiveTargetKvar: [6], storage: [battery({ apparentPowerKva: 10 })] }));
    close(idle.series.storage[0]!.reactiveKvar![0]!, 6, 'reactive power at P = 0');
  });

  it('TSO battery setpoint: a target, not a cap — the battery charges when told to, even at a cost; short only where the SoC forbids', async () => {
    // empty 10 kWh battery, load 10 kW, flat 0.1 EUR/kWh: on its own the battery would stay idle (cost 3.0).
    // TSO: charge 4 kW in hour 2 -> soe 3.6 kWh, discharged in hour 3 as 0.9 * 3.6 = 3.24 kW.
    // cost = 0.1 * (10 + 14 + 6.76) = 3.076
    const plan = await solvePlan(problem({ steps: 3, loadKw: [10, 10, 10], storage: [battery({ socInitPct: 0 })], storageTargetKw: [undefined, -4, undefined] }));
    const b = plan.series.storage[0]!;
    close(b.powerKw[1]!, -4, 'the setpoint held in hour 2');
    close(b.dischargeKw[2]!, 3.24, 'the stored energy used in hour 3');
    close(plan.objectiveValue, 3.076, 'objective');
    close(plan.terms['TSO battery setpoint not held'] ?? 0, 0, 'held exactly');
    // discharge asked of an empty battery: the plan stays feasible and says how short it falls
    const short = await solvePlan(problem({ steps: 2, loadKw: [10, 10], storage: [battery({ socInitPct: 0 })], storageTargetKw: [5, undefined] }));
    close(short.series.storage[0]!.powerKw[0]!, 0, 'nothing to discharge');
    assert.ok((short.terms['TSO battery setpoint not held'] ?? 0) > 0, 'the shortfall is a named term');
    assert.throws(() => buildModel(problem({ steps: 2, storage: [battery()], storageTargetKw: [1] })), /TSO battery setpoints have 1 values for 2 steps/);
  });

  it('no simultaneous charge and discharge, even when prices are negative (relaxation checked, binaries added)', async () => {
    // at -1 EUR/kWh the site is paid to import; an LP relaxation would charge and discharge at once
    // to burn energy in the losses. The solver detects it and re-solves with binaries.
    const plan = await solvePlan(problem({ steps: 2, importPrice: [-1, -1], exportPrice: [-2, -2], storage: [battery({ socInitPct: 50 })] }));
    assert.equal(plan.storageExclusivity, 'binary');
    const b = plan.series.storage[0]!;
    for (let t = 0; t < 2; t++) assert.ok(b.chargeKw[t]! < 1e-6 || b.dischargeKw[t]! < 1e-6, `step ${t}: charge ${b.chargeKw[t]} and discharge ${b.dischargeKw[t]}`);
  });
});

describe('optimiser constraints and errors', () => {
  it('the SoC window is never violated on random 96-step problems', async () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let k = 0; k < 5; k++) {
      const T = 96;
      const min = 5 + Math.floor(rnd() * 20);
      const max = 70 + Math.floor(rnd() * 30);
      const plan = await solvePlan(
        problem({
          steps: T,
          stepMinutes: 15,
          loadKw: Array.from({ length: T }, () => 20 + rnd() * 60),
          importPrice: Array.from({ length: T }, () => rnd() * 0.4 - 0.05),
          exportPrice: Array.from({ length: T }, () => rnd() * 0.1),
          pv: [{ id: 'pv', forecastKw: Array.from({ length: T }, (_, t) => Math.max(0, 60 * Math.sin(((t - 24) / 48) * Math.PI))), curtailable: true }],
          storage: [battery({ capacityKwh: 120, socInitPct: min + rnd() * (max - min), socMinPct: min, socMaxPct: max, maxChargeKw: 100, maxDischargeKw: 100 })],
        }),
      );
      for (const s of plan.series.storage[0]!.socPct) assert.ok(s >= min - 1e-6 && s <= max + 1e-6, `SoC ${s} % outside ${min}-${max} %`);
    }
  });

  it('an infeasible problem is a clear error naming the step and the shortfall', async () => {
    await assert.rejects(
      solvePlan(problem({ steps: 2, loadKw: [5, 20], importLimitKw: 10 })),
      (e: unknown) => e instanceof SolveError && /no plan meets every constraint/.test(e.message) && /needs 20\.0 kW/.test(e.message) && /at most 10\.0 kW/.test(e.message),
    );
  });

  it('bad numbers are refused before the solver sees them', () => {
    assert.throws(() => buildModel(problem({ steps: 2, loadKw: [1, Number.NaN] })), (e: unknown) => e instanceof ProblemError && /load forecast has no valid value at step 1/.test(e.message));
    assert.throws(() => buildModel(problem({ steps: 2, loadKw: [1] })), /load forecast has 1 values for 2 steps/);
    assert.throws(() => buildModel(problem({ steps: 1, storage: [battery({ chargeEfficiency: 1.2 })] })), /charge efficiency must be above 0 and at most 1/);
    assert.throws(() => buildModel(problem({ steps: 1, storage: [battery({ socMinPct: 50, socMaxPct: 40 })] })), /SoC window 50-40 %/);
    assert.throws(() => buildModel(problem({ steps: 1, storage: [battery({ capacityKwh: -1 })] })), /capacity must be greater than 0/);
  });
});
