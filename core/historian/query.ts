/**
 * The query engine: raw, interpolated and aggregate reads over a Reader. Runs in a worker
 * thread (pool.ts) or, with queryWorkers = 0, on the calling thread.
 */
import type { AggregateColumns, ForecastQuery, ForecastSeries, TrendPen, TrendQuery, TrendResult } from '../common/historian';
import { chunkValue, type DecodedChunk } from './codec';
import { lttb, minMaxPerPixel } from './downsample';
import { combineBuckets, ROLLUP_LEVELS, RollupAcc, type Bucket } from './rollup';
import { checkForecastQuery, checkTrendQuery, DEFAULT_HISTORIAN_LIMITS, rawEstimator, type HistorianLimits } from './limits';
import { type Reader } from './store';

/** Raw samples of a point in [from, to] (with `edges`: plus one before and one after). */
export interface RawSeries {
  t: Float64Array;
  v: Float64Array;
  q: Uint8Array;
  type: DecodedChunk['type'];
  /** strings / nulls as PointValue where needed */
  s?: (string | null)[];
}

export function readRaw(reader: Reader, pid: number, from: number, to: number, edges = false): RawSeries {
  const chunks = reader.chunks(pid, from, to, edges).map((c) => c.load());
  let n = 0;
  const ranges: [DecodedChunk, number, number][] = [];
  for (const c of chunks) {
    let a = lowerBound(c.t, from);
    let b = upperBound(c.t, to);
    if (edges) {
      a = Math.max(0, a - 1);
      b = Math.min(c.t.length, b + 1);
    }
    if (b > a) {
      ranges.push([c, a, b]);
      n += b - a;
    }
  }
  const t = new Float64Array(n);
  const v = new Float64Array(n);
  const q = new Uint8Array(n);
  let s: (string | null)[] | undefined;
  let type: DecodedChunk['type'] = 'number';
  let o = 0;
  for (const [c, a, b] of ranges) {
    t.set(c.t.subarray(a, b), o);
    v.set(c.v.subarray(a, b), o);
    q.set(c.q.subarray(a, b), o);
    if (c.type !== 'number') type = c.type;
    if (c.type === 'string') {
      s ??= new Array<string | null>(n).fill(null);
      for (let i = a; i < b; i++) s[o + i - a] = chunkValue(c, i) as string | null;
    }
    o += b - a;
  }
  if (!edges) return { t, v, q, type, ...(s ? { s } : {}) };
  // trim extra edge samples: at most one < from and one > to
  let a = 0;
  while (a + 1 < n && (t[a + 1] as number) < from) a++;
  let b = n;
  while (b - 1 > a && (t[b - 2] as number) > to) b--;
  return { t: t.subarray(a, b), v: v.subarray(a, b), q: q.subarray(a, b), type, ...(s ? { s: s.slice(a, b) } : {}) };
}

export function lowerBound(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if ((a[m] as number) < x) lo = m + 1;
    else hi = m;
  }
  return lo;
}
export function upperBound(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if ((a[m] as number) <= x) lo = m + 1;
    else hi = m;
  }
  return lo;
}

const nul = (x: number): number | null => (Number.isNaN(x) ? null : x);

/** Linear interpolation (step for booleans / strings) on a time grid. */
export function interpolate(raw: RawSeries, grid: ArrayLike<number>): { v: (number | string | null)[]; q: number[] } {
  const v: (number | string | null)[] = [];
  const q: number[] = [];
  let i = 0;
  const n = raw.t.length;
  for (let k = 0; k < grid.length; k++) {
    const g = grid[k] as number;
    while (i < n && (raw.t[i] as number) <= g) i++;
    // raw.t[i-1] <= g < raw.t[i]
    const p = i - 1;
    if (p < 0) {
      v.push(null);
      q.push(0);
      continue;
    }
    q.push(raw.q[p] as number);
    if (raw.type === 'string') {
      v.push(raw.s?.[p] ?? null);
      continue;
    }
    const pv = raw.v[p] as number;
    if ((raw.t[p] as number) === g || raw.type === 'boolean' || i >= n) {
      // after the last sample the last value holds (like a snapshot)
      v.push(nul(pv));
      continue;
    }
    const nv = raw.v[i] as number;
    const pt = raw.t[p] as number;
    const nt = raw.t[i] as number;
    if (Number.isNaN(pv) || Number.isNaN(nv) || (raw.q[p] as number) >= 16) v.push(nul(pv));
    else v.push(pv + ((nv - pv) * (g - pt)) / (nt - pt));
  }
  return { v, q };
}

/** Aggregates raw samples into buckets of `width` from `origin` (the rollup definition). */
export function aggregateRaw(raw: RawSeries, width: number, origin: number, from: number, to: number): Bucket[] {
  const acc = new RollupAcc(width, origin);
  const out: Bucket[] = [];
  for (let i = 0; i < raw.t.length; i++) {
    const t = raw.t[i] as number;
    acc.add(t, (raw.q[i] as number) >= 16 ? Number.NaN : (raw.v[i] as number), (b) => out.push(b));
  }
  if (acc.cur) out.push(acc.cur);
  return out.filter((b) => b.b >= acc.bucketOf(from) && b.b <= to && b.n > 0);
}

function aggColumns(bs: Bucket[]): AggregateColumns {
  return {
    count: bs.map((b) => b.n),
    min: bs.map((b) => b.min),
    max: bs.map((b) => b.max),
    mean: bs.map((b) => b.sum / b.n),
    twa: bs.map((b) => (b.dur > 0 ? b.integ / b.dur : b.sum / b.n)),
    first: bs.map((b) => b.first),
    last: bs.map((b) => b.last),
  };
}

/** The widest rollup level usable for buckets of `width` starting at `origin`, or -1. */
export function pickLevel(width: number, origin: number): number {
  for (let l = ROLLUP_LEVELS.length - 1; l >= 0; l--) {
    const L = ROLLUP_LEVELS[l] as number;
    if (width % L === 0 && origin % L === 0) return l;
  }
  return -1;
}

/** The widest rollup level no wider than `width` (for display: min/max per pixel). */
function levelAtMost(width: number): number {
  for (let l = ROLLUP_LEVELS.length - 1; l >= 0; l--) if ((ROLLUP_LEVELS[l] as number) <= width) return l;
  return -1;
}

function rawPen(id: string, raw: RawSeries, rawCount: number): TrendPen {
  const v: (number | string | null)[] = raw.type === 'string' ? (raw.s ?? []).slice() : Array.from(raw.v, nul);
  return { id, source: 'raw', t: Array.from(raw.t), v, q: Array.from(raw.q), rawCount };
}

export function runPen(reader: Reader, id: string, q: TrendQuery): TrendPen {
  const pid = reader.pointId(id);
  const { from, to } = q;
  if (pid === undefined) return { id, source: 'raw', t: [], v: [], rawCount: 0 };
  // the count from the chunk rows alone; the chunks themselves are listed only if raw is read
  const rawCount = reader.rawCount(pid, from, to);
  const maxPoints = q.maxPoints;
  const span = to - from + 1;

  if (q.mode === 'raw') {
    if (maxPoints === undefined || rawCount <= maxPoints) return rawPen(id, readRaw(reader, pid, from, to, false), rawCount);
    const pixels = Math.max(1, Math.floor(maxPoints / 2));
    const width = span / pixels;
    const lvl = levelAtMost(width);
    // rollups only pay when they are much smaller than the raw data
    const useRollup = lvl >= 0 && rawCount > 4 * (span / (ROLLUP_LEVELS[lvl] as number));
    if (q.downsample === 'lttb') {
      if (!useRollup) {
        const raw = readRaw(reader, pid, from, to, false);
        const r = lttb(raw.t, raw.v, maxPoints);
        return { id, source: 'lttb', t: r.t, v: r.v.map(nul), rawCount };
      }
      const rows = reader.aggRows(pid, lvl, from - (ROLLUP_LEVELS[lvl] as number), to);
      const pts = minMaxOfRows(rows, from, to);
      const r = lttb(pts.t, pts.v, maxPoints);
      return { id, source: 'lttb', levelMs: ROLLUP_LEVELS[lvl], t: r.t, v: r.v.map(nul), rawCount };
    }
    if (!useRollup) {
      const raw = readRaw(reader, pid, from, to, false);
      const r = minMaxPerPixel(raw.t, raw.v, from, to, pixels);
      return { id, source: 'minmax', t: r.t, v: r.v.map(nul), rawCount };
    }
    const rows = reader.aggRows(pid, lvl, from - (ROLLUP_LEVELS[lvl] as number), to);
    const pts = minMaxOfRows(rows, from, to);
    const r = minMaxPerPixel(pts.t, pts.v, from, to, pixels);
    return { id, source: 'minmax', levelMs: ROLLUP_LEVELS[lvl], t: r.t, v: r.v.map(nul), rawCount };
  }

  if (q.mode === 'interpolated') {
    const step = q.intervalMs ?? Math.max(1, Math.ceil((to - from) / Math.max(1, (maxPoints ?? 1000) - 1)));
    const grid: number[] = [];
    for (let g = from; g <= to && grid.length < 1_000_000; g += step) grid.push(g);
    const raw = readRaw(reader, pid, from, to, true);
    const r = interpolate(raw, grid);
    return { id, source: 'interpolated', t: grid, v: r.v, q: r.q, rawCount };
  }

  // aggregate
  const width = q.intervalMs ?? Math.max(1, Math.ceil(span / (maxPoints ?? 1000)));
  const lvl = pickLevel(width, from);
  let buckets: Bucket[];
  let source: TrendPen['source'];
  if (lvl >= 0) {
    buckets = combineBuckets(reader.aggRows(pid, lvl, from, to), width, from);
    source = 'rollup';
  } else {
    buckets = aggregateRaw(readRaw(reader, pid, from, to, true), width, from, from, to);
    source = 'aggregate-raw';
  }
  const agg = aggColumns(buckets);
  return { id, source, ...(lvl >= 0 ? { levelMs: ROLLUP_LEVELS[lvl] } : {}), t: buckets.map((b) => b.b), v: agg.twa, agg, rawCount };
}

/** min and max of each rollup row as points (in time order) */
function minMaxOfRows(rows: Bucket[], from: number, to: number): { t: number[]; v: number[] } {
  const t: number[] = [];
  const v: number[] = [];
  for (const r of rows) {
    if (r.n === 0) continue;
    const a = r.tmin <= r.tmax ? [r.tmin, r.min, r.tmax, r.max] : [r.tmax, r.max, r.tmin, r.min];
    for (let k = 0; k < 4; k += 2) {
      const x = a[k] as number;
      if (x < from || x > to) continue;
      if (k === 2 && x === a[0]) continue;
      t.push(x);
      v.push(a[k + 1] as number);
    }
  }
  return { t, v };
}

export function runQuery(reader: Reader, q: TrendQuery, limits: HistorianLimits = DEFAULT_HISTORIAN_LIMITS): TrendResult {
  const t0 = performance.now();
  // sized from chunk metadata before any sample is read (limits.ts)
  checkTrendQuery(q, rawEstimator(reader, q.from, q.to), limits);
  const pens = q.ids.map((id) => runPen(reader, id, q));
  return { from: q.from, to: q.to, pens, elapsedMs: performance.now() - t0 };
}

export function runForecastQuery(reader: Reader, q: ForecastQuery, limits: HistorianLimits = DEFAULT_HISTORIAN_LIMITS): ForecastSeries[] {
  checkForecastQuery(reader, q, limits);
  const asOf = q.asOf ?? Number.MAX_SAFE_INTEGER;
  return q.series.map((series) => {
    const rows = reader.db
      .prepare('SELECT ts, issued, value FROM forecasts WHERE series = ? AND ts >= ? AND ts <= ? ORDER BY ts, issued')
      .all(series, q.from, q.to) as { ts: number; issued: number; value: number }[];
    const out: ForecastSeries = { series, t: [], v: [], issuedAt: [] };
    const issue = q.issue ?? 'latest';
    let i = 0;
    while (i < rows.length) {
      const ts = rows[i]!.ts;
      let best: { issued: number; value: number } | undefined;
      for (; i < rows.length && rows[i]!.ts === ts; i++) {
        const r = rows[i]!;
        const ok = issue === 'latest' ? r.issued <= asOf : 'issuedAt' in issue ? r.issued === issue.issuedAt : r.issued <= ts - issue.horizonMs;
        if (ok && (!best || r.issued > best.issued)) best = r;
      }
      if (best) {
        out.t.push(ts);
        out.v.push(best.value);
        out.issuedAt.push(best.issued);
      }
    }
    return out;
  });
}
