/**
 * History page logic (runtime query + CSV export, asset.04 Req5): the export request, the
 * preview rows (the same layout the core's CSV export writes), and export progress. Pure.
 */
import type { ExportProgressEvent, ExportRequest, TrendPen, TrendQuery } from '../../../../core/common/historian';
import type { PointId } from '../../../../core/common/point';
import { decodeQuality } from '../trends/trendModel';
import { nextTime } from '../../../../core/common/series';

export type Layout = ExportRequest['layout'];
export type ExportMode = 'raw' | 'interpolated';

export const INTERVALS = [
  { ms: 1000, label: '1 s' },
  { ms: 10_000, label: '10 s' },
  { ms: 60_000, label: '1 min' },
  { ms: 300_000, label: '5 min' },
  { ms: 900_000, label: '15 min' },
  { ms: 3_600_000, label: '1 h' },
  { ms: 86_400_000, label: '1 d' },
] as const;

export interface ExportForm {
  ids: PointId[];
  from: number;
  to: number;
  mode: ExportMode;
  intervalMs: number;
  layout: Layout;
  separator: ',' | ';' | '\t';
}

/** A fresh id for every export (the core refuses a second export with a running id). */
export function newExportId(now = Date.now(), rand: () => number = Math.random): string {
  return `exp-${now.toString(36)}-${Math.floor(rand() * 36 ** 6)
    .toString(36)
    .padStart(6, '0')}`;
}

/** Validation message for the form, or null when it can be exported. */
export function formProblem(f: ExportForm): string | null {
  if (!f.ids.length) return 'Choose at least one point.';
  if (!(f.to > f.from)) return 'The period must end after it starts.';
  if (f.mode === 'interpolated') {
    if (!(f.intervalMs > 0)) return 'Choose an interval.';
    const rows = Math.floor((f.to - f.from) / f.intervalMs) + 1;
    if (rows > 10_000_000) return `That is ${rows.toLocaleString('en')} rows: choose a longer interval or a shorter period.`;
  }
  return null;
}

/** `decimals`: per id, the point's resolution (values are rounded to it in the file). */
export function exportRequest(f: ExportForm, exportId: string, decimals?: (number | null)[]): ExportRequest & { exportId: string } {
  return {
    ...(decimals ? { decimals: [...decimals] } : {}),
    // wide raw: samples of the devices' polls (up to a second apart) share a row
    ...(f.layout === 'wide' && f.mode !== 'interpolated' ? { mergeMs: 1000 } : {}),
    exportId,
    ids: [...f.ids],
    from: Math.floor(f.from),
    to: Math.ceil(f.to),
    layout: f.layout,
    mode: f.mode,
    ...(f.mode === 'interpolated' ? { intervalMs: f.intervalMs } : {}),
    separator: f.separator,
  };
}

/**
 * The queries that fetch preview data: raw mode widens the window (10 min, 6 h, the whole
 * period) until enough rows come back; interpolated needs only `limit` grid steps.
 */
export function previewQueries(f: ExportForm, limit: number): TrendQuery[] {
  if (f.mode === 'interpolated') {
    const to = Math.min(f.to, f.from + f.intervalMs * (limit - 1));
    return [{ ids: [...f.ids], from: f.from, to, mode: 'interpolated', intervalMs: f.intervalMs }];
  }
  const out: TrendQuery[] = [];
  for (const w of [600_000, 6 * 3_600_000]) {
    if (f.from + w >= f.to) break;
    out.push({ ids: [...f.ids], from: f.from, to: f.from + w, mode: 'raw' });
  }
  out.push({ ids: [...f.ids], from: f.from, to: f.to, mode: 'raw' });
  return out;
}

/** ISO-8601 UTC with milliseconds, as in the export. */
export function isoTime(t: number): string {
  return new Date(t).toISOString();
}

/** "good", "uncertain:stale", ... as in the export's long layout. */
export function qualityText(code: number | undefined): string {
  const q = decodeQuality(code);
  return q.reason ? `${q.level}:${q.reason}` : q.level;
}

function cell(v: number | string | null | undefined): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isNaN(v) ? '' : String(v);
  return v;
}

export interface Preview {
  header: string[];
  rows: string[][];
  /** more rows exist than shown */
  more: boolean;
}

/**
 * The first `limit` rows of the CSV the export would write. Wide: one row per distinct
 * timestamp, one column per point (empty where that point has no sample at that time).
 * Long: time, point, value, quality. Interpolated long rows skip missing values, as the export.
 */
export function previewRows(pens: readonly Pick<TrendPen, 'id' | 't' | 'v' | 'q'>[], ids: readonly PointId[], layout: Layout, limit: number): Preview {
  const byId = new Map(pens.map((p) => [p.id, p]));
  const series = ids.map((id) => byId.get(id));
  const header = layout === 'long' ? ['time', 'point', 'value', 'quality'] : ['time', ...ids];
  const rows: string[][] = [];
  const idx = series.map(() => 0);
  let more = false;
  for (;;) {
    const tmin = nextTime(series, idx);
    if (tmin === Infinity) break;
    if (rows.length >= limit) {
      more = true;
      break;
    }
    const ts = isoTime(tmin);
    const wide: string[] = [ts];
    for (let p = 0; p < series.length; p++) {
      const s = series[p];
      const i = idx[p] as number;
      if (s && i < s.t.length && s.t[i] === tmin) {
        const v = s.v[i];
        if (layout === 'long') {
          if (v !== null && v !== undefined && rows.length < limit) rows.push([ts, ids[p] as string, cell(v), qualityText(s.q?.[i])]);
          else if (rows.length >= limit) more = true;
        } else wide.push(cell(v));
        idx[p] = i + 1;
      } else if (layout === 'wide') wide.push('');
    }
    if (layout === 'wide') rows.push(wide);
  }
  return { header, rows, more };
}

// ------------------------------------------------------------------ export progress

export type ExportStatus = 'idle' | 'starting' | 'running' | 'done' | 'failed' | 'cancelled';

export interface ExportState {
  status: ExportStatus;
  exportId: string | null;
  fraction: number;
  rows: number;
  totalRows: number;
  bytes: number;
  download?: string;
  file?: string;
  filename?: string;
  error?: string;
}

export const IDLE_EXPORT: ExportState = { status: 'idle', exportId: null, fraction: 0, rows: 0, totalRows: 0, bytes: 0 };

export function startExport(exportId: string): ExportState {
  return { ...IDLE_EXPORT, status: 'starting', exportId };
}

/** The next state after a progress event; events of other exports are ignored. */
export function applyProgress(s: ExportState, e: ExportProgressEvent): ExportState {
  if (e.exportId !== s.exportId || s.status === 'idle' || s.status === 'done' || s.status === 'failed' || s.status === 'cancelled') return s;
  if (e.error !== undefined) {
    const cancelled = e.error === 'cancelled';
    return { ...s, status: cancelled ? 'cancelled' : 'failed', error: cancelled ? undefined : e.error };
  }
  const next: ExportState = {
    ...s,
    status: e.done ? 'done' : 'running',
    fraction: Math.max(0, Math.min(1, e.fraction)),
    rows: e.rows,
    totalRows: e.totalRows,
    bytes: e.bytes,
  };
  if (e.done) {
    if (e.download !== undefined) next.download = e.download;
    if (e.file !== undefined) next.file = e.file;
    if (e.filename !== undefined) next.filename = e.filename;
  }
  return next;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} kB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}
