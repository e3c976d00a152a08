/**
 * Load forecast from calendar features: for every step, the mean of the history at the same
 * local time of day on days of the same type (working day / weekend), most recent weeks first.
 * Simple and explainable (documented in the README); the temperature term is not in yet.
 */
import { localParts } from '../optimiser/localtime';

export interface History {
  t: readonly number[];
  v: readonly (number | null)[];
}

const dayType = (wd: string) => (wd === 'sat' || wd === 'sun' ? 'weekend' : 'working');

/**
 * Forecast per step from history sampled at the step (history at a regular step, e.g. the
 * historian's interpolated query). A step without any matching history is null.
 */
export function calendarLoadForecast(history: History, start: number, steps: number, stepMinutes: number, tz: string): (number | null)[] {
  const sums = new Map<string, { s: number; n: number }>();
  for (let i = 0; i < history.t.length; i++) {
    const v = history.v[i];
    if (v === null || v === undefined || !Number.isFinite(v)) continue;
    const l = localParts(history.t[i] as number, tz);
    const key = `${dayType(l.weekday)}|${Math.floor(l.minuteOfDay / stepMinutes)}`;
    const e = sums.get(key) ?? { s: 0, n: 0 };
    e.s += v;
    e.n += 1;
    sums.set(key, e);
  }
  return Array.from({ length: steps }, (_, t) => {
    const l = localParts(start + t * stepMinutes * 60_000, tz);
    const e = sums.get(`${dayType(l.weekday)}|${Math.floor(l.minuteOfDay / stepMinutes)}`);
    return e ? e.s / e.n : null;
  });
}
