/**
 * One local day of the site, from the historian's 15-minute rollups (pure): every additive
 * figure as (value, covered time), the day's peaks, hourly consumption, SoC turning points,
 * supply interruptions and battery state times. Days are cached and summed into months and
 * years (period.ts), so a month is exactly the sum of its local days.
 *
 * A quarter hour's energy of a series is its rollup integral (the historian's curve through the
 * recorded samples) over the covered part of the quarter hour; a figure combining several series
 * uses the time all of them cover. Missing time is reported as coverage, never counted as 0.
 *
 * Signs (core/common/natures.ts): PCC + = import; ESS + = discharge; PV, genset + = production;
 * load, EV + = consumption.
 */
import type { Tariff } from '../common/energy';
import type { KpiConfig } from '../common/kpi';
import { utcOffsetMs, localParts } from '../common/localtime';
import { priceOver } from './tariff';

/** the rollup fields the KPIs read (core/historian/rollup.ts Bucket) */
export interface Cell {
  b: number;
  n: number;
  min: number;
  max: number;
  tmin: number;
  tmax: number;
  first: number;
  tfirst: number;
  last: number;
  tlast: number;
  /** integral of the curve over the covered part, value·ms */
  integ: number;
  /** covered length, ms */
  dur: number;
}

export type Role = 'pv' | 'genset' | 'ess' | 'load' | 'ev';

export interface AssetSeries {
  id: string;
  role: Role;
  /** 15-min rollups of ActivePower, by bucket start */
  p: ReadonlyMap<number, Cell>;
  /** ESS: 15-min rollups of Soc */
  soc?: ReadonlyMap<number, Cell>;
  /** ESS: raw State samples from before the day start to its end (step function) */
  state?: { t: ArrayLike<number>; v: ArrayLike<number> };
  /** ESS: last Soh of the day, % */
  sohBms?: number | null;
  capacityKwh?: number;
  socMinPct?: number;
  socMaxPct?: number;
  ratingKw?: number;
}

export interface DayInput {
  date: string;
  tz: string;
  /** [from, to) of the local day */
  from: number;
  to: number;
  /** data up to this instant (today: now) */
  end: number;
  widthMs?: number;
  pcc: ReadonlyMap<number, Cell> | null;
  assets: readonly AssetSeries[];
  /** raw PCC voltage samples (V), one before the day, through its end; null = not measured */
  voltage: { t: ArrayLike<number>; v: ArrayLike<number>; good: ArrayLike<boolean> } | null;
  importTariff: Tariff | null;
  exportTariff: Tariff | null;
  contractedKw: number;
  /** the contract in force at an instant (run-time changes); default `contractedKw` all day */
  contractedAt?: (t: number) => number;
  config: KpiConfig;
  /** the day holds simulated data (demo history) */
  simulated?: boolean;
  /**
   * per-phase active power L1..L3: the PCC meter's and each load's (15-min rollups); null =
   * not measured. PV, genset, battery and chargers are three-phase: a third on each phase.
   */
  /** 15-min rollups of site/DemandResponse (1 while a demand-response event is in force); null = none recorded */
  dr?: ReadonlyMap<number, Cell> | null;
  phases?: { pcc: ReadonlyArray<ReadonlyMap<number, Cell>>; loads: ReadonlyArray<ReadonlyArray<ReadonlyMap<number, Cell>>> } | null;
}

/** an additive figure: value and the time it covers (ms) */
export interface Fig {
  v: number;
  c: number;
}

export const DAY_FIGURES = [
  'gridImport',
  'gridExport',
  'pv',
  'genset',
  'load',
  'ev',
  'essCharge',
  'essDischarge',
  // on quarter hours where PCC and PV are measured
  'scPv',
  'scUsed',
  // PCC, load and EV
  'ssCons',
  'ssImport',
  // PCC, PV, genset
  'renUsed',
  'renImport',
  'renGenset',
  'zeroNetH',
  'congestionH',
  // PCC and ESS
  'cost',
  'cost0',
  'exportIncome',
  'dischargeEnergy',
  'offPeakCharge',
  'peakDischarge',
  'co2',
  'co2NoPvNoEss',
  'supplied',
  'consumed',
  'surplus',
  'surplusStored',
  'importForLoadFactor',
  // per phase: PCC and every load per phase, with the three-phase assets' totals
  'suppliedL1',
  'suppliedL2',
  'suppliedL3',
  'consumedL1',
  'consumedL2',
  'consumedL3',
  // battery energy inside recorded demand-response events (PCC-independent)
  'drEnergy',
] as const;
export type DayFigure = (typeof DAY_FIGURES)[number];

export interface EssDay {
  id: string;
  charge: Fig;
  discharge: Fig;
  /** SoC turning points of the day (15-min averages), % */
  turns: number[];
  /** steady-discharge quarter hours: energy and SoC drop, for the capacity estimate */
  capE: number;
  capSoc: number;
  /** SoC at the first and last covered quarter hour, % (round-trip correction) */
  socStart: number | null;
  socEnd: number | null;
  /** Σ (SoC − SoC min) · covered ms, and the ms */
  usefulInteg: number;
  usefulMs: number;
  /** time in Standby/Running, other states, ms */
  availableMs: number;
  unavailableMs: number;
  sohBms: number | null;
  capacityKwh: number | null;
}

export interface DayRecord {
  date: string;
  from: number;
  /** hours of the day that have passed (23, 24 or 25 for a whole day) */
  hours: number;
  complete: boolean;
  simulated: boolean;
  f: Record<DayFigure, Fig>;
  /** per asset: positive and negative kWh of its own ActivePower */
  assets: Record<string, { pos: Fig; neg: Fig }>;
  ess: EssDay[];
  /** highest 15-min import, with and without the battery, kW; null when unmeasured */
  peakKw: number | null;
  peakWithoutKw: number | null;
  /** Σ(ΔP)² between consecutive quarter hours, with and without battery, and the count */
  smooth: { a: number; b: number; n: number };
  /** load + EV per local hour, kWh (23/24/25 entries); null = not measured */
  hourly: (number | null)[];
  interruptions: Array<{ from: number; to: number }>;
  /** time the PCC voltage was measured, ms */
  voltageMs: number;
  /** 0 = none, 1 = a flat tariff (no peak period) */
  flatTariff: boolean;
}

const H = 3_600_000;
const PHASE_SUPPLIED = ['suppliedL1', 'suppliedL2', 'suppliedL3'] as const;
const PHASE_CONSUMED = ['consumedL1', 'consumedL2', 'consumedL3'] as const;
const zero = (): Fig => ({ v: 0, c: 0 });

interface Obs {
  kw: number;
  cov: number;
}

function obs(m: ReadonlyMap<number, Cell> | null | undefined, t: number, width: number): Obs | null {
  const c = m?.get(t);
  if (!c || c.dur <= 0) return null;
  return { kw: c.integ / c.dur, cov: Math.min(1, c.dur / width) };
}

function sumObs(list: Array<Obs | null>): Obs | null {
  let kw = 0;
  let cov = 1;
  for (const o of list) {
    if (!o) return null;
    kw += o.kw;
    cov = Math.min(cov, o.cov);
  }
  return { kw, cov };
}

/** the grid emission factor at an instant (flat or by local hour) */
function gridFactor(cfg: KpiConfig, localHour: number): number {
  const g = cfg.emissions.gridKgPerKwh;
  return typeof g === 'number' ? g : (g[Math.min(23, Math.max(0, localHour))] ?? 0);
}

export function computeDay(x: DayInput): DayRecord {
  const W = x.widthMs ?? 900_000;
  const end = Math.min(x.to, Math.max(x.from, x.end));
  const f = Object.fromEntries(DAY_FIGURES.map((k) => [k, zero()])) as Record<DayFigure, Fig>;
  const add = (k: DayFigure, v: number, c: number): void => {
    const g = f[k];
    g.v += v;
    g.c += c;
  };
  const by = (r: Role) => x.assets.filter((a) => a.role === r);
  const pvs = by('pv');
  const gens = by('genset');
  const esss = by('ess');
  const loads = by('load');
  const evs = by('ev');
  const assets: DayRecord['assets'] = {};
  for (const a of x.assets) assets[a.id] = { pos: zero(), neg: zero() };
  const essDays: EssDay[] = esss.map((a) => ({
    id: a.id,
    charge: zero(),
    discharge: zero(),
    turns: [],
    capE: 0,
    capSoc: 0,
    socStart: null,
    socEnd: null,
    usefulInteg: 0,
    usefulMs: 0,
    availableMs: 0,
    unavailableMs: 0,
    sohBms: a.sohBms ?? null,
    capacityKwh: a.capacityKwh ?? null,
  }));
  const socSeries: number[][] = esss.map(() => []);
  // local time: one offset for the day unless the clocks change in it
  const off0 = utcOffsetMs(x.from, x.tz);
  const off1 = utcOffsetMs(x.to - 1, x.tz);
  const wallMidnight = x.from + off0;
  const localMinute = (t: number): number => (off0 === off1 ? (t + off0 - wallMidnight) / 60_000 : localParts(t, x.tz).minuteOfDay);
  const weekday = localParts(x.from + H, x.tz).weekday;
  const nHours = Math.round((x.to - x.from) / H);
  const hourly: (number | null)[] = new Array<number | null>(nHours).fill(null);
  const flat = !x.importTariff || x.importTariff.periods.length === 0;
  let minPrice = Infinity;
  const prices: number[] = [];
  for (let t = x.from; t < x.to; t += W) {
    const p = x.importTariff ? priceOver(x.importTariff, weekday, localMinute(t), W / 60_000) : 0;
    prices.push(p);
    minPrice = Math.min(minPrice, p);
  }
  let peak: number | null = null;
  let peakWithout: number | null = null;
  let prevA: number | null = null;
  let prevB: number | null = null;
  const smooth = { a: 0, b: 0, n: 0 };
  const cfg = x.config;
  const tol = cfg.zeroNetToleranceKw;

  for (let k = 0, t = x.from; t < end; k++, t += W) {
    const We = Math.min(W, end - t);
    const hOf = (cov: number): number => (cov * We) / H;
    const ms = (cov: number): number => cov * We;
    const localHour = Math.floor(localMinute(t) / 60);
    const pcc = obs(x.pcc, t, We);
    const aObs = new Map<string, Obs | null>();
    for (const a of x.assets) {
      const o = obs(a.p, t, We);
      aObs.set(a.id, o);
      if (o) {
        const r = assets[a.id];
        if (r) {
          r.pos.v += Math.max(0, o.kw) * hOf(o.cov);
          r.pos.c += ms(o.cov);
          r.neg.v += Math.max(0, -o.kw) * hOf(o.cov);
          r.neg.c += ms(o.cov);
        }
      }
    }
    const sum = (list: AssetSeries[]): Obs | null => (list.length === 0 ? { kw: 0, cov: 1 } : sumObs(list.map((a) => aObs.get(a.id) ?? null)));
    const pv = sum(pvs);
    const gen = sum(gens);
    const ess = sum(esss);
    const load = sum(loads);
    const ev = sum(evs);
    // single-series figures, each on its own coverage
    if (pcc) {
      add('gridImport', Math.max(0, pcc.kw) * hOf(pcc.cov), ms(pcc.cov));
      add('gridExport', Math.max(0, -pcc.kw) * hOf(pcc.cov), ms(pcc.cov));
      add('zeroNetH', pcc.kw <= tol ? hOf(pcc.cov) : 0, ms(pcc.cov));
      // against the contract in force at the end of the quarter hour (the open one: now)
      add('congestionH', pcc.kw > (x.contractedAt ? x.contractedAt(t + We - 1) : x.contractedKw) ? hOf(pcc.cov) : 0, ms(pcc.cov));
      add('importForLoadFactor', Math.max(0, pcc.kw) * hOf(pcc.cov), ms(pcc.cov));
    }
    if (pv && pvs.length) add('pv', Math.max(0, pv.kw) * hOf(pv.cov), ms(pv.cov));
    if (gen && gens.length) add('genset', Math.max(0, gen.kw) * hOf(gen.cov), ms(gen.cov));
    if (load && loads.length) add('load', Math.max(0, load.kw) * hOf(load.cov), ms(load.cov));
    if (ev && evs.length) add('ev', Math.max(0, ev.kw) * hOf(ev.cov), ms(ev.cov));
    if (ess && esss.length) {
      add('essCharge', Math.max(0, -ess.kw) * hOf(ess.cov), ms(ess.cov));
      add('essDischarge', Math.max(0, ess.kw) * hOf(ess.cov), ms(ess.cov));
    }
    // hourly consumption (heat map)
    const cons = sumObs([load, ev]);
    const hi = Math.floor((t - x.from) / H);
    if (cons && hi < hourly.length) hourly[hi] = (hourly[hi] ?? 0) + Math.max(0, cons.kw) * hOf(cons.cov);
    // per battery
    esss.forEach((a, i) => {
      const e = essDays[i] as EssDay;
      const o = aObs.get(a.id) ?? null;
      if (o) {
        e.charge.v += Math.max(0, -o.kw) * hOf(o.cov);
        e.charge.c += ms(o.cov);
        e.discharge.v += Math.max(0, o.kw) * hOf(o.cov);
        e.discharge.c += ms(o.cov);
      }
      const sc = a.soc?.get(t);
      if (sc && sc.dur > 0) {
        const soc = sc.integ / sc.dur;
        // the quarter hour's extremes in time order: turning points keep their depth
        const ser = socSeries[i] as number[];
        if (sc.tmin <= sc.tmax) ser.push(sc.min, sc.max);
        else ser.push(sc.max, sc.min);
        e.socStart ??= sc.first;
        e.socEnd = sc.last;
        e.usefulInteg += Math.max(0, soc - (a.socMinPct ?? 0)) * sc.dur;
        e.usefulMs += sc.dur;
        // steady discharge over the whole quarter hour: energy against SoC drop
        const rated = a.ratingKw ?? 1;
        if (o && o.cov > 0.99 && o.kw > 0.05 * rated && sc.tlast > sc.tfirst && sc.dur >= 0.99 * We) {
          const drop = ((sc.first - sc.last) / (sc.tlast - sc.tfirst)) * We;
          if (drop > 0) {
            e.capE += o.kw * (We / H);
            e.capSoc += drop;
          }
        }
      }
    });
    // combined figures on the time every input covers
    const scv = sumObs([pcc, pv]);
    if (scv && pvs.length) {
      const h = hOf(scv.cov);
      add('scPv', Math.max(0, pv!.kw) * h, ms(scv.cov));
      add('scUsed', Math.max(0, Math.max(0, pv!.kw) - Math.max(0, -pcc!.kw)) * h, ms(scv.cov));
    }
    const ssv = sumObs([pcc, load, ev]);
    if (ssv && (loads.length || evs.length)) {
      const h = hOf(ssv.cov);
      add('ssCons', (Math.max(0, load!.kw) + Math.max(0, ev!.kw)) * h, ms(ssv.cov));
      add('ssImport', Math.max(0, pcc!.kw) * h, ms(ssv.cov));
    }
    const rv = sumObs([pcc, pv, gen]);
    if (rv) {
      const h = hOf(rv.cov);
      add('renUsed', Math.max(0, Math.max(0, pv!.kw) - Math.max(0, -pcc!.kw)) * h, ms(rv.cov));
      add('renImport', Math.max(0, pcc!.kw) * h, ms(rv.cov));
      add('renGenset', Math.max(0, gen!.kw) * h, ms(rv.cov));
    }
    const pe = sumObs([pcc, ess]);
    if (pe) {
      const h = hOf(pe.cov);
      const P = pcc!.kw;
      const P0 = P + ess!.kw;
      const price = prices[k] ?? 0;
      const exportPrice = x.exportTariff ? priceOver(x.exportTariff, weekday, localMinute(t), W / 60_000) : 0;
      add('cost', (Math.max(0, P) * price - Math.max(0, -P) * exportPrice) * h, ms(pe.cov));
      add('cost0', (Math.max(0, P0) * price - Math.max(0, -P0) * exportPrice) * h, ms(pe.cov));
      add('exportIncome', Math.max(0, -P) * exportPrice * h, ms(pe.cov));
      add('dischargeEnergy', Math.max(0, ess!.kw) * h, ms(pe.cov));
      const offPeak = flat || price <= minPrice + 1e-12;
      add('offPeakCharge', offPeak ? Math.max(0, -ess!.kw) * h : 0, ms(pe.cov));
      add('peakDischarge', offPeak ? 0 : Math.max(0, ess!.kw) * h, ms(pe.cov));
      if (pe.cov > 0.5) {
        peak = Math.max(peak ?? -Infinity, Math.max(0, P));
        peakWithout = Math.max(peakWithout ?? -Infinity, Math.max(0, P0));
      }
      if (pe.cov > 0.99) {
        if (prevA !== null && prevB !== null) {
          smooth.a += (P - prevA) ** 2;
          smooth.b += (P0 - prevB) ** 2;
          smooth.n++;
        }
        prevA = P;
        prevB = P0;
      } else {
        prevA = prevB = null;
      }
    } else {
      prevA = prevB = null;
    }
    const all = sumObs([pcc, pv, gen, ess, load, ev]);
    if (all) {
      const h = hOf(all.cov);
      const P = pcc!.kw;
      const fg = gridFactor(cfg, localHour);
      const genKwh = Math.max(0, gen!.kw) * h;
      add('co2', Math.max(0, P) * h * fg + genKwh * cfg.emissions.gensetKgPerKwh, ms(all.cov));
      add('co2NoPvNoEss', Math.max(0, P + ess!.kw + pv!.kw) * h * fg + genKwh * cfg.emissions.gensetKgPerKwh, ms(all.cov));
      add('supplied', (Math.max(0, P) + Math.max(0, pv!.kw) + Math.max(0, gen!.kw) + Math.max(0, ess!.kw)) * h, ms(all.cov));
      add('consumed', (Math.max(0, load!.kw) + Math.max(0, ev!.kw) + Math.max(0, -ess!.kw) + Math.max(0, -P)) * h, ms(all.cov));
      const surplus = Math.max(0, pv!.kw - Math.max(0, load!.kw) - Math.max(0, ev!.kw));
      add('surplus', surplus * h, ms(all.cov));
      add('surplusStored', Math.min(surplus, Math.max(0, -ess!.kw)) * h, ms(all.cov));
    }
    // demand response: the share of the quarter hour an event was in force (the flag's mean) times the battery's energy
    const drc = x.dr?.get(t);
    if (drc && drc.dur > 0 && ess && esss.length) {
      const share = Math.max(0, Math.min(1, drc.integ / drc.dur));
      add('drEnergy', share * Math.abs(ess.kw) * hOf(ess.cov), ms(ess.cov));
    }
    if (x.phases && x.phases.pcc.length === 3 && x.phases.loads.length === loads.length) {
      for (let L = 0; L < 3; L++) {
        const pccL = obs(x.phases.pcc[L], t, We);
        const loadL = x.phases.loads.length === 0 ? { kw: 0, cov: 1 } : sumObs(x.phases.loads.map((ph) => obs(ph[L], t, We)));
        const o = sumObs([pccL, loadL, pv, gen, ess, ev]);
        if (!o) continue;
        const h = hOf(o.cov);
        const P = pccL!.kw;
        const third = (Math.max(0, pv!.kw) + Math.max(0, gen!.kw) + Math.max(0, ess!.kw)) / 3;
        add(PHASE_SUPPLIED[L] as DayFigure, (Math.max(0, P) + third) * h, ms(o.cov));
        add(PHASE_CONSUMED[L] as DayFigure, (Math.max(0, loadL!.kw) + (Math.max(0, ev!.kw) + Math.max(0, -ess!.kw)) / 3 + Math.max(0, -P)) * h, ms(o.cov));
      }
    }
  }
  // SoC turning points (per battery), battery state times
  esss.forEach((a, i) => {
    const e = essDays[i] as EssDay;
    e.turns = turningPoints(socSeries[i] as number[]);
    if (a.state) {
      const { t, v } = a.state;
      for (let j = 0; j < t.length; j++) {
        const s = Math.max(x.from, t[j] as number);
        const eT = Math.min(end, j + 1 < t.length ? (t[j + 1] as number) : end);
        if (eT <= s) continue;
        const st = v[j] as number;
        if (!Number.isFinite(st)) continue;
        if (st === 1 || st === 2) e.availableMs += eT - s;
        else e.unavailableMs += eT - s;
      }
    }
  });
  const { list: interruptions, measuredMs } = x.voltage ? findInterruptions(x.voltage, x.from, end, (cfg.supply.nominalVoltageV * cfg.supply.interruptionBelowPct) / 100) : { list: [], measuredMs: 0 };
  return {
    date: x.date,
    from: x.from,
    hours: (end - x.from) / H,
    complete: end >= x.to,
    simulated: x.simulated ?? false,
    f,
    assets,
    ess: essDays,
    peakKw: peak,
    peakWithoutKw: peakWithout,
    smooth,
    hourly,
    interruptions,
    voltageMs: measuredMs,
    flatTariff: flat,
  };
}

/** peaks and valleys of a series, keeping its first and last value */
function turningPoints(x: number[]): number[] {
  const out: number[] = [];
  for (const v of x) {
    const n = out.length;
    if (n >= 2 && ((out[n - 1] as number) - (out[n - 2] as number)) * (v - (out[n - 1] as number)) >= 0) out[n - 1] = v;
    else if (n === 0 || v !== out[n - 1]) out.push(v);
  }
  return out;
}

/**
 * Supply interruptions: intervals where the voltage (step between samples, bad quality = not
 * measured) is below the threshold, clipped to [from, end).
 */
export function findInterruptions(s: { t: ArrayLike<number>; v: ArrayLike<number>; good: ArrayLike<boolean> }, from: number, end: number, belowV: number): { list: Array<{ from: number; to: number }>; measuredMs: number } {
  const list: Array<{ from: number; to: number }> = [];
  let measured = 0;
  let open: number | null = null;
  for (let j = 0; j < s.t.length; j++) {
    const a = Math.max(from, s.t[j] as number);
    const b = Math.min(end, j + 1 < s.t.length ? (s.t[j + 1] as number) : end);
    if (b <= a) continue;
    const good = s.good[j] && Number.isFinite(s.v[j] as number);
    if (!good) {
      if (open !== null) list.push({ from: open, to: a });
      open = null;
      continue;
    }
    measured += b - a;
    const below = (s.v[j] as number) < belowV;
    if (below && open === null) open = a;
    if (!below && open !== null) {
      list.push({ from: open, to: a });
      open = null;
    }
  }
  if (open !== null) list.push({ from: open, to: end });
  return { list, measuredMs: measured };
}
