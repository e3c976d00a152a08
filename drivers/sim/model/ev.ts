/**
 * AC EV charger (Mode 3, 22 kW, three-phase 32 A) with vehicle sessions arriving on a seeded
 * daily schedule (workplace charging: arrivals in the morning, a few in the early afternoon,
 * fewer at weekends). A session charges at min(vehicle's on-board charger, ChargePowerLimit,
 * rating) until its energy is delivered or the driver leaves. IEC 61851 needs at least 6 A per
 * phase: a limit below 6 A × 3 × 230 V ≈ 4.1 kW suspends charging.
 */
import type { LocalTime } from './localtime';
import { Rng, hash32 } from './random';

export const EV_STATUS = { Available: 0, Charging: 1, Faulted: 2, Unavailable: 3 } as const;

/** the smallest charging power IEC 61851 allows on three phases (6 A), kW */
export const EV_MIN_KW = (6 * 3 * 230) / 1000;

export interface EvSessionPlan {
  /** local hour of arrival */
  arrivalHour: number;
  /** local hour of departure */
  departureHour: number;
  /** energy the vehicle wants, kWh */
  energyKwh: number;
  /** on-board charger limit, kW */
  carMaxKw: number;
}

/** The sessions of one charger on one local day: a pure function of (seed, day, charger). */
export function sessionsForDay(seed: number, dayIndex: number, chargerIndex: number, weekday: number): EvSessionPlan[] {
  const rng = new Rng(hash32(seed, dayIndex, chargerIndex, 0x4556));
  const weekend = weekday === 0 || weekday === 6;
  const car = (): number => (rng.next() < 0.45 ? 11 : rng.next() < 0.8 ? 22 : 7.4);
  const out: EvSessionPlan[] = [];
  if (!weekend) {
    if (rng.next() < 0.9) {
      const arrivalHour = rng.uniform(7.75, 9.75) + chargerIndex * 0.25;
      out.push({ arrivalHour, departureHour: rng.uniform(16.5, 18.5), energyKwh: rng.uniform(14, 38), carMaxKw: car() });
    }
    if (rng.next() < 0.6) {
      const arrivalHour = rng.uniform(13, 15.5);
      out.push({ arrivalHour, departureHour: arrivalHour + rng.uniform(1.5, 4), energyKwh: rng.uniform(8, 22), carMaxKw: car() });
    }
  } else if (rng.next() < 0.5) {
    const arrivalHour = rng.uniform(10, 16);
    out.push({ arrivalHour, departureHour: arrivalHour + rng.uniform(1, 3), energyKwh: rng.uniform(10, 25), carMaxKw: car() });
  }
  return out;
}

export interface EvConfig {
  ratingKw: number;
  /** follow the seeded schedule; false = only sessions started with plugIn() (tests) */
  schedule: boolean;
}

export interface EvOutput {
  activePowerKw: number;
  status: number;
  /** energy delivered in the current session, kWh */
  sessionEnergyKwh: number;
  /** energy delivered since start of the simulation plus a plausible meter reading, kWh */
  totalEnergyKwh: number;
}

interface ActiveSession {
  energyKwh: number;
  deliveredKwh: number;
  carMaxKw: number;
  /** utc ms, or Infinity */
  departureMs: number;
  /** the vehicle's battery, kWh, and its SoC at arrival, % (it wants to reach about 90 %) */
  batteryKwh: number;
  arrivalSocPct: number;
}

/** What a charge point knows of the vehicle plugged in (OCPP: SoC, the driver's departure). */
export interface EvVehicle {
  socPct: number;
  /** utc ms, or Infinity */
  departureMs: number;
  energyKwh: number;
  deliveredKwh: number;
  carMaxKw: number;
}

/** a plausible battery for an on-board charger: 7.4 kW → 40 kWh, 11 kW → 60 kWh, 22 kW → 75 kWh */
export function batteryKwhFor(carMaxKw: number, energyKwh: number): number {
  const b = carMaxKw >= 22 ? 75 : carMaxKw >= 11 ? 60 : 40;
  return Math.max(b, energyKwh / 0.85);
}

export class EvChargerModel {
  /** ChargePowerLimit, kW */
  limitKw: number;
  private session: ActiveSession | null = null;
  private day = Number.NaN;
  private plans: EvSessionPlan[] = [];
  private readonly used = new Set<number>();
  private totalKwh: number;
  private out: EvOutput;

  constructor(
    readonly cfg: EvConfig,
    private readonly seed: number,
    private readonly index: number,
  ) {
    this.limitKw = cfg.ratingKw;
    this.totalKwh = 1200 + 350 * index;
    this.out = { activePowerKw: 0, status: EV_STATUS.Available, sessionEnergyKwh: 0, totalEnergyKwh: this.totalKwh };
  }

  /** starts a session now (tests, demos); replaces a running one */
  plugIn(energyKwh: number, carMaxKw = this.cfg.ratingKw, departureMs = Number.POSITIVE_INFINITY): void {
    const batteryKwh = batteryKwhFor(carMaxKw, energyKwh);
    const arrivalSocPct = Math.max(0, (100 * (0.9 * batteryKwh - energyKwh)) / batteryKwh);
    this.session = { energyKwh, deliveredKwh: 0, carMaxKw, departureMs, batteryKwh, arrivalSocPct };
  }

  /** the vehicle plugged in now, if any */
  get vehicle(): EvVehicle | undefined {
    const s = this.session;
    if (!s) return undefined;
    return {
      socPct: Math.min(100, s.arrivalSocPct + (100 * s.deliveredKwh) / s.batteryKwh),
      departureMs: s.departureMs,
      energyKwh: s.energyKwh,
      deliveredKwh: s.deliveredKwh,
      carMaxKw: s.carMaxKw,
    };
  }

  /** no new session starts while false (an inoperative connector); a running one goes on */
  available = true;

  unplug(): void {
    this.session = null;
  }

  step(utcMs: number, t: LocalTime, dtS: number): EvOutput {
    if (this.cfg.schedule) this.followSchedule(utcMs, t);
    const s = this.session;
    let p = 0;
    if (s && utcMs >= s.departureMs) this.session = null;
    else if (s) {
      const cap = Math.min(s.carMaxKw, this.limitKw, this.cfg.ratingKw);
      p = cap >= EV_MIN_KW - 1e-9 ? cap : 0;
      const remaining = Math.max(0, s.energyKwh - s.deliveredKwh);
      if (dtS > 0) p = Math.min(p, (remaining * 3600) / dtS);
      s.deliveredKwh += (p * dtS) / 3600;
      this.totalKwh += (p * dtS) / 3600;
      if (s.deliveredKwh >= s.energyKwh - 1e-9) this.session = null;
    }
    this.out = {
      activePowerKw: p,
      status: this.session || p > 0 ? EV_STATUS.Charging : EV_STATUS.Available,
      sessionEnergyKwh: s ? s.deliveredKwh : 0,
      totalEnergyKwh: this.totalKwh,
    };
    return this.out;
  }

  get output(): EvOutput {
    return this.out;
  }

  private followSchedule(utcMs: number, t: LocalTime): void {
    if (t.dayIndex !== this.day) {
      this.day = t.dayIndex;
      this.plans = sessionsForDay(this.seed, t.dayIndex, this.index, t.weekday);
      this.used.clear();
    }
    if (this.session || !this.available) return;
    this.plans.forEach((plan, i) => {
      if (this.session || this.used.has(i)) return;
      if (t.hour >= plan.arrivalHour && t.hour < plan.departureHour) {
        this.used.add(i);
        const departureMs = utcMs + (plan.departureHour - t.hour) * 3_600_000;
        this.plugIn(plan.energyKwh, plan.carMaxKw, departureMs);
      }
    });
  }
}
