/**
 * Today's energy from the historian's time-weighted averages (pure): kWh by source and sink,
 * self-consumption, self-sufficiency and the peak the battery avoided (on 15-minute averages,
 * as tariffs measure it), from short buckets (1 min) of the site's local day, so a gap or the
 * start of recording costs at most one bucket at each edge. A bucket without data is counted as missing (coverage), never as 0.
 *
 * Sign conventions (core/common/natures.ts): PCC positive = import; ESS positive = discharge;
 * PV positive = production; Load and EV positive = consumption.
 */

export type Column = ReadonlyArray<number | null>;

export interface EnergyInput {
  /** start of the local day, ms */
  from: number;
  /** now, ms */
  to: number;
  bucketMs: number;
  /** the averaging window of the peak, ms; default 15 min */
  peakWindowMs?: number;
  /** one value (kW, time-weighted average) per bucket starting at from + i * bucketMs */
  pcc: Column | null;
  pv: readonly Column[];
  ess: readonly Column[];
  load: readonly Column[];
  ev: readonly Column[];
}

export interface EnergyTotals {
  gridImport: number;
  gridExport: number;
  pv: number;
  essCharge: number;
  essDischarge: number;
  load: number;
  ev: number;
}

export interface EnergyHour extends EnergyTotals {
  /** start of the hour, ms */
  t: number;
}

export interface EnergyDay {
  kwh: EnergyTotals;
  /** buckets elapsed today, and how many have every series */
  buckets: number;
  covered: number;
  /** covered / buckets, 0..1 */
  coverage: number;
  /** hours of today (so far) with data missing in at least one series */
  missingHours: number;
  /** share of PV used on site (not exported), 0..1; null without PV */
  selfConsumption: number | null;
  /** share of consumption not imported, 0..1; null without consumption */
  selfSufficiency: number | null;
  /** highest import averaged over the peak window (15 min), and what it would have been without the battery, kW */
  peak: { actualKw: number; withoutBatteryKw: number; avoidedKw: number } | null;
  hours: EnergyHour[];
}

const ZERO: EnergyTotals = { gridImport: 0, gridExport: 0, pv: 0, essCharge: 0, essDischarge: 0, load: 0, ev: 0 };

/** Sum of several assets' columns per bucket; null when any of them has no value (or none exist: 0). */
function sumAt(cols: readonly Column[], i: number): number | null {
  let s = 0;
  for (const c of cols) {
    const v = c[i];
    if (v === null || v === undefined || !Number.isFinite(v)) return null;
    s += v;
  }
  return s;
}

export function computeEnergyDay(x: EnergyInput): EnergyDay {
  const n = Math.max(0, Math.ceil((x.to - x.from) / x.bucketMs));
  const kwh: EnergyTotals = { ...ZERO };
  const hours = new Map<number, EnergyHour>();
  let covered = 0;
  const peakWindowMs = x.peakWindowMs ?? 900_000;
  const windows = new Map<number, { actual: number; without: number; n: number }>();
  let missing = 0;
  for (let i = 0; i < n; i++) {
    const t = x.from + i * x.bucketMs;
    const h = Math.max(0, Math.min(x.bucketMs, x.to - t)) / 3_600_000;
    const hourStart = x.from + Math.floor((i * x.bucketMs) / 3_600_000) * 3_600_000;
    const pcc = x.pcc ? (x.pcc[i] ?? null) : null;
    const pv = sumAt(x.pv, i);
    const ess = sumAt(x.ess, i);
    const load = sumAt(x.load, i);
    const ev = sumAt(x.ev, i);
    if (pcc === null || pv === null || ess === null || load === null || ev === null) {
      missing += h * 3_600_000;
      continue;
    }
    covered++;
    const e: EnergyTotals = {
      gridImport: Math.max(0, pcc) * h,
      gridExport: Math.max(0, -pcc) * h,
      pv: Math.max(0, pv) * h,
      essCharge: Math.max(0, -ess) * h,
      essDischarge: Math.max(0, ess) * h,
      load: Math.max(0, load) * h,
      ev: Math.max(0, ev) * h,
    };
    let hour = hours.get(hourStart);
    if (!hour) hours.set(hourStart, (hour = { t: hourStart, ...ZERO }));
    for (const k of Object.keys(ZERO) as (keyof EnergyTotals)[]) {
      kwh[k] += e[k];
      hour[k] += e[k];
    }
    const wi = Math.floor((i * x.bucketMs) / peakWindowMs);
    const w = windows.get(wi) ?? { actual: 0, without: 0, n: 0 };
    w.actual += pcc;
    w.without += pcc + ess;
    w.n++;
    windows.set(wi, w);
  }
  let peakActual = -Infinity;
  let peakWithout = -Infinity;
  for (const w of windows.values()) {
    peakActual = Math.max(peakActual, w.actual / w.n);
    peakWithout = Math.max(peakWithout, w.without / w.n);
  }
  const consumption = kwh.load + kwh.ev;
  return {
    kwh,
    buckets: n,
    covered,
    coverage: n === 0 ? 0 : covered / n,
    missingHours: missing / 3_600_000,
    selfConsumption: kwh.pv > 1e-6 ? Math.max(0, Math.min(1, (kwh.pv - kwh.gridExport) / kwh.pv)) : null,
    selfSufficiency: consumption > 1e-6 ? Math.max(0, Math.min(1, (consumption - kwh.gridImport) / consumption)) : null,
    peak: covered > 0 ? { actualKw: Math.max(0, peakActual), withoutBatteryKw: Math.max(0, peakWithout), avoidedKw: Math.max(0, peakWithout - Math.max(0, peakActual)) } : null,
    hours: [...hours.values()].sort((a, b) => a.t - b.t),
  };
}

/**
 * Start of the local day containing `ts` in `timeZone` (IANA), ms. Works across DST changes
 * (the offset is read from Intl at the candidate instant, twice).
 */
export function startOfLocalDay(ts: number, timeZone: string): number {
  const parts = (t: number) => {
    const f = new Intl.DateTimeFormat('en-GB', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
    const p = Object.fromEntries(f.formatToParts(t).map((x) => [x.type, x.value]));
    return { y: Number(p.year), m: Number(p.month), d: Number(p.day), h: Number(p.hour), min: Number(p.minute), s: Number(p.second) };
  };
  const offset = (t: number): number => {
    const p = parts(t);
    return Date.UTC(p.y, p.m - 1, p.d, p.h, p.min, p.s) - Math.floor(t / 1000) * 1000;
  };
  const d = parts(ts);
  const wallMidnight = Date.UTC(d.y, d.m - 1, d.d);
  let guess = wallMidnight - offset(wallMidnight);
  guess = wallMidnight - offset(guess);
  return guess;
}

/** Aligns a pen's (t, v) onto the buckets from `from` (values outside or missing are null). */
export function alignBuckets(t: readonly number[], v: ReadonlyArray<number | string | null>, from: number, bucketMs: number, n: number): (number | null)[] {
  const out: (number | null)[] = new Array<number | null>(n).fill(null);
  for (let k = 0; k < t.length; k++) {
    const i = Math.round((t[k]! - from) / bucketMs);
    const val = v[k];
    if (i >= 0 && i < n && typeof val === 'number' && Number.isFinite(val)) out[i] = val;
  }
  return out;
}
