/**
 * PV array behind one string inverter: clear-sky plane-of-array irradiance × pvFactor
 * (clouds), DC power from the array's kWp with system losses, inverter efficiency, clipping at
 * the inverter rating and at the curtailment limit (ActivePowerLimit), small seeded noise.
 */
import { type Rng, SmoothNoise, clamp } from './random';
import { planeOfArray, sunPosition } from './sun';

export interface PvConfig {
  /** DC peak power of the array, kWp */
  peakKwp: number;
  /** AC rating of the inverter, kW (clipping) */
  inverterKw: number;
  tiltDeg: number;
  /** azimuth of the array, degrees from north (180 = south) */
  azimuthDeg: number;
  /** DC losses: soiling, wiring, mismatch, module temperature (0..1, multiplied) */
  performanceRatio: number;
  /** inverter efficiency, 0..1 */
  inverterEfficiency: number;
  /** relative standard deviation of the noise on the output (0 = none) */
  noiseRel: number;
}

export const DEFAULT_PV: Omit<PvConfig, 'peakKwp' | 'inverterKw'> = {
  tiltDeg: 15,
  azimuthDeg: 180,
  performanceRatio: 0.88,
  inverterEfficiency: 0.97,
  noiseRel: 0.01,
};

export interface PvOutput {
  /** AC power, kW, positive = production */
  activePowerKw: number;
  /** plane-of-array irradiance as the pyranometer sees it (after clouds), W/m² */
  irradiance: number;
  /** what the array could deliver without curtailment, kW */
  availableKw: number;
  sunElevationDeg: number;
  /** total yield, kWh (starts at a plausible meter reading) */
  energyKwh: number;
}

export class PvModel {
  /** curtailment limit, kW (the ActivePowerLimit register) */
  limitKw: number;
  private readonly noise: SmoothNoise;
  private energyKwh = 48_250;
  private out: PvOutput = { activePowerKw: 0, irradiance: 0, availableKw: 0, sunElevationDeg: 0, energyKwh: this.energyKwh };

  constructor(
    readonly cfg: PvConfig,
    private readonly latitude: number,
    private readonly longitude: number,
    rng: Rng,
  ) {
    this.limitKw = cfg.inverterKw;
    this.noise = new SmoothNoise(rng, cfg.noiseRel, 30);
  }

  step(utcMs: number, dtS: number, pvFactor: number): PvOutput {
    const sun = sunPosition(utcMs, this.latitude, this.longitude);
    const poa = planeOfArray(sun, this.cfg.tiltDeg, this.cfg.azimuthDeg);
    const n = this.noise.step(dtS);
    const irradiance = Math.max(0, poa * pvFactor * (1 + n));
    const dcKw = (this.cfg.peakKwp * irradiance * this.cfg.performanceRatio) / 1000;
    const availableKw = Math.min(dcKw * this.cfg.inverterEfficiency, this.cfg.inverterKw);
    const activePowerKw = clamp(availableKw, 0, Math.max(0, Math.min(this.limitKw, this.cfg.inverterKw)));
    this.energyKwh += (activePowerKw * dtS) / 3600;
    this.out = { activePowerKw, irradiance, availableKw, sunElevationDeg: sun.elevationDeg, energyKwh: this.energyKwh };
    return this.out;
  }

  get output(): PvOutput {
    return this.out;
  }
}
