/**
 * The planning problem in numbers: one value per step for every forecast and price, resolved
 * from the site file (core/common/energy.ts) and the forecasts. The formulation (model.ts)
 * reads only this, never a device point name.
 *
 * Units: kW for power, kWh for energy, % for SoC, currency per kWh for prices. Signs follow
 * core/common/natures.ts: grid import positive, battery discharge positive, loads positive.
 */
import type { ObjectiveName } from '../common/energy';

export interface StorageProblem {
  id: string;
  capacityKwh: number;
  /** SoC at the start of the horizon, % */
  socInitPct: number;
  socMinPct: number;
  socMaxPct: number;
  chargeEfficiency: number;
  dischargeEfficiency: number;
  /** per step, or one value for all steps (the first steps may carry the BMS's present limits) */
  maxChargeKw: number | number[];
  maxDischargeKw: number | number[];
  terminalValuePerKwh: number;
  degradationCostPerKwh: number;
  deepDischargeBelowPct?: number | undefined;
  deepDischargeCostPerKwh: number;
  /** inverter apparent power, kVA: bounds P and Q together when reactive power is planned */
  apparentPowerKva?: number | undefined;
}

export interface PvProblem {
  id: string;
  /** available power per step (forecast), kW */
  forecastKw: number[];
  curtailable: boolean;
}

export interface EvNeed {
  /** first step the vehicle is connected */
  fromStep: number;
  /** the step it leaves (exclusive), at most the horizon */
  departStep: number;
  energyKwh: number;
  /** the vehicle's SoC: lower SoC = higher priority when not every need can be met */
  socPct: number;
}

export interface EvProblem {
  id: string;
  maxKw: number;
  /** semi-continuous: 0 or at least this while charging (IEC 61851 minimum current) */
  minKw: number;
  needs: EvNeed[];
}

export interface GensetProblem {
  id: string;
  minKw: number;
  maxKw: number;
  startCost: number;
  costPerKwh: number;
  initiallyOn: boolean;
  /** the engine is committed (started, stopped) in blocks of this length; default 60 */
  minRunMinutes?: number | undefined;
}

export interface ControllableLoadProblem {
  id: string;
  /** the load's forecast power per step (what would be consumed without curtailment), kW */
  baseKw: number[];
  stepKw: number;
  steps: number;
  costPerKwh: number;
  minGapSteps: number;
  maxCurtailedSteps?: number | undefined;
}

export interface PlanProblem {
  /** start of the first step, ms since the epoch (UTC) */
  start: number;
  stepMinutes: number;
  steps: number;
  objective: ObjectiveName;
  /** non-controllable load per step, kW */
  loadKw: number[];
  importPrice: number[];
  exportPrice: number[];
  /** PCC caps, kW: one value, or one per step (external grid signals, issue #11 item 6) */
  importLimitKw?: number | number[] | undefined;
  exportLimitKw?: number | number[] | undefined;
  contractedPowerKw?: number | undefined;
  contractOverrunPerKwh: number;
  demandChargePerKw: number;
  /**
   * power terms of tariff periods: per kW of the highest import over the steps marked (e.g. the
   * peak hours of a time-of-use tariff); one peak per entry
   */
  periodDemandCharges?: Array<{ name: string; perKw: number; steps: boolean[] }> | undefined;
  /** highest import already reached in the billing period: the demand charge applies above it */
  peakSoFarKw?: number | undefined;
  storage: StorageProblem[];
  pv: PvProblem[];
  ev: EvProblem[];
  gensets: GensetProblem[];
  controllableLoads: ControllableLoadProblem[];
  reserve?: { pricePerKwH: number; durationH: number; maxKw?: number | undefined } | undefined;
  /**
   * reactive power the batteries' inverters must deliver per step (energy.12 Req4: the system
   * operator's requirement), kvar, positive = delivered; planned within each inverter's PQ
   * capability, a shortfall penalised per kvarh
   */
  reactiveTargetKvar?: number[] | undefined;
  reactiveShortfallPerKvarh?: number | undefined;
  /**
   * A system operator's (TSO) battery setpoint per step, kW, positive = discharge; undefined in
   * steps without one (energy.11). The batteries' net power together is held at it — a target,
   * not a cap — as far as their SoC window and power allow; a shortfall is penalised above any price.
   */
  storageTargetKw?: Array<number | undefined> | undefined;
  /** UC1: the committed PCC profile per step (import positive), kW */
  committedKw?: number[] | undefined;
  deviationCostPerKwh: number;
  /** UC5 weight of the battery-life terms */
  degradationWeight: number;
}

export interface ModelOptions {
  /**
   * How charge and discharge are kept apart. 'binary': one binary per battery and step.
   * 'relaxed': no binary; valid because charging and discharging at once loses energy
   * (efficiency < 1) and, with a throughput cost or a positive import price, costs money, so an
   * optimum never does it unless energy must be thrown away (negative prices, PV that cannot be
   * curtailed). The solver checks the solution and re-solves with binaries if it does.
   * 'auto' (default): 'relaxed' first, 'binary' if the check fails.
   */
  storageExclusivity?: 'binary' | 'relaxed' | 'auto';
  /** false: EV minimum power, genset on/off and curtailment steps relaxed to continuous (study / benchmark) */
  integer?: boolean;
  /**
   * 'lazy' (default): EV on/off and genset commitment binaries only where the relaxation needs
   * them — solve with them continuous, then make binary the intervals whose answer is not
   * already on/off, and solve again until none is (a relaxation whose optimum satisfies every
   * dropped integrality is optimal for the full MIP). 'all': every binary from the start.
   */
  binaries?: 'lazy' | 'all';
  /** (lazy, internal) the EV intervals ("ev0_k3") and genset blocks ("g0_k2") that are binary */
  binaryBlocks?: ReadonlySet<string>;
}

export class ProblemError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProblemError';
  }
}

const at = (v: number | number[], t: number): number => (Array.isArray(v) ? (v[t] ?? v[v.length - 1] ?? 0) : v);
export { at as valueAt };
/** a PCC cap at step t (Infinity when none) */
export const limitAt = (v: number | number[] | undefined, t: number): number => (v === undefined ? Infinity : at(v, t));

/** Refuses a problem whose numbers cannot be planned with (NaN, wrong lengths, empty windows). */
export function checkProblem(p: PlanProblem): void {
  const fail = (m: string) => {
    throw new ProblemError(m);
  };
  if (!Number.isInteger(p.steps) || p.steps < 1) fail(`the plan needs at least one step (got ${p.steps})`);
  if (!(p.stepMinutes >= 1 && p.stepMinutes <= 60)) fail(`the plan step must be 1 to 60 minutes (got ${p.stepMinutes})`);
  const series = (name: string, s: readonly number[] | undefined) => {
    if (!s) return;
    if (s.length !== p.steps) fail(`${name} has ${s.length} values for ${p.steps} steps`);
    const bad = s.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) fail(`${name} has no valid value at step ${bad} (${String(s[bad])}); gaps and NaN must be filled before planning`);
  };
  series('the load forecast', p.loadKw);
  series('the import price', p.importPrice);
  series('the export price', p.exportPrice);
  series('the committed profile', p.committedKw);
  series('the reactive power target', p.reactiveTargetKvar);
  if (p.storageTargetKw) {
    if (p.storageTargetKw.length !== p.steps) fail(`the TSO battery setpoints have ${p.storageTargetKw.length} values for ${p.steps} steps`);
    const bad = p.storageTargetKw.findIndex((v) => v !== undefined && !Number.isFinite(v));
    if (bad >= 0) fail(`the TSO battery setpoint at step ${bad} is not a number (${String(p.storageTargetKw[bad])})`);
  }
  for (const pv of p.pv) {
    series(`the PV forecast of "${pv.id}"`, pv.forecastKw);
    if (pv.forecastKw.some((v) => v < 0)) fail(`the PV forecast of "${pv.id}" has negative production`);
  }
  for (const l of p.controllableLoads) series(`the forecast of load "${l.id}"`, l.baseKw);
  for (const d of p.periodDemandCharges ?? []) {
    if (d.steps.length !== p.steps) fail(`the power term of period "${d.name}" marks ${d.steps.length} steps for ${p.steps}`);
    if (!(d.perKw >= 0)) fail(`the power term of period "${d.name}" must be 0 or more per kW (got ${d.perKw})`);
  }
  for (const s of p.storage) {
    if (!(s.capacityKwh > 0)) fail(`battery "${s.id}": capacity must be greater than 0 kWh (got ${s.capacityKwh})`);
    if (!(s.socMinPct >= 0 && s.socMaxPct <= 100 && s.socMinPct < s.socMaxPct))
      fail(`battery "${s.id}": the SoC window ${s.socMinPct}-${s.socMaxPct} % is not inside 0-100 %`);
    if (!(s.socInitPct >= 0 && s.socInitPct <= 100)) fail(`battery "${s.id}": the present SoC ${s.socInitPct} % is not a percentage`);
    for (const [k, v] of [
      ['charge efficiency', s.chargeEfficiency],
      ['discharge efficiency', s.dischargeEfficiency],
    ] as const)
      if (!(v > 0 && v <= 1)) fail(`battery "${s.id}": the ${k} must be above 0 and at most 1 (got ${v})`);
    for (const [k, v] of [
      ['charge', s.maxChargeKw],
      ['discharge', s.maxDischargeKw],
    ] as const) {
      const arr = Array.isArray(v) ? v : [v];
      if (arr.some((x) => !(Number.isFinite(x) && x >= 0))) fail(`battery "${s.id}": the ${k} power limit must be a number of kW, 0 or more`);
    }
  }
  for (const e of p.ev)
    for (const n of e.needs)
      if (!(n.fromStep >= 0 && n.departStep <= p.steps && n.fromStep < n.departStep && n.energyKwh >= 0))
        fail(`EV "${e.id}": a charging need runs from step ${n.fromStep} to ${n.departStep}, outside the ${p.steps} steps of the plan`);
  for (const g of p.gensets) if (!(g.minKw >= 0 && g.minKw <= g.maxKw)) fail(`genset "${g.id}": minimum ${g.minKw} kW is not between 0 and its maximum ${g.maxKw} kW`);
}
