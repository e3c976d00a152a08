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
 * A target no controller names is not written at all, nor one only `passive` requests name.
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

/** Merges requests given in priority order (highest first). Pure. */
export function mergeRequests(ranked: readonly RankedRequests[]): MergedSetpoint[] {
  const out: MergedSetpoint[] = [];
  // a target only passive requests name (a ramp limit with no mode asking anything) is not written
  for (const r of ranked)
    for (const [t, q] of r.requests)
      if (q.passive !== true && !merged(out, t)) out.push(mergeTarget(t, ranked));
  return out;
}

function merged(out: readonly MergedSetpoint[], target: PointId): boolean {
  for (const m of out) if (m.target === target) return true;
  return false;
}

function mergeTarget(target: PointId, ranked: readonly RankedRequests[]): MergedSetpoint {
  // the interval's edges, and who set them (a bound cut at a higher-priority edge belongs to that edge's controller)
  let lo = Number.NEGATIVE_INFINITY;
  let loBy = '';
  let loWhy = '';
  let hi = Number.POSITIVE_INFINITY;
  let hiBy = '';
  let hiWhy = '';
  let fallback: SetpointRequest | undefined;
  let fallbackBy = '';
  for (const { controllerId, requests } of ranked) {
    const r = requests.get(target);
    if (!r) continue;
    if (r.min !== undefined && Number.isFinite(r.min) && r.min > lo) {
      if (r.min <= hi) { lo = r.min; loBy = controllerId; loWhy = r.why; }
      else { lo = hi; loBy = hiBy; loWhy = hiWhy; }
    }
    if (r.max !== undefined && Number.isFinite(r.max) && r.max < hi) {
      if (r.max >= lo) { hi = r.max; hiBy = controllerId; hiWhy = r.why; }
      else { hi = lo; hiBy = loBy; hiWhy = loWhy; }
    }
    if (r.value !== undefined && Number.isFinite(r.value)) return settle(target, r.value, controllerId, 'value', r.why, lo, loBy, loWhy, hi, hiBy, hiWhy);
    if (!fallback && r.fallback !== undefined && Number.isFinite(r.fallback)) { fallback = r; fallbackBy = controllerId; }
  }
  if (fallback) return settle(target, fallback.fallback ?? 0, fallbackBy, 'fallback', fallback.why, lo, loBy, loWhy, hi, hiBy, hiWhy);
  const d = settle(target, 0, '', 'default', '', lo, loBy, loWhy, hi, hiBy, hiWhy);
  if (d.how === 'default') {
    d.source = loBy || hiBy || '';
    d.why = 'no controller asks for a value: 0 kW within the bounds';
  }
  return d;
}

function settle(target: PointId, wanted: number, by: string, how: SetpointHow, why: string, lo: number, loBy: string, loWhy: string, hi: number, hiBy: string, hiWhy: string): MergedSetpoint {
  if (wanted < lo) return { target, value: lo, source: loBy, how: 'bound', why: loWhy, lo, hi };
  if (wanted > hi) return { target, value: hi, source: hiBy, how: 'bound', why: hiWhy, lo, hi };
  return { target, value: wanted, source: by, how, why, lo, hi };
}
