/**
 * Trends: several pens from the historian, one y-axis per unit, quality on the curve, live
 * scrolling, zoom / pan that re-query at the resolution of the range, saved views per user.
 *
 * Test hooks on data-testid="trend-chart": data-pen-points ("id=n id=n"), data-total-points,
 * data-source (TrendPen.source of the latest result), data-resolution, data-mode, data-span,
 * data-query-seq (increments with every result), data-live.
 */
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import IconButton from '@mui/material/IconButton';
import Checkbox from '@mui/material/Checkbox';
import FormControlLabel from '@mui/material/FormControlLabel';
import ListSubheader from '@mui/material/ListSubheader';
import MenuItem from '@mui/material/MenuItem';
import Paper from '@mui/material/Paper';
import TextField from '@mui/material/TextField';
import ToggleButton from '@mui/material/ToggleButton';
import ToggleButtonGroup from '@mui/material/ToggleButtonGroup';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import ChevronLeftIcon from '@mui/icons-material/ChevronLeft';
import ChevronRightIcon from '@mui/icons-material/ChevronRight';
import CloseIcon from '@mui/icons-material/Close';
import PauseIcon from '@mui/icons-material/Pause';
import PlayArrowIcon from '@mui/icons-material/PlayArrow';
import ZoomOutIcon from '@mui/icons-material/ZoomOut';
import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { ForecastSeries, TrendPen, TrendQuery } from '../../../../core/common/historian';
import type { PointId, PointMeta, PointUpdate } from '../../../../core/common/point';
import { errorText } from '../../api/errorText';
import { SimulatedHistoryNotice } from '../../components/SimulatedHistoryNotice';
import { useApiEvent, useAuth, useClient, useConnection, usePointMetaList, useSite } from '../../api/hooks';
import { QualityValue } from '../../components/QualityValue';
import { formatDateTime, formatNumber, formatWithUnit, NO_VALUE } from '../../format/format';
import { fieldSx, hmi, monoNumbers } from '../../theme';
import { FORECAST_DASH, UNCERTAIN_DASH, type ChartForecast, type ChartPen, type TrendChartModel } from './chartOption';
import { PointPicker } from './PointPicker';
import { deleteBlockedReason, shareBlockedReason, TREND_VIEW_NAME_MAX, viewNameProblem, viewRange, viewSections } from './savedViews';
import type { TrendReference, TrendView } from '../../../../core/common/trends';
import { GuardedButton } from '../../components/Guarded';
import {
  appendLive,
  boundaryQuery,
  formatTick,
  groupAxes,
  MAX_PENS,
  maxPointsFor,
  panRange,
  parseTrendHash,
  penColor,
  penSeries,
  planQuery,
  presetMs,
  qualitySummary,
  qualityTag,
  RANGE_PRESETS,
  requeryEveryMs,
  resolutionOf,
  resolveRange,
  sampleAt,
  toLocalInput,
  fromLocalInput,
  trendable,
  zoomRange,
  withBoundaries,
  type PresetKey,
  type TimeRange,
} from './trendModel';

interface Loaded {
  query: TrendQuery;
  pens: TrendPen[];
  elapsedMs: number;
  seq: number;
}

/** ECharts is loaded with the first trend, not with the app. */
const TrendChart = lazy(() => import('./TrendChart').then((m) => ({ default: m.TrendChart })));


function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function rangeKey(r: TimeRange): string {
  return r.kind === 'preset' ? r.key : `${r.from}-${r.to}`;
}

export function TrendsPage() {
  const client = useClient();
  const { connected } = useConnection();
  const user = useAuth().session?.user ?? 'anonymous';
  const site = useSite();
  const tz = site?.timezone;
  const metas = usePointMetaList();
  const metaById = useMemo(() => new Map(metas.map((m) => [m.id, m])), [metas]);
  const assetName = useMemo(() => new Map(site?.assets.map((a) => [a.id, a.name]) ?? []), [site]);

  const initial = useMemo(() => parseTrendHash(window.location.hash), []);
  const [pens, setPens] = useState<PointId[]>(initial.pens.slice(0, MAX_PENS));
  const [range, setRange] = useState<TimeRange>(initial.range ?? { kind: 'preset', key: '1h' });
  // reference lines of the loaded view (the contracted power on the PCC group)
  const [references, setReferences] = useState<TrendReference[]>([]);
  const [plotWidth, setPlotWidth] = useState(1000);
  const widthBucket = Math.max(100, Math.round(plotWidth / 100) * 100);
  const [data, setData] = useState<Loaded | null>(null);
  const [forecasts, setForecasts] = useState<ChartForecast[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [tick, setTick] = useState(0);
  const [now, setNow] = useState(() => Date.now());
  const seq = useRef(0);
  const live = range.kind === 'preset';
  const lastPreset = useRef<PresetKey>(range.kind === 'preset' ? range.key : '1h');
  if (range.kind === 'preset') lastPreset.current = range.key;

  // live: the window slides every second and is re-queried now and then
  useEffect(() => {
    if (!live) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    const r = setInterval(() => setTick((x) => x + 1), requeryEveryMs(presetMs(lastPreset.current) ?? 3_600_000));
    return () => {
      clearInterval(t);
      clearInterval(r);
    };
  }, [live, range]);

  const pensKey = pens.join('|');
  useEffect(() => {
    if (!pens.length || !connected) {
      if (!pens.length) setData(null);
      return;
    }
    const { from, to } = resolveRange(range, Date.now());
    const q = planQuery(pens, from, to, widthBucket);
    const mySeq = ++seq.current;
    setLoading(true);
    // raw trends also fetch the values at both ends (points recorded on change may have no
    // sample inside a short range); aggregates do not need them
    const edges = q.mode === 'raw' ? client.call('history.query', boundaryQuery(q, Date.now())).catch(() => null) : Promise.resolve(null);
    Promise.all([client.call('history.query', q), edges]).then(
      ([res, edge]) => {
        if (mySeq !== seq.current) return;
        const edgeOf = new Map((edge?.pens ?? []).map((p) => [p.id, p]));
        const merged = res.pens.map((p) => withBoundaries(p, edgeOf.get(p.id)));
        setData({ query: q, pens: merged, elapsedMs: res.elapsedMs + (edge?.elapsedMs ?? 0), seq: mySeq });
        setError(null);
        setLoading(false);
        // plan vs actual: drawn when the core has a plan or forecast for a pen (often none)
        const series = pens.flatMap((id) => [`opt/plan/${id}`, `forecast/${id}`]).slice(0, 64);
        client.call('history.forecast', { series, from: q.from, to: q.to }).then(
          (list: ForecastSeries[]) => {
            if (mySeq !== seq.current) return;
            setForecasts(
              list
                .filter((s) => s.t.length > 0)
                .map((s) => ({
                  penId: s.series.replace(/^(opt\/plan|forecast)\//, ''),
                  kind: s.series.startsWith('forecast/') ? 'forecast' : 'plan',
                  data: s.t.map((t, i) => [t, s.v[i] ?? null]),
                })),
            );
          },
          () => mySeq === seq.current && setForecasts([]),
        );
      },
      (e: unknown) => {
        if (mySeq !== seq.current) return;
        setError(errorText(e));
        setLoading(false);
      },
    );
  }, [client, connected, pensKey, rangeKey(range), widthBucket, tick]);

  // live: append the displayed pens' changes between re-queries
  const penSet = useMemo(() => new Set(pens), [pensKey]);
  useApiEvent('points.changed', (batch: PointUpdate[]) => {
    if (!live || !data || data.query.mode !== 'raw') return;
    const mine = batch.filter((u) => penSet.has(u.id));
    if (!mine.length) return;
    const span = presetMs(lastPreset.current) ?? 3_600_000;
    const minStep = span / maxPointsFor(widthBucket);
    const from = Date.now() - span;
    setData((d) => (d ? { ...d, pens: d.pens.map((p) => appendLive(p, mine, from, minStep)) } : d));
  });

  const view = useMemo(() => {
    if (live) return resolveRange(range, now);
    return resolveRange(range, 0);
  }, [live, range, now]);

  const chartPens: ChartPen[] = useMemo(() => {
    const byId = new Map((data?.pens ?? []).map((p) => [p.id, p]));
    return pens.map((id, i) => {
      const m = metaById.get(id);
      const p = byId.get(id);
      return {
        id,
        label: `${assetName.get(m?.assetId ?? '') ?? m?.assetId ?? id.split('/')[0]} ${m?.channel ?? id.split('/')[1] ?? ''}`,
        unit: m?.unit ?? '',
        color: penColor(i),
        series: penSeries(p ?? { id, t: [], v: [] }),
      };
    });
  }, [pens, data, metaById, assetName]);

  const model: TrendChartModel = useMemo(
    () => ({ pens: chartPens, forecasts, from: view.from, to: view.to, formatTick: (ts: number, span: number) => formatTick(ts, span, tz), references }),
    [chartPens, forecasts, view.from, view.to, tz, references],
  );

  const tooltipHtml = useCallback(
    (ts: number) => {
      const rows = chartPens.map((p) => {
        const i = sampleAt(p.series.t, ts);
        const m = metaById.get(p.id);
        const v = i >= 0 ? p.series.v[i] : null;
        const tag = i >= 0 ? qualityTag(p.series.q[i]) : '';
        const text = v === null || v === undefined ? NO_VALUE : formatWithUnit(v, m);
        return `<div style="display:flex;gap:10px;justify-content:space-between"><span><span style="display:inline-block;width:14px;height:3px;background:${p.color};vertical-align:middle;margin-right:6px"></span>${escapeHtml(p.label)}</span><b style="font-variant-numeric:tabular-nums">${escapeHtml(text)}${tag ? ` <span style="color:${hmi.quality}">${tag}</span>` : ''}</b></div>`;
      });
      return `<div style="font-weight:600;margin-bottom:4px">${escapeHtml(formatDateTime(ts, tz))}</div>${rows.join('')}`;
    },
    [chartPens, metaById, tz],
  );

  const onZoom = useCallback((from: number, to: number) => setRange({ kind: 'custom', from, to }), []);
  const current = (): { from: number; to: number } => resolveRange(range, Date.now());
  const addPen = (id: PointId) => setPens((p) => (p.includes(id) || p.length >= MAX_PENS ? p : [...p, id]));
  const removePen = (id: PointId) => setPens((p) => p.filter((x) => x !== id));

  // ---- attributes for tests / the status line
  const first = data?.pens[0];
  const totalPoints = chartPens.reduce((a, p) => a + p.series.points, 0);
  const attrs = {
    'pen-points': chartPens.map((p) => `${p.id}=${p.series.points}`).join(' '),
    'total-points': totalPoints,
    source: [...new Set(data?.pens.map((p) => p.source) ?? [])].join(','),
    resolution: first ? resolutionOf(first, data?.query.intervalMs) : '',
    mode: data?.query.mode ?? '',
    span: data ? data.query.to - data.query.from : 0,
    'query-seq': data?.seq ?? 0,
    live: live ? '1' : '0',
    loading: loading ? '1' : '0',
  };
  const hasUncertain = chartPens.some((p) => qualitySummary(p.series).uncertain > 0);
  const hasBand = chartPens.some((p) => p.series.band);

  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', gap: 1.25, flex: 1, minHeight: 0 }}>
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 1.5, flexWrap: 'wrap' }}>
        <Typography variant="h2" component="h2" sx={{ mr: 1 }}>
          Trends
        </Typography>
        <ToggleButtonGroup
          size="small"
          exclusive
          value={range.kind === 'preset' ? range.key : 'custom'}
          onChange={(_e, v: string | null) => {
            if (!v) return;
            if (v === 'custom') {
              const r = current();
              setRange({ kind: 'custom', from: r.from, to: r.to });
            } else setRange({ kind: 'preset', key: v as PresetKey });
          }}
          aria-label="Time range"
        >
          {RANGE_PRESETS.map((p) => (
            <ToggleButton key={p.key} value={p.key} data-testid={`range-${p.key}`} aria-label={`Last ${p.label}`} sx={{ px: 1.25, py: 0.4 }}>
              {p.label}
            </ToggleButton>
          ))}
          <ToggleButton value="custom" data-testid="range-custom" sx={{ px: 1.25, py: 0.4 }}>
            Custom
          </ToggleButton>
        </ToggleButtonGroup>
        <Box sx={{ display: 'flex', alignItems: 'center' }}>
          <Tooltip title="Back in time (half the range)">
            <IconButton aria-label="Pan back" data-testid="trend-pan-back" onClick={() => setRange({ kind: 'custom', ...panRange(current().from, current().to, -0.5) })}>
              <ChevronLeftIcon />
            </IconButton>
          </Tooltip>
          <Tooltip title="Zoom out (twice the range)">
            <IconButton aria-label="Zoom out" data-testid="trend-zoom-out" onClick={() => setRange({ kind: 'custom', ...zoomRange(current().from, current().to, 2) })}>
              <ZoomOutIcon />
            </IconButton>
          </Tooltip>
          <Tooltip title="Forward in time (half the range)">
            <IconButton aria-label="Pan forward" data-testid="trend-pan-forward" onClick={() => setRange({ kind: 'custom', ...panRange(current().from, current().to, 0.5) })}>
              <ChevronRightIcon />
            </IconButton>
          </Tooltip>
          <Button
            size="small"
            variant={live ? 'contained' : 'outlined'}
            data-testid="trend-live"
            startIcon={live ? <PauseIcon /> : <PlayArrowIcon />}
            onClick={() => {
              if (live) {
                const r = current();
                setRange({ kind: 'custom', from: r.from, to: r.to });
              } else setRange({ kind: 'preset', key: lastPreset.current });
            }}
            sx={{ ml: 1, minWidth: 96 }}
          >
            {live ? 'Live' : 'Paused'}
          </Button>
        </Box>
        {range.kind === 'custom' ? <CustomRange range={range} tz={tz} onApply={(from, to) => setRange({ kind: 'custom', from, to })} /> : null}
      </Box>
      <SimulatedHistoryNotice from={view.from} to={view.to} />

      <Box sx={{ display: 'flex', alignItems: 'center', gap: 1.5, flexWrap: 'wrap' }}>
        <PointPicker exclude={pens} onPick={addPen} accept={trendable} disabled={pens.length >= MAX_PENS} label={pens.length >= MAX_PENS ? `At most ${MAX_PENS} pens` : 'Add pen'} />
        <SavedViews
          user={user}
          pens={pens}
          range={range}
          onLoad={(v) => {
            setPens(v.pens.slice(0, MAX_PENS));
            setRange(viewRange(v));
            setReferences(v.references ?? []);
          }}
        />
      </Box>

      <Paper sx={{ display: 'flex', flexDirection: 'column', flex: 1, minHeight: 420, p: 1, gap: 0.5 }}>
        <PenLegend pens={chartPens} metaById={metaById} onRemove={removePen} />
        {references.length > 0 && pens.length > 0 ? (
          <Box sx={{ display: 'flex', gap: 1.5, fontSize: 12.5, color: hmi.text }}>
            {references.map((r) => (
              <span key={r.label} data-testid="trend-reference">
                <svg width="28" height="10" aria-hidden style={{ verticalAlign: 'middle', marginRight: 4 }}>
                  <line x1="1" y1="5" x2="27" y2="5" stroke={hmi.text} strokeWidth="1.2" strokeDasharray="5 3" />
                </svg>
                {r.label} {formatNumber(r.value, 1)} {r.unit}
              </span>
            ))}
          </Box>
        ) : null}
        {pens.length === 0 ? (
          <Box sx={{ flex: 1, display: 'flex', alignItems: 'center', justifyContent: 'center', color: hmi.textDim }} data-testid="trend-empty">
            Add a pen: search a point by asset, nature or channel above (e.g. “ess soc”).
          </Box>
        ) : (
          <Suspense fallback={<Box sx={{ flex: 1, minHeight: 320, color: hmi.textDim, p: 2 }}>Loading chart…</Box>}>
            <TrendChart model={model} onZoom={onZoom} onPlotWidth={setPlotWidth} tooltipHtml={tooltipHtml} attrs={attrs} />
          </Suspense>
        )}
        <Box sx={{ display: 'flex', alignItems: 'center', gap: 2, flexWrap: 'wrap', fontSize: 12, color: hmi.textDim, px: 1 }}>
          <QualityLegend uncertain={hasUncertain} band={hasBand} forecast={forecasts.length > 0} />
          <Box sx={{ flex: 1 }} />
          <Box component="span" data-testid="trend-status" sx={monoNumbers}>
            {error ? (
              <Box component="span" role="alert" sx={{ color: hmi.alarmHigh, fontWeight: 600 }}>
                Query failed: {error}
              </Box>
            ) : data ? (
              `${formatDateTime(view.from, tz)} – ${formatDateTime(view.to, tz)} · ${attrs.resolution} · ${totalPoints} points · ${data.elapsedMs.toFixed(0)} ms${loading ? ' · loading…' : ''}`
            ) : loading ? (
              'loading…'
            ) : (
              ''
            )}
          </Box>
        </Box>
      </Paper>
    </Box>
  );
}

function CustomRange({ range, tz, onApply }: { range: { from: number; to: number }; tz: string | undefined; onApply: (from: number, to: number) => void }) {
  const [from, setFrom] = useState(toLocalInput(range.from, tz));
  const [to, setTo] = useState(toLocalInput(range.to, tz));
  useEffect(() => {
    setFrom(toLocalInput(range.from, tz));
    setTo(toLocalInput(range.to, tz));
  }, [range.from, range.to, tz]);
  const a = fromLocalInput(from, tz);
  const b = fromLocalInput(to, tz);
  const valid = Number.isFinite(a) && Number.isFinite(b) && b > a;
  return (
    <Box
      component="form"
      sx={{ display: 'flex', gap: 1, alignItems: 'center' }}
      onSubmit={(e) => {
        e.preventDefault();
        if (valid) onApply(a, b);
      }}
    >
      <TextField size="small" type="datetime-local" label={`From (${tz ?? 'local time'})`} value={from} onChange={(e) => setFrom(e.target.value)} sx={{ ...fieldSx, width: 250 }} slotProps={{ inputLabel: { shrink: true }, htmlInput: { 'data-testid': 'trend-from' } }} />
      <TextField size="small" type="datetime-local" label="To" value={to} onChange={(e) => setTo(e.target.value)} sx={{ ...fieldSx, width: 250 }} slotProps={{ inputLabel: { shrink: true }, htmlInput: { 'data-testid': 'trend-to' } }} error={!valid} />
      <Button type="submit" size="small" variant="outlined" disabled={!valid}>
        Apply
      </Button>
    </Box>
  );
}

function PenLegend({ pens, metaById, onRemove }: { pens: ChartPen[]; metaById: Map<PointId, PointMeta>; onRemove: (id: PointId) => void }) {
  const { axisOf, axes } = groupAxes(pens.map((p) => ({ id: p.id, unit: p.unit })));
  if (!pens.length) return null;
  return (
    <Box component="ul" aria-label="Pens" sx={{ display: 'flex', flexWrap: 'wrap', gap: 0.5, m: 0, p: 0, listStyle: 'none' }} data-testid="trend-pens">
      {pens.map((p) => {
        const ax = axes[axisOf.get(p.id) ?? 0];
        const side = ax ? `${ax.position === 'left' ? 'L' : 'R'}${Math.floor(ax.index / 2) + 1}` : '';
        const q = qualitySummary(p.series);
        return (
          <Box
            component="li"
            key={p.id}
            data-testid={`pen-${p.id}`}
            data-points={p.series.points}
            sx={{ display: 'flex', alignItems: 'center', gap: 0.75, border: `1px solid ${hmi.line}`, borderRadius: 1, pl: 1, pr: 0.25, py: 0.25, bgcolor: hmi.field }}
          >
            <Box component="span" aria-hidden sx={{ width: 18, height: 4, bgcolor: p.color, borderRadius: 0.5 }} />
            <Box component="span" sx={{ fontWeight: 600, fontSize: 13 }} title={p.id}>
              {p.label}
            </Box>
            <Box component="span" title={`y-axis ${side} (${p.unit || 'no unit'})`} sx={{ fontSize: 11, color: hmi.textDim, border: `1px solid ${hmi.line}`, px: 0.5, borderRadius: 0.5 }}>
              {side} {p.unit}
            </Box>
            <Box component="span" sx={{ fontSize: 13 }}>
              {metaById.has(p.id) ? <QualityValue id={p.id} /> : <em>unknown point</em>}
            </Box>
            {q.uncertain || q.bad ? (
              <Box component="span" sx={{ fontSize: 11, color: hmi.quality }} title="samples of uncertain / bad quality in this range">
                {q.uncertain ? `${q.uncertain} UNC` : ''} {q.bad ? `${q.bad} BAD` : ''}
              </Box>
            ) : null}
            <IconButton size="small" aria-label={`Remove pen ${p.id}`} onClick={() => onRemove(p.id)}>
              <CloseIcon fontSize="small" />
            </IconButton>
          </Box>
        );
      })}
    </Box>
  );
}

function LineSample({ dash, band }: { dash?: number[]; band?: boolean }) {
  return (
    <svg width="28" height="10" aria-hidden style={{ verticalAlign: 'middle' }}>
      {band ? <rect x="0" y="1" width="28" height="8" fill={hmi.equipment} opacity="0.18" /> : null}
      <line x1="1" y1="5" x2="27" y2="5" stroke={hmi.equipment} strokeWidth="2" strokeDasharray={dash?.join(' ')} />
    </svg>
  );
}

function QualityLegend({ uncertain, band, forecast }: { uncertain: boolean; band: boolean; forecast: boolean }) {
  const item = { display: 'inline-flex', alignItems: 'center', gap: 0.5 } as const;
  return (
    <Box component="span" data-testid="trend-quality-legend" sx={{ display: 'inline-flex', gap: 1.5, flexWrap: 'wrap' }}>
      <Box component="span" sx={item}>
        <LineSample /> good
      </Box>
      <Box component="span" sx={{ ...item, fontWeight: uncertain ? 700 : 400 }}>
        <LineSample dash={UNCERTAIN_DASH} /> uncertain (stale, manual, …)
      </Box>
      <Box component="span" sx={item}>
        <svg width="28" height="10" aria-hidden style={{ verticalAlign: 'middle' }}>
          <line x1="1" y1="5" x2="9" y2="5" stroke={hmi.equipment} strokeWidth="2" />
          <line x1="19" y1="5" x2="27" y2="5" stroke={hmi.equipment} strokeWidth="2" />
        </svg>
        gap: bad quality or no data
      </Box>
      {/* not shown: dimmed by colour, not by opacity (text contrast) */}
      <Box component="span" sx={{ ...item, color: forecast ? undefined : hmi.textDim }}>
        <LineSample dash={FORECAST_DASH} /> plan / forecast
      </Box>
      {band ? (
        <Box component="span" sx={item}>
          <LineSample band /> min–max per bucket, line = time-weighted mean
        </Box>
      ) : null}
    </Box>
  );
}

function SavedViews({ user, pens, range, onLoad }: { user: string; pens: PointId[]; range: TimeRange; onLoad: (v: TrendView) => void }) {
  const client = useClient();
  const { connected } = useConnection();
  const mayShare = useAuth().session?.capabilities.includes('config.edit') ?? false;
  const [views, setViews] = useState<TrendView[]>([]);
  const [selected, setSelected] = useState('');
  const [dialog, setDialog] = useState(false);
  const [name, setName] = useState('');
  const [shared, setShared] = useState(false);
  const [err, setErr] = useState<string | null>(null);
  const [listErr, setListErr] = useState<string | null>(null);
  const reload = useCallback(
    () =>
      client.call('trends.views.list', {}).then(
        (v) => {
          setViews(v);
          setListErr(null);
        },
        (e: unknown) => setListErr(errorText(e)),
      ),
    [client],
  );
  useEffect(() => {
    if (!connected) return;
    void reload();
    setSelected('');
  }, [user, connected, reload]);
  const current = views.find((v) => v.id === selected);
  const problem = viewNameProblem(name);
  return (
    <Box sx={{ display: 'flex', alignItems: 'center', gap: 1, flexWrap: 'wrap' }}>
      <TextField
        select
        size="small"
        label="Saved views"
        value={selected}
        onChange={(e) => {
          const v = views.find((x) => x.id === e.target.value);
          setSelected(e.target.value);
          if (v) onLoad(v);
        }}
        sx={{ ...fieldSx, width: 260 }}
        error={!!listErr}
        helperText={listErr ?? undefined}
        slotProps={{ select: { inputProps: { 'data-testid': 'trend-views' } } }}
      >
        {views.length === 0 ? (
          <MenuItem value="" disabled>
            No saved views
          </MenuItem>
        ) : null}
        {viewSections(views).flatMap((s) => [
          <ListSubheader key={`h-${s.scope}`} sx={{ lineHeight: '28px', fontSize: 12 }}>
            {s.label}
          </ListSubheader>,
          ...s.views.map((v) => (
            <MenuItem key={v.id} value={v.id} data-testid={`trend-view-${v.id}`} data-scope={v.scope}>
              {v.name} <Box component="span" sx={{ color: hmi.textDim, ml: 1, fontSize: 12 }}>({v.pens.length} pen{v.pens.length === 1 ? '' : 's'})</Box>
            </MenuItem>
          )),
        ])}
      </TextField>
      <Button
        size="small"
        variant="outlined"
        disabled={!pens.length}
        title={pens.length ? undefined : 'Add a pen first'}
        onClick={() => {
          setName(current && current.scope !== 'default' ? current.name : '');
          setShared(current?.scope === 'shared' && mayShare);
          setErr(null);
          setDialog(true);
        }}
      >
        Save view…
      </Button>
      <GuardedButton
        size="small"
        variant="text"
        why={deleteBlockedReason(current, mayShare)}
        showWhy={!!current}
        testId="trend-view-delete"
        onClick={() => {
          if (!current) return;
          client.call('trends.views.delete', { id: current.id }).then(
            () => {
              setSelected('');
              void reload();
            },
            (e: unknown) => setListErr(errorText(e)),
          );
        }}
      >
        Delete view
      </GuardedButton>
      <Dialog open={dialog} onClose={() => setDialog(false)}>
        <Box
          component="form"
          onSubmit={(e) => {
            e.preventDefault();
            if (problem) return;
            client.call('trends.views.save', { name: name.trim(), pens, range, ...(shared ? { shared: true } : {}) }).then(
              (v) => {
                setDialog(false);
                void reload().then(() => setSelected(v.id));
              },
              (x: unknown) => setErr(errorText(x, { name: 'View name', pens: 'Pens' })),
            );
          }}
        >
          <DialogTitle>Save trend view</DialogTitle>
          <DialogContent sx={{ minWidth: 380, display: 'flex', flexDirection: 'column', gap: 1 }}>
            <Typography variant="body2" sx={{ color: hmi.textDim }}>
              {pens.length} pen{pens.length === 1 ? '' : 's'}, {range.kind === 'preset' ? `last ${RANGE_PRESETS.find((p) => p.key === range.key)?.label}` : 'fixed interval'}. Stored on the server
              for {shared ? 'everyone on the site' : `user ${user}`}; a view with the same name there is replaced.
            </Typography>
            <TextField
              autoFocus
              fullWidth
              size="small"
              label="View name"
              value={name}
              onChange={(e) => setName(e.target.value.slice(0, TREND_VIEW_NAME_MAX))}
              error={!!err || (name !== '' && !!problem)}
              helperText={
                <span style={{ display: 'flex', justifyContent: 'space-between', gap: 8 }}>
                  <span data-testid="trend-view-error">{err ?? (name !== '' ? problem : null) ?? ' '}</span>
                  <span data-testid="trend-view-name-counter">
                    {name.length} / {TREND_VIEW_NAME_MAX} characters
                  </span>
                </span>
              }
              slotProps={{ htmlInput: { maxLength: TREND_VIEW_NAME_MAX, 'data-testid': 'trend-view-name' } }}
            />
            <Tooltip title={shareBlockedReason(mayShare) ?? ''}>
              <FormControlLabel
                control={<Checkbox checked={shared} disabled={!mayShare} onChange={(e) => setShared(e.target.checked)} slotProps={{ input: { 'data-testid': 'trend-view-shared' } as object }} />}
                label="Share with everyone on the site"
              />
            </Tooltip>
            {!mayShare ? (
              <Typography data-testid="trend-view-shared-why" sx={{ fontSize: 12.5, color: hmi.textDim }}>
                {shareBlockedReason(mayShare)}
              </Typography>
            ) : null}
          </DialogContent>
          <DialogActions>
            <Button onClick={() => setDialog(false)}>Cancel</Button>
            <Button type="submit" variant="contained" disabled={!!problem}>
              Save
            </Button>
          </DialogActions>
        </Box>
      </Dialog>
    </Box>
  );
}
