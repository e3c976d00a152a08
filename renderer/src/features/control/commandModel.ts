/**
 * Pure helpers of the control dialogs: the allowed setpoint range from the asset model, input
 * parsing, texts for results and refusals. The core's command pipeline checks all of it again.
 */
import type { AssetView } from '../../../../core/common/api/contract';
import type { PointMeta, PointValue } from '../../../../core/common/point';
import type { CommandResult, FieldStage, ReasonView, SelectResult } from '../../../../core/common/security';

export interface Range {
  min: number;
  max: number;
}

/**
 * Allowed ESS power setpoint in kW (positive = discharge, negative = charge): the asset's
 * limits (maxChargeKw / maxDischargeKw), else its rating, narrowed by the point's range.
 */
export function setpointRange(asset: Pick<AssetView, 'limits' | 'rating'>, meta?: Pick<PointMeta, 'min' | 'max'>): Range {
  const rating = asset.rating?.powerKw;
  let min = -(asset.limits?.maxChargeKw ?? rating ?? Infinity);
  let max = asset.limits?.maxDischargeKw ?? rating ?? Infinity;
  if (typeof meta?.min === 'number') min = Math.max(min, meta.min);
  if (typeof meta?.max === 'number') max = Math.min(max, meta.max);
  if (!Number.isFinite(min)) min = -1e6;
  if (!Number.isFinite(max)) max = 1e6;
  return { min, max };
}

export type Parsed = { ok: true; value: number } | { ok: false; error: string };

/** Parse a kW entry ("-20", "12.5", "12,5", "−20"); out-of-range entries name the range. */
export function parseSetpoint(text: string, range: Range): Parsed {
  const t = text.trim().replace(/\u2212/g, '-').replace(',', '.');
  if (t === '') return { ok: false, error: 'Enter a power in kW.' };
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(t)) return { ok: false, error: 'Enter a number, e.g. 20 or -15.5.' };
  const value = Number(t);
  if (!Number.isFinite(value)) return { ok: false, error: 'Enter a number.' };
  if (value < range.min || value > range.max) {
    return { ok: false, error: `Allowed: ${fmtKw(range.min)} to ${fmtKw(range.max)} kW (charge at most ${fmtKw(-range.min)} kW, discharge at most ${fmtKw(range.max)} kW).` };
  }
  return { ok: true, value: Math.round(value * 1000) / 1000 };
}

export function fmtKw(v: number): string {
  const r = Math.round(v * 10) / 10;
  return (Object.is(r, -0) ? 0 : r).toFixed(1);
}

export type Direction = 'DISCHARGE' | 'CHARGE' | 'IDLE';

export function powerDirection(kw: number): Direction {
  if (kw > 0) return 'DISCHARGE';
  if (kw < 0) return 'CHARGE';
  return 'IDLE';
}

/** "20.0 kW (discharge)" */
export function describePower(v: PointValue | undefined): string {
  if (typeof v !== 'number') return v === undefined || v === null ? 'unknown' : String(v);
  return `${fmtKw(v)} kW (${powerDirection(v).toLowerCase()})`;
}

/** "Local peak shaving (1)": the label from the point's states (its device profile), or the code. */
export function modeLabel(v: PointValue | undefined, states?: Record<string, string>): string {
  if (v === undefined || v === null) return 'unknown';
  const key = String(typeof v === 'boolean' ? Number(v) : v);
  const label = states?.[key];
  return label ? `${label} (${key})` : key;
}

/** The state a mode dialog proposes: the one after the current state in the profile's list. */
export function proposedState(states: Record<string, string> | undefined, current: PointValue | undefined): string {
  const keys = Object.keys(states ?? {});
  if (keys.length === 0) return '';
  const at = keys.indexOf(String(typeof current === 'boolean' ? Number(current) : current));
  return keys[(at + 1) % keys.length] ?? '';
}

/** Reasons offered for commands: active, for commands or for everything. */
export function commandReasons(list: readonly ReasonView[]): ReasonView[] {
  return list.filter((r) => r.active && (r.appliesTo === 'command' || r.appliesTo === 'all'));
}

export const STAGE_LABELS: Record<string, string> = {
  validation: 'validation',
  permission: 'permission',
  'asset-state': 'asset state',
  interlock: 'interlocks and limits',
  confirmation: 'select-before-operate',
  reason: 'reason',
  audit: 'audit',
  write: 'write to the device',
  readback: 'readback',
};

type Refusal = Extract<CommandResult, { ok: false }> | Extract<SelectResult, { ok: false }>;

export function refusalText(r: Refusal): string {
  return `Refused at stage ${STAGE_LABELS[r.stage] ?? r.stage} by rule ${r.rule}: ${r.message}`;
}

export function isReauthRequired(r: CommandResult | SelectResult): boolean {
  return !r.ok && r.rule === 'auth.reauth-required';
}

export function successText(r: Extract<CommandResult, { ok: true }>, unit = 'kW'): string {
  const rb = typeof r.readback === 'number' ? `${fmtKw(r.readback)} ${unit}` : String(r.readback);
  return `Done: the device reads back ${rb} (${r.durationMs} ms).`;
}

/** The device's own stages of a command (IEC 61850 select, operate, termination, cancel), in words. */
export function fieldStageText(s: FieldStage): string {
  switch (s.stage) {
    case 'selected':
      return 'Selected by the device';
    case 'operated':
      return 'Operated by the device';
    case 'terminated':
      return 'Command terminated by the device (done)';
    case 'cancelled':
      return 'Selection cancelled (released on the device)';
    case 'refused':
      return `Refused by the device at ${s.step ?? 'the command'}${s.text ? `: ${s.text}` : ''}`;
  }
}

const QUALITY_WORDS: Record<string, string> = {
  'comm-fail': 'does not answer (communication failure)',
  stale: 'has not sent fresh values (stale)',
  initial: 'has not been read yet',
  device: 'reports its values as invalid',
  manual: 'shows hand-entered values',
  'out-of-range': 'reports values out of range',
};

/**
 * Why "Set power…" may not be used now (null when it may): the role first, then the quality of
 * the battery's readings (a setpoint could not be confirmed), then its operating mode (in a local
 * mode the inverter follows its own logic, not a power setpoint).
 */
export function setpointBlockedReason(o: {
  roleWhy: string | null;
  /** the battery's measured power */
  power?: { quality: { level: string; reason?: string } };
  /** the Mode point's value and its profile states */
  mode?: { value: PointValue | undefined; states?: Record<string, string>; good: boolean };
}): string | null {
  if (o.roleWhy) return o.roleWhy;
  const q = o.power?.quality;
  if (q && q.level === 'bad') return `The battery ${QUALITY_WORDS[q.reason ?? ''] ?? 'has bad-quality readings'}: a setpoint could not be confirmed.`;
  const m = o.mode;
  if (m && m.good && m.states && m.value !== undefined && m.value !== null) {
    const label = m.states[String(typeof m.value === 'boolean' ? Number(m.value) : m.value)];
    if (label && !/remote/i.test(label)) return `The battery is in “${label}” mode: it follows its own logic, not a power setpoint. Change the mode first.`;
  }
  return null;
}
