/**
 * Rainflow cycle counting, ASTM E1049-85 (reapproved 2017) section 5.4.4, and cycles to failure
 * from a depth-of-discharge / cycle-life curve (Miner's rule). Pure.
 *
 * Applied to the state of charge, a cycle's range is its depth of discharge (% of the usable
 * capacity). Invariants (tested on random series): the half cycles number the reversals minus
 * one, and Σ count × 2 × range equals the total variation of the reversal series.
 */

export interface Cycle {
  range: number;
  mean: number;
  /** 1 = full cycle, 0.5 = half cycle */
  count: 0.5 | 1;
}

/**
 * The peaks and valleys of a series: consecutive equal values merged, points inside a
 * monotone run dropped. `gate` (≥ 0) also drops reversals smaller than it (sensor noise).
 */
export function reversals(x: ArrayLike<number>, gate = 0): number[] {
  const out: number[] = [];
  for (let i = 0; i < x.length; i++) {
    const v = x[i] as number;
    if (!Number.isFinite(v)) continue;
    const n = out.length;
    if (n === 0) {
      out.push(v);
      continue;
    }
    const last = out[n - 1] as number;
    if (v === last) continue;
    if (n === 1) {
      if (Math.abs(v - last) > gate) out.push(v);
      else if (gate === 0) out.push(v);
      continue;
    }
    const prev = out[n - 2] as number;
    // still moving the same way: extend the run
    if ((last - prev) * (v - last) > 0) out[n - 1] = v;
    else if (Math.abs(v - last) > gate) out.push(v);
  }
  return out;
}

/** ASTM E1049 rainflow counting of a series of peaks and valleys. */
export function rainflow(peaksAndValleys: ArrayLike<number>): Cycle[] {
  const pts = reversals(peaksAndValleys);
  const out: Cycle[] = [];
  const stack: number[] = [];
  // index into `stack` of the starting point S (always 0: S is discarded as it moves)
  for (const p of pts) {
    stack.push(p);
    // step 2-5
    while (stack.length >= 3) {
      const n = stack.length;
      const x = Math.abs((stack[n - 1] as number) - (stack[n - 2] as number));
      const y = Math.abs((stack[n - 2] as number) - (stack[n - 3] as number));
      if (x < y) break;
      const a = stack[n - 3] as number;
      const b = stack[n - 2] as number;
      if (n === 3) {
        // Y contains the starting point: half cycle, the start moves on
        out.push({ range: y, mean: (a + b) / 2, count: 0.5 });
        stack.shift();
      } else {
        out.push({ range: y, mean: (a + b) / 2, count: 1 });
        stack.splice(n - 3, 2);
      }
    }
  }
  // step 6: the residue counts as half cycles
  for (let i = 0; i + 1 < stack.length; i++) {
    const a = stack[i] as number;
    const b = stack[i + 1] as number;
    out.push({ range: Math.abs(b - a), mean: (a + b) / 2, count: 0.5 });
  }
  return out;
}

export interface CycleLifePoint {
  dodPct: number;
  cycles: number;
}

/**
 * Cycles to end of life at a depth of discharge, interpolated on log-log axes between the
 * curve's points and extrapolated with the nearest segment's slope; one point: constant
 * throughput (cycles × DoD constant).
 */
export function cyclesToFailure(curve: readonly CycleLifePoint[], dodPct: number): number {
  if (curve.length === 0) throw new Error('the cycle-life curve has no points');
  const dod = Math.max(1e-6, dodPct);
  if (curve.length === 1) {
    const p = curve[0] as CycleLifePoint;
    return (p.cycles * p.dodPct) / dod;
  }
  let i = 0;
  while (i < curve.length - 2 && (curve[i + 1] as CycleLifePoint).dodPct < dod) i++;
  const a = curve[i] as CycleLifePoint;
  const b = curve[i + 1] as CycleLifePoint;
  const slope = (Math.log(b.cycles) - Math.log(a.cycles)) / (Math.log(b.dodPct) - Math.log(a.dodPct));
  return Math.exp(Math.log(a.cycles) + slope * (Math.log(dod) - Math.log(a.dodPct)));
}

/** Miner's rule: the share of the battery's cycle life these cycles consumed (1 = end of life). */
export function cycleDamage(cycles: readonly Cycle[], curve: readonly CycleLifePoint[]): number {
  let dmg = 0;
  for (const c of cycles) if (c.range > 0) dmg += c.count / cyclesToFailure(curve, c.range);
  return dmg;
}
