/**
 * Merging the controllers' requests by priority (after OpenEMS: a higher-priority controller
 * constrains every later one, and a later one cannot overwrite what an earlier one fixed).
 *
 * Per target, walking the controllers from the highest priority down:
 *  - `min` / `max` narrow the allowed interval [lo, hi]; a lower-priority bound can narrow it
 *    further but never past a higher-priority one (it is cut at the interval's edge);
 *  - the first `value` fixes the result, clamped into the interval as it stands then; the
 *    requests after it no longer count (they are reported as overridden);
 *  - without any `value`, the first `fallback` is used, clamped into the final interval;
 *  - with neither, the result is the point of the interval nearest 0 kW.
 * A target no controller names is not written at all.
 *
 * The result names its source: the controller whose value or fallback it is, or the one whose
 * bound moved it ("bound") — that is what the screens show as "setpoint source".
 */
import type { SetpointHow } from '../common/cycle';
import type { PointId } from '../common/point';
import type { SetpointRequest } from './controller';

export interface MergedSetpoint {
  target: PointId;
  value: number;
  source: string;
  how: SetpointHow;
  why: string;
  /** the allowed interval the controllers left, kW */
  lo: number;
  hi: number;
}

export interface RankedRequests {
  controllerId: string;
  requests: ReadonlyMap<PointId, SetpointRequest>;
}

interface Edge {
  v: number;
  by: string;
  why: string;
}

/** Merges requests given in priority order (highest first). Pure. */
export function mergeRequests(ranked: readonly RankedRequests[]): MergedSetpoint[] {
  const targets: PointId[] = [];
  for (const r of ranked) for (const t of r.requests.keys()) if (!targets.includes(t)) targets.push(t);
  return targets.map((t) => mergeTarget(t, ranked));
}

function mergeTarget(target: PointId, ranked: readonly RankedRequests[]): MergedSetpoint {
  let lo: Edge = { v: Number.NEGATIVE_INFINITY, by: '', why: '' };
  let hi: Edge = { v: Number.POSITIVE_INFINITY, by: '', why: '' };
  let fallback: { v: number; by: string; why: string } | undefined;
  for (const { controllerId, requests } of ranked) {
    const r = requests.get(target);
    if (!r) continue;
    // a bound cut at a higher-priority edge belongs to that edge's controller
    if (r.min !== undefined && Number.isFinite(r.min) && r.min > lo.v) lo = r.min <= hi.v ? { v: r.min, by: controllerId, why: r.why } : { ...hi };
    if (r.max !== undefined && Number.isFinite(r.max) && r.max < hi.v) hi = r.max >= lo.v ? { v: r.max, by: controllerId, why: r.why } : { ...lo };
    if (r.value !== undefined && Number.isFinite(r.value)) return settle(target, r.value, controllerId, 'value', r.why, lo, hi);
    if (!fallback && r.fallback !== undefined && Number.isFinite(r.fallback)) fallback = { v: r.fallback, by: controllerId, why: r.why };
  }
  if (fallback) return settle(target, fallback.v, fallback.by, 'fallback', fallback.why, lo, hi);
  const d = settle(target, 0, '', 'default', '', lo, hi);
  if (d.how === 'default') return { ...d, source: lo.by || hi.by || '', why: 'no controller asks for a value: 0 kW within the bounds' };
  return d;
}

function settle(target: PointId, wanted: number, by: string, how: SetpointHow, why: string, lo: Edge, hi: Edge): MergedSetpoint {
  const base = { target, lo: lo.v, hi: hi.v };
  if (wanted < lo.v) return { ...base, value: lo.v, source: lo.by, how: 'bound', why: lo.why };
  if (wanted > hi.v) return { ...base, value: hi.v, source: hi.by, how: 'bound', why: hi.why };
  return { ...base, value: wanted, source: by, how, why };
}
