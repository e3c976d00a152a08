/**
 * How much work one trend query, forecast query or export may cause. Every request is sized
 * from chunk metadata (cheap) before any sample is read, and one that is too large is refused
 * with a sentence naming the limit, so no caller — whatever its role — can make the core read
 * or build an unbounded result (issue #8, finding 1).
 */
import { ApiError } from '../common/api/contract';
import type { ExportRequest, ForecastQuery, TrendQuery } from '../common/historian';
import { ROLLUP_LEVELS } from './rollup';
import type { Reader } from './store';

export interface HistorianLimits {
  /** values one trend query may return: pens x time cells (2 million) */
  maxQueryValues: number;
  /** raw samples one trend query may read from disk, summed over its pens (10 million) */
  maxQueryRawReads: number;
  /** rows one forecast query may return (1 million) */
  maxForecastRows: number;
  /** CSV rows one export may write (10 million, about 0.5 GB) */
  maxExportRows: number;
}

export const DEFAULT_HISTORIAN_LIMITS: Readonly<HistorianLimits> = Object.freeze({
  maxQueryValues: 2_000_000,
  maxQueryRawReads: 10_000_000,
  maxForecastRows: 1_000_000,
  maxExportRows: 10_000_000,
});

/** "64 million", "1.5 million", "12,000" */
export function countText(n: number): string {
  if (n >= 1_000_000) {
    const m = n / 1_000_000;
    return `${m >= 10 ? Math.round(m) : Math.round(m * 10) / 10} million`;
  }
  return Math.round(n).toLocaleString('en-US');
}

function tooLarge(message: string, rule: string): ApiError {
  return new ApiError('too-large', message, { rule });
}

/** The widest rollup level no wider than `width` (mirrors query.ts), or -1. */
function levelAtMost(width: number): number {
  for (let l = ROLLUP_LEVELS.length - 1; l >= 0; l--) if ((ROLLUP_LEVELS[l] as number) <= width) return l;
  return -1;
}
function pickLevel(width: number, origin: number): number {
  for (let l = ROLLUP_LEVELS.length - 1; l >= 0; l--) {
    const L = ROLLUP_LEVELS[l] as number;
    if (width % L === 0 && origin % L === 0) return l;
  }
  return -1;
}

/** Cells (timestamps) per pen, samples read per pen: what runPen will do, from metadata. */
export function sizeTrendQuery(q: TrendQuery, rawEstimate: (id: string) => number): { values: number; reads: number } {
  const { from, to } = q;
  const span = to - from + 1;
  let values = 0;
  let reads = 0;
  for (const id of q.ids) {
    if (q.mode === 'interpolated') {
      const step = q.intervalMs ?? Math.max(1, Math.ceil((to - from) / Math.max(1, (q.maxPoints ?? 1000) - 1)));
      values += Math.floor((to - from) / step) + 1;
      reads += rawEstimate(id);
    } else if (q.mode === 'aggregate') {
      const width = q.intervalMs ?? Math.max(1, Math.ceil(span / (q.maxPoints ?? 1000)));
      values += Math.ceil(span / width);
      const lvl = pickLevel(width, from);
      reads += lvl >= 0 ? Math.ceil(span / (ROLLUP_LEVELS[lvl] as number)) : rawEstimate(id);
    } else {
      const raw = rawEstimate(id);
      if (q.maxPoints === undefined || raw <= q.maxPoints) {
        values += raw;
        reads += raw;
        continue;
      }
      values += q.maxPoints;
      const width = span / Math.max(1, Math.floor(q.maxPoints / 2));
      const lvl = levelAtMost(width);
      const useRollup = lvl >= 0 && raw > 4 * (span / (ROLLUP_LEVELS[lvl] as number));
      reads += useRollup ? Math.ceil(span / (ROLLUP_LEVELS[lvl] as number)) : raw;
    }
  }
  return { values, reads };
}

/** Throws ApiError('too-large') when the query would return or read more than the limits. */
export function checkTrendQuery(q: TrendQuery, rawEstimate: (id: string) => number, limits: HistorianLimits = DEFAULT_HISTORIAN_LIMITS): void {
  // interpolated and aggregate cells are known without touching the file: check them first
  const cheap = q.mode === 'raw' ? undefined : sizeTrendQuery(q, () => 0);
  if (cheap && cheap.values > limits.maxQueryValues)
    throw tooLarge(
      `This query would return ${countText(cheap.values)} values; the limit is ${countText(limits.maxQueryValues)}. Shorten the period or widen the interval.`,
      'limit.history.query-values',
    );
  const size = sizeTrendQuery(q, rawEstimate);
  if (size.values > limits.maxQueryValues)
    throw tooLarge(
      `This query would return ${countText(size.values)} values; the limit is ${countText(limits.maxQueryValues)}. ` +
        'Shorten the period, choose fewer points or let the chart reduce the data (maxPoints).',
      'limit.history.query-values',
    );
  if (size.reads > limits.maxQueryRawReads)
    throw tooLarge(
      `This query would read ${countText(size.reads)} recorded samples; the limit is ${countText(limits.maxQueryRawReads)}. ` +
        'Shorten the period or use an aggregate with an interval of a minute or more.',
      'limit.history.query-reads',
    );
}

/** Rows an export will write (wide: one per timestamp at most; long: one per value). */
export function sizeExport(req: ExportRequest, rawEstimate: (id: string) => number): number {
  if ((req.mode ?? 'raw') === 'interpolated') {
    const cells = Math.floor((req.to - req.from) / (req.intervalMs ?? 1000)) + 1;
    return req.layout === 'long' ? cells * req.ids.length : cells;
  }
  let n = 0;
  for (const id of req.ids) n += rawEstimate(id);
  return n;
}

export function checkExport(req: ExportRequest, rawEstimate: (id: string) => number, limits: HistorianLimits = DEFAULT_HISTORIAN_LIMITS): void {
  const cheap = (req.mode ?? 'raw') === 'interpolated' ? sizeExport(req, () => 0) : 0;
  const rows = cheap > limits.maxExportRows ? cheap : sizeExport(req, rawEstimate);
  if (rows > limits.maxExportRows)
    throw tooLarge(
      `This export would write ${countText(rows)} rows; the limit is ${countText(limits.maxExportRows)}. Shorten the period, widen the interval or export fewer points.`,
      'limit.history.export-rows',
    );
}

/** Raw sample estimate of one point id from chunk metadata (0 for an unknown point). */
export function rawEstimator(reader: Reader, from: number, to: number): (id: string) => number {
  return (id) => {
    const pid = reader.pointId(id);
    return pid === undefined ? 0 : reader.countEstimate(pid, from, to);
  };
}

export function checkForecastQuery(reader: Reader, q: ForecastQuery, limits: HistorianLimits = DEFAULT_HISTORIAN_LIMITS): void {
  const count = reader.db.prepare('SELECT count(*) AS n FROM forecasts WHERE series = ? AND ts >= ? AND ts <= ?');
  let rows = 0;
  for (const s of q.series) {
    rows += (count.get(s, q.from, q.to) as { n: number }).n;
    if (rows > limits.maxForecastRows)
      throw tooLarge(
        `This forecast query would read more than ${countText(limits.maxForecastRows)} stored values, the limit. Shorten the period or ask for fewer series.`,
        'limit.history.forecast-rows',
      );
  }
}
