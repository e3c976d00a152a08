/**
 * A measured value a controller may act on, or the reason it may not. Only a good, finite
 * number is known: a bad, stale, out-of-range, initial or non-finite value is `unknown`, so a
 * controller cannot do arithmetic on it without first deciding what to do when it is missing.
 */
import type { PointId, PointState } from '../common/point';

export type Sensed<T = number> = { readonly known: true; readonly value: T; readonly ts: number } | { readonly known: false; readonly reason: string };

/** Where the views read points from: the live CVT, or a cycle's frozen snapshot. */
export interface PointSource {
  get(id: PointId): Readonly<PointState> | undefined;
}

export function unknown(reason: string): Sensed<never> {
  return { known: false, reason };
}

/** Reads a number with its quality: good and finite, or unknown with the reason. */
export function sensedNumber(src: PointSource, id: PointId): Sensed<number> {
  const st = src.get(id);
  if (!st) return unknown(`${id} is not served by any device`);
  if (st.quality.level !== 'good') return unknown(`${id} is ${st.quality.level}${st.quality.reason ? ` (${st.quality.reason})` : ''}`);
  if (typeof st.value !== 'number' || !Number.isFinite(st.value)) return unknown(`${id} is not a finite number (${String(st.value)})`);
  return { known: true, value: st.value, ts: st.ts };
}

/** Reads a boolean (or a 0/1 number) with its quality. */
export function sensedBoolean(src: PointSource, id: PointId): Sensed<boolean> {
  const st = src.get(id);
  if (!st) return unknown(`${id} is not served by any device`);
  if (st.quality.level !== 'good') return unknown(`${id} is ${st.quality.level}${st.quality.reason ? ` (${st.quality.reason})` : ''}`);
  if (typeof st.value === 'boolean') return { known: true, value: st.value, ts: st.ts };
  if (st.value === 0 || st.value === 1) return { known: true, value: st.value === 1, ts: st.ts };
  return unknown(`${id} is not a boolean (${String(st.value)})`);
}
