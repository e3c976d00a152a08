/**
 * A study's inputs as numbers per 15-minute step: local time, load, PV (for the study's PV
 * size) and the tariffs' prices. Synthetic profiles come from the plant simulator's own models
 * (drivers/sim/model: the office load and the sun-driven PV array the demo site runs on), with
 * a seeded cloudiness per day; measured series (CSV, historian) are used as they are, the PV
 * scaled from the size it was measured with to the study's.
 */
import { WEEKDAYS, clockMinutes, type Tariff } from '../common/energy';
import { localToUtc } from '../common/localtime';
import { STUDY_STEP_MINUTES, type StudySpec } from '../common/study';
import { DEFAULT_LOAD, DEFAULT_PV, LoadModel, LocalClock, PvModel, Rng, hash32 } from '../../drivers/sim/model';

export interface StudyInputs {
  start: number;
  steps: number;
  stepMinutes: number;
  loadKw: Float64Array;
  pvKw: Float64Array;
  importPrice: Float64Array;
  exportPrice: Float64Array;
  /** local calendar: day index (changes at local midnight) and month key per step */
  dayIndex: Int32Array;
  monthKey: Int32Array;
  /** the step starts a local day */
  midnight: Uint8Array;
  /** the lowest and highest import price of the tariff (tariff management) */
  cheapest: number;
  dearest: number;
  periodName: string[];
}

/** Sunday-first weekday index (LocalClock) → the tariff's day names */
const DAY_NAME = [WEEKDAYS[6], WEEKDAYS[0], WEEKDAYS[1], WEEKDAYS[2], WEEKDAYS[3], WEEKDAYS[4], WEEKDAYS[5]];

function priceAt(t: Tariff, weekday: number, minuteOfDay: number): { price: number; period: string } {
  const day = DAY_NAME[weekday];
  for (const p of t.periods) if (day && p.days.includes(day) && minuteOfDay >= clockMinutes(p.from) && minuteOfDay < clockMinutes(p.to)) return { price: p.pricePerKwh, period: p.name };
  return { price: t.defaultPricePerKwh, period: 'default' };
}

/** The first instant of the study (local midnight of its first day) and its number of steps. */
export function studyWindow(spec: StudySpec): { start: number; steps: number } {
  const start = localToUtc(spec.period.start, 0, spec.site.timezone);
  const d = new Date(`${spec.period.start}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + spec.period.days);
  const end = localToUtc(d.toISOString().slice(0, 10), 0, spec.site.timezone);
  return { start, steps: Math.round((end - start) / (STUDY_STEP_MINUTES * 60_000)) };
}

export function buildInputs(spec: StudySpec): StudyInputs {
  const s = spec.site;
  const { start, steps } = studyWindow(spec);
  const dtMs = STUDY_STEP_MINUTES * 60_000;
  const clock = new LocalClock(s.timezone);
  const loadKw = new Float64Array(steps);
  const pvKw = new Float64Array(steps);
  const importPrice = new Float64Array(steps);
  const exportPrice = new Float64Array(steps);
  const dayIndex = new Int32Array(steps);
  const monthKey = new Int32Array(steps);
  const midnight = new Uint8Array(steps);
  const periodName: string[] = new Array<string>(steps);
  let prevDay = Number.NaN;
  for (let k = 0; k < steps; k++) {
    const t = start + k * dtMs;
    const lt = clock.at(t);
    dayIndex[k] = lt.dayIndex;
    const local = new Date(t + lt.offsetMs);
    monthKey[k] = local.getUTCFullYear() * 12 + local.getUTCMonth();
    midnight[k] = lt.dayIndex !== prevDay ? 1 : 0;
    prevDay = lt.dayIndex;
    const minute = Math.round(lt.hour * 60);
    const imp = priceAt(s.importTariff, lt.weekday, minute);
    importPrice[k] = imp.price;
    periodName[k] = imp.period;
    exportPrice[k] = priceAt(s.exportTariff, lt.weekday, minute).price;
  }
  const prices = [s.importTariff.defaultPricePerKwh, ...s.importTariff.periods.map((p) => p.pricePerKwh)];
  const p = spec.profiles;
  if (p.kind === 'synthetic') synthetic(spec, start, steps, loadKw, pvKw, clock);
  else {
    // a measured series: aligned on its own start, cut or repeated (by whole days) to the period
    const offset = Math.round((start - p.start) / dtMs);
    const n = p.loadKw.length;
    const scale = p.pvKwpMeasured > 0 ? s.pvKwp / p.pvKwpMeasured : 0;
    for (let k = 0; k < steps; k++) {
      let i = (offset + k) % n;
      if (i < 0) i += n;
      loadKw[k] = Math.max(0, p.loadKw[i] ?? 0);
      pvKw[k] = Math.max(0, (p.pvKw[i] ?? 0) * scale);
    }
  }
  return { start, steps, stepMinutes: STUDY_STEP_MINUTES, loadKw, pvKw, importPrice, exportPrice, dayIndex, monthKey, midnight, cheapest: Math.min(...prices), dearest: Math.max(...prices), periodName };
}

/**
 * The demo plant's models at 1-minute sub-steps, averaged per 15 minutes; the sky of each day
 * is a seeded draw (clear, hazy or overcast), so a year has the variety a sizing needs and the
 * same seed gives the same year.
 */
function synthetic(spec: StudySpec, start: number, steps: number, loadKw: Float64Array, pvKw: Float64Array, clock: LocalClock): void {
  const s = spec.site;
  const seed = spec.profiles.kind === 'synthetic' ? spec.profiles.seed : 0;
  const load = new LoadModel({ ...DEFAULT_LOAD, peakKw: s.loadPeakKw }, new Rng(hash32(seed, 2)));
  const pv = s.pvKwp > 0 ? new PvModel({ ...DEFAULT_PV, peakKwp: s.pvKwp, inverterKw: s.pvKwp / 1.25 }, s.latitude, s.longitude, new Rng(hash32(seed, 1))) : null;
  const sky = new Rng(hash32(seed, 9));
  // 3-minute sub-steps: the PV's sun and the load's noise averaged over the quarter hour
  const SUB = 5;
  const dtS = (STUDY_STEP_MINUTES * 60) / SUB;
  let day = Number.NaN;
  let factor = 1;
  for (let k = 0; k < steps; k++) {
    let l = 0;
    let p = 0;
    for (let j = 0; j < SUB; j++) {
      const t = start + (k * SUB + j) * dtS * 1000;
      const lt = clock.at(t);
      if (lt.dayIndex !== day) {
        day = lt.dayIndex;
        const u = sky.next();
        factor = u < 0.55 ? 1 : u < 0.85 ? 0.6 : 0.25;
      }
      l += load.step(lt, dtS, 0).activePowerKw;
      if (pv) p += pv.step(t + (dtS * 1000) / 2, dtS, factor).activePowerKw;
    }
    loadKw[k] = l / SUB;
    pvKw[k] = p / SUB;
  }
}
