/**
 * Condition evaluators, one per definition type. Each returns the raw condition (before on/off
 * delays): true, false, or undefined = "cannot tell, keep the present state" (bad quality,
 * missing input). Value-based alarms never trigger or clear on a bad-quality value: the
 * quality alarm of the point covers that case (ISA-18.2 practice).
 */
import type { AlarmDefinition } from '../common/alarms';
import type { PointValue } from '../common/point';
import type { Quality } from '../common/quality';
import { compileExpression, type CompiledExpression, type PointLookup } from './expression';

export interface Sample {
  value: PointValue;
  quality: Quality;
  ts: number;
}

export interface Condition {
  /** points whose change may change the condition */
  readonly points: readonly string[];
  /** the point whose value is shown on the alarm, if any */
  readonly valuePoint?: string;
  /**
   * @param get last sample of any point (the engine's cache)
   * @param active the present condition, after delays (for deadbands)
   */
  evaluate(get: (id: string) => Sample | undefined, active: boolean): boolean | undefined;
}

function numeric(s: Sample | undefined): number | undefined {
  if (!s || s.quality.level === 'bad') return undefined;
  const v = s.value;
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return undefined;
}

/** Lookup for expressions: bad-quality points have no value. */
export function valueLookup(get: (id: string) => Sample | undefined): PointLookup {
  return (id) => {
    const s = get(id);
    if (!s || s.quality.level === 'bad') return undefined;
    return s.value;
  };
}

export function makeCondition(def: AlarmDefinition): Condition | undefined {
  switch (def.type) {
    case 'limit': {
      const { point, setpoint, deadband } = def;
      const high = def.level === 'H' || def.level === 'HH';
      return {
        points: [point],
        valuePoint: point,
        evaluate(get, active) {
          const v = numeric(get(point));
          if (v === undefined) return undefined;
          if (high) return active ? v > setpoint - deadband : v > setpoint;
          return active ? v < setpoint + deadband : v < setpoint;
        },
      };
    }
    case 'state': {
      const { point } = def;
      const values = def.alarmValues;
      return {
        points: [point],
        valuePoint: point,
        evaluate(get) {
          const s = get(point);
          if (!s || s.quality.level === 'bad' || s.value === null) return undefined;
          const v = s.value;
          for (const a of values) {
            if (a === v) return true;
            // tolerate 1/true and "3"/3 between the site file and the driver
            if (typeof a === 'boolean' && typeof v === 'number') {
              if ((v !== 0) === a) return true;
            } else if (typeof a === 'number' && typeof v === 'boolean') {
              if ((a !== 0) === v) return true;
            } else if (String(a) === String(v)) return true;
          }
          return false;
        },
      };
    }
    case 'rate': {
      const { point, ratePerMin, direction, windowMs, deadband } = def;
      // samples inside the window, oldest first (a small ring: pruned on each evaluation)
      const ts: number[] = [];
      const vs: number[] = [];
      let lastTs = Number.NEGATIVE_INFINITY;
      return {
        points: [point],
        valuePoint: point,
        evaluate(get, active) {
          const s = get(point);
          const v = numeric(s);
          if (v === undefined || !s) return undefined;
          if (s.ts > lastTs) {
            ts.push(s.ts);
            vs.push(v);
            lastTs = s.ts;
          }
          let drop = 0;
          while (drop < ts.length - 1 && (ts[drop] as number) < s.ts - windowMs) drop++;
          if (drop > 0) {
            ts.splice(0, drop);
            vs.splice(0, drop);
          }
          if (ts.length < 2) return active ? undefined : false;
          const dt = (ts[ts.length - 1] as number) - (ts[0] as number);
          if (dt <= 0) return undefined;
          const rate = (((vs[vs.length - 1] as number) - (vs[0] as number)) / dt) * 60_000;
          const limit = active ? ratePerMin - deadband : ratePerMin;
          if (direction === 'rise') return rate > limit;
          if (direction === 'fall') return -rate > limit;
          return Math.abs(rate) > limit;
        },
      };
    }
    case 'deviation': {
      const { point, setpoint, maxDeviation, deadband } = def;
      const spPoint = typeof setpoint === 'string' ? setpoint : undefined;
      return {
        points: spPoint ? [point, spPoint] : [point],
        valuePoint: point,
        evaluate(get, active) {
          const v = numeric(get(point));
          const sp = spPoint ? numeric(get(spPoint)) : (setpoint as number);
          if (v === undefined || sp === undefined) return undefined;
          const dev = Math.abs(v - sp);
          return active ? dev > maxDeviation - deadband : dev > maxDeviation;
        },
      };
    }
    case 'quality': {
      const { point, includeUncertain } = def;
      const reasons = new Set<string>(def.reasons);
      return {
        points: [point],
        valuePoint: point,
        evaluate(get) {
          const s = get(point);
          if (!s) return undefined;
          const q = s.quality;
          if (q.level === 'good') return false;
          if (q.level === 'uncertain' && !includeUncertain) return false;
          return q.reason !== undefined && reasons.has(q.reason);
        },
      };
    }
    case 'expression': {
      const expr: CompiledExpression = compileExpression(def.expr);
      let lastGet: ((id: string) => Sample | undefined) | undefined;
      let lookup: PointLookup | undefined;
      return {
        points: expr.points,
        evaluate(get) {
          if (get !== lastGet || !lookup) {
            lastGet = get;
            lookup = valueLookup(get);
          }
          return expr.test(lookup);
        },
      };
    }
    case 'system':
      return undefined;
  }
}
