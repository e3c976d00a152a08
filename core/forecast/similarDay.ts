/**
 * The similar-day fallback (energy.01 Req3): when a forecast fails, the most similar day of
 * the history stands in for it. Similar means the same day type (working day / weekend) and,
 * when temperatures are known, the closest temperature profile (mean absolute difference of
 * the hourly temperatures); among equals, the most recent day. A day counts only when its
 * history covers at least 90 % of its steps.
 */
import { localParts } from '../optimiser/localtime';
import type { History } from './load';

export interface SimilarDay {
  /** local date of the day used */
  date: string;
  /** mean absolute temperature difference, °C (undefined when not compared by weather) */
  tempDiffC?: number;
  /** the forecast per step, from that day at the same local time */
  values: number[];
}

const dayType = (wd: string) => (wd === 'sat' || wd === 'sun' ? 'weekend' : 'working');

interface Day {
  date: string;
  type: string;
  /** value by minute-of-day slot */
  slots: Map<number, number>;
  /** mean temperature by local hour */
  hourTemp: Map<number, number>;
  last: number;
}

export function similarDay(history: History, tempC: readonly (number | null)[] | undefined, target: { start: number; steps: number; stepMinutes: number; tempC?: readonly number[] | undefined }, tz: string): SimilarDay | undefined {
  const slot = (minute: number) => Math.floor(minute / target.stepMinutes);
  const days = new Map<string, Day & { tSum: Map<number, { s: number; n: number }> }>();
  for (let i = 0; i < history.t.length; i++) {
    const ms = history.t[i] as number;
    const l = localParts(ms, tz);
    const d = days.get(l.date) ?? { date: l.date, type: dayType(l.weekday), slots: new Map(), hourTemp: new Map(), tSum: new Map(), last: ms };
    days.set(l.date, d);
    d.last = Math.max(d.last, ms);
    const v = history.v[i];
    if (v !== null && v !== undefined && Number.isFinite(v)) d.slots.set(slot(l.minuteOfDay), v);
    const tc = tempC?.[i];
    if (tc !== null && tc !== undefined && Number.isFinite(tc)) {
      const h = Math.floor(l.minuteOfDay / 60);
      const e = d.tSum.get(h) ?? { s: 0, n: 0 };
      e.s += tc;
      e.n++;
      d.tSum.set(h, e);
    }
  }
  const perDay = Math.round(1440 / target.stepMinutes);
  const complete = [...days.values()].filter((d) => d.slots.size >= 0.9 * perDay);
  for (const d of complete) for (const [h, e] of d.tSum) d.hourTemp.set(h, e.s / e.n);

  // the target's day type and hourly temperatures (of its first local day)
  const first = localParts(target.start, tz);
  const type = dayType(first.weekday);
  const targetTemp = new Map<number, { s: number; n: number }>();
  target.tempC?.forEach((tc, k) => {
    const l = localParts(target.start + k * target.stepMinutes * 60_000, tz);
    if (l.date !== first.date || !Number.isFinite(tc)) return;
    const h = Math.floor(l.minuteOfDay / 60);
    const e = targetTemp.get(h) ?? { s: 0, n: 0 };
    e.s += tc;
    e.n++;
    targetTemp.set(h, e);
  });
  const diff = (d: Day): number | undefined => {
    let s = 0;
    let n = 0;
    for (const [h, e] of targetTemp) {
      const x = d.hourTemp.get(h);
      if (x === undefined) continue;
      s += Math.abs(x - e.s / e.n);
      n++;
    }
    return n >= 6 ? s / n : undefined;
  };
  const sameType = complete.filter((d) => d.type === type);
  const pool = sameType.length > 0 ? sameType : complete;
  if (pool.length === 0) return undefined;
  const scored = pool.map((d) => ({ d, diff: diff(d) }));
  const byWeather = scored.filter((s) => s.diff !== undefined);
  const ranked = (byWeather.length > 0 ? byWeather : scored).sort((a, b) => (a.diff ?? 0) - (b.diff ?? 0) || b.d.last - a.d.last);
  const best = ranked[0];
  if (!best) return undefined;
  const values: number[] = [];
  const filled = [...best.d.slots.entries()].sort((a, b) => a[0] - b[0]);
  for (let k = 0; k < target.steps; k++) {
    const s = slot(localParts(target.start + k * target.stepMinutes * 60_000, tz).minuteOfDay);
    // a missing slot takes the nearest slot of the same day
    let v = best.d.slots.get(s);
    if (v === undefined) v = filled.reduce((a, b) => (Math.abs(b[0] - s) < Math.abs(a[0] - s) ? b : a))[1];
    values.push(v);
  }
  return { date: best.d.date, ...(best.diff !== undefined ? { tempDiffC: best.diff } : {}), values };
}
