/**
 * Today's energy at a glance (the operator's view; the KPI dashboard goes further): kWh by
 * source and sink, self-consumption, self-sufficiency, peak avoided, and the hourly energy
 * chart. From the historian's 1-minute time-weighted averages over the site's local day,
 * refreshed every minute; missing data is shown as coverage, never counted as zero. The peak
 * is compared on 15-minute averages.
 */
import Box from '@mui/material/Box';
import Typography from '@mui/material/Typography';
import { BarChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useMemo, useState } from 'react';
import type { SiteView } from '../../../../core/common/api/contract';
import type { TrendResult } from '../../../../core/common/historian';
import { errorText } from '../../api/errorText';
import { useClient, useConnection, useNow } from '../../api/hooks';
import { formatNumber, formatTime } from '../../format/format';
import { hmi, monoNumbers } from '../../theme';
import { panelSx, titleSx } from './BatteryPanel';
import { alignBuckets, computeEnergyDay, startOfLocalDay, type EnergyDay, type EnergyHour } from './energyModel';
import { useEChart } from '../../components/useEChart';
import { solidColors } from '../../components/chartColors';
import { usePrefs } from '../../shell/prefs';
import { useTranslation } from 'react-i18next';

echarts.use([BarChart, GridComponent, TooltipComponent, LegendComponent, CanvasRenderer]);

/** 1-min buckets (a rollup level): recording gaps and the start of the day's data cost at most a minute each */
const BUCKET_MS = 60_000;
const REFRESH_MS = 60_000;

interface Roles {
  pcc: string | null;
  pv: string[];
  ess: string[];
  load: string[];
  ev: string[];
}

function rolesOf(site: SiteView): Roles {
  const ids = (nature: string) => site.assets.filter((a) => a.nature === nature).map((a) => `${a.id}/ActivePower`);
  return { pcc: `${site.pcc.meter}/ActivePower`, pv: ids('Pv'), ess: ids('Ess'), load: ids('Load'), ev: ids('Evse') };
}

export function EnergyPanel({ site }: { site: SiteView }) {
  const client = useClient();
  const { connected } = useConnection();
  const tick = useNow(REFRESH_MS);
  const { t } = useTranslation();
  const [day, setDay] = useState<{ d: EnergyDay; from: number; to: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const roles = useMemo(() => rolesOf(site), [site]);
  useEffect(() => {
    if (!connected) return;
    let alive = true;
    const to = Date.now();
    const from = startOfLocalDay(to, site.timezone);
    const ids = [roles.pcc, ...roles.pv, ...roles.ess, ...roles.load, ...roles.ev].filter((x): x is string => !!x);
    client.call('history.query', { ids, from, to, mode: 'aggregate', intervalMs: BUCKET_MS }).then(
      (r: TrendResult) => {
        if (!alive) return;
        const n = Math.max(0, Math.ceil((to - from) / BUCKET_MS));
        const col = (id: string) => {
          const pen = r.pens.find((p) => p.id === id);
          return pen ? alignBuckets(pen.t, pen.agg?.twa ?? pen.v, from, BUCKET_MS, n) : new Array<number | null>(n).fill(null);
        };
        setDay({ from, to, d: computeEnergyDay({ from, to, bucketMs: BUCKET_MS, pcc: roles.pcc ? col(roles.pcc) : null, pv: roles.pv.map(col), ess: roles.ess.map(col), load: roles.load.map(col), ev: roles.ev.map(col) }) });
        setError(null);
      },
      (e: unknown) => alive && setError(errorText(e)),
    );
    return () => {
      alive = false;
    };
  }, [client, connected, tick, roles, site.timezone]);

  const d = day?.d;
  const rows: Array<[string, string, number | undefined]> = [
    [t('energy.gridImport'), 'gridImport', d?.kwh.gridImport],
    [t('energy.gridExport'), 'gridExport', d?.kwh.gridExport],
    [t('energy.pv'), 'pv', d?.kwh.pv],
    [t('energy.essDischarge'), 'essDischarge', d?.kwh.essDischarge],
    [t('energy.essCharge'), 'essCharge', d?.kwh.essCharge],
    [t('energy.load'), 'load', d?.kwh.load],
    [t('energy.ev'), 'ev', d?.kwh.ev],
  ];
  const pct = (x: number | null | undefined) => (x === null || x === undefined ? '—' : `${formatNumber(x * 100, 0)} %`);
  return (
    <Box component="section" aria-label={t('energy.today')} data-testid="energy-panel" sx={{ ...panelSx, display: 'flex', flexDirection: 'column', gap: 1 }}>
      <Box>
        <Typography component="h3" sx={{ ...titleSx, mb: 0 }}>
          {t('energy.today')}
        </Typography>
        {day ? (
          <Typography sx={{ fontSize: 12, color: hmi.textDim }}>
            {t('energy.since', { from: formatTime(day.from, site.timezone).slice(0, 5), to: formatTime(day.to, site.timezone) })}
          </Typography>
        ) : null}
      </Box>
      {error ? <Typography sx={{ fontSize: 13, color: hmi.text }} data-testid="energy-error">{t('energy.error', { error })}</Typography> : null}
      {d ? (
        <Typography
          data-testid="energy-coverage"
          data-coverage={d.coverage.toFixed(3)}
          sx={{ fontSize: 12.5, color: hmi.text, px: 0.75, py: 0.25, alignSelf: 'flex-start', bgcolor: d.coverage < 0.999 ? hmi.bg : 'transparent', border: d.coverage < 0.999 ? `1px dashed ${hmi.textDim}` : 'none' }}
        >
          {d.coverage >= 0.999
            ? t('energy.wholeDay')
            : t('energy.partDay', { share: pct(d.coverage), hours: formatNumber(d.missingHours, 1) })}
        </Typography>
      ) : null}
      <Box sx={{ display: 'grid', gridTemplateColumns: 'minmax(0,1fr) max-content', columnGap: 2, rowGap: 0.25, fontSize: 13.5, ...monoNumbers }}>
        {rows.map(([label, key, v]) => (
          <Box key={key} sx={{ display: 'contents' }}>
            <Box sx={{ color: hmi.textDim }}>{label}</Box>
            <Box sx={{ textAlign: 'right' }}>
              <span data-testid={`energy-${key}`}>{v === undefined ? '—' : formatNumber(v, 1)}</span> <span style={{ color: hmi.textDim, fontSize: '0.85em' }}>kWh</span>
            </Box>
          </Box>
        ))}
      </Box>
      <Box sx={{ display: 'grid', gridTemplateColumns: 'minmax(0,1fr) max-content', columnGap: 2, rowGap: 0.25, borderTop: `1px solid ${hmi.line}`, pt: 1 }}>
        <Kpi label={t('energy.selfConsumption')} value={pct(d?.selfConsumption)} testId="energy-self-consumption" title={t('energy.selfConsumptionHelp')} />
        <Kpi label={t('energy.selfSufficiency')} value={pct(d?.selfSufficiency)} testId="energy-self-sufficiency" title={t('energy.selfSufficiencyHelp')} />
        <Kpi
          label={t('energy.peakAvoided')}
          value={d?.peak ? `${formatNumber(d.peak.avoidedKw, 1)} kW` : '—'}
          testId="energy-peak-avoided"
          title={d?.peak ? t('energy.peakHelp', { actual: formatNumber(d.peak.actualKw, 1), without: formatNumber(d.peak.withoutBatteryKw, 1) }) : t('energy.noData')}
        />
      </Box>
      {d ? <EnergyChart hours={d.hours} timeZone={site.timezone} /> : null}
    </Box>
  );
}

function Kpi({ label, value, testId, title }: { label: string; value: string; testId: string; title: string }) {
  return (
    <Box title={title} sx={{ display: 'contents' }}>
      <Typography sx={{ fontSize: 13.5, color: hmi.textDim }}>{label}</Typography>
      <Typography data-testid={testId} sx={{ fontSize: 14, fontWeight: 700, color: hmi.text, textAlign: 'right', ...monoNumbers }}>
        {value}
      </Typography>
    </Box>
  );
}

/** Hourly bars: sources above zero (import, PV, discharge), sinks below (load, EV, charge, export). */
function EnergyChart({ hours, timeZone }: { hours: EnergyHour[]; timeZone: string }) {
  const { host, chart } = useEChart();
  const themeMode = usePrefs().theme;
  const { t } = useTranslation();
  useEffect(() => {
    const labels = hours.map((h) => formatTime(h.t, timeZone).slice(0, 2));
    // one stack: ECharts stacks positive (sources) and negative (sinks) values apart
    const series = (name: string, key: keyof EnergyHour, sign: 1 | -1, color: string, stack: string) => ({
      name,
      type: 'bar' as const,
      stack,
      itemStyle: { color },
      data: hours.map((h) => Math.round(sign * (h[key] as number) * 100) / 100),
    });
    chart.current?.setOption(
      solidColors({
        animation: false,
        grid: { left: 36, right: 8, top: 18, bottom: 44 },
        legend: { bottom: 0, itemWidth: 10, itemHeight: 8, itemGap: 8, textStyle: { fontSize: 11, color: hmi.text } },
        tooltip: { trigger: 'axis', valueFormatter: (v: unknown) => `${Math.abs(Number(v)).toFixed(1)} kWh` },
        xAxis: { type: 'category', data: labels, axisLabel: { fontSize: 11, color: hmi.text } },
        yAxis: { type: 'value', name: 'kWh', nameGap: 6, nameTextStyle: { fontSize: 11, color: hmi.text, align: 'right' }, axisLabel: { fontSize: 11, color: hmi.text, formatter: (v: number) => String(Math.abs(v)) } },
        series: [
          series(t('energy.s.import'), 'gridImport', 1, '#5A5A5A', 'e'),
          series(t('energy.s.pv'), 'pv', 1, '#9A9A9A', 'e'),
          series(t('energy.s.discharge'), 'essDischarge', 1, '#2F2F2F', 'e'),
          series(t('energy.s.load'), 'load', -1, '#7A7A7A', 'e'),
          series(t('energy.s.ev'), 'ev', -1, '#B5B5B5', 'e'),
          series(t('energy.s.charge'), 'essCharge', -1, '#404040', 'e'),
          series(t('energy.s.export'), 'gridExport', -1, '#CFCFCF', 'e'),
        ],
      }, themeMode),
      true,
    );
  }, [hours, timeZone, themeMode, t]);
  return <Box ref={host} data-testid="energy-chart" data-hours={hours.length} role="img" aria-label={t('energy.chart')} sx={{ height: 200, minWidth: 0 }} />;
}
