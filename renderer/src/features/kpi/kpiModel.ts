/**
 * The KPI dashboard's pure parts: periods (a month, its neighbours, a year), which rows a bar
 * chart shows, the overview cards with their previous-period change. Dates are local dates of
 * the site's time zone ("YYYY-MM-DD"); the core computes every figure.
 */
import type { Figure, KpiSummary } from '../../../../core/common/kpi';

export interface Period {
  from: string;
  to: string;
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** The calendar month holding `date`, first to last day. */
export function monthPeriod(month: string): Period {
  const [y, m] = month.split('-').map(Number);
  const last = new Date(Date.UTC(y ?? 1970, m ?? 1, 0)).getUTCDate();
  return { from: `${month}-01`, to: `${month}-${pad(last)}` };
}

/** "YYYY-MM" shifted by n months. */
export function shiftMonth(month: string, n: number): string {
  const [y, m] = month.split('-').map(Number);
  return new Date(Date.UTC(y ?? 1970, (m ?? 1) - 1 + n, 1)).toISOString().slice(0, 7);
}

export function yearPeriod(year: string): Period {
  return { from: `${year}-01-01`, to: `${year}-12-31` };
}

/** Days for a period up to two months, months beyond. */
export function barRows(s: KpiSummary): { granularity: 'day' | 'month'; rows: KpiSummary['days'] } {
  return s.days.length > 62 ? { granularity: 'month', rows: s.months } : { granularity: 'day', rows: s.days };
}

export interface Card {
  id: string;
  label: string;
  figure: Figure | undefined;
  previous: Figure | undefined;
  /** the daily values for the sparkline */
  spark: Array<number | null>;
  decimals: number;
}

export const CARD_IDS: ReadonlyArray<{ id: string; label: string; decimals: number; kind: 'stats' | 'kpis'; spark?: keyof KpiSummary['days'][number] }> = [
  { id: 'gridImport', label: 'Energy imported', decimals: 0, kind: 'stats', spark: 'gridImport' },
  { id: 'pv', label: 'PV production', decimals: 0, kind: 'stats', spark: 'pv' },
  { id: 'selfSufficiency', label: 'Self-sufficiency', decimals: 1, kind: 'stats' },
  { id: 'energyCost', label: 'Energy cost', decimals: 2, kind: 'stats', spark: 'cost' },
  { id: 'savings', label: 'Savings from the battery', decimals: 2, kind: 'stats', spark: 'savings' },
  { id: 'co2Avoided', label: 'CO2 avoided', decimals: 0, kind: 'stats' },
  { id: 'equivalentCycles', label: 'Equivalent full cycles', decimals: 2, kind: 'stats' },
  { id: 'peakReduction', label: 'Peak reduction', decimals: 1, kind: 'kpis' },
];

export function cards(s: KpiSummary): Card[] {
  return CARD_IDS.map((c) => ({
    id: c.id,
    label: c.label,
    figure: s[c.kind][c.id],
    previous: s.previous?.[c.kind][c.id],
    spark: c.spark ? s.days.map((d) => d[c.spark!] as number | null) : [],
    decimals: c.decimals,
  }));
}

/** The change against the previous period as a sentence part, or null when either side is missing. */
export function changeText(cur: Figure | undefined, prev: Figure | undefined, decimals: number): string | null {
  if (!cur || !prev || cur.value === null || prev.value === null) return null;
  const d = cur.value - prev.value;
  const sign = d > 0 ? '+' : d < 0 ? '−' : '±';
  const pct = Math.abs(prev.value) > 1e-9 ? ` (${sign}${Math.abs((100 * d) / prev.value).toFixed(0)} %)` : '';
  return `${sign}${Math.abs(d).toFixed(decimals)}${pct} vs previous`;
}

/** Coverage as the sentence beside a figure. */
export function coverageText(f: Figure | undefined): string {
  if (!f) return 'not computed';
  if (f.value === null && f.missing?.length) return `missing: ${f.missing.join('; ')}`;
  if (f.coverage >= 0.9995) return 'data for the whole period';
  return `data for ${(f.coverage * 100).toFixed(f.coverage < 0.1 ? 1 : 0)} % of the period`;
}
