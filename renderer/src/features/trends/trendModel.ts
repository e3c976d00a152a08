/**
 * Trend screen logic without React or ECharts: pen colours, y-axis grouping by unit, time range
 * -> history.query, quality codes -> line styling, live appends. Pure; unit-tested.
 */
import { qualityCode, qualityFromCode, type TrendPen, type TrendQuery } from '../../../../core/common/historian';
import type { PointId, PointMeta, PointUpdate, PointValue } from '../../../../core/common/point';
import type { QualityLevel } from '../../../../core/common/quality';
import { qualityLabel } from '../../../../core/common/quality';

// ------------------------------------------------------------------ pens

/**
 * Pen colours. Trends are the one place where colour identifies something (the pen), not an
 * abnormal state, so the palette is calm and mid-dark, distinguishable on the grey panel, and
 * stays away from the alarm red, the warning amber, the quality magenta and the focus blue.
 */
export const PEN_COLORS = ['#2B5C8A', '#2E7D6B', '#6A4C93', '#8A6420', '#4E7A2A', '#24333F', '#5B8FB5', '#8F5E55'] as const;

export const MAX_PENS = PEN_COLORS.length;

/** The colour of the pen at `index` (cycles when there are more pens than colours). */
export function penColor(index: number): string {
  return PEN_COLORS[((index % PEN_COLORS.length) + PEN_COLORS.length) % PEN_COLORS.length] as string;
}

export interface PenInfo {
  id: PointId;
  unit: string;
}

export interface AxisGroup {
  unit: string;
  /** pens on this axis, in pen order */
  pens: PointId[];
  /** 0 = first left, 1 = first right, 2 = second left, ... */
  index: number;
  position: 'left' | 'right';
  /** pixels from the grid edge on its side */
  offset: number;
}

/** Horizontal room one y-axis takes (labels + name). */
export const AXIS_WIDTH = 56;

/**
 * One y-axis per unit, in order of first appearance; pens with the same unit share it. Axes
 * alternate left / right and stack outwards.
 */
export function groupAxes(pens: readonly PenInfo[]): { axes: AxisGroup[]; axisOf: Map<PointId, number> } {
  const axes: AxisGroup[] = [];
  const byUnit = new Map<string, AxisGroup>();
  const axisOf = new Map<PointId, number>();
  for (const p of pens) {
    const unit = p.unit.trim();
    let g = byUnit.get(unit);
    if (!g) {
      const index = axes.length;
      g = { unit, pens: [], index, position: index % 2 === 0 ? 'left' : 'right', offset: Math.floor(index / 2) * AXIS_WIDTH };
      axes.push(g);
      byUnit.set(unit, g);
    }
    g.pens.push(p.id);
    axisOf.set(p.id, g.index);
  }
  return { axes, axisOf };
}

/** Grid margins that leave room for the stacked axes on each side. */
export function gridMargins(axisCount: number): { left: number; right: number } {
  const left = Math.ceil(axisCount / 2);
  const right = Math.floor(axisCount / 2);
  return { left: 16 + Math.max(1, left) * AXIS_WIDTH, right: 16 + Math.max(1, right) * AXIS_WIDTH };
}

// ------------------------------------------------------------------ time ranges

export const RANGE_PRESETS = [
  { key: '15m', label: '15 min', ms: 15 * 60_000 },
  { key: '1h', label: '1 h', ms: 3_600_000 },
  { key: '8h', label: '8 h', ms: 8 * 3_600_000 },
  { key: '24h', label: '24 h', ms: 86_400_000 },
  { key: '7d', label: '7 d', ms: 7 * 86_400_000 },
  { key: '30d', label: '30 d', ms: 30 * 86_400_000 },
  { key: '1y', label: '1 y', ms: 365 * 86_400_000 },
] as const;

export type PresetKey = (typeof RANGE_PRESETS)[number]['key'];

/** A preset ("last 1 h", follows now) or a fixed interval. */
export type TimeRange = { kind: 'preset'; key: PresetKey } | { kind: 'custom'; from: number; to: number };

export function presetMs(key: string): number | undefined {
  return RANGE_PRESETS.find((p) => p.key === key)?.ms;
}

export function isPresetKey(key: unknown): key is PresetKey {
  return typeof key === 'string' && presetMs(key) !== undefined;
}

/** The absolute interval of a range at `now`. */
export function resolveRange(r: TimeRange, now: number): { from: number; to: number } {
  if (r.kind === 'custom') return { from: Math.min(r.from, r.to), to: Math.max(r.from, r.to) };
  return { from: now - (presetMs(r.key) ?? 3_600_000), to: now };
}

const tickFormats = new Map<string, Intl.DateTimeFormat>();

/** Time-axis label in the site's zone: seconds for short spans, dates for long ones. */
export function formatTick(ts: number, spanMs: number, timeZone?: string): string {
  const key = timeZone ?? '';
  let f = tickFormats.get(key);
  if (!f) {
    const opts: Intl.DateTimeFormatOptions = { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' };
    try {
      f = new Intl.DateTimeFormat('en-CA', { ...opts, timeZone });
    } catch {
      f = new Intl.DateTimeFormat('en-CA', opts);
    }
    tickFormats.set(key, f);
  }
  const p: Record<string, string> = {};
  for (const x of f.formatToParts(ts)) p[x.type] = x.value;
  const hm = `${p.hour}:${p.minute}`;
  const md = `${p.month}-${p.day}`;
  if (spanMs <= 10 * 60_000) return `${hm}:${p.second}`;
  if (spanMs <= 2 * 86_400_000) return hm === '00:00' ? md : hm;
  if (spanMs <= 60 * 86_400_000) return hm === '00:00' ? md : `${md} ${hm}`;
  return `${p.year}-${md}`;
}

const zoneFormats = new Map<string, Intl.DateTimeFormat>();

function zoneParts(ms: number, timeZone?: string): Record<string, number> {
  const key = timeZone ?? '';
  let f = zoneFormats.get(key);
  if (!f) {
    const opts: Intl.DateTimeFormatOptions = { year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric', hourCycle: 'h23' };
    try {
      f = new Intl.DateTimeFormat('en-US', { ...opts, timeZone });
    } catch {
      f = new Intl.DateTimeFormat('en-US', opts);
    }
    zoneFormats.set(key, f);
  }
  const p: Record<string, number> = {};
  for (const x of f.formatToParts(ms)) if (x.type !== 'literal') p[x.type] = Number(x.value);
  return p;
}

/** Offset of the zone from UTC at `ms`, in ms (Europe/Madrid in winter: +3 600 000). */
function zoneOffset(ms: number, timeZone?: string): number {
  const p = zoneParts(ms, timeZone);
  const asUtc = Date.UTC(p.year as number, (p.month as number) - 1, p.day as number, (p.hour as number) % 24, p.minute as number, p.second as number);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/** datetime-local input text ("2025-06-01T14:03", minutes) of `ms` in the site's zone. */
export function toLocalInput(ms: number, timeZone?: string): string {
  const t = ms + zoneOffset(ms, timeZone);
  return new Date(t).toISOString().slice(0, 16);
}

/** The instant a datetime-local text means in the site's zone (NaN when not a date). */
export function fromLocalInput(text: string, timeZone?: string): number {
  const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)(?::(\d\d))?$/.exec(text);
  if (!m) return Number.NaN;
  const wall = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +(m[6] ?? 0));
  // the offset at the guess, then once more at the corrected instant (DST edges)
  let t = wall - zoneOffset(wall, timeZone);
  t = wall - zoneOffset(t, timeZone);
  return t;
}

/** Spans longer than this are queried as aggregates (time-weighted mean + min/max band). */
export const AGGREGATE_ABOVE_MS = 3 * 86_400_000;

/** Bucket widths that line up with the historian's rollups (1 min, 15 min, 1 h, 1 d). */
export const NICE_BUCKETS_MS = [
  1000, 2000, 5000, 10_000, 30_000, 60_000, 120_000, 300_000, 900_000, 1_800_000, 3_600_000, 7_200_000, 10_800_000, 21_600_000, 43_200_000,
  86_400_000, 2 * 86_400_000, 7 * 86_400_000,
] as const;

/** The smallest nice bucket width >= ms. */
export function niceBucket(ms: number): number {
  for (const b of NICE_BUCKETS_MS) if (b >= ms) return b;
  return Math.ceil(ms / 86_400_000) * 86_400_000;
}

/** Display budget from the plot width in pixels (one point per pixel, within sane bounds). */
export function maxPointsFor(widthPx: number): number {
  return Math.max(100, Math.min(5000, Math.round(Number.isFinite(widthPx) ? widthPx : 1000)));
}

/**
 * The history.query for a chart of `widthPx` plot pixels. Up to AGGREGATE_ABOVE_MS: raw with
 * min/max downsampling (maxPoints = 2 x pixels: a min and a max per pixel; the core uses its
 * rollups when they pay). Longer: aggregate buckets of a nice width >= span / pixels, aligned
 * so that the core can combine its rollups instead of reading raw data.
 */
export function planQuery(ids: readonly PointId[], from: number, to: number, widthPx: number): TrendQuery {
  const pixels = maxPointsFor(widthPx);
  const lo = Math.floor(Math.min(from, to));
  const hi = Math.ceil(Math.max(from, to));
  const span = hi - lo;
  if (span <= AGGREGATE_ABOVE_MS) return { ids: [...ids], from: lo, to: hi, mode: 'raw', downsample: 'minmax', maxPoints: Math.min(100_000, pixels * 2) };
  const intervalMs = niceBucket(span / pixels);
  const alignedFrom = Math.floor(lo / intervalMs) * intervalMs;
  return { ids: [...ids], from: alignedFrom, to: hi, mode: 'aggregate', intervalMs, maxPoints: pixels };
}

/**
 * The query for a raw trend's boundary values: the value at `from` (the last sample before it
 * holds, or the line through it) and at `to` (the last value holds). A point recorded on change
 * has no sample inside a short range although it has a value there.
 */
export function boundaryQuery(q: TrendQuery, now: number): TrendQuery {
  // never past now: a value is not extrapolated into the future
  const to = Math.max(q.from, Math.min(q.to, Math.floor(now)));
  return { ids: [...q.ids], from: q.from, to, mode: 'interpolated', intervalMs: Math.max(1, to - q.from) };
}

/**
 * A raw pen with its boundary values added where the range has no sample at its ends (from an
 * interpolated pen at [from, min(to, now)]). Boundary points with no value are not added.
 */
export function withBoundaries(pen: TrendPen, edge: Pick<TrendPen, 't' | 'v' | 'q'> | undefined): TrendPen {
  if (!edge || edge.t.length === 0 || pen.agg) return pen;
  const n = pen.t.length;
  const q = pen.q ?? new Array<number>(n).fill(0);
  const t0 = edge.t[0] as number;
  const t1 = edge.t[edge.t.length - 1] as number;
  const v0 = numeric(edge.v[0]);
  const v1 = numeric(edge.v[edge.v.length - 1]);
  const head = v0 !== null && (n === 0 || (pen.t[0] as number) > t0);
  const tail = v1 !== null && t1 > t0 && (n === 0 || (pen.t[n - 1] as number) < t1);
  if (!head && !tail) return pen;
  return {
    ...pen,
    t: [...(head ? [t0] : []), ...pen.t, ...(tail ? [t1] : [])],
    v: [...(head ? [v0] : []), ...pen.v, ...(tail ? [v1] : [])],
    q: [...(head ? [edge.q?.[0] ?? 0] : []), ...q, ...(tail ? [edge.q?.[edge.t.length - 1] ?? 0] : [])],
  };
}

/** How a pen's values were produced, in words ("raw samples", "min/max of 1 min rollups", ...). */
export function resolutionOf(pen: Pick<TrendPen, 'source' | 'levelMs'>, intervalMs?: number): string {
  const lvl = pen.levelMs !== undefined ? `${formatSpan(pen.levelMs)} rollups` : 'raw samples';
  const bucket = intervalMs !== undefined ? `${formatSpan(intervalMs)} buckets` : 'buckets';
  switch (pen.source) {
    case 'raw':
      return 'raw samples';
    case 'interpolated':
      return intervalMs !== undefined ? `interpolated every ${formatSpan(intervalMs)}` : 'interpolated';
    case 'minmax':
      return `min/max per pixel of ${lvl}`;
    case 'lttb':
      return `LTTB of ${lvl}`;
    case 'rollup':
      return `${bucket} from ${lvl}`;
    case 'aggregate-raw':
      return `${bucket} from raw samples`;
  }
}

export function formatSpan(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000} d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  if (ms % 1000 === 0) return `${ms / 1000} s`;
  return `${ms} ms`;
}

/** Zoom by `factor` (>1 = out) around `center`; never narrower than 10 s. */
export function zoomRange(from: number, to: number, factor: number, center = (from + to) / 2): { from: number; to: number } {
  const span = Math.max(10_000, (to - from) * factor);
  const k = to > from ? (center - from) / (to - from) : 0.5;
  const a = Math.round(center - span * k);
  return { from: a, to: a + Math.round(span) };
}

/** Pan by a fraction of the span (negative = back in time). */
export function panRange(from: number, to: number, fraction: number): { from: number; to: number } {
  const d = Math.round((to - from) * fraction);
  return { from: from + d, to: to + d };
}

// ------------------------------------------------------------------ quality -> styling

/** the shared quality codec (core/common/historian.ts), under the names the screens use */
export const decodeQuality = qualityFromCode;
export const encodeQuality = qualityCode;

export type Sample = [number, number | null];

/** What a pen looks like on the chart: good line, uncertain (dotted) line, bad = gaps. */
export interface PenSeries {
  id: PointId;
  /** drawn solid; null = gap */
  solid: Sample[];
  /** drawn dotted: uncertain quality (stale, manual, ...); null = no uncertain segment here */
  uncertain: Sample[];
  /** aggregate mode: min and max per bucket (the band around the mean) */
  band?: { min: Sample[]; max: Sample[] };
  /** the values with their quality, for the cursor */
  t: number[];
  v: (number | null)[];
  q: number[];
  /** samples with a value */
  points: number;
}

/** A chartable number: booleans as 0/1, strings and NaN as no value. */
export function numeric(v: PointValue | undefined): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return null;
}

const levelOfCode = (c: number): QualityLevel => qualityFromCode(c).level;

/**
 * Splits a pen into its drawn series. A segment between samples i and i+1 takes the quality of
 * sample i (a value holds its quality until the next one). Bad quality and missing values are
 * gaps (null: the line breaks); uncertain segments go to the dotted series; the two series
 * share their end points so the curve stays continuous.
 */
export function penSeries(pen: Pick<TrendPen, 'id' | 't' | 'v' | 'q' | 'agg'>): PenSeries {
  const n = pen.t.length;
  const t = pen.t.slice();
  const v: (number | null)[] = new Array<number | null>(n);
  const q: number[] = new Array<number>(n);
  let points = 0;
  for (let i = 0; i < n; i++) {
    const code = pen.q?.[i] ?? 0;
    const x = numeric(pen.v[i]);
    q[i] = code;
    v[i] = levelOfCode(code) === 'bad' ? null : x;
    if (x !== null) points++;
  }
  const solid: Sample[] = new Array<Sample>(n);
  const uncertain: Sample[] = new Array<Sample>(n);
  for (let i = 0; i < n; i++) {
    const x = v[i] as number | null;
    const lv = levelOfCode(q[i] as number);
    const prevOk = i > 0 && v[i - 1] !== null;
    const prevLv = i > 0 ? levelOfCode(q[i - 1] as number) : 'bad';
    const inGood = x !== null && (lv === 'good' || (prevOk && prevLv === 'good'));
    const inUnc = x !== null && (lv === 'uncertain' || (prevOk && prevLv === 'uncertain'));
    solid[i] = [t[i] as number, inGood ? x : null];
    uncertain[i] = [t[i] as number, inUnc ? x : null];
  }
  const out: PenSeries = { id: pen.id, solid, uncertain, t, v, q, points };
  if (pen.agg) {
    const min: Sample[] = [];
    const max: Sample[] = [];
    for (let i = 0; i < n; i++) {
      const lo = pen.agg.count[i] ? (pen.agg.min[i] ?? null) : null;
      const hi = pen.agg.count[i] ? (pen.agg.max[i] ?? null) : null;
      min.push([t[i] as number, lo]);
      max.push([t[i] as number, lo !== null && hi !== null ? hi : null]);
    }
    out.band = { min, max };
  }
  return out;
}

/** Whether any sample of the series is uncertain / bad (for the legend). */
export function qualitySummary(s: Pick<PenSeries, 'q' | 'v'>): { uncertain: number; bad: number } {
  let uncertain = 0;
  let bad = 0;
  for (let i = 0; i < s.q.length; i++) {
    const lv = levelOfCode(s.q[i] as number);
    if (lv === 'uncertain') uncertain++;
    else if (lv === 'bad') bad++;
  }
  return { uncertain, bad };
}

/** Index of the last sample at or before `ts` (-1 if none). */
export function sampleAt(t: readonly number[], ts: number): number {
  let lo = 0;
  let hi = t.length - 1;
  let best = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if ((t[mid] as number) <= ts) {
      best = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return best;
}

/** The quality label at a sample ("" when good), for the cursor. */
export function qualityTag(code: number | undefined): string {
  return qualityLabel(decodeQuality(code));
}

// ------------------------------------------------------------------ live mode

/**
 * Appends live updates to the raw pens (a copy), dropping what falls before `from` and keeping
 * at most one sample per `minStepMs` (the chart cannot show more than one per pixel). A change
 * of quality is always kept. Returns the same object when nothing changed.
 */
export function appendLive(pen: TrendPen, updates: readonly PointUpdate[], from: number, minStepMs: number): TrendPen {
  let t = pen.t;
  let v = pen.v;
  let q = pen.q ?? new Array<number>(pen.t.length).fill(0);
  let changed = false;
  for (const u of updates) {
    if (u.id !== pen.id) continue;
    const last = t.length ? (t[t.length - 1] as number) : -Infinity;
    if (!(u.ts > last)) continue;
    const code = encodeQuality(u.q);
    const lastQ = q.length ? q[q.length - 1] : undefined;
    if (u.ts - last < minStepMs && code === lastQ) continue;
    if (!changed) {
      t = t.slice();
      v = v.slice();
      q = q.slice();
      changed = true;
    }
    t.push(u.ts);
    v.push(numeric(u.v));
    q.push(code);
  }
  let cut = 0;
  while (cut < t.length - 1 && (t[cut + 1] as number) <= from) cut++;
  if (cut > 0) {
    if (!changed) {
      t = t.slice();
      v = v.slice();
      q = q.slice();
      changed = true;
    }
    t.splice(0, cut);
    v.splice(0, cut);
    q.splice(0, cut);
  }
  return changed ? { ...pen, t, v, q } : pen;
}

/** How often a live trend is re-queried from the historian (to restore the exact resolution). */
export function requeryEveryMs(spanMs: number): number {
  return Math.max(15_000, Math.min(300_000, Math.round(spanMs / 60)));
}

// ------------------------------------------------------------------ point search

export interface AssetInfo {
  id: string;
  name: string;
  nature: string;
}

/** Points a trend can draw: numbers and booleans. */
export function trendable(m: Pick<PointMeta, 'type'>): boolean {
  return m.type === 'number' || m.type === 'boolean';
}

/**
 * Points matching every word of `query` in their asset id or name, asset nature, channel,
 * unit or description (case-insensitive). An empty query matches everything.
 */
export function searchPoints<M extends PointMeta>(metas: readonly M[], assets: readonly AssetInfo[], query: string): M[] {
  const words = query.toLowerCase().split(/[\s/]+/).filter(Boolean);
  if (!words.length) return [...metas];
  const byId = new Map(assets.map((a) => [a.id, a]));
  return metas.filter((m) => {
    const a = byId.get(m.assetId);
    const hay = `${m.id} ${m.assetId} ${a?.name ?? ''} ${a?.nature ?? ''} ${m.channel} ${m.unit} ${m.description ?? ''}`.toLowerCase();
    return words.every((w) => hay.includes(w));
  });
}

// ------------------------------------------------------------------ hash links

/** `#/trends?pens=ess/Soc,pcc-meter/ActivePower&range=1h` (links from other screens). */
export function parseTrendHash(hash: string): { pens: PointId[]; range?: TimeRange } {
  const qi = hash.indexOf('?');
  if (qi < 0) return { pens: [] };
  const p = new URLSearchParams(hash.slice(qi + 1));
  const pens = (p.get('pens') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.includes('/'));
  const r = p.get('range');
  const from = Number(p.get('from'));
  const to = Number(p.get('to'));
  let range: TimeRange | undefined;
  if (isPresetKey(r)) range = { kind: 'preset', key: r };
  else if (Number.isFinite(from) && Number.isFinite(to) && from > 0 && to > from) range = { kind: 'custom', from, to };
  return range ? { pens, range } : { pens };
}

export function trendHref(pens: readonly PointId[], range?: TimeRange): string {
  const p = new URLSearchParams();
  if (pens.length) p.set('pens', pens.join(','));
  if (range?.kind === 'preset') p.set('range', range.key);
  else if (range) {
    p.set('from', String(range.from));
    p.set('to', String(range.to));
  }
  const s = p.toString().replace(/%2F/gi, '/').replace(/%2C/gi, ',');
  return `#/trends${s ? `?${s}` : ''}`;
}
