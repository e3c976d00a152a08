/**
 * Study CSV: measured profiles in (load and PV per 15 minutes, every error located as
 * file:line:column) and results out (the strategies' series side by side, and their totals).
 */
import { STUDY_STEP_MINUTES, type StudyProfiles, type StudyResults, type StudyTotals } from '../common/study';

export class CsvProfileError extends Error {
  constructor(readonly problems: string[]) {
    super(`The profile file cannot be used: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? `; and ${problems.length - 5} more` : ''}.`);
    this.name = 'CsvProfileError';
  }
}

const TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/;

/**
 * `time,load_kw[,pv_kw]`: one row per 15 minutes, times in ISO 8601 with their offset (Z or
 * +01:00), consecutive; load and PV in kW (PV measured with `pvKwp` kWp, scaled to the study's
 * PV size). Separator: comma or semicolon.
 */
export function parseProfileCsv(text: string, fileName: string, pvKwp: number): Extract<StudyProfiles, { kind: 'series' }> {
  const problems: string[] = [];
  const at = (line: number, col: number, msg: string): void => {
    if (problems.length < 50) problems.push(`${fileName}:${line}:${col}: ${msg}`);
  };
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const head = (lines[0] ?? '').trim();
  const sep = head.includes(';') ? ';' : ',';
  const cols = head.split(sep).map((c) => c.trim().toLowerCase());
  const iTime = cols.indexOf('time');
  const iLoad = cols.indexOf('load_kw');
  const iPv = cols.indexOf('pv_kw');
  if (iTime < 0 || iLoad < 0) throw new CsvProfileError([`${fileName}:1:1: the header must name the columns time and load_kw (and pv_kw for PV), found "${head.slice(0, 80)}"`]);
  const colOf = (cells: string[], i: number): number => cells.slice(0, i).reduce((n, c) => n + c.length + 1, 1);
  const loadKw: number[] = [];
  const pvKw: number[] = [];
  let start = Number.NaN;
  let prev = Number.NaN;
  const stepMs = STUDY_STEP_MINUTES * 60_000;
  for (let i = 1; i < lines.length; i++) {
    const raw = lines[i] ?? '';
    if (raw.trim() === '') continue;
    const line = i + 1;
    const cells = raw.split(sep);
    const tCell = (cells[iTime] ?? '').trim();
    if (!TIME.test(tCell)) {
      at(line, colOf(cells, iTime), `"${tCell.slice(0, 40)}" is not a time with its offset (e.g. 2026-01-05T00:15:00+01:00)`);
      continue;
    }
    const t = Date.parse(tCell.replace(' ', 'T'));
    if (!Number.isFinite(t)) {
      at(line, colOf(cells, iTime), `"${tCell}" is not a valid date`);
      continue;
    }
    if (Number.isNaN(start)) start = t;
    else if (t - prev !== stepMs) at(line, colOf(cells, iTime), `expected the next 15-minute step ${new Date(prev + stepMs).toISOString()}, found ${new Date(t).toISOString()}`);
    prev = t;
    const num = (idx: number, what: string): number => {
      const c = (cells[idx] ?? '').trim().replace(',', '.');
      const v = Number(c);
      if (c === '' || !Number.isFinite(v)) {
        at(line, colOf(cells, idx), `${what} "${c}" is not a number`);
        return 0;
      }
      if (v < 0) at(line, colOf(cells, idx), `${what} ${v} kW is negative`);
      return v;
    };
    loadKw.push(num(iLoad, 'load_kw'));
    if (iPv >= 0) pvKw.push(num(iPv, 'pv_kw'));
  }
  if (loadKw.length === 0 && problems.length === 0) problems.push(`${fileName}:2:1: the file has no data rows`);
  if (loadKw.length > 40_000) problems.push(`${fileName}: ${loadKw.length} rows is more than a year and a half of 15-minute steps (40,000 at most)`);
  if (problems.length) throw new CsvProfileError(problems);
  return { kind: 'series', origin: fileName, start, loadKw, pvKw, pvKwpMeasured: iPv >= 0 ? pvKwp : 0 };
}

const q = (s: string): string => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
const n3 = (x: number): string => (Number.isFinite(x) ? String(Math.round(x * 1000) / 1000) : '');

/** the 15-minute series of every strategy side by side (UTC time, kW and %) */
export function seriesCsv(r: StudyResults): string {
  const first = r.strategies[0];
  if (!first) return 'time_utc\n';
  const head = ['time_utc', 'load_kw', 'pv_kw'];
  for (const s of r.strategies) head.push(`${s.strategyId}_battery_kw`, `${s.strategyId}_soc_pct`, `${s.strategyId}_grid_kw`);
  const out = [head.map(q).join(',')];
  const n = first.series.loadKw.length;
  const step = first.series.stepMinutes * 60_000;
  for (let k = 0; k < n; k++) {
    const row = [new Date(first.series.start + k * step).toISOString(), n3(first.series.loadKw[k] ?? NaN), n3(first.series.pvKw[k] ?? NaN)];
    for (const s of r.strategies) row.push(n3(s.series.essKw[k] ?? NaN), n3(s.series.socPct[k] ?? NaN), n3(s.series.gridKw[k] ?? NaN));
    out.push(row.join(','));
  }
  return out.join('\n') + '\n';
}

export const TOTAL_LABELS: Array<[keyof StudyTotals, string]> = [
  ['netCost', 'Net cost'],
  ['baselineNetCost', 'Net cost without battery'],
  ['saving', 'Saving over the period'],
  ['annualSaving', 'Saving per year'],
  ['energyCost', 'Energy cost'],
  ['demandCost', 'Power term'],
  ['exportRevenue', 'Export revenue'],
  ['importKwh', 'Grid import (kWh)'],
  ['exportKwh', 'Grid export (kWh)'],
  ['peakImportKw', 'Highest import (kW)'],
  ['selfConsumptionPct', 'PV self-consumption (%)'],
  ['throughputKwh', 'Battery throughput (kWh)'],
  ['equivalentFullCycles', 'Equivalent full cycles'],
  ['rainflowCycles', 'Rainflow cycles'],
  ['cycleDamagePct', 'Cycle life used (%)'],
  ['cycleLifeYears', 'Cycle life at this use (years)'],
  ['plans', 'Day-ahead plans'],
  ['planFailures', 'Failed plans'],
];

/** totals per strategy (one column each), then the sizing sweep */
export function totalsCsv(r: StudyResults): string {
  const out = [['quantity', ...r.strategies.map((s) => s.name)].map(q).join(',')];
  for (const [k, label] of TOTAL_LABELS) out.push([q(label), ...r.strategies.map((s) => n3((s.totals[k] as number | null) ?? NaN))].join(','));
  if (r.sweep) {
    out.push('', 'battery_kwh,inverter_kw,investment,annual_saving,payback_years,equivalent_full_cycles,cycle_life_used_pct');
    for (const w of r.sweep.rows) out.push([w.batteryKwh, w.inverterKw, n3(w.investment), n3(w.annualSaving), w.paybackYears === null ? '' : n3(w.paybackYears), n3(w.equivalentFullCycles), n3(w.cycleDamagePct)].join(','));
  }
  return out.join('\n') + '\n';
}
