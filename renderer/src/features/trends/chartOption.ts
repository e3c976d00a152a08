/**
 * The ECharts option of a trend (pure: plain objects, no ECharts runtime), so that the chart
 * component stays a thin wrapper and the styling rules can be tested.
 */
import { hmi } from '../../theme';
import { groupAxes, gridMargins, type PenSeries, type Sample } from './trendModel';

export interface ChartPen {
  id: string;
  label: string;
  unit: string;
  color: string;
  series: PenSeries;
}

export interface ChartForecast {
  penId: string;
  kind: 'plan' | 'forecast';
  data: Sample[];
}

export interface TrendChartModel {
  pens: ChartPen[];
  forecasts: ChartForecast[];
  from: number;
  to: number;
  /** axis labels */
  formatTick: (ts: number, spanMs: number) => string;
  /** horizontal reference lines (the contracted power on the PCC group), drawn on the axis of their unit */
  references?: { label: string; value: number; unit: string }[];
}

/** Dotted: uncertain quality. Dashed: plan / forecast. */
export const UNCERTAIN_DASH = [2, 3];
export const FORECAST_DASH = [8, 4];

type Obj = Record<string, unknown>;

export function buildOption(m: TrendChartModel): Obj {
  const { axes, axisOf } = groupAxes(m.pens.map((p) => ({ id: p.id, unit: p.unit })));
  const margins = gridMargins(axes.length);
  const colorOf = new Map(m.pens.map((p) => [p.id, p.color]));
  const span = m.to - m.from;
  const yAxis = (axes.length ? axes : [{ unit: '', pens: [], index: 0, position: 'left' as const, offset: 0 }]).map((a) => {
    // an axis of one pen takes its colour; a shared axis stays neutral
    const c = a.pens.length === 1 ? (colorOf.get(a.pens[0] as string) ?? hmi.textDim) : hmi.textDim;
    return {
      type: 'value',
      name: a.unit || '(no unit)',
      nameTextStyle: { color: c, fontWeight: 600, align: a.position === 'left' ? 'right' : 'left' },
      position: a.position,
      offset: a.offset,
      scale: true,
      alignTicks: false,
      axisLine: { show: true, lineStyle: { color: c, width: 2 } },
      axisTick: { show: true },
      axisLabel: { color: hmi.textDim, hideOverlap: true },
      splitLine: { show: a.index === 0, lineStyle: { color: hmi.line } },
    };
  });
  const series: Obj[] = [];
  for (const p of m.pens) {
    const yAxisIndex = axisOf.get(p.id) ?? 0;
    const common = { type: 'line', yAxisIndex, showSymbol: false, connectNulls: false, animation: false, silent: true, emphasis: { disabled: true } };
    if (p.series.band) {
      series.push({ ...common, id: `${p.id}#min`, name: `${p.label} min`, data: p.series.band.min, stack: `band:${p.id}`, lineStyle: { opacity: 0 }, z: 1 });
      series.push({
        ...common,
        id: `${p.id}#range`,
        name: `${p.label} range`,
        data: p.series.band.max.map(([t, hi], i) => {
          const lo = p.series.band?.min[i]?.[1] ?? null;
          return [t, hi !== null && lo !== null ? hi - lo : null];
        }),
        stack: `band:${p.id}`,
        lineStyle: { opacity: 0 },
        areaStyle: { color: p.color, opacity: 0.14 },
        z: 1,
      });
    }
    series.push({ ...common, id: p.id, name: p.label, data: p.series.solid, lineStyle: { color: p.color, width: 1.6 }, itemStyle: { color: p.color }, z: 3 });
    series.push({
      ...common,
      id: `${p.id}#uncertain`,
      name: `${p.label} (uncertain)`,
      data: p.series.uncertain,
      lineStyle: { color: p.color, width: 1.6, type: UNCERTAIN_DASH },
      itemStyle: { color: p.color },
      z: 3,
    });
  }
  for (const f of m.forecasts) {
    const c = colorOf.get(f.penId);
    if (!c) continue;
    series.push({
      type: 'line',
      id: `${f.penId}#${f.kind}`,
      name: `${f.penId} ${f.kind}`,
      yAxisIndex: axisOf.get(f.penId) ?? 0,
      data: f.data,
      showSymbol: false,
      animation: false,
      silent: true,
      lineStyle: { color: c, width: 1.2, type: FORECAST_DASH, opacity: 0.85 },
      itemStyle: { color: c },
      z: 2,
    });
  }
  for (const r of m.references ?? []) {
    const axis = axes.find((a) => a.unit === r.unit);
    if (!axis) continue;
    series.push({
      type: 'line',
      id: `ref#${r.label}`,
      name: r.label,
      yAxisIndex: axis.index,
      data: [],
      silent: true,
      animation: false,
      markLine: {
        silent: true,
        symbol: 'none',
        animation: false,
        lineStyle: { color: hmi.text, width: 1.2, type: 'dashed' },
        label: { position: 'insideEndTop', color: hmi.text, fontSize: 11, formatter: `${r.label} ${r.value} ${r.unit}` },
        data: [{ yAxis: r.value }],
      },
      z: 2,
    });
  }
  return {
    animation: false,
    backgroundColor: 'transparent',
    textStyle: { fontFamily: 'inherit', color: hmi.text },
    grid: { left: margins.left, right: margins.right, top: 34, bottom: 34, containLabel: false },
    xAxis: {
      type: 'time',
      min: m.from,
      max: m.to,
      axisLine: { lineStyle: { color: hmi.equipment } },
      axisLabel: { color: hmi.textDim, hideOverlap: true, formatter: (v: number) => m.formatTick(v, span) },
      splitLine: { show: true, lineStyle: { color: hmi.line } },
    },
    yAxis,
    dataZoom: [{ type: 'inside', xAxisIndex: 0, filterMode: 'none', start: 0, end: 100, zoomOnMouseWheel: true, moveOnMouseMove: true, moveOnMouseWheel: false }],
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'line', lineStyle: { color: hmi.equipment, width: 1 }, label: { show: false } },
      backgroundColor: hmi.field,
      borderColor: hmi.line,
      textStyle: { color: hmi.text, fontSize: 12 },
      confine: true,
      transitionDuration: 0,
    },
    series,
  };
}
