/**
 * A study's results as one self-contained HTML page (tables and ECharts SVG rendered on the
 * server), printed to PDF by the KPI reports' printer (core/kpi/pdf.ts: headless Chromium in
 * browser mode, Electron's printToPDF in the shell). Marked as a study on every page.
 */
import * as echarts from 'echarts';
import type { StudyResults, StudySpec } from '../common/study';
import { TOTAL_LABELS } from './csv';

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const fmt = (x: number | null | undefined, d = 1): string => (x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toLocaleString('en-GB', { minimumFractionDigits: d, maximumFractionDigits: d }));

function svg(option: echarts.EChartsCoreOption, width: number, height: number): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption({ animation: false, ...option });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

/** daily means, so a year prints as 365 points per line */
function daily(start: number, stepMinutes: number, v: number[]): Array<[number, number]> {
  const per = Math.round((24 * 60) / stepMinutes);
  const out: Array<[number, number]> = [];
  for (let i = 0; i < v.length; i += per) {
    const d = v.slice(i, i + per);
    out.push([start + i * stepMinutes * 60_000, d.reduce((a, b) => a + b, 0) / Math.max(1, d.length)]);
  }
  return out;
}

export function studyReportHtml(spec: StudySpec, r: StudyResults, generatedAt: number): string {
  const cur = spec.site.currency;
  const totals = `<table><thead><tr><th>Quantity</th>${r.strategies.map((s) => `<th>${esc(s.name)}</th>`).join('')}</tr></thead><tbody>${TOTAL_LABELS.map(
    ([k, label]) => `<tr><td>${esc(label)}</td>${r.strategies.map((s) => `<td class="n">${fmt(s.totals[k] as number | null, k === 'plans' || k === 'planFailures' ? 0 : 1)}</td>`).join('')}</tr>`,
  ).join('')}</tbody></table>`;
  const soc = svg(
    {
      title: { text: 'State of charge, daily mean (%)', textStyle: { fontSize: 12 } },
      legend: { bottom: 0 },
      xAxis: { type: 'time' },
      yAxis: { type: 'value', min: 0, max: 100, name: '%' },
      series: r.strategies.map((s) => ({ name: s.name, type: 'line', showSymbol: false, data: daily(s.series.start, s.series.stepMinutes, s.series.socPct) })),
    },
    700,
    260,
  );
  const grid = svg(
    {
      title: { text: 'Grid import, daily mean (kW)', textStyle: { fontSize: 12 } },
      legend: { bottom: 0 },
      xAxis: { type: 'time' },
      yAxis: { type: 'value', name: 'kW' },
      series: r.strategies.map((s) => ({ name: s.name, type: 'line', showSymbol: false, data: daily(s.series.start, s.series.stepMinutes, s.series.gridKw) })),
    },
    700,
    260,
  );
  const sweep = r.sweep
    ? `<h2>Sizing sweep (${esc(r.sweep.strategyId)})</h2><table><thead><tr><th>Battery (kWh)</th><th>Inverter (kW)</th><th>Investment (${esc(cur)})</th><th>Saving per year (${esc(cur)})</th><th>Payback (years)</th><th>Full cycles</th></tr></thead><tbody>${r.sweep.rows
        .map((w) => `<tr><td class="n">${fmt(w.batteryKwh, 0)}</td><td class="n">${fmt(w.inverterKw, 0)}</td><td class="n">${fmt(w.investment, 0)}</td><td class="n">${fmt(w.annualSaving, 0)}</td><td class="n">${w.paybackYears === null ? 'never' : fmt(w.paybackYears, 1)}</td><td class="n">${fmt(w.equivalentFullCycles, 1)}</td></tr>`)
        .join('')}</tbody></table>`
    : '';
  const s = spec.site;
  return `<!doctype html><html><head><meta charset="utf-8"><title>${esc(spec.name)} — study</title><style>
body{font-family:sans-serif;font-size:11px;color:#222;margin:24px}h1{font-size:18px}h2{font-size:14px;margin-top:18px}
.banner{background:#5a4a00;color:#fff;padding:6px 10px;font-weight:bold;letter-spacing:.05em}
table{border-collapse:collapse;margin:6px 0}th,td{border:1px solid #bbb;padding:3px 6px}td.n{text-align:right;font-variant-numeric:tabular-nums}
</style></head><body>
<div class="banner">STUDY — simulated results, not measurements of the site</div>
<h1>${esc(spec.name)}</h1>
<p>${esc(spec.period.start)}, ${spec.period.days} days at 15-minute steps. Battery ${fmt(s.batteryKwh, 0)} kWh / ${fmt(s.inverterKw, 0)} kW, PV ${fmt(s.pvKwp, 0)} kWp, contracted power ${fmt(s.contractedPowerKw, 0)} kW.
Profiles: ${spec.profiles.kind === 'synthetic' ? `synthetic (seed ${spec.profiles.seed})` : esc(spec.profiles.origin)}. Money in ${esc(cur)}. Generated ${new Date(generatedAt).toISOString().slice(0, 16).replace('T', ' ')} UTC.</p>
<h2>Strategies side by side</h2>${totals}
${soc}${grid}${sweep}
</body></html>`;
}
