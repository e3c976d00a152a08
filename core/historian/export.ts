/**
 * CSV export: a generator of text pieces (~256 kB) over a Reader, walking the range in time
 * windows sized so that one window holds ~200 k samples: memory stays bounded for any range.
 * The worker (pool.ts) forwards the pieces with back-pressure; cancel stops between pieces.
 */
import type { ExportProgress, ExportRequest } from '../common/historian';
import { qualityText } from './codec';
import { interpolate, readRaw, type RawSeries } from './query';
import type { Reader } from './store';
import { nextTime } from '../common/series';

const WINDOW_SAMPLES = 200_000;
const PIECE_BYTES = 256 * 1024;

function csvCell(v: number | string | null, sep: string, decimals?: number | null): string {
  if (v === null) return '';
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return '';
    if (decimals === undefined || decimals === null || !Number.isFinite(v)) return String(v);
    // rounded to the point's resolution; never "-0.0"
    const s = v.toFixed(decimals);
    return /^-0(\.0+)?$/.test(s) ? s.slice(1) : s;
  }
  return /[",\n\r;\t]/.test(v) || v.includes(sep) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** ISO-8601 UTC with milliseconds; the date part is cached (rows arrive in time order). */
class IsoFormatter {
  private dayStart = Number.NaN;
  private prefix = '';
  format(t: number): string {
    if (!(t >= this.dayStart && t < this.dayStart + 86_400_000)) {
      this.dayStart = Math.floor(t / 86_400_000) * 86_400_000;
      this.prefix = new Date(this.dayStart).toISOString().slice(0, 11);
    }
    let ms = t - this.dayStart;
    const h = Math.floor(ms / 3_600_000);
    ms -= h * 3_600_000;
    const m = Math.floor(ms / 60_000);
    ms -= m * 60_000;
    const s = Math.floor(ms / 1000);
    ms -= s * 1000;
    return `${this.prefix}${h < 10 ? '0' : ''}${h}:${m < 10 ? '0' : ''}${m}:${s < 10 ? '0' : ''}${s}.${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}Z`;
  }
}

function rawValue(r: RawSeries, i: number): number | string | null {
  if (r.type === 'string') return r.s?.[i] ?? null;
  const x = r.v[i] as number;
  if (Number.isNaN(x)) return null;
  return r.type === 'boolean' ? (x !== 0 ? 1 : 0) : x;
}

export function* csvPieces(reader: Reader, req: ExportRequest, onProgress?: (p: ExportProgress) => void): Generator<string> {
  const sep = req.separator ?? ',';
  const dec = req.ids.map((_, p) => req.decimals?.[p] ?? null);
  const pids = req.ids.map((id) => reader.pointId(id));
  const mode = req.mode ?? 'raw';
  const iso = new IsoFormatter();
  let totalSamples = 0;
  for (const pid of pids) if (pid !== undefined) totalSamples += reader.countEstimate(pid, req.from, req.to);
  const totalRows =
    mode === 'interpolated' ? Math.floor((req.to - req.from) / (req.intervalMs ?? 1000)) + 1 : totalSamples;
  const windows = mode === 'interpolated' ? Math.max(1, Math.ceil((totalRows * pids.length) / WINDOW_SAMPLES)) : Math.max(1, Math.ceil(totalSamples / WINDOW_SAMPLES));
  const span = req.to - req.from + 1;
  let windowMs = Math.ceil(span / windows);
  if (mode === 'interpolated') {
    const step = req.intervalMs ?? 1000;
    windowMs = Math.max(step, Math.ceil(windowMs / step) * step);
  }
  let rows = 0;
  let bytes = 0;
  let doneSamples = 0;
  let buf: string[] = [];
  let bufLen = 0;
  const header = req.layout === 'long' ? ['time', 'point', 'value', 'quality'].join(sep) : ['time', ...req.ids.map((id) => csvCell(id, sep))].join(sep);
  buf.push(header + '\n');
  bufLen += header.length + 1;
  const progress = (done: boolean): ExportProgress => ({
    rows,
    totalRows: Math.max(totalRows, rows),
    bytes,
    fraction: done ? 1 : totalRows > 0 ? Math.min(1, (mode === 'interpolated' ? rows : doneSamples) / totalRows) : 0,
    done,
  });

  for (let w0 = req.from; w0 <= req.to; w0 += windowMs) {
    const w1 = Math.min(req.to, w0 + windowMs - 1);
    const series = pids.map((pid) => (pid === undefined ? undefined : readRaw(reader, pid, w0, w1, mode === 'interpolated')));
    const lines: string[] = [];
    if (mode === 'interpolated') {
      const step = req.intervalMs ?? 1000;
      const grid: number[] = [];
      for (let g = w0; g <= w1; g += step) grid.push(g);
      const cols = series.map((s) => (s ? interpolate(s, grid) : undefined));
      for (let k = 0; k < grid.length; k++) {
        const ts = iso.format(grid[k] as number);
        if (req.layout === 'wide') lines.push(ts + sep + cols.map((c, p) => csvCell(c ? (c.v[k] ?? null) : null, sep, dec[p])).join(sep));
        else
          for (let p = 0; p < cols.length; p++) {
            const c = cols[p];
            if (!c || c.v[k] === null) continue;
            lines.push(`${ts}${sep}${csvCell(req.ids[p] as string, sep)}${sep}${csvCell(c.v[k] ?? null, sep, dec[p])}${sep}${qualityText(c.q[k] ?? 0)}`);
          }
      }
    } else {
      // k-way merge by time across pens; wide rows gather samples less than mergeMs apart
      const idx = series.map(() => 0);
      const cells: (number | string | null)[] = req.ids.map(() => null);
      const filled: boolean[] = req.ids.map(() => false);
      const mergeMs = req.layout === 'wide' ? (req.mergeMs ?? 0) : 0;
      let rowStart = Number.NaN;
      const flush = (): void => {
        if (Number.isNaN(rowStart)) return;
        lines.push(iso.format(rowStart) + sep + cells.map((c, p) => csvCell(filled[p] ? c : null, sep, dec[p])).join(sep));
        filled.fill(false);
        rowStart = Number.NaN;
      };
      for (;;) {
        const tmin = nextTime(series, idx);
        if (tmin === Infinity) break;
        const ts = iso.format(tmin);
        if (req.layout === 'wide' && !Number.isNaN(rowStart)) {
          const collides = series.some((s, p) => filled[p] && s && (idx[p] as number) < s.t.length && s.t[idx[p] as number] === tmin);
          if (tmin - rowStart >= mergeMs || collides) flush();
        }
        if (req.layout === 'wide' && Number.isNaN(rowStart)) rowStart = tmin;
        for (let p = 0; p < series.length; p++) {
          const s = series[p];
          const i = idx[p] as number;
          if (s && i < s.t.length && s.t[i] === tmin) {
            if (req.layout === 'long') lines.push(`${ts}${sep}${csvCell(req.ids[p] as string, sep)}${sep}${csvCell(rawValue(s, i), sep, dec[p])}${sep}${qualityText(s.q[i] as number)}`);
            else {
              cells[p] = rawValue(s, i);
              filled[p] = true;
            }
            idx[p] = i + 1;
            doneSamples++;
          }
        }
      }
      flush();
    }
    for (const line of lines) {
      buf.push(line + '\n');
      bufLen += line.length + 1;
      rows++;
      if (bufLen >= PIECE_BYTES) {
        const piece = buf.join('');
        bytes += piece.length;
        buf = [];
        bufLen = 0;
        onProgress?.(progress(false));
        yield piece;
      }
    }
  }
  const piece = buf.join('');
  bytes += piece.length;
  onProgress?.(progress(true));
  if (piece.length > 0) yield piece;
}
