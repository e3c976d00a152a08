/**
 * One strategy of a study on a virtual clock: the plant simulator's battery and inverter
 * (drivers/sim/model: BMS taper, efficiencies, SoC reserve, temperature), the real control
 * cycle and controllers (core/cycle: SoC protection above the operating mode the strategy
 * names) and, for plan following, the optimiser's day-ahead plan made at each local midnight
 * (core/optimiser's solvePlan with HiGHS, in the study's worker thread).
 *
 * Each 15-minute step: the cycle reads a snapshot (the PCC as it stands at the start of the
 * step: this step's load and PV with the battery still at its last power), the merged setpoint
 * goes straight into the simulated inverter, and the battery runs the step in 1-minute
 * sub-steps. Nothing here holds a bridge, a CVT or a command pipeline: a study has no path to a
 * field device (test/integration/study/no-field.test.ts runs one beside the simulator's devices).
 *
 * The plan sees the study's profiles as its forecasts (perfect foresight): a study compares
 * strategies on the same known future, it does not measure forecast error.
 */
import { GOOD, VirtualScheduler, siteSchema, type PointState, type SiteConfig } from '../common';
import type { StudySpec, StudyStrategy, StudyStrategyResult, StudyTotals } from '../common/study';
import { ControlCycle, controllersFromConfig } from '../cycle';
import type { PlanSetpointSource } from '../cycle/controllers/plan-following';
import type { TariffSource } from '../cycle/controllers/tariff';
import { cycleDamage, rainflow } from '../kpi/rainflow';
import type { PlanProblem } from '../optimiser/problem';
import { solvePlan } from '../optimiser/solve';
import { BatteryModel, DEFAULT_BATTERY, ESS_MODE } from '../../drivers/sim/model';
import type { StudyInputs } from './inputs';

export interface Sizing {
  batteryKwh: number;
  inverterKw: number;
}

export interface RunHooks {
  /** called about every simulated day with the steps done */
  progress?: (doneSteps: number) => void;
  /** asked between days: true stops the run (StudyCancelled) */
  cancelled?: () => boolean;
  /** keep the 15-minute series (default true; a sizing sweep keeps totals only) */
  series?: boolean;
}

export class StudyCancelled extends Error {
  constructor() {
    super('the study run was cancelled');
    this.name = 'StudyCancelled';
  }
}

const ESS = 'ess';
const PCC = 'pcc';
const SUB = 15;

/** The study's site as a site model the controllers understand (never the live site). */
export function studySiteConfig(spec: StudySpec, size: Sizing): SiteConfig {
  const s = spec.site;
  return siteSchema.parse({
    site: { id: 'study', name: `Study: ${spec.name}`.slice(0, 120), gridType: 'prosumer', timezone: s.timezone, location: { latitude: s.latitude, longitude: s.longitude }, pcc: { meter: PCC, contractedPowerKw: s.contractedPowerKw } },
    assets: [
      { id: PCC, name: 'PCC meter', kind: 'smart-meter', nature: 'Meter', role: 'pcc' },
      { id: ESS, name: 'Battery', kind: 'ess', nature: 'Ess', rating: { powerKw: size.inverterKw, capacityKwh: size.batteryKwh }, limits: { socMinPct: s.socMinPct, socMaxPct: s.socMaxPct } },
    ],
    devices: [],
  });
}

function point(id: string, value: number, ts: number): PointState {
  return { id, value, quality: GOOD, ts, rts: ts };
}

/** Money and energy of a series of PCC powers (import positive) over the study's steps. */
export function billOf(inputs: StudyInputs, gridKw: ArrayLike<number>, demandChargePerKw: number): { importKwh: number; exportKwh: number; energyCost: number; exportRevenue: number; demandCost: number; peakImportKw: number } {
  const dtH = inputs.stepMinutes / 60;
  let importKwh = 0;
  let exportKwh = 0;
  let energyCost = 0;
  let exportRevenue = 0;
  let demandCost = 0;
  let peak = 0;
  let monthPeak = 0;
  let month = inputs.monthKey[0] ?? 0;
  // the monthly power term, in proportion to the part of each month the study covers
  let inMonth = 0;
  const term = (): number => {
    const days = new Date(Date.UTC(Math.floor(month / 12), (month % 12) + 1, 0)).getUTCDate();
    return monthPeak * demandChargePerKw * Math.min(1, (inMonth * dtH) / (days * 24));
  };
  for (let k = 0; k < inputs.steps; k++) {
    if (inputs.monthKey[k] !== month) {
      demandCost += term();
      monthPeak = 0;
      inMonth = 0;
      month = inputs.monthKey[k] ?? month;
    }
    inMonth++;
    const g = gridKw[k] ?? 0;
    if (g > 0) {
      importKwh += g * dtH;
      energyCost += g * dtH * (inputs.importPrice[k] ?? 0);
      if (g > monthPeak) monthPeak = g;
      if (g > peak) peak = g;
    } else {
      exportKwh += -g * dtH;
      exportRevenue += -g * dtH * (inputs.exportPrice[k] ?? 0);
    }
  }
  demandCost += term();
  return { importKwh, exportKwh, energyCost, exportRevenue, demandCost, peakImportKw: peak };
}

/** Runs one strategy at one battery size over the study's inputs. */
export async function runStrategy(spec: StudySpec, strategy: StudyStrategy, inputs: StudyInputs, size: Sizing, hooks: RunHooks = {}): Promise<StudyStrategyResult> {
  const s = spec.site;
  const n = inputs.steps;
  const dtS = inputs.stepMinutes * 60;
  const dtMs = dtS * 1000;
  const hasBattery = size.batteryKwh > 0 && size.inverterKw > 0;
  const battery = hasBattery
    ? new BatteryModel({
        ...DEFAULT_BATTERY,
        powerKw: size.inverterKw,
        capacityKwh: size.batteryKwh,
        chargeEfficiency: s.efficiency,
        dischargeEfficiency: s.efficiency,
        initialSocPct: (s.socMinPct + s.socMaxPct) / 2,
        initialMode: ESS_MODE.RemoteSetpoint,
        peakShavingLimitKw: s.contractedPowerKw,
        minSocPct: s.socMinPct,
      })
    : null;
  const socPct = new Float64Array(n);
  const essKw = new Float64Array(n);
  const gridKw = new Float64Array(n);
  const clock = new VirtualScheduler(inputs.start);
  let plans = 0;
  let planFailures = 0;

  // ------------------------------------------------------------------ the plan (day-ahead at local midnight)
  let plan: { start: number; issuedAt: number; powerKw: number[] } | undefined;
  let planWhy = 'no plan yet';
  const planSource: PlanSetpointSource = {
    setpoint: (_id, now) => {
      if (!plan) return { fallback: planWhy };
      const k = Math.floor((now - plan.start) / dtMs);
      const kw = plan.powerKw[k];
      return kw === undefined ? { fallback: 'the day-ahead plan does not cover now' } : { kw, socPct: 0, issuedAt: plan.issuedAt };
    },
  };
  const makePlan = async (k0: number): Promise<void> => {
    if (!battery) return;
    let k1 = k0 + 1;
    while (k1 < n && !inputs.midnight[k1]) k1++;
    const steps = k1 - k0;
    let peakSoFar = 0;
    for (let k = k0 - 1; k >= 0 && inputs.monthKey[k] === inputs.monthKey[k0]; k--) peakSoFar = Math.max(peakSoFar, gridKw[k] ?? 0);
    const slice = (a: Float64Array): number[] => Array.from(a.subarray(k0, k1));
    const p: PlanProblem = {
      start: inputs.start + k0 * dtMs,
      stepMinutes: inputs.stepMinutes,
      steps,
      objective: strategy.objective,
      loadKw: slice(inputs.loadKw),
      importPrice: slice(inputs.importPrice),
      exportPrice: slice(inputs.exportPrice),
      contractedPowerKw: s.contractedPowerKw,
      contractOverrunPerKwh: 1,
      // the monthly power term spread over the days of a month, so a day's plan weighs a new peak
      demandChargePerKw: s.demandChargePerKw,
      peakSoFarKw: peakSoFar,
      storage: [
        {
          id: ESS,
          capacityKwh: size.batteryKwh,
          socInitPct: battery.socPct,
          socMinPct: s.socMinPct,
          socMaxPct: s.socMaxPct,
          chargeEfficiency: s.efficiency,
          dischargeEfficiency: s.efficiency,
          maxChargeKw: size.inverterKw,
          maxDischargeKw: size.inverterKw,
          terminalValuePerKwh: inputs.cheapest * s.efficiency,
          degradationCostPerKwh: 0.01,
          deepDischargeCostPerKwh: 0.02,
          deepDischargeBelowPct: s.socMinPct + 10,
        },
      ],
      pv: s.pvKwp > 0 ? [{ id: 'pv', forecastKw: slice(inputs.pvKw), curtailable: false }] : [],
      ev: [],
      gensets: [],
      controllableLoads: [],
      deviationCostPerKwh: 0,
      degradationWeight: strategy.degradationWeight,
    };
    try {
      const solved = await solvePlan(p, { integer: false }, { timeLimitS: 20 });
      const st = solved.series.storage[0];
      plan = { start: p.start, issuedAt: p.start, powerKw: st ? st.powerKw : [] };
      plans++;
    } catch (e) {
      plan = undefined;
      planWhy = `the day-ahead plan failed: ${e instanceof Error ? e.message : String(e)}`;
      planFailures++;
    }
  };

  // ------------------------------------------------------------------ the cycle
  const points = new Map<string, PointState>();
  let setpoint = 0;
  const tariff: TariffSource = {
    now: (now) => {
      const k = Math.min(n - 1, Math.max(0, Math.floor((now - inputs.start) / dtMs)));
      return { price: inputs.importPrice[k] ?? 0, cheapest: inputs.cheapest, dearest: inputs.dearest, period: inputs.periodName[k] ?? 'default', currency: s.currency };
    },
  };
  const cycle = battery
    ? new ControlCycle({
        site: studySiteConfig(spec, size),
        scheduler: clock,
        periodMs: dtMs,
        source: { snapshot: () => points },
        sink: {
          apply: (sp) => {
            const m = sp.find((x) => x.target === `${ESS}/SetActivePower`);
            if (m) setpoint = m.value;
          },
        },
        controllers: controllersFromConfig(
          [
            { type: 'soc-protection', ess: ESS },
            { type: 'operating-mode', ess: ESS, meter: PCC, defaultMode: strategy.mode, calendar: [], transitionKwPerS: 1000 },
          ],
          { modes: () => ({ active: () => ({ mode: strategy.mode, why: `study strategy "${strategy.name}"` }) }), plan: () => planSource, tariff: () => tariff },
        ),
      })
    : null;

  // ------------------------------------------------------------------ the steps
  let lastEss = 0;
  const subS = dtS / SUB;
  for (let k = 0; k < n; k++) {
    const t = inputs.start + k * dtMs;
    if (t > clock.now()) clock.advanceTo(t);
    const net = (inputs.loadKw[k] ?? 0) - (inputs.pvKw[k] ?? 0);
    if (inputs.midnight[k]) {
      if (hooks.cancelled?.()) throw new StudyCancelled();
      hooks.progress?.(k);
      if (strategy.mode === 'plan-following') await makePlan(k);
    }
    if (battery && cycle) {
      const o = battery.output;
      points.set(`${PCC}/ActivePower`, point(`${PCC}/ActivePower`, net - lastEss, t));
      points.set(`${ESS}/ActivePower`, point(`${ESS}/ActivePower`, lastEss, t));
      points.set(`${ESS}/Soc`, point(`${ESS}/Soc`, battery.socPct, t));
      points.set(`${ESS}/MaxChargePower`, point(`${ESS}/MaxChargePower`, o.maxChargeKw, t));
      points.set(`${ESS}/MaxDischargePower`, point(`${ESS}/MaxDischargePower`, o.maxDischargeKw, t));
      points.set(`${ESS}/SetActivePower`, point(`${ESS}/SetActivePower`, battery.setpointKw, t));
      points.set(`${ESS}/State`, point(`${ESS}/State`, o.state, t));
      cycle.runOnce();
      battery.setpointKw = Math.max(-size.inverterKw, Math.min(size.inverterKw, setpoint));
      let e = 0;
      for (let j = 0; j < SUB; j++) e += battery.step(subS, { siteNetKw: net, tempOffsetC: 0 }).activePowerKw;
      lastEss = e / SUB;
      essKw[k] = lastEss;
      socPct[k] = battery.socPct;
    }
    gridKw[k] = net - essKw[k]!;
  }
  hooks.progress?.(n);

  // ------------------------------------------------------------------ totals
  const bill = billOf(inputs, gridKw, s.demandChargePerKw);
  const baseNet = new Float64Array(n);
  for (let k = 0; k < n; k++) baseNet[k] = (inputs.loadKw[k] ?? 0) - (inputs.pvKw[k] ?? 0);
  const base = billOf(inputs, baseNet, s.demandChargePerKw);
  const dtH = dtS / 3600;
  let throughput = 0;
  let pvKwh = 0;
  let loadKwh = 0;
  for (let k = 0; k < n; k++) {
    throughput += Math.abs(essKw[k] ?? 0) * dtH;
    pvKwh += (inputs.pvKw[k] ?? 0) * dtH;
    loadKwh += (inputs.loadKw[k] ?? 0) * dtH;
  }
  const cycles = battery ? rainflow(socPct) : [];
  const damage = battery ? cycleDamage(cycles, s.cycleLife) : 0;
  const hist = new Array<number>(10).fill(0);
  let counted = 0;
  for (const c of cycles) {
    if (c.range < 0.5) continue;
    hist[Math.min(9, Math.floor(c.range / 10))]! += c.count;
    counted += c.count;
  }
  const netCost = bill.energyCost + bill.demandCost - bill.exportRevenue;
  const baselineNetCost = base.energyCost + base.demandCost - base.exportRevenue;
  const days = (n * dtS) / 86_400;
  const totals: StudyTotals = {
    importKwh: bill.importKwh,
    exportKwh: bill.exportKwh,
    pvKwh,
    loadKwh,
    energyCost: bill.energyCost,
    demandCost: bill.demandCost,
    exportRevenue: bill.exportRevenue,
    netCost,
    baselineNetCost,
    saving: baselineNetCost - netCost,
    annualSaving: ((baselineNetCost - netCost) * 365) / days,
    peakImportKw: bill.peakImportKw,
    selfConsumptionPct: pvKwh > 0 ? (100 * (pvKwh - bill.exportKwh)) / pvKwh : 0,
    throughputKwh: throughput,
    equivalentFullCycles: battery ? throughput / (2 * size.batteryKwh) : 0,
    rainflowCycles: counted,
    cycleDamagePct: damage * 100,
    cycleLifeYears: damage > 0 ? days / 365 / damage : null,
    plans,
    planFailures,
  };
  const keep = hooks.series ?? true;
  const arr = (a: ArrayLike<number>): number[] => (keep ? Array.from(a, (x) => Math.round(x * 1000) / 1000) : []);
  return {
    strategyId: strategy.id,
    name: strategy.name,
    totals,
    series: { start: inputs.start, stepMinutes: inputs.stepMinutes, socPct: arr(socPct), essKw: arr(essKw), gridKw: arr(gridKw), pvKw: arr(inputs.pvKw), loadKw: arr(inputs.loadKw) },
    depthHistogram: hist,
  };
}
