/**
 * SEMS-Buffer-like storage: a 100 kW three-phase battery inverter (Ingeteam 100TL class,
 * power factor 1) on two LiFePO4 racks of 60 kWh (216 cells in series each, 600-780 V, Ketter
 * Power Charge 60 class) behind a BMS.
 *
 * Sign convention (natures.ts): ActivePower positive = discharge, negative = charge.
 *
 * The inverter has an operating Mode, like the SEMS ONE EMS inside the product:
 *  - 0 remote setpoint: follows SetActivePower (positive = discharge);
 *  - 1 local peak shaving: keeps the PCC import at or below the peak-shaving limit (the
 *    contracted power by default) by discharging, and recharges from surplus PV or from the
 *    headroom below the limit (at most `rechargeKw` from the grid).
 * In both modes the output is ramp-limited and clamped to what the BMS allows now (tapering
 * charge above 90 % SoC and discharge below 10 %, derating with temperature).
 *
 * Two commands hold in EVERY mode, as on a real inverter's enable input and EMS reserve:
 *  - Stop (1 = stop): the inverter goes to standby, 0 kW, whatever the mode; 0 = run again;
 *  - MinSoc (the site's SoC reserve, %): no discharge at or below it, in any mode (the local
 *    peak shaving stops discharging there; recharging is still allowed).
 */
import { clamp, interpolate } from './random';

export const ESS_MODE = { RemoteSetpoint: 0, PeakShaving: 1 } as const;

/**
 * State codes, as ESS_STATES in core/common/natures.ts (drivers/sim/serve/mapping.test.ts
 * checks that the two agree).
 */
export const ESS_STATE = { Off: 0, Standby: 1, Running: 2, Fault: 3, Maintenance: 4 } as const;

/** LiFePO4 cell open-circuit voltage against SoC, [%, V] */
export const LFP_OCV: ReadonlyArray<readonly [number, number]> = [
  [0, 2.78],
  [3, 3.0],
  [10, 3.2],
  [20, 3.25],
  [40, 3.28],
  [60, 3.3],
  [80, 3.33],
  [90, 3.35],
  [97, 3.42],
  [100, 3.6],
];

export interface BatteryConfig {
  /** inverter AC rating, kW */
  powerKw: number;
  /** usable capacity, kWh (SoC 0..100 % spans it) */
  capacityKwh: number;
  racks: number;
  cellsPerRack: number;
  /** internal resistance of each rack, ohm (index = rack) */
  rackResistanceOhm: readonly number[];
  /** one-way efficiencies (AC <-> cells), 0..1 */
  chargeEfficiency: number;
  dischargeEfficiency: number;
  /** ramp of the AC power towards its target, kW/s */
  rampKwPerS: number;
  /** the BMS tapers charging linearly from here to 0 at 100 % */
  chargeTaperStartPct: number;
  /** the BMS tapers discharging linearly from here to 0 at 0 % */
  dischargeTaperStartPct: number;
  sohPct: number;
  /** temperature of the battery room, °C */
  ambientC: number;
  /** thermal time constant, s */
  thermalTauS: number;
  /** steady temperature rise above ambient at rated power, °C (grows with power²) */
  tempRiseAtRatedC: number;
  /** above this the BMS derates linearly to 0 at faultTempC */
  derateTempC: number;
  /** the BMS trips (State 3 Fault, power 0) */
  faultTempC: number;
  /** a fault clears once the temperature fell below this */
  faultClearTempC: number;
  initialSocPct: number;
  initialMode: number;
  /** peak-shaving limit of mode 1, kW at the PCC (the contracted power) */
  peakShavingLimitKw: number;
  /** in mode 1, the largest charge power taken from the grid headroom, kW (PV surplus is not capped) */
  rechargeKw: number;
  /** SoC reserve, %: no discharge at or below it in any mode (the MinSoc register) */
  minSocPct: number;
}

export const DEFAULT_BATTERY: BatteryConfig = {
  powerKw: 100,
  capacityKwh: 120,
  racks: 2,
  cellsPerRack: 216,
  rackResistanceOhm: [0.1, 0.11],
  chargeEfficiency: 0.96,
  dischargeEfficiency: 0.96,
  rampKwPerS: 50,
  chargeTaperStartPct: 90,
  dischargeTaperStartPct: 10,
  sohPct: 98,
  ambientC: 25,
  thermalTauS: 600,
  tempRiseAtRatedC: 12,
  derateTempC: 45,
  faultTempC: 60,
  faultClearTempC: 50,
  initialSocPct: 50,
  initialMode: ESS_MODE.RemoteSetpoint,
  peakShavingLimitKw: 60,
  rechargeKw: 20,
  minSocPct: 0,
};

export interface BatteryInputs {
  /** load + EV − PV at the PCC without the battery, kW (what the SEMS ONE meter sees) */
  siteNetKw: number;
  /** added to the ambient temperature, °C */
  tempOffsetC: number;
}

export interface BatteryOutput {
  /** AC power, kW, positive = discharge */
  activePowerKw: number;
  reactivePowerKvar: number;
  /** the power the inverter is heading for now (after mode logic and BMS limits), kW */
  targetKw: number;
  socPct: number;
  sohPct: number;
  capacityKwh: number;
  maxChargeKw: number;
  maxDischargeKw: number;
  dcVoltage: number;
  /** DC current, A, positive = discharge */
  dcCurrent: number;
  rackVoltages: number[];
  temperatureC: number;
  state: number;
  mode: number;
  setpointKw: number;
  peakShavingLimitKw: number;
  /** 1 = stopped by the Stop command */
  stop: number;
  minSocPct: number;
  /** AC energy counters, kWh */
  chargedKwh: number;
  dischargedKwh: number;
}

export class BatteryModel {
  /** SetActivePower, kW, positive = discharge */
  setpointKw = 0;
  mode: number;
  peakShavingLimitKw: number;
  /** Stop command: standby (0 kW) in every mode */
  stopped = false;
  /** SoC reserve, %: no discharge at or below it in any mode */
  minSocPct: number;
  private socKwh: number;
  private powerKw = 0;
  private tempC: number;
  private fault = false;
  private chargedKwh = 4_210;
  private dischargedKwh = 3_890;
  private out: BatteryOutput;

  constructor(readonly cfg: BatteryConfig) {
    this.socKwh = (clamp(cfg.initialSocPct, 0, 100) / 100) * cfg.capacityKwh;
    this.mode = cfg.initialMode;
    this.peakShavingLimitKw = cfg.peakShavingLimitKw;
    this.minSocPct = clamp(cfg.minSocPct, 0, 100);
    this.tempC = cfg.ambientC;
    this.out = this.output0();
  }

  get socPct(): number {
    return (100 * this.socKwh) / this.cfg.capacityKwh;
  }

  /** for tests and scenario set-up */
  setSoc(pct: number): void {
    this.socKwh = (clamp(pct, 0, 100) / 100) * this.cfg.capacityKwh;
  }

  /** what the BMS allows now, kW (both >= 0) */
  limits(): { maxChargeKw: number; maxDischargeKw: number } {
    const c = this.cfg;
    if (this.fault) return { maxChargeKw: 0, maxDischargeKw: 0 };
    const soc = this.socPct;
    const chargeSoc = c.chargeTaperStartPct >= 100 ? (soc < 100 ? 1 : 0) : clamp((100 - soc) / (100 - c.chargeTaperStartPct), 0, 1);
    const dischargeSoc = c.dischargeTaperStartPct <= 0 ? (soc > 0 ? 1 : 0) : clamp(soc / c.dischargeTaperStartPct, 0, 1);
    const hot = clamp((c.faultTempC - this.tempC) / (c.faultTempC - c.derateTempC), 0, 1);
    const cold = this.tempC < 0 ? 0 : 1;
    return { maxChargeKw: c.powerKw * chargeSoc * hot * cold, maxDischargeKw: c.powerKw * dischargeSoc * hot };
  }

  /** the power the controller asks for, before BMS limits */
  private demandKw(inp: BatteryInputs): number {
    if (this.stopped) return 0;
    if (this.mode !== ESS_MODE.PeakShaving) return this.setpointKw;
    const excess = inp.siteNetKw - this.peakShavingLimitKw;
    if (excess > 0) return excess;
    const surplusPv = Math.max(0, -inp.siteNetKw);
    return -Math.min(-excess, Math.max(surplusPv, this.cfg.rechargeKw));
  }

  step(dtS: number, inp: BatteryInputs): BatteryOutput {
    const c = this.cfg;
    const ambient = c.ambientC + inp.tempOffsetC;
    if (this.tempC >= c.faultTempC) this.fault = true;
    else if (this.fault && this.tempC <= c.faultClearTempC) this.fault = false;

    const { maxChargeKw, maxDischargeKw } = this.limits();
    const dtH = dtS / 3600;
    // the energy the cells can give or take in this step bounds the power too
    // the SoC reserve holds in every mode: only the energy above it may be discharged
    const reserveKwh = (this.minSocPct / 100) * c.capacityKwh;
    const energyDischargeKw = dtH > 0 ? (Math.max(0, this.socKwh - reserveKwh) * c.dischargeEfficiency) / dtH : Number.POSITIVE_INFINITY;
    const energyChargeKw = dtH > 0 ? (c.capacityKwh - this.socKwh) / c.chargeEfficiency / dtH : Number.POSITIVE_INFINITY;
    const lo = -Math.min(maxChargeKw, energyChargeKw);
    const hi = this.socPct <= this.minSocPct + 1e-9 ? 0 : Math.min(maxDischargeKw, energyDischargeKw);
    const target = clamp(this.demandKw(inp), lo, hi);
    const maxDelta = c.rampKwPerS * dtS;
    let p = this.powerKw + clamp(target - this.powerKw, -maxDelta, maxDelta);
    // BMS limits bind at once, not through the ramp
    p = clamp(p, lo, hi);
    if (Math.abs(p) < 1e-9) p = 0;
    this.powerKw = p;

    if (p > 0) {
      this.socKwh -= (p * dtH) / c.dischargeEfficiency;
      this.dischargedKwh += p * dtH;
    } else if (p < 0) {
      this.socKwh += -p * dtH * c.chargeEfficiency;
      this.chargedKwh += -p * dtH;
    }
    this.socKwh = clamp(this.socKwh, 0, c.capacityKwh);

    const ratio = p / c.powerKw;
    const steadyC = ambient + c.tempRiseAtRatedC * ratio * ratio;
    this.tempC = steadyC + (this.tempC - steadyC) * Math.exp(-dtS / c.thermalTauS);

    this.out = this.outputNow(target);
    return this.out;
  }

  get output(): BatteryOutput {
    return this.out;
  }

  private rackVoltages(dcKw: number): number[] {
    const c = this.cfg;
    const ocv = interpolate(LFP_OCV, this.socPct) * c.cellsPerRack;
    const perRackW = (dcKw * 1000) / c.racks;
    const out: number[] = [];
    for (let r = 0; r < c.racks; r++) {
      const rOhm = c.rackResistanceOhm[r] ?? c.rackResistanceOhm[0] ?? 0.1;
      // V = OCV - I·R with I = P/V: solve V² - OCV·V + P·R = 0 (larger root)
      const disc = ocv * ocv - 4 * perRackW * rOhm;
      out.push(disc > 0 ? (ocv + Math.sqrt(disc)) / 2 : ocv / 2);
    }
    return out;
  }

  private outputNow(targetKw: number): BatteryOutput {
    const c = this.cfg;
    const p = this.powerKw;
    const dcKw = p > 0 ? p / c.dischargeEfficiency : p * c.chargeEfficiency;
    const racks = this.rackVoltages(dcKw);
    const dcVoltage = racks.reduce((a, b) => a + b, 0) / Math.max(1, racks.length);
    const { maxChargeKw, maxDischargeKw } = this.limits();
    const state = this.fault ? ESS_STATE.Fault : Math.abs(p) > 0.05 || Math.abs(targetKw) > 0.05 ? ESS_STATE.Running : ESS_STATE.Standby;
    return {
      activePowerKw: p,
      reactivePowerKvar: 0,
      targetKw,
      socPct: this.socPct,
      sohPct: c.sohPct,
      capacityKwh: c.capacityKwh,
      maxChargeKw,
      maxDischargeKw,
      dcVoltage,
      dcCurrent: dcVoltage > 0 ? (dcKw * 1000) / dcVoltage : 0,
      rackVoltages: racks,
      temperatureC: this.tempC,
      state,
      mode: this.mode,
      setpointKw: this.setpointKw,
      peakShavingLimitKw: this.peakShavingLimitKw,
      stop: this.stopped ? 1 : 0,
      minSocPct: this.minSocPct,
      chargedKwh: this.chargedKwh,
      dischargedKwh: this.dischargedKwh,
    };
  }

  private output0(): BatteryOutput {
    return this.outputNow(0);
  }
}
