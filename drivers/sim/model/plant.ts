/**
 * The whole plant behind the PCC: PV, building load, EV chargers, battery, PCC meter. Pure
 * and deterministic: given the configuration (with its seed), the start time and the same
 * sequence of step() / write() calls, it produces the same values.
 *
 * Energy balance at the PCC, every step (sign conventions of core/common/natures.ts):
 *   meter.ActivePower = load + EV − PV − battery     (positive = import)
 *
 * values() gives each asset's channels by the nature channel names (ActivePower, Soc, ...),
 * so the serving layer can map them to registers through the device profiles.
 */
import { BatteryModel, type BatteryConfig, DEFAULT_BATTERY, ESS_MODE } from './battery';
import { EvChargerModel, type EvConfig } from './ev';
import { LoadModel, type LoadConfig, DEFAULT_LOAD } from './load';
import { LocalClock, type LocalTime } from './localtime';
import { MeterModel, type MeterConfig, DEFAULT_METER } from './meter';
import { PvModel, type PvConfig, DEFAULT_PV } from './pv';
import { Rng, clamp, hash32 } from './random';

/** the building's load per phase L1..L3 (sum 1) */
export const DEFAULT_PHASE_SHARES: readonly [number, number, number] = [0.38, 0.33, 0.29];

export interface PlantConfig {
  seed: number;
  latitude: number;
  longitude: number;
  /** IANA zone of the site, for the load profile and EV schedule */
  timezone: string;
  /** the PCC meter's asset id */
  meter: { id: string } & Partial<MeterConfig>;
  ess?: { id: string } & Partial<BatteryConfig>;
  pv?: { id: string; peakKwp: number; inverterKw: number } & Partial<PvConfig>;
  /** `phaseShares`: the building's single-phase loads are not spread evenly (default 38/33/29 %) */
  load?: { id: string; peakKw: number; phaseShares?: readonly [number, number, number] } & Partial<LoadConfig>;
  evChargers?: ReadonlyArray<{ id: string; ratingKw?: number } & Partial<EvConfig>>;
  /** the largest internal integration step, s (a longer step() is cut into sub-steps) */
  maxStepS?: number;
}

/** Operator inputs of the simulation (SimState without the clock). */
export interface PlantEnv {
  /** multiplier on the clear-sky PV output, 0..1.2 (clouds) */
  pvFactor: number;
  /** extra building load, kW */
  loadStepKw: number;
  /** battery room temperature offset, °C */
  batteryTempOffsetC: number;
}

export type AssetValues = Record<string, number>;

/** Channels a client may write, per role; everything else is read-only. */
export const WRITABLE: Readonly<Record<'ess' | 'pv' | 'ev', readonly string[]>> = {
  ess: ['SetActivePower', 'Mode', 'PeakShavingLimit', 'Stop', 'MinSoc'],
  pv: ['ActivePowerLimit'],
  ev: ['ChargePowerLimit'],
};

export interface PlantSummary {
  simTime: number;
  pvKw: number;
  loadKw: number;
  evKw: number;
  /** positive = discharge */
  essKw: number;
  /** PCC, positive = import */
  gridKw: number;
  socPct: number;
}

export class Plant {
  readonly env: PlantEnv = { pvFactor: 1, loadStepKw: 0, batteryTempOffsetC: 0 };
  readonly battery: BatteryModel | null;
  readonly pv: PvModel | null;
  readonly load: LoadModel | null;
  readonly evs: EvChargerModel[];
  readonly meter: MeterModel;
  private t: number;
  private readonly clock: LocalClock;
  private readonly maxStepS: number;
  private cache: Record<string, AssetValues> | null = null;
  private lastLocal: LocalTime;

  constructor(
    readonly cfg: PlantConfig,
    startTimeMs: number,
  ) {
    this.t = startTimeMs;
    this.clock = new LocalClock(cfg.timezone);
    this.lastLocal = this.clock.at(startTimeMs);
    this.maxStepS = cfg.maxStepS ?? 5;
    const stream = (k: number): Rng => new Rng(hash32(cfg.seed, k));
    this.battery = cfg.ess ? new BatteryModel({ ...DEFAULT_BATTERY, ...stripId(cfg.ess) }) : null;
    this.pv = cfg.pv ? new PvModel({ ...DEFAULT_PV, ...stripId(cfg.pv) }, cfg.latitude, cfg.longitude, stream(1)) : null;
    this.load = cfg.load ? new LoadModel({ ...DEFAULT_LOAD, ...stripId(cfg.load) }, stream(2)) : null;
    this.evs = (cfg.evChargers ?? []).map(
      (e, i) => new EvChargerModel({ ratingKw: e.ratingKw ?? 22, schedule: e.schedule ?? true }, cfg.seed, i),
    );
    this.meter = new MeterModel({ ...DEFAULT_METER, ...stripId(cfg.meter) }, stream(3));
  }

  /** simulated clock, ms since epoch (UTC) */
  get time(): number {
    return this.t;
  }

  get localTime(): LocalTime {
    return this.lastLocal;
  }

  /** moves the simulated clock to `ms` (back to the wall clock after running fast); the state is kept */
  setTime(ms: number): void {
    if (!Number.isFinite(ms)) throw new Error(`the simulated time must be a finite time, got ${ms}`);
    this.t = ms;
    this.lastLocal = this.clock.at(ms);
    this.cache = null;
  }

  setEnv(p: Partial<PlantEnv>): void {
    if (p.pvFactor !== undefined) this.env.pvFactor = clamp(p.pvFactor, 0, 1.2);
    if (p.loadStepKw !== undefined) this.env.loadStepKw = p.loadStepKw;
    if (p.batteryTempOffsetC !== undefined) this.env.batteryTempOffsetC = p.batteryTempOffsetC;
  }

  /** advances the plant by dtS simulated seconds */
  step(dtS: number): void {
    if (!(dtS > 0)) return;
    const n = Math.max(1, Math.ceil(dtS / this.maxStepS - 1e-9));
    const h = dtS / n;
    for (let i = 0; i < n; i++) this.substep(h);
    this.cache = null;
  }

  private substep(dtS: number): void {
    this.t += dtS * 1000;
    const local = this.clock.at(this.t);
    this.lastLocal = local;
    const pv = this.pv ? this.pv.step(this.t, dtS, this.env.pvFactor).activePowerKw : 0;
    const load = this.load ? this.load.step(local, dtS, this.env.loadStepKw) : { activePowerKw: 0, reactivePowerKvar: 0, energyKwh: 0 };
    let ev = 0;
    for (const c of this.evs) ev += c.step(this.t, local, dtS).activePowerKw;
    const siteNetKw = load.activePowerKw + ev - pv;
    const b = this.battery ? this.battery.step(dtS, { siteNetKw, tempOffsetC: this.env.batteryTempOffsetC }) : null;
    const batt = b ? b.activePowerKw : 0;
    const battQ = b ? b.reactivePowerKvar : 0;
    // per phase: the building's share of each phase; the chargers, PV and battery are three-phase, balanced
    const sh = this.phaseShares;
    const rest = (ev - pv - batt) / 3;
    this.loadPhases = [load.activePowerKw * sh[0], load.activePowerKw * sh[1], load.activePowerKw * sh[2]];
    this.meter.step(dtS, siteNetKw - batt, load.reactivePowerKvar - battQ, [this.loadPhases[0] + rest, this.loadPhases[1] + rest, this.loadPhases[2] + rest]);
  }
  private loadPhases: [number, number, number] = [0, 0, 0];
  private get phaseShares(): readonly [number, number, number] {
    return this.cfg.load?.phaseShares ?? DEFAULT_PHASE_SHARES;
  }

  /**
   * A client wrote a channel of an asset. Values are clamped to what the device accepts;
   * throws for an unknown asset or a channel that is not writable.
   */
  write(assetId: string, channel: string, value: number): void {
    const v = Number(value);
    if (!Number.isFinite(v)) throw new Error(`${assetId}/${channel}: not a number`);
    const b = this.battery;
    if (b && this.cfg.ess?.id === assetId) {
      if (channel === 'SetActivePower') b.setpointKw = clamp(v, -b.cfg.powerKw, b.cfg.powerKw);
      else if (channel === 'Mode') {
        if (v !== ESS_MODE.RemoteSetpoint && v !== ESS_MODE.PeakShaving) throw new Error(`${assetId}/Mode: ${v} is not 0 or 1`);
        b.mode = v;
      } else if (channel === 'PeakShavingLimit') b.peakShavingLimitKw = Math.max(0, v);
      else if (channel === 'Stop') {
        if (v !== 0 && v !== 1) throw new Error(`${assetId}/Stop: ${v} is not 0 or 1`);
        b.stopped = v === 1;
      } else if (channel === 'MinSoc') b.minSocPct = clamp(v, 0, 100);
      else throw new Error(`${assetId}/${channel} is not writable`);
    } else if (this.pv && this.cfg.pv?.id === assetId) {
      if (channel === 'ActivePowerLimit') this.pv.limitKw = clamp(v, 0, this.pv.cfg.inverterKw);
      else throw new Error(`${assetId}/${channel} is not writable`);
    } else {
      const i = (this.cfg.evChargers ?? []).findIndex((e) => e.id === assetId);
      const c = this.evs[i];
      if (!c) throw new Error(`unknown or read-only asset "${assetId}"`);
      if (channel === 'ChargePowerLimit') c.limitKw = clamp(v, 0, c.cfg.ratingKw);
      else throw new Error(`${assetId}/${channel} is not writable`);
    }
    this.cache = null;
  }

  /** the charger model of an Evse asset (its vehicle, remote start and stop: the OCPP charge points) */
  evCharger(assetId: string): EvChargerModel | undefined {
    const i = (this.cfg.evChargers ?? []).findIndex((e) => e.id === assetId);
    return i >= 0 ? this.evs[i] : undefined;
  }

  summary(): PlantSummary {
    return {
      simTime: this.t,
      pvKw: this.pv?.output.activePowerKw ?? 0,
      loadKw: this.load?.output.activePowerKw ?? 0,
      evKw: this.evs.reduce((a, c) => a + c.output.activePowerKw, 0),
      essKw: this.battery?.output.activePowerKw ?? 0,
      gridKw: this.meter.output.activePowerKw,
      socPct: this.battery?.output.socPct ?? 0,
    };
  }

  /** every asset's channels, by nature channel name (engineering units) */
  values(): Readonly<Record<string, AssetValues>> {
    if (this.cache) return this.cache;
    const out: Record<string, AssetValues> = {};
    const m = this.meter.output;
    out[this.cfg.meter.id] = {
      ActivePower: m.activePowerKw,
      ActivePowerL1: m.activePowerL1,
      ActivePowerL2: m.activePowerL2,
      ActivePowerL3: m.activePowerL3,
      ReactivePower: m.reactivePowerKvar,
      VoltageL1: m.voltageL1,
      VoltageL2: m.voltageL2,
      VoltageL3: m.voltageL3,
      CurrentL1: m.currentL1,
      Frequency: m.frequency,
      ImportEnergy: m.importKwh,
      ExportEnergy: m.exportKwh,
    };
    if (this.battery && this.cfg.ess) {
      const b = this.battery.output;
      out[this.cfg.ess.id] = {
        ActivePower: b.activePowerKw,
        ReactivePower: b.reactivePowerKvar,
        // written values read back at once, before the next step
        SetActivePower: this.battery.setpointKw,
        Mode: this.battery.mode,
        PeakShavingLimit: this.battery.peakShavingLimitKw,
        Stop: this.battery.stopped ? 1 : 0,
        MinSoc: this.battery.minSocPct,
        State: b.state,
        MaxChargePower: b.maxChargeKw,
        MaxDischargePower: b.maxDischargeKw,
        Soc: b.socPct,
        Soh: b.sohPct,
        Capacity: b.capacityKwh,
        DcVoltage: b.dcVoltage,
        DcCurrent: b.dcCurrent,
        Temperature: b.temperatureC,
        ChargeEnergy: b.chargedKwh,
        DischargeEnergy: b.dischargedKwh,
      };
      // the racks' voltages (a loop, not a spread of entries: this runs every simulated second)
      const ess = out[this.cfg.ess.id]!;
      for (let i = 0; i < b.rackVoltages.length; i++) ess[rackKey(i)] = b.rackVoltages[i]!;
    }
    if (this.pv && this.cfg.pv) {
      const p = this.pv.output;
      out[this.cfg.pv.id] = {
        ActivePower: p.activePowerKw,
        ActivePowerLimit: this.pv.limitKw,
        Irradiance: p.irradiance,
        AvailablePower: p.availableKw,
        Energy: p.energyKwh,
      };
    }
    if (this.load && this.cfg.load) {
      const l = this.load.output;
      out[this.cfg.load.id] = { ActivePower: l.activePowerKw, ActivePowerL1: this.loadPhases[0], ActivePowerL2: this.loadPhases[1], ActivePowerL3: this.loadPhases[2], ReactivePower: l.reactivePowerKvar, Energy: l.energyKwh };
    }
    (this.cfg.evChargers ?? []).forEach((e, i) => {
      const c = this.evs[i];
      if (!c) return;
      const o = c.output;
      out[e.id] = {
        ActivePower: o.activePowerKw,
        ChargePowerLimit: c.limitKw,
        Status: o.status,
        SessionEnergy: o.sessionEnergyKwh,
        Energy: o.totalEnergyKwh,
      };
    });
    this.cache = out;
    return out;
  }
}

const RACK_KEYS: string[] = [];
function rackKey(i: number): string {
  return (RACK_KEYS[i] ??= `Rack${i + 1}Voltage`);
}

function stripId<T extends { id: string }>(o: T): Omit<T, 'id'> {
  const { id: _id, ...rest } = o;
  return rest;
}
