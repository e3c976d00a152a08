/**
 * From the site file to a PlanProblem: the energy section (core/common/energy.ts) with the
 * assets' ratings and limits as defaults, prices from the tariffs in local time, EV sessions
 * turned into needs, plus what the caller knows now (forecasts, present SoC, the BMS's present
 * limits, assets out of service). Assets are found by nature and id, never by point name.
 */
import { clockMinutes, type EnergyConfig, type ObjectiveName, type Tariff } from '../common/energy';
import type { SiteConfig } from '../common/site';
import { localParts, localToUtc, nextDate } from './localtime';
import { ProblemError, type EvNeed, type PlanProblem } from './problem';

export interface PlanInputs {
  /** start of the first step, ms (aligned to the step by the caller) */
  start: number;
  steps: number;
  /** overrides the site's objective (the operator's choice) */
  objective?: ObjectiveName;
  /** non-controllable load forecast per step, kW */
  loadKw: number[];
  /** PV forecast per step by asset id, kW */
  pvKw: Record<string, number[]>;
  /** forecast of each controllable load by asset id, kW */
  controllableLoadKw?: Record<string, number[]>;
  /** present SoC by battery asset id, % (required for every battery planned) */
  socPct: Record<string, number>;
  /** the BMS's present limits by battery asset id: they apply to the first hour of the plan */
  bmsLimits?: Record<string, { maxChargeKw?: number; maxDischargeKw?: number }>;
  gensetOn?: Record<string, boolean>;
  /** assets out of service or in maintenance: left out of the plan */
  excluded?: ReadonlySet<string>;
  /** market prices per step, overriding the tariffs (e.g. day-ahead prices) */
  importPrice?: number[];
  exportPrice?: number[];
  /** reactive power the inverters must deliver per step (system operator), kvar */
  reactiveTargetKvar?: number[];
  /** UC1 committed PCC profile per step, kW */
  committedKw?: number[];
  /** highest import so far in the billing period, kW */
  peakSoFarKw?: number;
}

/** Price of a tariff at an instant, in the site's local time. */
export function tariffPrice(t: Tariff, ms: number, tz: string): number {
  const l = localParts(ms, tz);
  for (const p of t.periods) if (p.days.includes(l.weekday) && l.minuteOfDay >= clockMinutes(p.from) && l.minuteOfDay < clockMinutes(p.to)) return p.pricePerKwh;
  return t.defaultPricePerKwh;
}

export function tariffSeries(t: Tariff, start: number, steps: number, stepMinutes: number, tz: string): number[] {
  return Array.from({ length: steps }, (_, k) => tariffPrice(t, start + k * stepMinutes * 60_000, tz));
}

/**
 * The power terms of a tariff's periods (`demandChargePerKw` on a period): the steps each
 * applies to, one entry per period name (a period listed for several day groups shares one peak).
 */
export function periodDemandCharges(t: Tariff, start: number, steps: number, stepMinutes: number, tz: string): Array<{ name: string; perKw: number; steps: boolean[] }> {
  const out = new Map<string, { name: string; perKw: number; steps: boolean[] }>();
  for (let k = 0; k < steps; k++) {
    const l = localParts(start + k * stepMinutes * 60_000, tz);
    for (const p of t.periods) {
      if (!p.demandChargePerKw || !p.days.includes(l.weekday) || l.minuteOfDay < clockMinutes(p.from) || l.minuteOfDay >= clockMinutes(p.to)) continue;
      const e = out.get(p.name) ?? { name: p.name, perKw: p.demandChargePerKw, steps: new Array<boolean>(steps).fill(false) };
      e.perKw = Math.max(e.perKw, p.demandChargePerKw);
      e.steps[k] = true;
      out.set(p.name, e);
    }
  }
  return [...out.values()];
}

/** EV sessions of the site file, as needs within the horizon. A session cut by the horizon needs its share of the energy. */
export function evNeeds(sessions: EnergyConfig['ev'][number]['sessions'], start: number, steps: number, stepMinutes: number, tz: string): EvNeed[] {
  const stepMs = stepMinutes * 60_000;
  const end = start + steps * stepMs;
  const needs: EvNeed[] = [];
  let date = localParts(start - 86_400_000, tz).date;
  const last = localParts(end, tz).date;
  for (let guard = 0; date <= last && guard < 10; guard++, date = nextDate(date)) {
    const wd = localParts(localToUtc(date, 12 * 60, tz), tz).weekday;
    for (const s of sessions) {
      if (!s.days.includes(wd)) continue;
      const arrive = localToUtc(date, clockMinutes(s.arrive), tz);
      const depart = localToUtc(date, clockMinutes(s.depart), tz);
      if (depart <= start || arrive >= end) continue;
      const fromStep = Math.max(0, Math.ceil((arrive - start) / stepMs));
      const departStep = Math.min(steps, Math.floor((depart - start) / stepMs));
      if (departStep <= fromStep) continue;
      const whole = (depart - arrive) / stepMs;
      const share = Math.min(1, (departStep - fromStep) / whole);
      needs.push({ fromStep, departStep, energyKwh: s.energyKwh * share, socPct: s.arrivalSocPct });
    }
  }
  return needs;
}

export function problemFromSite(site: SiteConfig, inputs: PlanInputs): PlanProblem {
  const e = site.energy;
  if (!e) throw new ProblemError(`site "${site.site.id}" has no energy section: nothing to plan with`);
  const tz = site.site.timezone;
  const { start, steps } = inputs;
  const stepMinutes = e.planning.stepMinutes;
  const assets = new Map(site.assets.map((a) => [a.id, a]));
  const excluded = inputs.excluded ?? new Set<string>();
  const firstHour = Math.max(1, Math.round(60 / stepMinutes));
  const series = (what: string, s: number[] | undefined, fallback: () => number[]): number[] => {
    const v = s ?? fallback();
    if (v.length !== steps) throw new ProblemError(`${what} has ${v.length} values for ${steps} steps`);
    return v;
  };

  const storage = e.storage
    .filter((s) => !excluded.has(s.asset))
    .map((s) => {
      const a = assets.get(s.asset);
      const soc = inputs.socPct[s.asset];
      if (soc === undefined || !Number.isFinite(soc)) throw new ProblemError(`the present SoC of battery "${s.asset}" is unknown: it cannot be planned`);
      const maxCh = s.maxChargeKw ?? a?.limits?.maxChargeKw ?? a?.rating?.powerKw ?? 0;
      const maxDis = s.maxDischargeKw ?? a?.limits?.maxDischargeKw ?? a?.rating?.powerKw ?? 0;
      const bms = inputs.bmsLimits?.[s.asset];
      const limited = (nominal: number, now: number | undefined) =>
        now === undefined || !Number.isFinite(now) ? nominal : Array.from({ length: steps }, (_, t) => (t < firstHour ? Math.min(nominal, Math.max(0, now)) : nominal));
      return {
        id: s.asset,
        capacityKwh: s.capacityKwh ?? a?.rating?.capacityKwh ?? 0,
        socInitPct: soc,
        socMinPct: s.socMinPct ?? a?.limits?.socMinPct ?? 0,
        socMaxPct: s.socMaxPct ?? a?.limits?.socMaxPct ?? 100,
        chargeEfficiency: s.chargeEfficiency,
        dischargeEfficiency: s.dischargeEfficiency,
        maxChargeKw: limited(maxCh, bms?.maxChargeKw),
        maxDischargeKw: limited(maxDis, bms?.maxDischargeKw),
        terminalValuePerKwh: s.terminalValuePerKwh,
        degradationCostPerKwh: s.degradationCostPerKwh,
        deepDischargeBelowPct: s.deepDischargeBelowPct,
        deepDischargeCostPerKwh: s.deepDischargeCostPerKwh,
        apparentPowerKva: s.apparentPowerKva,
      };
    });

  const pv = e.pv
    .filter((v) => !excluded.has(v.asset))
    .map((v) => ({ id: v.asset, curtailable: v.curtailable, forecastKw: series(`the PV forecast of "${v.asset}"`, inputs.pvKw[v.asset], () => { throw new ProblemError(`no PV forecast for "${v.asset}"`); }) }));

  const ev = e.ev
    .filter((v) => !excluded.has(v.asset))
    .map((v) => ({
      id: v.asset,
      maxKw: v.maxKw ?? assets.get(v.asset)?.rating?.powerKw ?? 0,
      minKw: v.minKw,
      needs: evNeeds(v.sessions, start, steps, stepMinutes, tz),
    }));

  const gensets = e.gensets
    .filter((g) => !excluded.has(g.asset))
    .map((g) => ({ id: g.asset, minKw: g.minKw, maxKw: g.maxKw, startCost: g.startCost, costPerKwh: g.costPerKwh, initiallyOn: inputs.gensetOn?.[g.asset] ?? false, minRunMinutes: g.minRunMinutes }));

  const stepsOf = (minutes: number) => Math.ceil(minutes / stepMinutes);
  const controllableLoads = e.controllableLoads.map((l) => ({
    id: l.asset,
    baseKw: series(`the forecast of load "${l.asset}"`, inputs.controllableLoadKw?.[l.asset], () => { throw new ProblemError(`no forecast for controllable load "${l.asset}"`); }),
    // a load in maintenance cannot be curtailed by the plan
    stepKw: l.stepKw,
    steps: excluded.has(l.asset) ? 0 : l.steps,
    costPerKwh: l.costPerKwh,
    minGapSteps: stepsOf(l.minMinutesBetween),
    maxCurtailedSteps: l.maxCurtailedMinutes === undefined ? undefined : Math.max(1, Math.floor(l.maxCurtailedMinutes / stepMinutes)),
  }));

  return {
    start,
    stepMinutes,
    steps,
    objective: inputs.objective ?? e.planning.objective,
    loadKw: series('the load forecast', inputs.loadKw, () => []),
    importPrice: series('the import price', inputs.importPrice, () => tariffSeries(e.grid.importTariff, start, steps, stepMinutes, tz)),
    exportPrice: series('the export price', inputs.exportPrice, () => (e.grid.exportTariff ? tariffSeries(e.grid.exportTariff, start, steps, stepMinutes, tz) : new Array<number>(steps).fill(0))),
    importLimitKw: e.grid.importLimitKw,
    exportLimitKw: e.grid.exportLimitKw,
    contractedPowerKw: site.site.pcc.contractedPowerKw,
    contractOverrunPerKwh: e.grid.contractOverrunPerKwh,
    demandChargePerKw: e.grid.demandChargePerKw,
    periodDemandCharges: periodDemandCharges(e.grid.importTariff, start, steps, stepMinutes, tz),
    peakSoFarKw: inputs.peakSoFarKw,
    storage,
    pv,
    ev,
    gensets,
    controllableLoads,
    reserve: e.reserve,
    committedKw: inputs.committedKw,
    reactiveTargetKvar: inputs.reactiveTargetKvar,
    deviationCostPerKwh: e.deviationCostPerKwh,
    degradationWeight: e.planning.degradationWeight,
  };
}
