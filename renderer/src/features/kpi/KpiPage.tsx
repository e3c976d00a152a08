/**
 * The KPI dashboard (issue #14, FLEXERGY 1.1.6): overview cards with sparklines and the change
 * against the previous period, daily/monthly energy bars, the energy-flow Sankey, the load heat
 * map (hour × day), the statistics and KPI tables with coverage beside every figure, CSV / XLSX /
 * PDF exports, and a definition page per figure (#/kpi/<id>). Every number is computed by the
 * core's KPI worker (off the main thread, cached per day and month); this page only draws.
 */
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import MenuItem from '@mui/material/MenuItem';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { BarChart, HeatmapChart, LineChart, SankeyChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent, VisualMapComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import { KPI_DEFINITIONS, type Figure, type KpiSummary } from '../../../../core/common/kpi';
import { kpiTable, type KpiTableId } from '../../../../core/common/kpi-tables';
import { errorText } from '../../api/errorText';
import { useClient, useConnection, useSite } from '../../api/hooks';
import { useEChart } from '../../components/useEChart';
import { formatNumber } from '../../format/format';
import { hmi, monoNumbers } from '../../theme';
import { useCapabilities } from '../alarms/useCapabilities';
import { barRows, cards, changeText, coverageText, monthPeriod, shiftMonth, type Period } from './kpiModel';

echarts.use([BarChart, LineChart, SankeyChart, HeatmapChart, GridComponent, TooltipComponent, LegendComponent, VisualMapComponent, CanvasRenderer]);

const GREYS = ['#4A4A4A', '#8A8A8A', '#B0B0B0', '#2F2F2F', '#6A6A6A', '#C8C8C8'];
const panel = { border: `1px solid ${hmi.line}`, borderRadius: 1, p: 1.5, bgcolor: hmi.panel, minWidth: 0 } as const;

function subscribe(l: () => void): () => void {
  window.addEventListener('hashchange', l);
  return () => window.removeEventListener('hashchange', l);
}
/** `#/kpi/<id>`: a definition page */
function useDefinitionId(): string | null {
  return useSyncExternalStore(subscribe, () => /^#\/?kpi\/([A-Za-z0-9]+)/.exec(window.location.hash)?.[1] ?? null);
}

function todayIn(tz: string): string {
  const p = Object.fromEntries(new Intl.DateTimeFormat('en-GB', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(Date.now()).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day}`;
}

const fmt = (f: Figure | undefined, decimals: number, currency: string): string => {
  if (!f || f.value === null) return '—';
  const unit = f.unit === 'currency' ? currency : f.unit;
  return `${formatNumber(f.value, decimals)} ${unit}`;
};

export function KpiPage() {
  const defId = useDefinitionId();
  return defId ? <DefinitionPage id={defId} /> : <Dashboard />;
}

function DefinitionPage({ id }: { id: string }) {
  const d = KPI_DEFINITIONS.find((x) => x.id === id);
  return (
    <Box sx={{ maxWidth: 760 }} data-testid="kpi-definition">
      <Button href="#/kpi" size="small" variant="outlined" sx={{ mb: 1 }}>
        Back to the dashboard
      </Button>
      {!d ? (
        <Typography>There is no statistic or KPI called “{id}”.</Typography>
      ) : (
        <Box component="article" sx={panel}>
          <Typography component="h2" sx={{ fontSize: 18, fontWeight: 700 }}>
            {d.name}
          </Typography>
          <Typography sx={{ color: hmi.textDim, mb: 1 }}>{d.kind === 'kpi' ? 'Key performance indicator' : 'Energy statistic'}</Typography>
          <Box component="dl" sx={{ display: 'grid', gridTemplateColumns: 'max-content 1fr', columnGap: 2, rowGap: 1, m: 0, '& dt': { color: hmi.textDim }, '& dd': { m: 0 } }}>
            <dt>Formula</dt>
            <dd data-testid="kpi-formula">{d.formula}</dd>
            <dt>Inputs</dt>
            <dd>
              <ul style={{ margin: 0, paddingLeft: 18 }}>
                {d.inputs.map((i) => (
                  <li key={i}>{i}</li>
                ))}
              </ul>
            </dd>
            <dt>Unit</dt>
            <dd>{d.unit}</dd>
            <dt>Requirement</dt>
            <dd>{d.requirement}</dd>
            <dt>Coverage</dt>
            <dd>Shown beside the figure: the share of the period for which all its inputs were measured. Missing data is never counted as zero; a figure whose inputs are missing names them.</dd>
          </Box>
        </Box>
      )}
    </Box>
  );
}

function Dashboard() {
  const client = useClient();
  const { connected } = useConnection();
  const site = useSite();
  const caps = useCapabilities();
  const tz = site?.timezone ?? 'UTC';
  const [month, setMonth] = useState(() => todayIn(tz).slice(0, 7));
  const [custom, setCustom] = useState<Period | null>(null);
  const [asset, setAsset] = useState('');
  const period = custom ?? monthPeriod(month);
  const [data, setData] = useState<KpiSummary | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [exportMsg, setExportMsg] = useState<string | null>(null);
  const batteries = useMemo(() => (site?.assets ?? []).filter((a) => a.nature === 'Ess'), [site]);

  useEffect(() => {
    if (!connected) return;
    let alive = true;
    setBusy(true);
    client.call('kpi.summary', { from: period.from, to: period.to, compare: true, ...(asset ? { assets: [asset] } : {}) }).then(
      (r) => {
        if (!alive) return;
        setData(r);
        setError(null);
        setBusy(false);
      },
      (e: unknown) => {
        if (!alive) return;
        setError(errorText(e));
        setBusy(false);
      },
    );
    return () => {
      alive = false;
    };
  }, [client, connected, period.from, period.to, asset]);

  const exportAs = async (format: 'pdf' | 'csv' | 'xlsx', table?: KpiTableId): Promise<void> => {
    setExportMsg(`Preparing the ${format.toUpperCase()}…`);
    try {
      const r = await client.call('kpi.report', { from: period.from, to: period.to, format, ...(table ? { table } : {}), ...(asset ? { assets: [asset] } : {}) });
      const a = document.createElement('a');
      a.href = r.download;
      a.download = r.filename;
      a.rel = 'noopener';
      document.body.appendChild(a);
      a.click();
      a.remove();
      setExportMsg(`${r.filename} (${formatNumber(r.bytes / 1024, 0)} kB) downloaded.`);
    } catch (e) {
      setExportMsg(`The export failed: ${errorText(e)}`);
    }
  };
  const canExport = caps.has('data.export');

  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', gap: 1.5 }} data-testid="kpi-dashboard" data-busy={busy ? 'yes' : 'no'}>
      <Box sx={{ display: 'flex', flexWrap: 'wrap', gap: 1, alignItems: 'center' }}>
        <Button size="small" variant="outlined" onClick={() => (setCustom(null), setMonth(shiftMonth(month, -1)))} data-testid="kpi-prev-month">
          Previous month
        </Button>
        <TextField
          label="Month"
          type="month"
          size="small"
          value={month}
          onChange={(e) => e.target.value && (setCustom(null), setMonth(e.target.value))}
          slotProps={{ htmlInput: { 'data-testid': 'kpi-month' } }}
          sx={{ width: 170 }}
        />
        <Button size="small" variant="outlined" onClick={() => (setCustom(null), setMonth(shiftMonth(month, 1)))} data-testid="kpi-next-month">
          Next month
        </Button>
        <TextField label="From" type="date" size="small" value={period.from} onChange={(e) => e.target.value && setCustom({ from: e.target.value, to: period.to < e.target.value ? e.target.value : period.to })} sx={{ width: 160 }} />
        <TextField label="To" type="date" size="small" value={period.to} onChange={(e) => e.target.value && setCustom({ from: period.from > e.target.value ? e.target.value : period.from, to: e.target.value })} sx={{ width: 160 }} />
        <Button size="small" variant="outlined" onClick={() => setCustom({ from: `${month.slice(0, 4)}-01-01`, to: `${month.slice(0, 4)}-12-31` })}>
          Whole year
        </Button>
        <TextField select label="Battery" size="small" value={asset} onChange={(e) => setAsset(e.target.value)} sx={{ width: 220 }}>
          <MenuItem value="">All batteries</MenuItem>
          {batteries.map((b) => (
            <MenuItem key={b.id} value={b.id}>
              {b.name}
            </MenuItem>
          ))}
        </TextField>
        {canExport ? (
          <>
            <Button size="small" variant="contained" onClick={() => void exportAs('pdf')} data-testid="kpi-export-pdf">
              Report (PDF)
            </Button>
            <Button size="small" variant="outlined" onClick={() => void exportAs('xlsx')} data-testid="kpi-export-xlsx">
              All tables (XLSX)
            </Button>
          </>
        ) : null}
      </Box>
      <Typography sx={{ fontSize: 13, color: hmi.textDim }} data-testid="kpi-period">
        {data ? `${data.siteName}: ${data.from} to ${data.to}, ${formatNumber(data.hours, 0)} h of local time (${data.timezone}) so far; previous period ${data.previous?.from ?? '—'} to ${data.previous?.to ?? '—'}.` : 'Loading…'}
        {data ? ` Computed in the core's KPI worker in ${formatNumber(data.computed.ms, 0)} ms (${data.computed.daysRead} days read, ${data.computed.daysCached} from the cache).` : ''}
      </Typography>
      {exportMsg ? (
        <Typography sx={{ fontSize: 13 }} data-testid="kpi-export-status">
          {exportMsg}
        </Typography>
      ) : null}
      {error ? (
        <Typography role="alert" sx={{ color: hmi.text, border: `1px dashed ${hmi.textDim}`, p: 1 }}>
          The KPIs could not be loaded: {error}
        </Typography>
      ) : null}
      {data && data.simulatedDays.length ? (
        <Typography data-testid="kpi-simulated" sx={{ border: `1px dashed ${hmi.textDim}`, p: 1, fontSize: 13.5 }}>
          Simulated data: {data.simulatedDays.length} day{data.simulatedDays.length === 1 ? '' : 's'} of this period come from the plant simulator (demo history), not from measurements.
        </Typography>
      ) : null}
      {data ? <DashboardBody s={data} onExport={canExport ? exportAs : null} /> : null}
    </Box>
  );
}

function DashboardBody({ s, onExport }: { s: KpiSummary; onExport: ((f: 'csv' | 'xlsx', t: KpiTableId) => Promise<void>) | null }) {
  return (
    <>
      <Box sx={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(210px, 1fr))', gap: 1 }}>
        {cards(s).map((c) => (
          <Box key={c.id} sx={panel} data-testid={`kpi-card-${c.id}`}>
            <Typography sx={{ fontSize: 12.5, color: hmi.textDim }}>
              <a href={`#/kpi/${c.id}`} style={{ color: 'inherit' }}>
                {c.label}
              </a>
            </Typography>
            <Typography sx={{ fontSize: 20, fontWeight: 700, ...monoNumbers }} data-testid={`kpi-value-${c.id}`} data-value={c.figure?.value ?? ''}>
              {fmt(c.figure, c.decimals, s.currency)}
            </Typography>
            <Typography sx={{ fontSize: 11.5, color: hmi.textDim }}>{coverageText(c.figure)}</Typography>
            <Typography sx={{ fontSize: 11.5, color: hmi.textDim }}>{changeText(c.figure, c.previous, c.decimals) ?? 'no previous-period figure'}</Typography>
            {c.spark.length > 1 ? <Sparkline values={c.spark} /> : null}
          </Box>
        ))}
      </Box>
      <Box sx={{ display: 'grid', gridTemplateColumns: 'minmax(0, 3fr) minmax(0, 2fr)', gap: 1.5 }}>
        <Box sx={panel}>
          <EnergyBars s={s} />
        </Box>
        <Box sx={panel}>
          <Sankey s={s} />
        </Box>
      </Box>
      <Box sx={panel}>
        <HeatMap s={s} />
      </Box>
      {(['stats', 'kpis', 'days', 'assets'] as const).map((t) => (
        <FigureTable key={t} s={s} id={t} onExport={onExport} />
      ))}
    </>
  );
}

function Sparkline({ values }: { values: Array<number | null> }) {
  const { host, chart } = useEChart();
  useEffect(() => {
    chart.current?.setOption({ animation: false, grid: { left: 0, right: 0, top: 2, bottom: 2 }, xAxis: { type: 'category', show: false, data: values.map((_, i) => i) }, yAxis: { type: 'value', show: false }, series: [{ type: 'line', data: values, symbol: 'none', lineStyle: { width: 1, color: '#5A5A5A' }, connectNulls: false }] }, true);
  }, [values, chart]);
  return <Box ref={host} role="img" aria-label="daily values in the period" sx={{ height: 32 }} />;
}

function EnergyBars({ s }: { s: KpiSummary }) {
  const { host, chart } = useEChart();
  const { granularity, rows } = barRows(s);
  useEffect(() => {
    const ser = (name: string, key: 'gridImport' | 'pv' | 'essDischarge' | 'load' | 'ev' | 'essCharge' | 'gridExport', sign: 1 | -1, i: number) => ({
      name,
      type: 'bar' as const,
      stack: sign > 0 ? 'in' : 'out',
      itemStyle: { color: GREYS[i % GREYS.length] },
      data: rows.map((r) => (r[key] === null ? null : Math.round(sign * (r[key] as number) * 10) / 10)),
    });
    chart.current?.setOption(
      {
        animation: false,
        grid: { left: 48, right: 8, top: 28, bottom: 48 },
        legend: { bottom: 0, textStyle: { fontSize: 11 } },
        tooltip: { trigger: 'axis', valueFormatter: (v: unknown) => (v === null || v === undefined ? 'not measured' : `${Math.abs(Number(v)).toFixed(1)} kWh`) },
        xAxis: { type: 'category', data: rows.map((r) => (granularity === 'day' ? r.key.slice(8) : r.key)) },
        yAxis: { type: 'value', name: 'kWh', axisLabel: { formatter: (v: number) => String(Math.abs(v)) } },
        series: [ser('Import', 'gridImport', 1, 0), ser('PV', 'pv', 1, 1), ser('Discharge', 'essDischarge', 1, 3), ser('Load', 'load', -1, 4), ser('EV', 'ev', -1, 2), ser('Charge', 'essCharge', -1, 0), ser('Export', 'gridExport', -1, 5)],
      },
      true,
    );
  }, [rows, granularity, chart]);
  return (
    <>
      <Typography component="h3" sx={{ fontSize: 14, fontWeight: 700 }}>
        Energy per {granularity}
      </Typography>
      <Box ref={host} data-testid="kpi-bars" data-rows={rows.length} role="img" aria-label={`Energy per ${granularity}: sources above zero, sinks below`} sx={{ height: 260 }} />
    </>
  );
}

function Sankey({ s }: { s: KpiSummary }) {
  const { host, chart } = useEChart();
  useEffect(() => {
    const nodes = [...new Set(s.sankey.flatMap((l) => [l.source, l.target]))].map((name) => ({ name, itemStyle: { color: '#7A7A7A' } }));
    chart.current?.setOption(
      { animation: false, tooltip: { valueFormatter: (v: unknown) => `${Number(v).toFixed(1)} kWh` }, series: [{ type: 'sankey', data: nodes, links: s.sankey.map((l) => ({ source: l.source, target: l.target, value: Math.round(l.kwh * 10) / 10 })), label: { fontSize: 11 }, lineStyle: { color: 'source', opacity: 0.3 } }] },
      true,
    );
  }, [s.sankey, chart]);
  return (
    <>
      <Typography component="h3" sx={{ fontSize: 14, fontWeight: 700 }}>
        Energy flows
      </Typography>
      {s.sankey.length === 0 ? <Typography sx={{ fontSize: 13 }}>No energy measured in the period.</Typography> : null}
      <Box ref={host} data-testid="kpi-sankey" role="img" aria-label="Energy flows of the period from sources through the site to sinks" sx={{ height: 260 }} />
    </>
  );
}

function HeatMap({ s }: { s: KpiSummary }) {
  const { host, chart } = useEChart();
  useEffect(() => {
    const data: Array<[number, number, number | '-']> = [];
    let max = 0;
    s.heat.kwh.forEach((day, di) => day.forEach((v, h) => (data.push([di, h, v === null ? '-' : v]), (max = Math.max(max, v ?? 0)))));
    chart.current?.setOption(
      {
        animation: false,
        grid: { left: 40, right: 16, top: 8, bottom: 56 },
        tooltip: { formatter: (p: { value: [number, number, number | '-'] }) => `${s.heat.dates[p.value[0]] ?? ''} hour ${p.value[1]}: ${p.value[2] === '-' ? 'not measured' : `${p.value[2].toFixed(1)} kWh`}` },
        xAxis: { type: 'category', data: s.heat.dates.map((d) => d.slice(5)) },
        yAxis: { type: 'category', data: Array.from({ length: 25 }, (_, i) => String(i)), name: 'hour' },
        visualMap: { min: 0, max: Math.max(1, max), orient: 'horizontal', left: 'center', bottom: 0, itemHeight: 120, inRange: { color: ['#F2F2F2', '#2F2F2F'] }, textStyle: { fontSize: 11 } },
        series: [{ type: 'heatmap', data }],
      },
      true,
    );
  }, [s.heat, chart]);
  return (
    <>
      <Typography component="h3" sx={{ fontSize: 14, fontWeight: 700 }}>
        Consumption (load + EV) by hour and day, kWh
      </Typography>
      <Box ref={host} data-testid="kpi-heatmap" role="img" aria-label="Heat map of consumption by local hour and day; hours without data are blank" sx={{ height: 300 }} />
    </>
  );
}

function FigureTable({ s, id, onExport }: { s: KpiSummary; id: KpiTableId; onExport: ((f: 'csv' | 'xlsx', t: KpiTableId) => Promise<void>) | null }) {
  const t = kpiTable(s, id);
  const defIds = id === 'stats' || id === 'kpis' ? KPI_DEFINITIONS.filter((d) => d.kind === (id === 'stats' ? 'statistic' : 'kpi')).map((d) => d.id) : null;
  return (
    <Box component="section" sx={panel} aria-label={t.title} data-testid={`kpi-table-${id}`}>
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 1, mb: 0.5 }}>
        <Typography component="h3" sx={{ fontSize: 14, fontWeight: 700, flex: 1 }}>
          {t.title}
        </Typography>
        {onExport ? (
          <>
            <Button size="small" onClick={() => void onExport('csv', id)} data-testid={`kpi-csv-${id}`}>
              CSV
            </Button>
            <Button size="small" onClick={() => void onExport('xlsx', id)}>
              XLSX
            </Button>
          </>
        ) : null}
      </Box>
      <Box component="table" sx={{ borderCollapse: 'collapse', width: '100%', fontSize: 13, ...monoNumbers, '& th, & td': { borderBottom: `1px solid ${hmi.line}`, px: 0.75, py: 0.25, textAlign: 'left' } }}>
        <thead>
          <tr>
            {t.columns.map((c) => (
              <th key={c}>{c}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {t.rows.map((r, ri) => (
            <tr key={ri}>
              {r.map((c, ci) => (
                <td key={ci}>{ci === 0 && defIds?.[ri] ? <a href={`#/kpi/${defIds[ri]}`}>{c}</a> : c === null ? '—' : typeof c === 'number' ? formatNumber(c, 2) : c}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </Box>
    </Box>
  );
}
