/**
 * The forecast accuracy screen's model (pure, testable under node; issue #11 item 5): one row
 * per forecast and horizon (MAE in kW, nRMSE in %, skill against persistence), the sentences
 * that say why a figure is missing or uncertain, and the ECharts option of forecast against
 * measured. ISA-101: grey lines, the forecast dashed, the measured solid; the quality of a
 * figure always written beside it (uncertain/bad), never a colour alone.
 */
import type { ForecastAccuracy } from '../../../../core/common/plan';
import { formatNumber } from '../../format/format';
import { hmi } from '../../theme';
import { PLAN_DASH } from './planModel';

type Obj = Record<string, unknown>;

export interface AccuracyRow {
  key: string;
  forecast: string;
  horizon: string;
  pairs: number;
  mae: string;
  nrmse: string;
  skill: string;
  /** the figure's quality in words: empty when good */
  note: string;
}

/** "latest issue" for 0, else "≥ 1 h ahead", "≥ 24 h ahead (day-ahead)" */
export function horizonLabel(ms: number): string {
  if (ms <= 0) return 'latest issue';
  const h = ms / 3_600_000;
  return `≥ ${formatNumber(h, h < 1 ? 2 : 0)} h ahead${h === 24 ? ' (day-ahead)' : ''}`;
}

const dash = '—';

/** The table's rows: per forecast, one row per horizon (a missing figure is a dash with its reason). */
export function accuracyRows(forecasts: readonly ForecastAccuracy[]): AccuracyRow[] {
  const rows: AccuracyRow[] = [];
  for (const f of forecasts) {
    for (const h of f.horizons) {
      const note =
        h.n === 0 ? (h.horizonMs === 0 ? (f.why ?? 'nothing to compare') : 'no forecast issued this far ahead')
        : h.n < 12 ? `uncertain: only ${h.n} pairs`
        : h.skill === null ? 'skill unknown: no measured values a day earlier'
        : '';
      rows.push({
        key: `${f.series}@${h.horizonMs}`,
        forecast: f.label,
        horizon: horizonLabel(h.horizonMs),
        pairs: h.n,
        mae: h.mae === null ? dash : `${formatNumber(h.mae, 2)} kW`,
        nrmse: h.nrmse === null ? dash : `${formatNumber(h.nrmse * 100, 1)} %`,
        skill: h.skill === null ? dash : formatNumber(h.skill, 2),
        note,
      });
    }
  }
  return rows;
}

/** Forecast (dashed) against measured (solid) for one forecast, kW on the value axis. */
export function accuracyOption(f: ForecastAccuracy, formatTick: (ts: number) => string): Obj {
  const pairs = (v: readonly (number | null)[]) => f.t.map((t, i) => [t, v[i] ?? null]);
  return {
    animation: false,
    grid: { left: 64, right: 24, top: 36, bottom: 56 },
    legend: { bottom: 0, textStyle: { color: hmi.text } },
    tooltip: { trigger: 'axis', valueFormatter: (v: unknown) => (typeof v === 'number' ? `${v.toFixed(2)} kW` : dash) },
    xAxis: { type: 'time', min: f.t[0], max: f.t[f.t.length - 1], axisLabel: { color: hmi.textDim, formatter: formatTick, hideOverlap: true }, axisLine: { lineStyle: { color: hmi.line } } },
    yAxis: { type: 'value', name: f.unit, scale: true, nameTextStyle: { color: hmi.textDim, fontWeight: 600 }, axisLabel: { color: hmi.textDim }, splitLine: { lineStyle: { color: hmi.line } } },
    series: [
      { id: 'forecast', name: `${f.label} (forecast)`, type: 'line', showSymbol: false, connectNulls: false, data: pairs(f.forecast), lineStyle: { color: hmi.textDim, width: 1.5, type: PLAN_DASH }, itemStyle: { color: hmi.textDim } },
      { id: 'actual', name: `${f.label} (measured)`, type: 'line', showSymbol: false, connectNulls: false, data: pairs(f.actual), lineStyle: { color: hmi.text, width: 2, type: 'solid' }, itemStyle: { color: hmi.text } },
    ],
  };
}
