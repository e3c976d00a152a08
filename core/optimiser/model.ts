/**
 * The formulation: a PlanProblem becomes an LpModel. Names follow EMHASS
 * (`src/emhass/optimization.py`): p_grid_pos / p_grid_neg for import / export, p_sto_pos /
 * p_sto_neg for battery discharge / charge, and a state of energy per battery (soe, kWh, at
 * the end of each step; SoC = soe / capacity). Assets are numbered (b0, pv0, ev0, g0, l0) since
 * asset ids may hold characters LP names cannot; the LP file's header comments map them back.
 *
 * Power balance at every step t (kW), import positive:
 *   p_grid_pos - p_grid_neg + Σ pv + Σ gen + Σ p_sto_pos - Σ p_sto_neg - Σ ev + Σ curtailed
 *     = load + Σ controllable load forecast
 * Battery: soe_t = soe_{t-1} + dt·(η_ch·p_sto_neg - p_sto_pos/η_dis), soe in the SoC window.
 */
import { LpModel } from './lp';
import { checkProblem, limitAt, valueAt, type ModelOptions, type PlanProblem } from './problem';

/** Objective term names (shown on the plan screen). */
export const TERMS = {
  importCost: 'energy import',
  exportRevenue: 'energy export',
  demandCharge: 'demand charge',
  contractOverrun: 'contracted power overrun',
  genset: 'genset fuel and starts',
  loadCurtailment: 'load curtailment',
  evUnmet: 'EV energy not delivered',
  throughput: 'battery throughput (degradation)',
  deepDischarge: 'battery deep discharge (degradation)',
  terminal: 'energy left at the end (value)',
  reserve: 'reserve capacity',
  deviation: 'deviation from the committed profile',
  selfConsumption: 'grid import (self-consumption)',
  pvCurtailment: 'PV use (tie-break)',
  evOrder: 'EV charging order (tie-break)',
  reactive: 'reactive power not delivered',
  tsoTarget: 'TSO battery setpoint not held',
} as const;

export interface BuiltModel {
  lp: LpModel;
  problem: PlanProblem;
  options: { storageExclusivity: 'binary' | 'relaxed' | 'auto'; integer: boolean; binaries: 'lazy' | 'all' };
  /** whether the batteries' charge/discharge binaries are in the model */
  storageBinaries: boolean;
  /** the EV penalty per kWh not delivered, before the SoC priority factor */
  evPenaltyPerKwh: number;
}

export function buildModel(p: PlanProblem, options: ModelOptions = {}, forceStorageBinaries = false): BuiltModel {
  checkProblem(p);
  const opts = { storageExclusivity: options.storageExclusivity ?? 'auto', integer: options.integer ?? true, binaries: options.binaries ?? 'all' };
  // EV interval / genset block binary? (all, or the lazy set)
  const isBinary = (key: string) => opts.integer && (options.binaryBlocks === undefined || options.binaryBlocks.has(key));
  const storageBinaries = forceStorageBinaries || opts.storageExclusivity === 'binary';
  const T = p.steps;
  const dt = p.stepMinutes / 60;
  const lp = new LpModel();
  const obj = p.objective;
  const economic = obj !== 'self-consumption';
  const ts = (t: number) => `t${t}`;

  lp.comments.push(
    'ES Manager plan model (CPLEX LP format; read by HiGHS, glpsol --lp, cbc)',
    `start ${new Date(p.start).toISOString()}, ${T} steps of ${p.stepMinutes} min, objective ${obj}`,
    ...p.storage.map((s, i) => `b${i} = battery "${s.id}" (${s.capacityKwh} kWh)`),
    ...p.pv.map((s, i) => `pv${i} = PV "${s.id}"`),
    ...p.ev.map((s, i) => `ev${i} = EV charger "${s.id}"`),
    ...p.gensets.map((s, i) => `g${i} = genset "${s.id}"`),
    ...p.controllableLoads.map((s, i) => `l${i} = controllable load "${s.id}"`),
  );

  const maxPrice = Math.max(0, ...p.importPrice.map(Math.abs), ...p.exportPrice.map(Math.abs));
  // big enough to outweigh any energy price, small enough to keep the model well scaled
  const evPenaltyPerKwh = 10 * maxPrice + 1;

  // big-M for the grid direction binary: the largest exchange the site can physically have
  const bigM =
    Math.max(...p.loadKw, 0) +
    p.controllableLoads.reduce((s, l) => s + Math.max(0, ...l.baseKw), 0) +
    p.storage.reduce((s, b) => s + Math.max(...[valueAt(b.maxChargeKw, 0), valueAt(b.maxDischargeKw, 0)], ...(Array.isArray(b.maxChargeKw) ? b.maxChargeKw : []), ...(Array.isArray(b.maxDischargeKw) ? b.maxDischargeKw : [])), 0) +
    p.pv.reduce((s, v) => s + Math.max(0, ...v.forecastKw), 0) +
    p.ev.reduce((s, e) => s + e.maxKw, 0) +
    p.gensets.reduce((s, g) => s + g.maxKw, 0) +
    1;
  // import and export at once is only worth it when exporting pays more than importing costs
  const gridBinary = p.importPrice.some((ip, t) => (p.exportPrice[t] ?? 0) > ip) && opts.integer;

  let peak: string | undefined;
  if (economic && p.demandChargePerKw > 0) {
    peak = lp.addVar('p_grid_peak', Math.max(0, p.peakSoFarKw ?? 0), Math.max(...Array.from({ length: T }, (_, t) => limitAt(p.importLimitKw, t))));
    lp.addCost(TERMS.demandCharge, peak, p.demandChargePerKw);
  }

  const periodPeaks = economic
    ? (p.periodDemandCharges ?? [])
        .filter((d) => d.perKw > 0 && d.steps.some(Boolean))
        .map((d, k) => {
          const v = lp.addVar(`p_grid_peak_p${k}`, 0, Math.max(...Array.from({ length: T }, (_, t) => limitAt(p.importLimitKw, t))));
          lp.addCost(TERMS.demandCharge, v, d.perKw);
          return { v, steps: d.steps };
        })
    : [];

  for (let t = 0; t < T; t++) {
    const gi = lp.addVar(`p_grid_pos_${ts(t)}`, 0, limitAt(p.importLimitKw, t));
    const ge = lp.addVar(`p_grid_neg_${ts(t)}`, 0, obj === 'zero-export' ? 0 : limitAt(p.exportLimitKw, t));
    if (economic) {
      lp.addCost(TERMS.importCost, gi, (p.importPrice[t] ?? 0) * dt);
      lp.addCost(TERMS.exportRevenue, ge, -(p.exportPrice[t] ?? 0) * dt);
    } else {
      lp.addCost(TERMS.selfConsumption, gi, dt);
    }
    if (gridBinary) {
      const d = lp.addVar(`grid_dir_${ts(t)}`, 0, 1, 'binary');
      lp.addRow(`grid_import_only_${ts(t)}`, [[gi, 1], [d, -bigM]], '<=', 0);
      lp.addRow(`grid_export_only_${ts(t)}`, [[ge, 1], [d, bigM]], '<=', bigM);
    }
    if (p.contractedPowerKw !== undefined) {
      const over = lp.addVar(`p_grid_over_${ts(t)}`, 0, Infinity);
      lp.addRow(`contracted_power_${ts(t)}`, [[gi, 1], [over, -1]], '<=', p.contractedPowerKw);
      lp.addCost(TERMS.contractOverrun, over, p.contractOverrunPerKwh * dt);
    }
    if (peak) lp.addRow(`demand_peak_${ts(t)}`, [[gi, 1], [peak, -1]], '<=', 0);
    periodPeaks.forEach((d, k) => {
      if (d.steps[t]) lp.addRow(`demand_peak_p${k}_${ts(t)}`, [[gi, 1], [d.v, -1]], '<=', 0);
    });
    if (p.committedKw) {
      const dp = lp.addVar(`dev_pos_${ts(t)}`, 0, Infinity);
      const dn = lp.addVar(`dev_neg_${ts(t)}`, 0, Infinity);
      lp.addRow(`committed_profile_${ts(t)}`, [[gi, 1], [ge, -1], [dp, -1], [dn, 1]], '=', p.committedKw[t] ?? 0);
      if (obj === 'profile') {
        lp.addCost(TERMS.deviation, dp, p.deviationCostPerKwh * dt);
        lp.addCost(TERMS.deviation, dn, p.deviationCostPerKwh * dt);
      }
    }
  }

  // ---------------------------------------------------------------- batteries
  const lifeWeight = obj === 'battery-life' ? p.degradationWeight : 1;
  p.storage.forEach((b, i) => {
    const cap = b.capacityKwh;
    const eMin = (b.socMinPct / 100) * cap;
    const eMax = (b.socMaxPct / 100) * cap;
    const e0 = (b.socInitPct / 100) * cap;
    let prev: string | undefined;
    for (let t = 0; t < T; t++) {
      const maxCh = valueAt(b.maxChargeKw, t);
      const maxDis = valueAt(b.maxDischargeKw, t);
      const ch = lp.addVar(`p_sto_neg_b${i}_${ts(t)}`, 0, maxCh);
      const dis = lp.addVar(`p_sto_pos_b${i}_${ts(t)}`, 0, maxDis);
      // a battery that starts outside its window is brought back as fast as it can be
      const lo = e0 < eMin ? Math.min(eMin, e0 + (t + 1) * dt * b.chargeEfficiency * maxCh) : eMin;
      const hi = e0 > eMax ? Math.max(eMax, e0 - ((t + 1) * dt * maxDis) / b.dischargeEfficiency) : eMax;
      const soe = lp.addVar(`soe_b${i}_${ts(t)}`, lo, hi);
      const terms: Array<[string, number]> = [
        [soe, 1],
        [ch, -b.chargeEfficiency * dt],
        [dis, dt / b.dischargeEfficiency],
      ];
      if (prev) terms.push([prev, -1]);
      lp.addRow(`soe_balance_b${i}_${ts(t)}`, terms, '=', prev ? 0 : e0);
      if (storageBinaries) {
        const u = lp.addVar(`sto_charging_b${i}_${ts(t)}`, 0, 1, 'binary');
        lp.addRow(`sto_charge_only_b${i}_${ts(t)}`, [[ch, 1], [u, -maxCh]], '<=', 0);
        lp.addRow(`sto_discharge_only_b${i}_${ts(t)}`, [[dis, 1], [u, maxDis]], '<=', maxDis);
      }
      // throughput is a real cost in every economic objective; UC5 weighs it by the operator's weight
      if (economic) {
        lp.addCost(TERMS.throughput, ch, b.degradationCostPerKwh * dt * lifeWeight);
        lp.addCost(TERMS.throughput, dis, b.degradationCostPerKwh * dt * lifeWeight);
      }
      if (obj === 'battery-life' && b.deepDischargeBelowPct !== undefined && b.deepDischargeCostPerKwh > 0) {
        const below = lp.addVar(`soe_below_b${i}_${ts(t)}`, 0, Infinity);
        lp.addRow(`deep_discharge_b${i}_${ts(t)}`, [[soe, 1], [below, 1]], '>=', (b.deepDischargeBelowPct / 100) * cap);
        lp.addCost(TERMS.deepDischarge, below, b.deepDischargeCostPerKwh * dt * lifeWeight);
      }
      if (obj === 'reserve' && p.reserve) {
        // upward reserve: power headroom now and the energy to hold it for durationH
        const r = lp.addVar(`p_reserve_b${i}_${ts(t)}`, 0, p.reserve.maxKw ?? maxDis);
        lp.addRow(`reserve_power_b${i}_${ts(t)}`, [[r, 1], [dis, 1], [ch, -1]], '<=', maxDis);
        lp.addRow(`reserve_energy_b${i}_${ts(t)}`, [[soe, 1], [r, -p.reserve.durationH / b.dischargeEfficiency]], '>=', eMin);
        lp.addCost(TERMS.reserve, r, -p.reserve.pricePerKwH * dt);
      }
      prev = soe;
    }
    if (prev && b.terminalValuePerKwh > 0 && economic) lp.addCost(TERMS.terminal, prev, -b.terminalValuePerKwh);
  });

  // ---------------------------------------------------------------- TSO battery setpoint (energy.11)
  // a target, not a cap: Σ (discharge − charge) = setpoint in its steps, a shortfall either way
  // penalised above any price (so only the SoC window or the power limits can make it short)
  if (p.storageTargetKw && p.storage.length > 0) {
    const pen = Math.max(10, evPenaltyPerKwh) * dt;
    p.storageTargetKw.forEach((sp, t) => {
      if (sp === undefined) return;
      const under = lp.addVar(`tso_under_${ts(t)}`, 0, Infinity);
      const over = lp.addVar(`tso_over_${ts(t)}`, 0, Infinity);
      const terms: Array<[string, number]> = [];
      p.storage.forEach((_, i) => terms.push([`p_sto_pos_b${i}_${ts(t)}`, 1], [`p_sto_neg_b${i}_${ts(t)}`, -1]));
      lp.addRow(`tso_target_${ts(t)}`, [...terms, [under, 1], [over, -1]], '=', sp);
      lp.addCost(TERMS.tsoTarget, under, pen);
      lp.addCost(TERMS.tsoTarget, over, pen);
    });
  }

  // ---------------------------------------------------------------- reactive power (energy.12 Req4)
  // PQ capability of each inverter: the circle P² + Q² ≤ S² as the inscribed 16-gon (vertices on
  // the circle, one at P = ±S), so a planned (P, Q) is always inside the real capability
  if (p.reactiveTargetKvar) {
    const N = 16;
    for (let t = 0; t < T; t++) {
      const terms: Array<[string, number]> = [];
      p.storage.forEach((b, i) => {
        const S = b.apparentPowerKva ?? Math.max(valueAt(b.maxChargeKw, 0), valueAt(b.maxDischargeKw, 0));
        const q = lp.addVar(`q_sto_b${i}_${ts(t)}`, -S, S);
        terms.push([q, 1]);
        for (let k = 0; k < N; k++) {
          const th = ((2 * k + 1) * Math.PI) / N;
          lp.addRow(`pq_b${i}_${ts(t)}_${k}`, [[`p_sto_pos_b${i}_${ts(t)}`, Math.cos(th)], [`p_sto_neg_b${i}_${ts(t)}`, -Math.cos(th)], [q, Math.sin(th)]], '<=', S * Math.cos(Math.PI / N));
        }
      });
      const short = lp.addVar(`q_short_${ts(t)}`, 0, Infinity);
      const over = lp.addVar(`q_over_${ts(t)}`, 0, Infinity);
      lp.addRow(`reactive_target_${ts(t)}`, [...terms, [short, 1], [over, -1]], '=', p.reactiveTargetKvar[t] ?? 0);
      const pen = (p.reactiveShortfallPerKvarh ?? 1) * dt;
      lp.addCost(TERMS.reactive, short, pen);
      lp.addCost(TERMS.reactive, over, pen);
    }
  }

  // ---------------------------------------------------------------- PV
  p.pv.forEach((v, i) => {
    for (let t = 0; t < T; t++) {
      const f = v.forecastKw[t] ?? 0;
      const x = lp.addVar(`p_pv_pv${i}_${ts(t)}`, v.curtailable ? 0 : f, f);
      // a tiny preference for using what the sun gives; keeps the plan from curtailing on ties
      if (v.curtailable && f > 0) lp.addCost(TERMS.pvCurtailment, x, -1e-4 * dt);
    }
  });

  // ---------------------------------------------------------------- EV chargers
  const evBlock = Math.max(1, Math.round(15 / p.stepMinutes));
  p.ev.forEach((e, i) => {
    const connected = new Array<boolean>(T).fill(false);
    for (const n of e.needs) for (let t = n.fromStep; t < n.departStep; t++) connected[t] = true;
    for (let t = 0; t < T; t++) {
      const ub = connected[t] ? e.maxKw : 0;
      const x = lp.addVar(`p_ev_ev${i}_${ts(t)}`, 0, ub);
      // symmetry breaking: among steps of equal price, charge earlier (a vehicle may leave early);
      // 1e-6 per kWh at most, far below any price step, so it never changes a real choice
      if (ub > 0) lp.addCost(TERMS.evOrder, x, ((1e-6 * (t + 1)) / T) * dt);
      if (ub > 0 && e.minKw > 0 && opts.integer) {
        // on/off per dispatch interval (15 min, energy.12 Req1): the charger gets one setpoint
        // per interval, so finer steps share the interval's binary
        const k = Math.floor(t / evBlock);
        let z = `ev_on_ev${i}_k${k}`;
        if (!lp.vars.has(z)) z = lp.addVar(z, 0, 1, isBinary(`ev${i}_k${k}`) ? 'binary' : 'continuous');
        lp.addRow(`ev_max_ev${i}_${ts(t)}`, [[x, 1], [z, -ub]], '<=', 0);
        lp.addRow(`ev_min_ev${i}_${ts(t)}`, [[x, 1], [z, -e.minKw]], '>=', 0);
      }
    }
    e.needs.forEach((n, k) => {
      const unmet = lp.addVar(`ev_unmet_ev${i}_n${k}`, 0, n.energyKwh);
      const terms: Array<[string, number]> = [[unmet, 1]];
      for (let t = n.fromStep; t < n.departStep; t++) terms.push([`p_ev_ev${i}_${ts(t)}`, dt]);
      lp.addRow(`ev_energy_ev${i}_n${k}`, terms, '>=', n.energyKwh);
      // energy.13 Req2: a vehicle with a lower SoC has priority
      lp.addCost(TERMS.evUnmet, unmet, evPenaltyPerKwh * (1 + (100 - n.socPct) / 100));
    });
  });

  // ---------------------------------------------------------------- gensets
  // committed in blocks of minRunMinutes (default 60): the engine starts and stops on block
  // boundaries, as a genset's minimum run time asks, and the MIP has one binary per block
  p.gensets.forEach((g, i) => {
    const block = Math.max(1, Math.round((g.minRunMinutes ?? 60) / p.stepMinutes));
    let prevOn: string | undefined;
    let on = '';
    for (let t = 0; t < T; t++) {
      const x = lp.addVar(`p_gen_g${i}_${ts(t)}`, 0, g.maxKw);
      lp.addCost(TERMS.genset, x, g.costPerKwh * dt);
      if (t % block === 0) {
        const k = t / block;
        on = lp.addVar(`gen_on_g${i}_k${k}`, 0, 1, isBinary(`g${i}_k${k}`) ? 'binary' : 'continuous');
        if (g.startCost > 0) {
          const st = lp.addVar(`gen_start_g${i}_k${k}`, 0, 1);
          if (prevOn) lp.addRow(`gen_startup_g${i}_k${k}`, [[st, 1], [on, -1], [prevOn, 1]], '>=', 0);
          else lp.addRow(`gen_startup_g${i}_k${k}`, [[st, 1], [on, -1]], '>=', g.initiallyOn ? -1 : 0);
          lp.addCost(TERMS.genset, st, g.startCost);
        }
        prevOn = on;
      }
      lp.addRow(`gen_max_g${i}_${ts(t)}`, [[x, 1], [on, -g.maxKw]], '<=', 0);
      lp.addRow(`gen_min_g${i}_${ts(t)}`, [[x, 1], [on, -g.minKw]], '>=', 0);
    }
  });

  // ---------------------------------------------------------------- controllable loads
  p.controllableLoads.forEach((l, i) => {
    const on: string[] = [];
    for (let t = 0; t < T; t++) {
      const base = l.baseKw[t] ?? 0;
      const maxSteps = Math.min(l.steps, Math.floor(base / l.stepKw + 1e-9));
      const n = lp.addVar(`curt_steps_l${i}_${ts(t)}`, 0, maxSteps, opts.integer ? 'integer' : 'continuous');
      lp.addCost(TERMS.loadCurtailment, n, l.costPerKwh * l.stepKw * dt);
      const c = lp.addVar(`curt_on_l${i}_${ts(t)}`, 0, 1, opts.integer ? 'binary' : 'continuous');
      lp.addRow(`curt_link_l${i}_${ts(t)}`, [[n, 1], [c, -Math.max(maxSteps, 0)]], '<=', 0);
      on.push(c);
    }
    // a curtailment starting at t needs no curtailment in the minGapSteps before t-1
    if (l.minGapSteps > 0)
      for (let t = 1; t < T; t++)
        for (let k = Math.max(0, t - 1 - l.minGapSteps); k <= t - 2; k++)
          lp.addRow(`curt_gap_l${i}_${ts(t)}_${k}`, [[on[t] as string, 1], [on[t - 1] as string, -1], [on[k] as string, 1]], '<=', 1);
    // a curtailment lasts at most maxCurtailedSteps: any window one step longer has a pause
    const D = l.maxCurtailedSteps;
    if (D !== undefined && D < T)
      for (let t = 0; t + D < T; t++)
        lp.addRow(
          `curt_duration_l${i}_${ts(t)}`,
          on.slice(t, t + D + 1).map((c) => [c, 1] as [string, number]),
          '<=',
          D,
        );
  });

  // ---------------------------------------------------------------- power balance
  for (let t = 0; t < T; t++) {
    const terms: Array<[string, number]> = [
      [`p_grid_pos_${ts(t)}`, 1],
      [`p_grid_neg_${ts(t)}`, -1],
    ];
    p.storage.forEach((_, i) => terms.push([`p_sto_pos_b${i}_${ts(t)}`, 1], [`p_sto_neg_b${i}_${ts(t)}`, -1]));
    p.pv.forEach((_, i) => terms.push([`p_pv_pv${i}_${ts(t)}`, 1]));
    p.ev.forEach((_, i) => terms.push([`p_ev_ev${i}_${ts(t)}`, -1]));
    p.gensets.forEach((_, i) => terms.push([`p_gen_g${i}_${ts(t)}`, 1]));
    p.controllableLoads.forEach((l, i) => terms.push([`curt_steps_l${i}_${ts(t)}`, l.stepKw]));
    const demand = (p.loadKw[t] ?? 0) + p.controllableLoads.reduce((s, l) => s + (l.baseKw[t] ?? 0), 0);
    lp.addRow(`power_balance_${ts(t)}`, terms, '=', demand);
  }

  return { lp, problem: p, options: opts, storageBinaries, evPenaltyPerKwh };
}
