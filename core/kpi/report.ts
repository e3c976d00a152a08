/**
 * The monthly site report as one self-contained HTML page (tables and SVG charts rendered with
 * ECharts on the server), printed to PDF by a `PdfPrinter` (pdf.ts): headless Chromium in browser
 * mode, Electron's printToPDF in the desktop shell.
 */
import * as echarts from 'echarts';
import { kpiTable, type KpiTable } from '../common/kpi-tables';
import type { KpiSummary } from '../common/kpi';

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function svg(option: echarts.EChartsCoreOption, width: number, height: number): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption({ animation: false, ...option });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

function tableHtml(t: KpiTable): string {
  const cell = (v: string | number | null): string => (v === null ? '—' : typeof v === 'number' ? v.toLocaleString('en-GB', { maximumFractionDigits: 2 }) : esc(v));
  return `<h2>${esc(t.title)}</h2><table><thead><tr>${t.columns.map((c) => `<th>${esc(c)}</th>`).join('')}</tr></thead><tbody>${t.rows
    .map((r) => `<tr>${r.map((c, i) => `<td class="${typeof c === 'number' || i > 0 ? 'n' : ''}">${cell(c)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

const fmt = (x: number | null | undefined, d = 1): string => (x === null || x === undefined ? '—' : x.toLocaleString('en-GB', { minimumFractionDigits: d, maximumFractionDigits: d }));

/** The report page for a period (normally a calendar month). */
export function reportHtml(s: KpiSummary, generatedAt: number): string {
  const st = s.stats;
  const title = `${s.siteName} — energy report ${s.from.slice(0, 7) === s.to.slice(0, 7) && s.from.endsWith('-01') ? s.from.slice(0, 7) : `${s.from} to ${s.to}`}`;
  const totals: Array<[string, string, string, number]> = [
    ['Energy imported', fmt(st.gridImport?.value), 'kWh', st.gridImport?.coverage ?? 0],
    ['Energy exported', fmt(st.gridExport?.value), 'kWh', st.gridExport?.coverage ?? 0],
    ['PV production', fmt(st.pv?.value), 'kWh', st.pv?.coverage ?? 0],
    ['Energy cost', fmt(st.energyCost?.value, 2), s.currency, st.energyCost?.coverage ?? 0],
    ['Savings from the battery', fmt(st.savings?.value, 2), s.currency, st.savings?.coverage ?? 0],
    ['CO2 avoided', fmt(st.co2Avoided?.value), 'kg', st.co2Avoided?.coverage ?? 0],
  ];
  const bars = svg(
    {
      grid: { left: 50, right: 10, top: 30, bottom: 40 },
      legend: { top: 0, textStyle: { fontSize: 10 } },
      xAxis: { type: 'category', data: s.days.map((d) => d.key.slice(8)), axisLabel: { fontSize: 9 } },
      yAxis: { type: 'value', name: 'kWh', axisLabel: { fontSize: 9 } },
      series: [
        { name: 'Import', type: 'bar', stack: 'in', data: s.days.map((d) => d.gridImport ?? 0), itemStyle: { color: '#5A5A5A' } },
        { name: 'PV', type: 'bar', stack: 'in', data: s.days.map((d) => d.pv ?? 0), itemStyle: { color: '#9A9A9A' } },
        { name: 'Load + EV', type: 'bar', stack: 'out', data: s.days.map((d) => -((d.load ?? 0) + (d.ev ?? 0))), itemStyle: { color: '#7A7A7A' } },
      ],
    },
    720,
    240,
  );
  const nodes = [...new Set(s.sankey.flatMap((l) => [l.source, l.target]))].map((name) => ({ name }));
  const sankey = s.sankey.length
    ? svg({ series: [{ type: 'sankey', data: nodes, links: s.sankey.map((l) => ({ source: l.source, target: l.target, value: Math.round(l.kwh) })), label: { fontSize: 10 }, lineStyle: { color: 'source', opacity: 0.35 }, itemStyle: { color: '#7A7A7A' } }] }, 720, 260)
    : '<p>No energy flows measured in the period.</p>';
  const simulated = s.simulatedDays.length
    ? `<p class="sim">Simulated data: ${s.simulatedDays.length} day${s.simulatedDays.length === 1 ? '' : 's'} of this period come from the plant simulator (demo history), not from measurements.</p>`
    : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title><style>
body{font-family:'DejaVu Sans',Arial,sans-serif;color:#222;margin:24px;font-size:11px}
h1{font-size:18px;margin:0 0 4px}h2{font-size:13px;margin:18px 0 6px;border-bottom:1px solid #999}
table{border-collapse:collapse;width:100%;margin-bottom:8px}th,td{border:1px solid #ccc;padding:2px 4px;text-align:left}td.n{text-align:right}
th{background:#eee}.cards{display:flex;flex-wrap:wrap;gap:8px}.card{border:1px solid #aaa;padding:6px 8px;min-width:150px}
.card b{display:block;font-size:15px}.dim{color:#666}.sim{border:1px dashed #666;padding:4px 8px}
</style></head><body>
<h1>${esc(title)}</h1>
<p class="dim">Site ${esc(s.siteName)} (${esc(s.siteId)}) · ${esc(s.from)} to ${esc(s.to)} in ${esc(s.timezone)} (${fmt(s.hours, 0)} h) · generated ${new Date(generatedAt).toISOString().slice(0, 16).replace('T', ' ')} UTC</p>
${simulated}
<div class="cards">${totals.map(([l, v, u, c]) => `<div class="card"><span class="dim">${esc(l)}</span><b data-total="${esc(l)}">${v} ${esc(u)}</b><span class="dim">data for ${fmt(c * 100, 0)} % of the period</span></div>`).join('')}</div>
<h2>Energy per day</h2>${bars}
<h2>Energy flows</h2>${sankey}
${tableHtml(kpiTable(s, 'stats'))}
${tableHtml(kpiTable(s, 'kpis'))}
${tableHtml(kpiTable(s, 'days'))}
${tableHtml(kpiTable(s, 'assets'))}
<p class="dim">Every figure is computed from the historian's 15-minute rollups over local days of the site's time zone; missing data is shown as coverage, never counted as zero. Definitions: the KPI dashboard's definition pages.</p>
</body></html>`;
}
