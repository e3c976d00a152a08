/**
 * Load from calendar and temperature features (energy.02), fitted by least squares with
 * ml-regression-multivariate-linear (a maintained library, not hand-written linear algebra).
 *
 * Features per step: one indicator per (day type, local hour) — working day or weekend, 24
 * hours: the calendar shape — plus three temperature terms: heating degrees below
 * `heatingBaseC` (15 °C), cooling degrees above `coolingBaseC` (22 °C), and cooling degrees in
 * working hours (08-19 local, when an office or shop cools). No intercept: the indicators
 * carry the level. A model is only made when every indicator has history (else
 * `LoadModelError` says which hours lack it), and it knows the temperatures it was fitted on.
 */
import MLR from 'ml-regression-multivariate-linear';
import { localParts } from '../optimiser/localtime';
import type { History } from './load';

export const HEATING_BASE_C = 15;
export const COOLING_BASE_C = 22;
const HOURS = 24;
const TYPES = ['working', 'weekend'] as const;
export const FEATURE_COUNT = TYPES.length * HOURS + 3;

export class LoadModelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LoadModelError';
  }
}

export interface LoadModel {
  /** weights per feature (FEATURE_COUNT) */
  weights: number[];
  trainedAt: number;
  samples: number;
  /** root-mean-square error on the training data, kW */
  rmseKw: number;
  /** temperatures seen in training, °C: a forecast far outside is extrapolation */
  tempMinC: number;
  tempMaxC: number;
}

export function loadFeatures(ms: number, tempC: number, tz: string): number[] {
  const l = localParts(ms, tz);
  const weekend = l.weekday === 'sat' || l.weekday === 'sun';
  const hour = Math.floor(l.minuteOfDay / 60);
  const f = new Array<number>(FEATURE_COUNT).fill(0);
  f[(weekend ? HOURS : 0) + hour] = 1;
  const cooling = Math.max(0, tempC - COOLING_BASE_C);
  f[2 * HOURS] = Math.max(0, HEATING_BASE_C - tempC);
  f[2 * HOURS + 1] = cooling;
  f[2 * HOURS + 2] = !weekend && hour >= 8 && hour < 19 ? cooling : 0;
  return f;
}

/** Fits the model to load history and the temperature at the same instants (null = unknown). */
export function trainLoadModel(history: History, tempC: readonly (number | null)[], tz: string, now: number): LoadModel {
  const x: number[][] = [];
  const y: number[][] = [];
  const seen = new Array<number>(2 * HOURS).fill(0);
  let tMin = Infinity;
  let tMax = -Infinity;
  for (let i = 0; i < history.t.length; i++) {
    const v = history.v[i];
    const tc = tempC[i];
    if (v === null || v === undefined || !Number.isFinite(v) || tc === null || tc === undefined || !Number.isFinite(tc)) continue;
    const f = loadFeatures(history.t[i] as number, tc, tz);
    const k = f.slice(0, 2 * HOURS).indexOf(1);
    seen[k] = (seen[k] ?? 0) + 1;
    x.push(f);
    y.push([v]);
    tMin = Math.min(tMin, tc);
    tMax = Math.max(tMax, tc);
  }
  const missing = seen.map((n, k) => (n === 0 ? `${TYPES[Math.floor(k / HOURS)]} ${String(k % HOURS).padStart(2, '0')}:00` : '')).filter(Boolean);
  if (x.length === 0) throw new LoadModelError('no load history with a known temperature');
  if (missing.length > 0) throw new LoadModelError(`the history has no load with a known temperature for ${missing.length} hours (${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', …' : ''})`);
  const mlr = new MLR(x, y, { intercept: false, statistics: false });
  const weights = mlr.weights.map((w) => w[0] ?? 0);
  let sq = 0;
  x.forEach((f, i) => {
    const p = f.reduce((s, v, k) => s + v * (weights[k] ?? 0), 0);
    sq += (p - (y[i]?.[0] ?? 0)) ** 2;
  });
  if (weights.some((w) => !Number.isFinite(w))) throw new LoadModelError('the fit did not converge (a weight is not a number)');
  return { weights, trainedAt: now, samples: x.length, rmseKw: Math.sqrt(sq / x.length), tempMinC: tMin, tempMaxC: tMax };
}

/** Load per step from the model and a temperature forecast per step. */
export function predictLoad(m: LoadModel, start: number, steps: number, stepMinutes: number, tempC: readonly number[], tz: string): number[] {
  return Array.from({ length: steps }, (_, t) => {
    const f = loadFeatures(start + t * stepMinutes * 60_000, tempC[t] as number, tz);
    return f.reduce((s, v, k) => s + v * (m.weights[k] ?? 0), 0);
  });
}
