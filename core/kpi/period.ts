/**
 * Periods as sums of local days (pure): a month is exactly the sum of its days, a year the sum
 * of its months (so a new day adds to a cached month instead of recomputing a year), and the
 * statistics and KPIs of a period with their coverage (core/common/kpi.ts defines each one).
 */
import type { Figure, KpiConfig } from '../common/kpi';
import { DAY_FIGURES, type DayFigure, type DayRecord, type Fig } from './day';
import { cycleDamage, rainflow } from './rainflow';

const H = 3_600_000;

export interface EssAgg {
  id: string;
  charge: Fig;
  discharge: Fig;
  turns: number[];
  capE: number;
  capSoc: number;
  socStart: number | null;
  socEnd: number | null;
  usefulInteg: number;
  usefulMs: number;
  availableMs: number;
  unavailableMs: number;
  sohBms: number | null;
  capacityKwh: number | null;
  socMinPct: number;
  socMaxPct: number;
}

export interface PeriodAgg {
  days: number;
  hours: number;
  f: Record<DayFigure, Fig>;
  assets: Record<string, { pos: Fig; neg: Fig }>;
  ess: EssAgg[];
  /** per month "YYYY-MM": the highest 15-min import with and without battery, and the hours of it inside the period */
  months: Record<string, { peak: number | null; peakWithout: number | null; hours: number }>;
  peakKw: number | null;
  peakWithoutKw: number | null;
  smooth: { a: number; b: number; n: number };
  interruptions: Array<{ from: number; to: number }>;
  voltageMs: number;
  flatDays: number;
  simulatedDays: string[];
}

const fig = (): Fig => ({ v: 0, c: 0 });
const addFig = (a: Fig, b: Fig): void => {
  a.v += b.v;
  a.c += b.c;
};
const maxN = (a: number | null, b: number | null): number | null => (a === null ? b : b === null ? a : Math.max(a, b));

export function emptyAgg(): PeriodAgg {
  return {
    days: 0,
    hours: 0,
    f: Object.fromEntries(DAY_FIGURES.map((k) => [k, fig()])) as Record<DayFigure, Fig>,
    assets: {},
    ess: [],
    months: {},
    peakKw: null,
    peakWithoutKw: null,
    smooth: { a: 0, b: 0, n: 0 },
    interruptions: [],
    voltageMs: 0,
    flatDays: 0,
    simulatedDays: [],
  };
}

export interface EssInfo {
  id: string;
  capacityKwh: number | null;
  socMinPct: number;
  socMaxPct: number;
}

export function dayAgg(d: DayRecord, essInfo: readonly EssInfo[]): PeriodAgg {
  const a = emptyAgg();
  a.days = 1;
  a.hours = d.hours;
  for (const k of DAY_FIGURES) a.f[k] = { ...d.f[k] };
  for (const [id, r] of Object.entries(d.assets)) a.assets[id] = { pos: { ...r.pos }, neg: { ...r.neg } };
  a.ess = d.ess.map((e) => {
    const info = essInfo.find((i) => i.id === e.id);
    return { ...e, charge: { ...e.charge }, discharge: { ...e.discharge }, turns: e.turns.slice(), socMinPct: info?.socMinPct ?? 0, socMaxPct: info?.socMaxPct ?? 100, capacityKwh: info?.capacityKwh ?? e.capacityKwh };
  });
  a.months[d.date.slice(0, 7)] = { peak: d.peakKw, peakWithout: d.peakWithoutKw, hours: d.hours };
  a.peakKw = d.peakKw;
  a.peakWithoutKw = d.peakWithoutKw;
  a.smooth = { ...d.smooth };
  a.interruptions = d.interruptions.map((i) => ({ ...i }));
  a.voltageMs = d.voltageMs;
  a.flatDays = d.flatTariff ? 1 : 0;
  if (d.simulated) a.simulatedDays.push(d.date);
  return a;
}

/** a += b (b later in time than a) */
export function mergeInto(a: PeriodAgg, b: PeriodAgg): PeriodAgg {
  a.days += b.days;
  a.hours += b.hours;
  for (const k of DAY_FIGURES) addFig(a.f[k], b.f[k]);
  for (const [id, r] of Object.entries(b.assets)) {
    const t = (a.assets[id] ??= { pos: fig(), neg: fig() });
    addFig(t.pos, r.pos);
    addFig(t.neg, r.neg);
  }
  for (const e of b.ess) {
    const t = a.ess.find((x) => x.id === e.id);
    if (!t) {
      a.ess.push({ ...e, charge: { ...e.charge }, discharge: { ...e.discharge }, turns: e.turns.slice() });
      continue;
    }
    addFig(t.charge, e.charge);
    addFig(t.discharge, e.discharge);
    for (const v of e.turns) t.turns.push(v);
    t.capE += e.capE;
    t.capSoc += e.capSoc;
    t.socStart ??= e.socStart;
    if (e.socEnd !== null) t.socEnd = e.socEnd;
    t.usefulInteg += e.usefulInteg;
    t.usefulMs += e.usefulMs;
    t.availableMs += e.availableMs;
    t.unavailableMs += e.unavailableMs;
    if (e.sohBms !== null) t.sohBms = e.sohBms;
  }
  for (const [m, v] of Object.entries(b.months)) {
    const t = a.months[m];
    if (!t) a.months[m] = { ...v };
    else {
      t.peak = maxN(t.peak, v.peak);
      t.peakWithout = maxN(t.peakWithout, v.peakWithout);
      t.hours += v.hours;
    }
  }
  a.peakKw = maxN(a.peakKw, b.peakKw);
  a.peakWithoutKw = maxN(a.peakWithoutKw, b.peakWithoutKw);
  a.smooth.a += b.smooth.a;
  a.smooth.b += b.smooth.b;
  a.smooth.n += b.smooth.n;
  // an interruption across midnight is one interruption
  for (const i of b.interruptions) {
    const last = a.interruptions[a.interruptions.length - 1];
    if (last && last.to === i.from) last.to = i.to;
    else a.interruptions.push({ ...i });
  }
  a.voltageMs += b.voltageMs;
  a.flatDays += b.flatDays;
  for (const d of b.simulatedDays) a.simulatedDays.push(d);
  return a;
}

export interface FinalizeContext {
  config: KpiConfig;
  /** hours of each month "YYYY-MM" (local days: DST months have 743 or 745) */
  monthHours: (month: string) => number;
  /** the site has these roles at all (a figure of a missing role says so) */
  has: { pv: boolean; genset: boolean; wind: boolean; ess: boolean; load: boolean; ev: boolean; voltage: boolean; tariff: boolean };
}

const r = (x: number, d = 3): number => Math.round(x * 10 ** d) / 10 ** d;

/** Statistics and KPIs of a period; every figure with its coverage. */
export function finalize(a: PeriodAgg, ctx: FinalizeContext): { stats: Record<string, Figure>; kpis: Record<string, Figure> } {
  const periodMs = a.hours * H;
  const cov = (c: number): number => (periodMs > 0 ? Math.min(1, c / periodMs) : 0);
  const F = (value: number | null, unit: string, c: number, extra: Partial<Figure> = {}): Figure => ({ value: value === null || c <= 0 ? null : r(value), unit, coverage: r(cov(c), 4), ...extra });
  const miss = (unit: string, missing: string[], note?: string): Figure => ({ value: null, unit, coverage: 0, missing, ...(note ? { note } : {}) });
  const f = a.f;
  const cfg = ctx.config;
  const cur = cfg.currency;
  const has = ctx.has;
  const pct = (num: number, den: number): number | null => (den > 1e-9 ? (100 * num) / den : null);
  const stats: Record<string, Figure> = {};
  const kpis: Record<string, Figure> = {};

  // power term: each month's highest 15-min import, pro rata to the month's hours in the period
  let powerTerm = 0;
  let powerTerm0 = 0;
  for (const [m, v] of Object.entries(a.months)) {
    const share = Math.min(1, v.hours / Math.max(1, ctx.monthHours(m)));
    powerTerm += (v.peak ?? 0) * cfg.powerTermPerKwMonth * share;
    powerTerm0 += (v.peakWithout ?? 0) * cfg.powerTermPerKwMonth * share;
  }
  const tax = 1 + cfg.taxesPct / 100;

  stats.gridImport = F(f.gridImport.v, 'kWh', f.gridImport.c);
  stats.gridExport = F(f.gridExport.v, 'kWh', f.gridExport.c);
  stats.pv = has.pv ? F(f.pv.v, 'kWh', f.pv.c) : miss('kWh', ['a PV asset (nature Pv)']);
  stats.wind = miss('kWh', ['a wind asset (the site has none)']);
  stats.genset = has.genset ? F(f.genset.v, 'kWh', f.genset.c) : miss('kWh', ['a genset asset (nature Genset)']);
  stats.ev = has.ev ? F(f.ev.v, 'kWh', f.ev.c) : miss('kWh', ['an EV charger (nature Evse)']);
  stats.load = has.load ? F(f.load.v, 'kWh', f.load.c) : miss('kWh', ['a load asset (nature Load)']);
  stats.essCharge = has.ess ? F(f.essCharge.v, 'kWh', f.essCharge.c) : miss('kWh', ['a battery (nature Ess)']);
  stats.essDischarge = has.ess ? F(f.essDischarge.v, 'kWh', f.essDischarge.c) : miss('kWh', ['a battery (nature Ess)']);
  stats.selfConsumption = has.pv ? F(pct(f.scUsed.v, f.scPv.v), '%', f.scPv.c, f.scPv.v <= 1e-9 && f.scPv.c > 0 ? { note: 'no PV production in the period' } : {}) : miss('%', ['a PV asset']);
  stats.selfSufficiency = F(pct(f.ssCons.v - f.ssImport.v, f.ssCons.v), '%', f.ssCons.c);
  stats.renewableShare = has.pv ? F(pct(f.renUsed.v, f.renUsed.v + f.renImport.v + f.renGenset.v), '%', f.renUsed.c) : miss('%', ['a PV asset']);
  const usable = a.ess.reduce((s, e) => s + (e.capacityKwh ?? 0) * Math.max(0, e.socMaxPct - e.socMinPct) / 100, 0);
  stats.equivalentCycles = !has.ess ? miss('cycles', ['a battery']) : usable > 0 ? F(f.essDischarge.v / usable, 'cycles', f.essDischarge.c) : miss('cycles', ['rated capacity (rating.capacityKwh) of the battery']);
  stats.zeroNetHours = F(f.zeroNetH.v, 'h', f.zeroNetH.c);
  const flat = a.flatDays === a.days;
  stats.shifted = !has.ess ? miss('kWh', ['a battery']) : F(Math.min(f.offPeakCharge.v, f.peakDischarge.v), 'kWh', f.offPeakCharge.c, flat ? { note: 'flat import tariff: no peak period, nothing counts as shifted' } : {});
  stats.shiftedShare = !has.ess ? miss('%', ['a battery']) : F(pct(Math.min(f.offPeakCharge.v, f.peakDischarge.v), f.dischargeEnergy.v), '%', f.offPeakCharge.c);
  if (!has.tariff) {
    for (const k of ['energyCost', 'costWithoutBattery', 'savings']) stats[k] = miss(cur, ['an import tariff (energy.grid.importTariff in the site file)']);
  } else {
    stats.energyCost = F((f.cost.v + powerTerm) * tax, cur, f.cost.c);
    stats.costWithoutBattery = F((f.cost0.v + powerTerm0) * tax, cur, f.cost0.c);
    stats.savings = F((f.cost0.v + powerTerm0 - f.cost.v - powerTerm) * tax, cur, f.cost.c);
  }
  stats.drRevenue = !cfg.demandResponse
    ? miss(cur, ['kpi.demandResponse.pricePerKwh (the remuneration of demand-response events)'])
    : !has.ess
      ? miss(cur, ['a battery'])
      : F(f.drEnergy.v * cfg.demandResponse.pricePerKwh, cur, f.essCharge.c, f.drEnergy.v <= 1e-9 ? { note: 'no demand-response event (or no battery energy in one) recorded in the period' } : {});
  stats.co2Emitted = F(f.co2.v, 'kg', f.co2.c);
  stats.co2Avoided = F(f.co2NoPvNoEss.v - f.co2.v, 'kg', f.co2.c);
  const sustained = a.interruptions.filter((i) => i.to - i.from >= cfg.supply.sustainedAfterS * 1000);
  const intMin = sustained.reduce((s, i) => s + (i.to - i.from), 0) / 60_000;
  stats.saifi = has.voltage ? F(sustained.length, 'interruptions', a.voltageMs) : miss('interruptions', ['PCC voltage (VoltageL1 on the PCC meter)']);
  stats.saidi = has.voltage ? F(intMin, 'min', a.voltageMs) : miss('min', ['PCC voltage (VoltageL1 on the PCC meter)']);
  stats.supplied = F(f.supplied.v, 'kWh', f.supplied.c);
  stats.consumed = F(f.consumed.v, 'kWh', f.consumed.c);
  stats.losses = F(f.supplied.v - f.consumed.v, 'kWh', f.supplied.c);
  // the balance per phase (PCC and load meters per phase; three-phase assets a third on each)
  const phaseMissing = ['active power per phase (ActivePowerL1..L3) of the PCC meter and of every load'];
  const cons: number[] = [];
  for (const L of [1, 2, 3] as const) {
    const sup = f[`suppliedL${L}`];
    const con = f[`consumedL${L}`];
    if (sup.c <= 0) {
      for (const k of ['supplied', 'consumed', 'losses']) stats[`${k}L${L}`] = miss('kWh', phaseMissing);
      continue;
    }
    stats[`suppliedL${L}`] = F(sup.v, 'kWh', sup.c);
    stats[`consumedL${L}`] = F(con.v, 'kWh', con.c);
    stats[`lossesL${L}`] = F(sup.v - con.v, 'kWh', sup.c);
    cons.push(con.v);
  }
  const mean = cons.length === 3 ? (cons[0]! + cons[1]! + cons[2]!) / 3 : 0;
  stats.phaseBalance = cons.length < 3 ? miss('%', phaseMissing) : F(mean > 1e-9 ? (100 * (Math.max(...cons) - Math.min(...cons))) / mean : 0, '%', Math.min(f.consumedL1.c, f.consumedL2.c, f.consumedL3.c));

  // ---- KPIs
  kpis.smoothing = !has.ess ? miss('%', ['a battery']) : a.smooth.n > 1 && a.smooth.b > 1e-9 ? F(100 * (1 - Math.sqrt(a.smooth.a / a.smooth.b)), '%', f.cost.c) : F(null, '%', 0, { missing: ['consecutive measured quarter hours of PCC and battery power'] });
  kpis.predictability = miss('%', ['stored plans with a PCC profile compared by the KPI service (not read yet)']);
  kpis.revenue = has.tariff ? F((f.exportIncome.v + (f.cost0.v + powerTerm0 - f.cost.v - powerTerm)) * tax + f.drEnergy.v * (cfg.demandResponse?.pricePerKwh ?? 0), cur, f.cost.c) : miss(cur, ['an import tariff']);
  kpis.surplusManagement = F(pct(f.surplusStored.v, f.surplus.v), '%', f.surplus.c, f.surplus.v <= 1e-9 && f.surplus.c > 0 ? { note: 'no PV surplus in the period' } : {});
  kpis.curtailed = miss('kWh', ['PV available power (the inverters do not report it)']);
  kpis.peakReduction = a.peakKw === null || a.peakWithoutKw === null ? F(null, 'kW', 0, { missing: ['PCC and battery power'] }) : F(a.peakWithoutKw - a.peakKw, 'kW', f.cost.c);
  const meanImport = f.importForLoadFactor.c > 0 ? f.importForLoadFactor.v / (f.importForLoadFactor.c / H) : null;
  kpis.loadFactor = a.peakKw && meanImport !== null ? F((100 * meanImport) / a.peakKw, '%', f.importForLoadFactor.c) : F(null, '%', 0, { missing: ['PCC power with some import'] });
  kpis.lole = has.voltage ? F(intMin / 60, 'h', a.voltageMs) : miss('h', ['PCC voltage']);
  const e = cfg.economics;
  if (!e) kpis.lcoe = miss(`${cur}/kWh`, ['kpi.economics.capex', 'kpi.economics.opexPerYear', 'kpi.economics.lifetimeYears']);
  else {
    const rr = e.discountRatePct / 100;
    const crf = rr === 0 ? 1 / e.lifetimeYears : (rr * (1 + rr) ** e.lifetimeYears) / ((1 + rr) ** e.lifetimeYears - 1);
    const years = a.hours / 8766;
    const perYear = years > 0 ? f.essDischarge.v / years : 0;
    kpis.lcoe = perYear > 1e-9 ? F((e.capex * crf + e.opexPerYear) / perYear, `${cur}/kWh`, f.essDischarge.c) : F(null, `${cur}/kWh`, f.essDischarge.c, { note: 'no energy discharged in the period' });
  }
  kpis.costReduction = has.tariff ? F(pct(f.cost0.v + powerTerm0 - f.cost.v - powerTerm, f.cost0.v + powerTerm0), '%', f.cost.c) : miss('%', ['an import tariff']);
  kpis.emissionsReduction = F(pct(f.co2NoPvNoEss.v - f.co2.v, f.co2NoPvNoEss.v), '%', f.co2.c);
  kpis.securityOfSupply = has.voltage ? F(a.voltageMs > 0 ? 100 * (1 - (intMin * 60_000) / a.voltageMs) : null, '%', a.voltageMs) : miss('%', ['PCC voltage']);
  kpis.congestionHours = F(f.congestionH.v, 'h', f.congestionH.c);
  kpis.capacityAllocation = miss('%', ['per-controller setpoint history (the control cycle does not record it yet)']);
  kpis.frequencyControl = miss('%', ['a frequency-control service on the battery (none configured)']);

  // per battery (the first when there are several; the dashboard's asset filter picks one)
  const b = a.ess[0];
  if (!b) {
    for (const k of ['soh', 'sohBms', 'rainflowCycles', 'cycleDamage', 'cyclesToFailure', 'roundTripEfficiency', 'systemEfficiency', 'availability', 'usefulEnergy']) kpis[k] = miss(k === 'rainflowCycles' || k === 'cyclesToFailure' ? 'cycles' : k === 'usefulEnergy' ? 'kWh' : '%', ['a battery (nature Ess)']);
  } else {
    const capMeasured = b.capSoc >= 20 ? b.capE / (b.capSoc / 100) : null;
    kpis.soh = b.capacityKwh === null ? miss('%', ['rated capacity (rating.capacityKwh)']) : capMeasured === null ? F(null, '%', b.discharge.c, { missing: ['steady discharges adding up to at least 20 % SoC'] }) : F((100 * capMeasured) / b.capacityKwh, '%', b.discharge.c);
    kpis.sohBms = b.sohBms === null ? miss('%', ['battery Soh reported by the BMS']) : F(b.sohBms, '%', b.usefulMs || 1);
    const cycles = rainflow(b.turns);
    const counted = cycles.reduce((s, c) => s + (c.range > 0 ? c.count : 0), 0);
    const dmg = cycleDamage(cycles, cfg.cycleLife);
    kpis.rainflowCycles = b.usefulMs > 0 ? F(counted, 'cycles', b.usefulMs) : miss('cycles', ['battery SoC']);
    kpis.cycleDamage = b.usefulMs > 0 ? F(100 * dmg, '%', b.usefulMs) : miss('%', ['battery SoC']);
    kpis.cyclesToFailure = b.usefulMs > 0 && dmg > 0 ? F(counted / dmg, 'cycles', b.usefulMs) : F(null, 'cycles', b.usefulMs, { note: 'no cycling in the period' });
    const dSoc = b.socStart !== null && b.socEnd !== null && b.capacityKwh !== null ? ((b.socEnd - b.socStart) / 100) * b.capacityKwh : null;
    kpis.roundTripEfficiency = dSoc === null ? F(null, '%', 0, { missing: ['battery SoC and rated capacity'] }) : F(pct(b.discharge.v + dSoc, b.charge.v), '%', Math.min(b.charge.c, b.usefulMs));
    kpis.systemEfficiency = F(pct(b.discharge.v, b.charge.v), '%', b.charge.c);
    const stateMs = b.availableMs + b.unavailableMs;
    kpis.availability = stateMs > 0 ? F((100 * b.availableMs) / stateMs, '%', stateMs) : miss('%', ['battery operating state (State)']);
    const soh = (kpis.sohBms.value ?? kpis.soh.value ?? 100) / 100;
    kpis.usefulEnergy = b.capacityKwh === null ? miss('kWh', ['rated capacity']) : b.usefulMs > 0 ? F((b.usefulInteg / b.usefulMs / 100) * b.capacityKwh * soh, 'kWh', b.usefulMs) : miss('kWh', ['battery SoC']);
  }
  return { stats, kpis };
}
