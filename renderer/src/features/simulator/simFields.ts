/**
 * The simulator's operator inputs with their ranges. The ranges mirror the core's schema
 * (methodArgSchemas['sim.set']; a unit test keeps them in step); the core validates again.
 */
import type { SimState } from '../../../../core/common/api/contract';

export type SimField = 'pvFactor' | 'loadStepKw' | 'batteryTempOffsetC' | 'speed';

export interface SimFieldDef {
  key: SimField;
  /** accessible label of the input (e2e tests use getByLabel) */
  label: string;
  unit: string;
  min: number;
  max: number;
  /** min itself is not allowed (speed must be > 0) */
  minExclusive?: boolean;
  step: number;
  decimals: number;
  help: string;
}

export const SIM_FIELDS: readonly SimFieldDef[] = [
  { key: 'pvFactor', label: 'PV factor', unit: '', min: 0, max: 1.2, step: 0.01, decimals: 2, help: 'Multiplier on clear-sky PV: 1 clear, 0 overcast' },
  { key: 'loadStepKw', label: 'Load step', unit: 'kW', min: -500, max: 500, step: 1, decimals: 1, help: 'Extra building load added to the profile' },
  { key: 'batteryTempOffsetC', label: 'Battery temperature offset', unit: '°C', min: -40, max: 80, step: 0.5, decimals: 1, help: 'Raise to provoke temperature alarms' },
  { key: 'speed', label: 'Simulation speed', unit: '×', min: 0, minExclusive: true, max: 3600, step: 1, decimals: 0, help: '1 = real time, 60 = one minute per second' },
];

export type ParseResult = { ok: true; value: number } | { ok: false; error: string };

export function rangeText(def: SimFieldDef): string {
  const unit = def.unit && def.unit !== '×' ? ` ${def.unit}` : '';
  return def.minExclusive ? `greater than ${def.min} and at most ${def.max}${unit}` : `${def.min} to ${def.max}${unit}`;
}

/** Parse and range-check what the operator typed ("," accepted as decimal separator). */
export function parseSimInput(def: SimFieldDef, raw: string): ParseResult {
  const s = raw.trim().replace(',', '.');
  if (s === '') return { ok: false, error: 'Enter a value' };
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s)) return { ok: false, error: 'Not a number' };
  const value = Number(s);
  if (!Number.isFinite(value)) return { ok: false, error: 'Not a number' };
  const tooLow = def.minExclusive ? value <= def.min : value < def.min;
  if (tooLow || value > def.max) return { ok: false, error: `Allowed: ${rangeText(def)}` };
  return { ok: true, value };
}

export type SimDrafts = Partial<Record<SimField, string>>;

/** Validate every edited field; returns the request for 'sim.set' or the errors per field. */
export function buildSimRequest(drafts: SimDrafts): { req: Partial<Pick<SimState, SimField>>; errors: Partial<Record<SimField, string>> } {
  const req: Partial<Pick<SimState, SimField>> = {};
  const errors: Partial<Record<SimField, string>> = {};
  for (const def of SIM_FIELDS) {
    const raw = drafts[def.key];
    if (raw === undefined) continue;
    const r = parseSimInput(def, raw);
    if (r.ok) req[def.key] = r.value;
    else errors[def.key] = r.error;
  }
  return { req, errors };
}

/** within this, the simulated clock counts as on the wall clock (the state arrives about once a second) */
export const ON_WALL_TIME_MS = 5_000;

/** How far the simulated clock is from the wall clock, as a sentence fragment ("2 h 13 min ahead of wall time"). */
export function wallOffsetText(simTime: number, now: number): string {
  const d = simTime - now;
  const a = Math.abs(d);
  if (a < ON_WALL_TIME_MS) return 'on wall time';
  const days = Math.floor(a / 86_400_000);
  const h = Math.floor((a % 86_400_000) / 3_600_000);
  const min = Math.floor((a % 3_600_000) / 60_000);
  const s = Math.floor((a % 60_000) / 1000);
  const parts = days > 0 ? [`${days} d`, `${h} h`] : h > 0 ? [`${h} h`, `${min} min`] : min > 0 ? [`${min} min`, `${s} s`] : [`${s} s`];
  return `${parts.filter((p, i) => i === 0 || !p.startsWith('0 ')).join(' ')} ${d > 0 ? 'ahead of' : 'behind'} wall time`;
}

/** Why "Back to wall time" has nothing to do (null when it has). */
export function wallTimeIdleReason(sim: Pick<SimState, 'simTime' | 'speed'>, now: number): string | null {
  return Math.abs(sim.simTime - now) < ON_WALL_TIME_MS && sim.speed === 1 ? 'The simulated time is already on the wall clock, at 1 ×.' : null;
}
