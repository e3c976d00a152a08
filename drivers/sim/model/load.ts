/**
 * Building load of an office / commercial building: a weekday profile (night base load,
 * morning ramp, lunch peak with the canteen, afternoon plateau, evening fall) and a flatter
 * weekend profile, as fractions of the peak; plus the operator's `loadStepKw` and seeded noise.
 * Reactive power follows a fixed power factor (inductive).
 */
import type { LocalTime } from './localtime';
import { type Rng, SmoothNoise, interpolate } from './random';

/** [hour, fraction of peak] */
export const OFFICE_WEEKDAY: ReadonlyArray<readonly [number, number]> = [
  [0, 0.21],
  [5, 0.21],
  [6, 0.25],
  [7, 0.37],
  [8, 0.6],
  [9, 0.78],
  [11, 0.84],
  [12.5, 0.93],
  [13.5, 1.0],
  [14.5, 0.88],
  [17, 0.82],
  [18, 0.66],
  [19, 0.48],
  [20, 0.36],
  [21, 0.27],
  [22, 0.23],
  [24, 0.21],
];

export const OFFICE_WEEKEND: ReadonlyArray<readonly [number, number]> = [
  [0, 0.18],
  [8, 0.18],
  [10, 0.24],
  [14, 0.26],
  [18, 0.22],
  [22, 0.19],
  [24, 0.18],
];

export interface LoadConfig {
  /** weekday peak, kW */
  peakKw: number;
  /** 'office': the profiles above; 'flat': peakKw all day (for tests and bench scenarios) */
  shape: 'office' | 'flat';
  /** power factor, inductive */
  powerFactor: number;
  /** standard deviation of the noise, kW (0 = none) */
  noiseKw: number;
}

export const DEFAULT_LOAD: Omit<LoadConfig, 'peakKw'> = { shape: 'office', powerFactor: 0.95, noiseKw: 0.6 };

export interface LoadOutput {
  activePowerKw: number;
  reactivePowerKvar: number;
  /** total consumed energy, kWh (starts at a plausible meter reading) */
  energyKwh: number;
}

export function profileFraction(shape: LoadConfig['shape'], t: LocalTime): number {
  if (shape === 'flat') return 1;
  const weekend = t.weekday === 0 || t.weekday === 6;
  return interpolate(weekend ? OFFICE_WEEKEND : OFFICE_WEEKDAY, t.hour);
}

export class LoadModel {
  private readonly noise: SmoothNoise;
  private readonly tanPhi: number;
  private energyKwh = 231_870;
  private out: LoadOutput = { activePowerKw: 0, reactivePowerKvar: 0, energyKwh: this.energyKwh };

  constructor(
    readonly cfg: LoadConfig,
    rng: Rng,
  ) {
    this.noise = new SmoothNoise(rng, cfg.noiseKw, 20);
    const pf = Math.min(1, Math.max(0.1, cfg.powerFactor));
    this.tanPhi = Math.sqrt(1 - pf * pf) / pf;
  }

  step(t: LocalTime, dtS: number, loadStepKw: number): LoadOutput {
    const p = Math.max(0, this.cfg.peakKw * profileFraction(this.cfg.shape, t) + loadStepKw + this.noise.step(dtS));
    this.energyKwh += (p * dtS) / 3600;
    this.out = { activePowerKw: p, reactivePowerKvar: p * this.tanPhi, energyKwh: this.energyKwh };
    return this.out;
  }

  get output(): LoadOutput {
    return this.out;
  }
}
