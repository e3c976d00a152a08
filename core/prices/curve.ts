/**
 * A price curve: intervals [start, end) with a price in currency per kWh, as read from a
 * day-ahead market file (CSV or ENTSO-E XML). Several files merge into one curve (a later file
 * overrides the intervals it covers), and the curve is turned into one price per plan step:
 * the time-weighted mean of the intervals the step overlaps, null where the market says nothing.
 */
export interface PriceInterval {
  start: number;
  end: number;
  /** currency per kWh (market files in EUR/MWh are divided by 1000 when read) */
  pricePerKwh: number;
}

export interface PriceCurve {
  /** where it came from, for messages ("prices/2026-12-02.xml") */
  source: string;
  currency: string;
  /** sorted by start, not overlapping */
  intervals: PriceInterval[];
}

/** A refusal naming the file, the line and the element or column. */
export class PriceFileError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly where: string,
    readonly reason: string,
  ) {
    super(`${file}${line !== undefined ? `:${line}` : ''}: ${where}: ${reason}`);
    this.name = 'PriceFileError';
  }
}

/** Merges curves in order: a later curve's intervals replace what an earlier one said for the same time. */
export function mergeCurves(curves: readonly PriceCurve[]): PriceInterval[] {
  let out: PriceInterval[] = [];
  for (const c of curves) {
    for (const iv of c.intervals) {
      const next: PriceInterval[] = [];
      for (const o of out) {
        if (o.end <= iv.start || o.start >= iv.end) next.push(o);
        else {
          if (o.start < iv.start) next.push({ ...o, end: iv.start });
          if (o.end > iv.end) next.push({ ...o, start: iv.end });
        }
      }
      next.push(iv);
      out = next;
    }
  }
  return out.sort((a, b) => a.start - b.start);
}

/**
 * One price per step: the time-weighted mean of the intervals overlapping the step (an hourly
 * price holds for each of its quarter hours; four quarter-hour prices average into an hourly
 * step). A step not fully covered is null.
 */
export function stepPrices(intervals: readonly PriceInterval[], start: number, steps: number, stepMinutes: number): (number | null)[] {
  const stepMs = stepMinutes * 60_000;
  const out: (number | null)[] = [];
  let i = 0;
  for (let k = 0; k < steps; k++) {
    const a = start + k * stepMs;
    const b = a + stepMs;
    while (i < intervals.length && (intervals[i] as PriceInterval).end <= a) i++;
    let covered = 0;
    let sum = 0;
    for (let j = i; j < intervals.length; j++) {
      const iv = intervals[j] as PriceInterval;
      if (iv.start >= b) break;
      const o = Math.min(b, iv.end) - Math.max(a, iv.start);
      if (o <= 0) continue;
      covered += o;
      sum += o * iv.pricePerKwh;
    }
    out.push(covered >= stepMs - 1 ? sum / covered : null);
  }
  return out;
}
