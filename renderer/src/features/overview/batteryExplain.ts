/**
 * What the battery is doing and why, in one line (pure): "charging 20 kW from the grid:
 * peak-shaving reserve recharge", "discharging 12 kW: holding the PCC under 8 kW contracted
 * power", "idle: SoC at reserve 10 %". Also which limit is in force. Table-tested in
 * batteryExplain.test.ts; the battery panel only draws the result.
 */
import { COMMAND_SOURCE_LABELS, type CommandSource } from '../../../../core/common/control';

/** Inputs as the panel reads them; null = not known with good quality. */
export interface BatteryFacts {
  /** AC power, kW, positive = discharge */
  powerKw: number | null;
  /** state label of the device (Off, Standby, Running, Fault, Maintenance) */
  state: string | null;
  /** operating mode code: 0 remote setpoint, 1 local peak shaving */
  mode: number | null;
  setpointKw: number | null;
  socPct: number | null;
  socMinPct?: number | undefined;
  socMaxPct?: number | undefined;
  /** what the BMS allows now, kW (positive numbers) */
  bmsMaxChargeKw: number | null;
  bmsMaxDischargeKw: number | null;
  /** PCC exchange, kW, positive = import */
  pccKw: number | null;
  contractedKw: number;
  peakShavingLimitKw: number;
  /** who set the setpoint in force */
  source?: { source: CommandSource; actorName: string } | undefined;
}

export type BatteryActivity = 'charging' | 'discharging' | 'idle' | 'stopped' | 'unknown';

export interface BatteryExplanation {
  activity: BatteryActivity;
  /** the one line shown to the operator */
  reason: string;
  /** the limit that shapes what the battery does now, in words */
  limit: string;
  /** who or what decides the battery's power now */
  driver: string;
}

/** Below this the battery counts as idle, kW. */
export const IDLE_KW = 0.5;

const kw = (x: number): string => `${Math.round(Math.abs(x) * 10) / 10} kW`;
const pct = (x: number): string => `${Math.round(x * 10) / 10} %`;

function driverText(f: BatteryFacts): string {
  if (f.mode === 1) return 'the battery’s own peak shaving (local mode)';
  if (f.source) return `${COMMAND_SOURCE_LABELS[f.source.source].toLowerCase()} ${f.source.actorName}`;
  return 'remote setpoint (no command since the core started)';
}

export function explainBattery(f: BatteryFacts): BatteryExplanation {
  const driver = driverText(f);
  const window = f.socMinPct !== undefined || f.socMaxPct !== undefined ? `SoC window ${f.socMinPct ?? 0}–${f.socMaxPct ?? 100} %` : 'no SoC window';
  const psLimitText = f.peakShavingLimitKw === f.contractedKw ? `${kw(f.contractedKw)} contracted power` : `the ${kw(f.peakShavingLimitKw)} peak-shaving limit`;

  if (f.state === 'Fault') return { activity: 'stopped', reason: 'stopped: the battery reports a fault', limit: 'none (the device stopped itself)', driver };
  if (f.state === 'Maintenance') return { activity: 'stopped', reason: 'stopped: the battery is in maintenance mode', limit: 'commands refused while in maintenance', driver };
  if (f.powerKw === null) return { activity: 'unknown', reason: 'unknown: the battery power is not known (see its quality tag)', limit: window, driver };

  const p = f.powerKw;
  const atMin = f.socPct !== null && f.socMinPct !== undefined && f.socPct <= f.socMinPct + 0.05;
  const atMax = f.socPct !== null && f.socMaxPct !== undefined && f.socPct >= f.socMaxPct - 0.05;
  const set = f.setpointKw;

  if (Math.abs(p) < IDLE_KW) {
    const wantsDischarge = f.mode === 1 ? f.pccKw !== null && f.pccKw > f.peakShavingLimitKw : set !== null && set > IDLE_KW;
    const wantsCharge = f.mode !== 1 && set !== null && set < -IDLE_KW;
    if (atMin && (wantsDischarge || f.mode === 1)) return { activity: 'idle', reason: `idle: SoC at reserve ${pct(f.socMinPct!)}`, limit: `SoC reserve ${pct(f.socMinPct!)}: no discharge`, driver };
    if (atMax && (wantsCharge || f.mode === 1)) return { activity: 'idle', reason: `idle: SoC at the upper limit ${pct(f.socMaxPct!)}`, limit: `SoC limit ${pct(f.socMaxPct!)}: no charge`, driver };
    if (wantsDischarge && f.bmsMaxDischargeKw !== null && f.bmsMaxDischargeKw < IDLE_KW) return { activity: 'idle', reason: 'idle: the BMS allows no discharge now', limit: 'BMS: 0 kW discharge', driver };
    if (wantsCharge && f.bmsMaxChargeKw !== null && f.bmsMaxChargeKw < IDLE_KW) return { activity: 'idle', reason: 'idle: the BMS allows no charge now', limit: 'BMS: 0 kW charge', driver };
    if (f.mode === 1) {
      const pcc = f.pccKw === null ? 'the PCC' : `the PCC at ${kw(f.pccKw)} ${f.pccKw < 0 ? 'export' : 'import'}`;
      return { activity: 'idle', reason: `idle: ${pcc}, within ${psLimitText}`, limit: `peak-shaving limit ${kw(f.peakShavingLimitKw)} at the PCC`, driver };
    }
    const off = f.state === 'Off' || f.state === 'Standby' ? f.state.toLowerCase() : null;
    if (set !== null && Math.abs(set) >= IDLE_KW)
      return { activity: 'idle', reason: `idle: ${kw(set)} ${set > 0 ? 'discharge' : 'charge'} set, ${off ? `the inverter is in ${off}` : 'the inverter is not following yet'}`, limit: window, driver };
    if (off && !f.source) return { activity: 'idle', reason: `idle: the inverter is in ${off}`, limit: window, driver };
    return { activity: 'idle', reason: `idle: setpoint 0 kW from ${driver}`, limit: window, driver };
  }

  if (p > 0) {
    const limitedByBms = f.bmsMaxDischargeKw !== null && p >= f.bmsMaxDischargeKw - IDLE_KW && (f.mode === 1 ? f.pccKw !== null && f.pccKw > f.peakShavingLimitKw + IDLE_KW : set !== null && set > p + IDLE_KW);
    if (f.mode === 1) {
      return {
        activity: 'discharging',
        reason: limitedByBms ? `discharging ${kw(p)}: peak shaving, at what the BMS allows (the PCC is above ${psLimitText})` : `discharging ${kw(p)}: holding the PCC under ${psLimitText}`,
        limit: limitedByBms ? `BMS: at most ${kw(f.bmsMaxDischargeKw!)} discharge` : `peak-shaving limit ${kw(f.peakShavingLimitKw)} at the PCC`,
        driver,
      };
    }
    return {
      activity: 'discharging',
      reason: limitedByBms ? `discharging ${kw(p)} of ${kw(set!)} set: limited by the BMS` : `discharging ${kw(p)}: setpoint from ${driver}`,
      limit: limitedByBms ? `BMS: at most ${kw(f.bmsMaxDischargeKw!)} discharge` : `${window}; contracted power ${kw(f.contractedKw)}`,
      driver,
    };
  }

  // charging
  const fromGrid = f.pccKw !== null && f.pccKw > IDLE_KW;
  const from = f.pccKw === null ? '' : fromGrid ? ' from the grid' : ' from PV surplus';
  const limitedByBms = f.bmsMaxChargeKw !== null && -p >= f.bmsMaxChargeKw - IDLE_KW && (f.mode === 1 || (set !== null && set < p - IDLE_KW));
  if (f.mode === 1)
    return {
      activity: 'charging',
      reason: `charging ${kw(p)}${from}: peak-shaving reserve recharge`,
      limit: limitedByBms ? `BMS: at most ${kw(f.bmsMaxChargeKw!)} charge` : `recharge keeps the PCC under ${psLimitText}`,
      driver,
    };
  return {
    activity: 'charging',
    reason: limitedByBms ? `charging ${kw(p)}${from} of ${kw(set!)} set: limited by the BMS` : `charging ${kw(p)}${from}: setpoint from ${driver}`,
    limit: limitedByBms ? `BMS: at most ${kw(f.bmsMaxChargeKw!)} charge` : `${window}; contracted power ${kw(f.contractedKw)}`,
    driver,
  };
}
