/**
 * Rollups: per point and bucket, count, min/max (with their times), first/last, sum (mean) and
 * the time-weighted average, maintained incrementally as recorded samples arrive.
 *
 * Definition (also what the query engine computes from raw data, and what the tests recompute):
 * the stored samples of a point, joined by straight lines between consecutive numeric samples
 * (a null or bad-quality sample breaks the line), form a curve. A bucket that holds at least one
 * sample gets integ = the integral of that curve over the bucket, dur = the length of the bucket
 * the curve covers; twa = integ / dur. A bucket without samples has no row.
 */
export const ROLLUP_LEVELS = [900_000, 3_600_000, 86_400_000] as const;

/**
 * Closed buckets of a level are packed by columns (store.ts, `_pk` tables) once this many have
 * closed since the last pack (a day of 15 min, a week of hours), and at every month change.
 * The 1 min level is not stored: a query that needs it computes it from the raw chunks, which
 * cost about as much to read (decision 0009).
 */
export const PACK_AFTER = [96, 168, 31] as const;

export interface Bucket {
  /** bucket start, ms */
  b: number;
  n: number;
  min: number;
  max: number;
  tmin: number;
  tmax: number;
  first: number;
  tfirst: number;
  last: number;
  tlast: number;
  sum: number;
  integ: number;
  dur: number;
}

export function newBucket(b: number): Bucket {
  return { b, n: 0, min: Infinity, max: -Infinity, tmin: 0, tmax: 0, first: 0, tfirst: 0, last: 0, tlast: 0, sum: 0, integ: 0, dur: 0 };
}

/** Adds the part of segment (t0,v0)-(t1,v1) that lies in [bs, be) to the bucket. */
function addSegment(bk: Bucket, bs: number, be: number, t0: number, v0: number, t1: number, v1: number): void {
  const a = t0 > bs ? t0 : bs;
  const e = t1 < be ? t1 : be;
  if (e <= a) return;
  const slope = (v1 - v0) / (t1 - t0);
  const va = v0 + slope * (a - t0);
  const ve = v0 + slope * (e - t0);
  bk.integ += ((va + ve) / 2) * (e - a);
  bk.dur += e - a;
}

function addSample(bk: Bucket, t: number, v: number): void {
  if (bk.n === 0) {
    bk.first = v;
    bk.tfirst = t;
  }
  bk.n++;
  if (v < bk.min) {
    bk.min = v;
    bk.tmin = t;
  }
  if (v > bk.max) {
    bk.max = v;
    bk.tmax = t;
  }
  bk.last = v;
  bk.tlast = t;
  bk.sum += v;
}

/**
 * Incremental rollup of one point at one bucket width. `onClosed` receives a bucket once a
 * later bucket starts (its integral then includes the segment leaving it).
 */
export class RollupAcc {
  cur: Bucket | null = null;
  /** last numeric sample (for the segment into the next one); NaN = none */
  pt = Number.NaN;
  pv = 0;
  constructor(
    readonly width: number,
    readonly origin = 0,
  ) {}

  bucketOf(t: number): number {
    return this.origin + Math.floor((t - this.origin) / this.width) * this.width;
  }

  /** v = NaN breaks the curve (null / bad quality) */
  add(t: number, v: number, onClosed: (b: Bucket) => void): void {
    if (Number.isNaN(v)) {
      this.pt = Number.NaN;
      return;
    }
    const b = this.bucketOf(t);
    const cur = this.cur;
    const hasPrev = !Number.isNaN(this.pt);
    if (cur && cur.b !== b) {
      if (hasPrev) addSegment(cur, cur.b, cur.b + this.width, this.pt, this.pv, t, v);
      onClosed(cur);
      this.cur = null;
    }
    let bk = this.cur;
    if (!bk) {
      bk = newBucket(b);
      this.cur = bk;
    }
    if (hasPrev) addSegment(bk, b, b + this.width, this.pt, this.pv, t, v);
    addSample(bk, t, v);
    this.pt = t;
    this.pv = v;
  }
}

/** Merges rollup rows (sorted by time) into wider buckets of `width` from `origin`. */
export function combineBuckets(rows: Iterable<Bucket>, width: number, origin: number): Bucket[] {
  const out: Bucket[] = [];
  let cur: Bucket | null = null;
  for (const r of rows) {
    const b = origin + Math.floor((r.b - origin) / width) * width;
    if (!cur || cur.b !== b) {
      cur = newBucket(b);
      out.push(cur);
    }
    if (cur.n === 0) {
      cur.first = r.first;
      cur.tfirst = r.tfirst;
    }
    cur.n += r.n;
    if (r.min < cur.min) {
      cur.min = r.min;
      cur.tmin = r.tmin;
    }
    if (r.max > cur.max) {
      cur.max = r.max;
      cur.tmax = r.tmax;
    }
    cur.last = r.last;
    cur.tlast = r.tlast;
    cur.sum += r.sum;
    cur.integ += r.integ;
    cur.dur += r.dur;
  }
  return out;
}
