/**
 * The dashboard's tables as plain rows (pure): what the screen shows, what CSV and XLSX exports
 * hold and what the monthly report prints are the same rows.
 */
import { KPI_DEFINITIONS, type Figure, type KpiSummary } from './kpi';

export type KpiTableId = 'stats' | 'kpis' | 'days' | 'months' | 'assets';
export const KPI_TABLES: readonly KpiTableId[] = ['stats', 'kpis', 'days', 'months', 'assets'];

export interface KpiTable {
  id: KpiTableId;
  title: string;
  columns: string[];
  rows: Array<Array<string | number | null>>;
}

const r = (x: number | null | undefined, d = 2): number | null => (x === null || x === undefined ? null : Math.round(x * 10 ** d) / 10 ** d);
const pct = (x: number): number => Math.round(x * 1000) / 10;

function figureRows(s: KpiSummary, kind: 'statistic' | 'kpi'): KpiTable['rows'] {
  const src = kind === 'statistic' ? s.stats : s.kpis;
  return KPI_DEFINITIONS.filter((d) => d.kind === kind).map((d) => {
    const f: Figure | undefined = src[d.id];
    const unit = f?.unit === 'currency' ? s.currency : (f?.unit ?? d.unit);
    const prev = kind === 'statistic' ? s.previous?.stats[d.id] : s.previous?.kpis[d.id];
    return [d.name, r(f?.value), unit, pct(f?.coverage ?? 0), f?.missing?.join('; ') ?? f?.note ?? '', r(prev?.value)];
  });
}

export function kpiTable(s: KpiSummary, id: KpiTableId): KpiTable {
  const period = ['key', 'import kWh', 'export kWh', 'PV kWh', 'load kWh', 'EV kWh', 'charge kWh', 'discharge kWh', `cost ${s.currency}`, `savings ${s.currency}`, 'CO2 kg', 'coverage %', 'simulated'];
  switch (id) {
    case 'stats':
      return { id, title: 'Energy statistics', columns: ['statistic', 'value', 'unit', 'coverage %', 'missing inputs / note', 'previous period'], rows: figureRows(s, 'statistic') };
    case 'kpis':
      return { id, title: 'Key performance indicators', columns: ['KPI', 'value', 'unit', 'coverage %', 'missing inputs / note', 'previous period'], rows: figureRows(s, 'kpi') };
    case 'days':
    case 'months': {
      const list = id === 'days' ? s.days : s.months;
      return {
        id,
        title: id === 'days' ? 'Energy per day' : 'Energy per month',
        columns: [id === 'days' ? 'date' : 'month', ...period.slice(1)],
        rows: list.map((p) => [p.key, r(p.gridImport), r(p.gridExport), r(p.pv), r(p.load), r(p.ev), r(p.essCharge), r(p.essDischarge), r(p.cost), r(p.savings), r(p.co2), pct(p.coverage), p.simulated ? 'yes' : 'no']),
      };
    }
    case 'assets':
      return {
        id,
        title: 'Energy per asset',
        columns: ['asset', 'nature', 'produced / discharged / imported kWh', 'coverage %', 'consumed / charged / exported kWh', 'coverage %'],
        rows: s.assets.map((a) => [a.name, a.nature, r(a.positive.value), pct(a.positive.coverage), r(a.negative.value), pct(a.negative.coverage)]),
      };
  }
}
