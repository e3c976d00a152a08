/**
 * The plan screen's model (pure: plain objects, no ECharts runtime, testable under node):
 * the schedule of a plan against what actually happened, and the objective's terms.
 *
 * Styling (ISA-101): grey lines; planned values dashed, actual values solid (as in Trends);
 * colour only for the abnormal (a fallback mode, a failed plan). Units on every axis.
 */
import type { PlanRecord } from '../../../../core/common/plan';
import type { SiteView } from '../../../../core/common/api/contract';
import { hmi } from '../../theme';

export const PLAN_DASH = [8, 4];

type Obj = Record<string, unknown>;

/** One curve of the schedule. */
export interface PlanCurve {
  key: string;
  label: string;
  axis: 'kW' | '%' | 'EUR/kWh';
  kind: 'plan' | 'actual';
  /** [ms, value] pairs */
  data: Array<[number, number | null]>;
  shade: string;
}

/** The points whose history is the "actual" of each planned curve, by nature (never a device's point names). */
export function actualPoints(site: SiteView): Array<{ key: string; id: string; label: string; axis: PlanCurve['axis'] }> {
  const out: Array<{ key: string; id: string; label: string; axis: PlanCurve['axis'] }> = [];
  for (const a of site.assets) {
    if (a.nature === 'Ess') {
      out.push({ key: `${a.id}/power`, id: `${a.id}/ActivePower`, label: `${a.name} power (actual)`, axis: 'kW' });
      out.push({ key: `${a.id}/soc`, id: `${a.id}/Soc`, label: `${a.name} SoC (actual)`, axis: '%' });
    } else if (a.nature === 'Pv') out.push({ key: `${a.id}/power`, id: `${a.id}/ActivePower`, label: `${a.name} (actual)`, axis: 'kW' });
    else if (a.nature === 'Evse') out.push({ key: `${a.id}/power`, id: `${a.id}/ActivePower`, label: `${a.name} (actual)`, axis: 'kW' });
    else if (a.nature === 'Meter' && a.id === site.pcc.meter) out.push({ key: 'grid', id: `${a.id}/ActivePower`, label: 'Grid exchange (actual, + import)', axis: 'kW' });
  }
  return out;
}

const SHADES = ['#1E1E1E', '#505050', '#6B6B6B', '#7D7D7D', '#3A3A3A', '#8A8A8A', '#2E2E2E', '#606060'];

/** The planned curves of a plan: battery power and SoC, grid, PV, load, EV, prices. */
export function planCurves(plan: PlanRecord, site: SiteView | null): PlanCurve[] {
  const s = plan.series;
  if (!s) return [];
  const stepMs = plan.stepMinutes * 60_000;
  const name = (id: string) => site?.assets.find((a) => a.id === id)?.name ?? id;
  // a step holds its value to the end of the step: one more point at the end
  const at = (values: readonly number[]): Array<[number, number | null]> => [
    ...values.map((v, t) => [plan.start + t * stepMs, v] as [number, number]),
    ...(values.length ? [[plan.start + values.length * stepMs, values[values.length - 1] ?? null] as [number, number | null]] : []),
  ];
  const curves: PlanCurve[] = [];
  let n = 0;
  const shade = () => SHADES[n++ % SHADES.length] as string;
  for (const b of s.storage) {
    curves.push({ key: `${b.id}/power`, label: `${name(b.id)} power (plan, + discharge)`, axis: 'kW', kind: 'plan', data: at(b.powerKw), shade: shade() });
    curves.push({ key: `${b.id}/soc`, label: `${name(b.id)} expected SoC`, axis: '%', kind: 'plan', data: at(b.socPct), shade: shade() });
  }
  curves.push({ key: 'grid', label: 'Grid exchange (plan, + import)', axis: 'kW', kind: 'plan', data: at(s.gridImportKw.map((v, t) => v - (s.gridExportKw[t] ?? 0))), shade: shade() });
  for (const v of s.pv) curves.push({ key: `${v.id}/power`, label: `${name(v.id)} (plan)`, axis: 'kW', kind: 'plan', data: at(v.plannedKw), shade: shade() });
  curves.push({ key: 'load', label: 'Load forecast', axis: 'kW', kind: 'plan', data: at(s.loadKw), shade: shade() });
  for (const e of s.ev) curves.push({ key: `${e.id}/power`, label: `${name(e.id)} (plan)`, axis: 'kW', kind: 'plan', data: at(e.powerKw), shade: shade() });
  for (const g of s.gensets) curves.push({ key: `${g.id}/power`, label: `${name(g.id)} (plan)`, axis: 'kW', kind: 'plan', data: at(g.powerKw), shade: shade() });
  curves.push({ key: 'price/import', label: 'Import price', axis: 'EUR/kWh', kind: 'plan', data: at(s.importPrice), shade: shade() });
  curves.push({ key: 'price/export', label: 'Export price', axis: 'EUR/kWh', kind: 'plan', data: at(s.exportPrice), shade: shade() });
  return curves;
}

/** The objective's terms, largest first, without the zero ones; the total last. */
export function termRows(plan: PlanRecord): Array<{ name: string; value: number; total?: boolean }> {
  const rows = Object.entries(plan.terms ?? {})
    .filter(([, v]) => Math.abs(v) >= 0.005)
    .sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]))
    .map(([name, value]): { name: string; value: number; total?: boolean } => ({ name, value }));
  if (plan.objectiveValue !== undefined) rows.push({ name: 'Objective (total)', value: plan.objectiveValue, total: true });
  return rows;
}

export const OBJECTIVE_LABELS: Record<string, string> = {
  cost: 'Operating cost and arbitrage (UC2/UC3)',
  'self-consumption': 'Self-consumption',
  'zero-export': 'Zero export at the PCC',
  reserve: 'Reserve for balancing services (UC4)',
  'battery-life': 'Battery life (UC5)',
  profile: 'Committed profile (UC1)',
};

/** The ECharts option of the schedule: three axes (kW, %, EUR/kWh), a time axis in the site's time zone. */
export function scheduleOption(curves: readonly PlanCurve[], from: number, to: number, formatTick: (ts: number) => string, now?: number): Obj {
  const axes: PlanCurve['axis'][] = ['kW', '%', 'EUR/kWh'];
  return {
    animation: false,
    grid: { left: 64, right: 130, top: 36, bottom: 56 },
    legend: { type: 'scroll', bottom: 0, textStyle: { color: hmi.text } },
    tooltip: { trigger: 'axis', valueFormatter: (v: unknown) => (typeof v === 'number' ? v.toFixed(2) : '—') },
    xAxis: { type: 'time', min: from, max: to, axisLabel: { color: hmi.textDim, formatter: formatTick, hideOverlap: true }, axisLine: { lineStyle: { color: hmi.line } } },
    yAxis: axes.map((unit, i) => ({
      type: 'value',
      name: unit,
      position: i === 0 ? 'left' : 'right',
      offset: i === 2 ? 60 : 0,
      scale: unit !== '%',
      ...(unit === '%' ? { min: 0, max: 100 } : {}),
      nameTextStyle: { color: hmi.textDim, fontWeight: 600 },
      axisLine: { show: true, lineStyle: { color: hmi.textDim } },
      axisLabel: { color: hmi.textDim },
      splitLine: { show: i === 0, lineStyle: { color: hmi.line } },
    })),
    series: [
      ...curves.map((c) => ({
        id: `${c.kind}:${c.key}`,
        name: c.label,
        type: 'line',
        step: c.kind === 'plan' ? 'end' : false,
        showSymbol: false,
        yAxisIndex: axes.indexOf(c.axis),
        data: c.data,
        lineStyle: { color: c.shade, width: c.kind === 'actual' ? 2 : 1.5, type: c.kind === 'plan' ? PLAN_DASH : 'solid' },
        itemStyle: { color: c.shade },
      })),
      ...(now !== undefined && now >= from && now <= to
        ? [{ id: 'now', name: 'now', type: 'line', data: [], markLine: { silent: true, symbol: 'none', label: { formatter: 'now', color: hmi.textDim }, lineStyle: { color: hmi.textDim, type: 'solid' }, data: [{ xAxis: now }] } }]
        : []),
    ],
  };
}
