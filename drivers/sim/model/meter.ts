/**
 * Three-phase energy meter (Janitza UMG class). At the PCC it measures the exchange with the
 * grid, positive = import. Voltage sags a little with import and rises with export (a weak
 * low-voltage feeder), frequency wanders around 50 Hz; energy counters integrate.
 */
import { type Rng, SmoothNoise } from './random';

export interface MeterOutput {
  activePowerKw: number;
  /** active power per phase L1..L3, kW (sum = activePowerKw) */
  activePowerL1: number;
  activePowerL2: number;
  activePowerL3: number;
  reactivePowerKvar: number;
  voltageL1: number;
  voltageL2: number;
  voltageL3: number;
  /** phase current L1, A */
  currentL1: number;
  frequency: number;
  /** total imported energy, kWh */
  importKwh: number;
  /** total exported energy, kWh */
  exportKwh: number;
}

export interface MeterConfig {
  nominalVoltage: number;
  /** voltage change per kW of import, V/kW (feeder impedance) */
  voltageDropPerKw: number;
  /** counters at start (a meter is not new), kWh */
  initialImportKwh: number;
  initialExportKwh: number;
  noise: boolean;
}

export const DEFAULT_METER: MeterConfig = {
  nominalVoltage: 230,
  voltageDropPerKw: 0.015,
  initialImportKwh: 152_340,
  initialExportKwh: 20_115,
  noise: true,
};

export class MeterModel {
  private importKwh: number;
  private exportKwh: number;
  private readonly vNoise: SmoothNoise[];
  private readonly fNoise: SmoothNoise;
  private out: MeterOutput;

  constructor(
    readonly cfg: MeterConfig,
    rng: Rng,
  ) {
    this.importKwh = cfg.initialImportKwh;
    this.exportKwh = cfg.initialExportKwh;
    const s = cfg.noise ? 1 : 0;
    this.vNoise = [0, 1, 2].map(() => new SmoothNoise(rng, 0.6 * s, 60));
    this.fNoise = new SmoothNoise(rng, 0.015 * s, 15);
    this.out = this.compute(0, 0, [0, 0, 0], 0);
  }

  /** `phasesKw`: the exchange per phase (sum = pKw); default a third on each */
  step(dtS: number, pKw: number, qKvar: number, phasesKw?: readonly [number, number, number]): MeterOutput {
    const dtH = dtS / 3600;
    if (pKw > 0) this.importKwh += pKw * dtH;
    else this.exportKwh += -pKw * dtH;
    const dv = this.vNoise.map((n) => n.step(dtS));
    this.out = this.compute(pKw, qKvar, dv, this.fNoise.step(dtS), phasesKw);
    return this.out;
  }

  get output(): MeterOutput {
    return this.out;
  }

  private compute(pKw: number, qKvar: number, dv: number[], df: number, ph?: readonly [number, number, number]): MeterOutput {
    const v0 = this.cfg.nominalVoltage + 1 - this.cfg.voltageDropPerKw * pKw;
    const voltageL1 = v0 + (dv[0] ?? 0);
    const sKva = Math.hypot(pKw, qKvar);
    return {
      activePowerKw: pKw,
      activePowerL1: ph ? ph[0] : pKw / 3,
      activePowerL2: ph ? ph[1] : pKw / 3,
      activePowerL3: ph ? ph[2] : pKw / 3,
      reactivePowerKvar: qKvar,
      voltageL1,
      voltageL2: v0 + 0.4 + (dv[1] ?? 0),
      voltageL3: v0 - 0.3 + (dv[2] ?? 0),
      currentL1: voltageL1 > 0 ? (sKva * 1000) / (3 * voltageL1) : 0,
      frequency: 50 + df,
      importKwh: this.importKwh,
      exportKwh: this.exportKwh,
    };
  }
}
