/**
 * The plan screen (issue #11 item 2): which mode holds the site and why, the schedule of a
 * plan (battery power and expected SoC, grid, PV, load, EV, prices) against what actually
 * happened, the objective's terms, the LP file, and the operator's re-plan request.
 */
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import MenuItem from '@mui/material/MenuItem';
import Paper from '@mui/material/Paper';
import Tab from '@mui/material/Tab';
import Tabs from '@mui/material/Tabs';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, MarkLineComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useCallback, useEffect, useMemo, useState, type FormEvent } from 'react';
import type { ObjectiveName } from '../../../../core/common/energy';
import type { PlanRecord, PlanStatus, PlanSummary } from '../../../../core/common/plan';
import { SimulatedHistoryNotice } from '../../components/SimulatedHistoryNotice';
import { useApiEvent, useClient, useConnection, useSite } from '../../api/hooks';
import { GuardedButton, useCapabilityReason } from '../../components/Guarded';
import { toApiError } from '../../api/errors';
import { formatDateTime, formatNumber } from '../../format/format';
import { hmi, monoNumbers } from '../../theme';
import { downloadText } from '../alarms/download';
import { ModePanel } from '../modes/ModePanel';
import { AccuracyPanel } from './AccuracyPanel';
import { OBJECTIVE_LABELS, actualPoints, planCurves, scheduleOption, termRows, type PlanCurve } from './planModel';
import { useEChart } from '../../components/useEChart';
import { solidColors } from '../../components/chartColors';
import { usePrefs } from '../../shell/prefs';

echarts.use([LineChart, GridComponent, TooltipComponent, LegendComponent, MarkLineComponent, CanvasRenderer]);

function ScheduleChart({ option, attrs }: { option: Record<string, unknown>; attrs: Record<string, string | number> }) {
  const { host, chart } = useEChart();
  const themeMode = usePrefs().theme;
  useEffect(() => {
    chart.current?.setOption(solidColors(option, themeMode), { notMerge: true });
  }, [option, themeMode]);
  const data = Object.fromEntries(Object.entries(attrs).map(([k, v]) => [`data-${k}`, String(v)]));
  return <Box ref={host} data-testid="plan-chart" {...data} sx={{ width: '100%', height: 420 }} />;
}

export function PlanPage() {
  const client = useClient();
  const site = useSite();
  const { connected } = useConnection();
  const replanWhy = useCapabilityReason('control.operate');
  const [status, setStatus] = useState<PlanStatus | null>(null);
  const [list, setList] = useState<PlanSummary[]>([]);
  const [selected, setSelected] = useState<number | 'latest'>('latest');
  const [plan, setPlan] = useState<PlanRecord | null>(null);
  const [actual, setActual] = useState<PlanCurve[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [reason, setReason] = useState('');
  const [objective, setObjective] = useState<ObjectiveName | ''>('');
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [tab, setTab] = useState<'schedule' | 'accuracy'>('schedule');
  const tz = status?.timezone ?? site?.timezone;

  const refresh = useCallback(async () => {
    try {
      const [st, ls] = await Promise.all([client.call('plan.status', {}), client.call('plan.list', { limit: 50 })]);
      setStatus(st);
      setList(ls);
      setError(null);
    } catch (e) {
      setError(toApiError(e).message);
    }
  }, [client]);

  useEffect(() => {
    if (connected) void refresh();
  }, [connected, refresh]);
  useApiEvent('plan.changed', () => void refresh());

  // the selected plan, and what actually happened over its span
  useEffect(() => {
    if (!connected || !status?.enabled) return;
    let alive = true;
    const req = selected === 'latest' ? {} : { issuedAt: selected };
    client.call('plan.get', req).then(
      async (p) => {
        if (!alive) return;
        setPlan(p);
        if (!p || !site) return setActual([]);
        const pts = actualPoints(site);
        const to = Math.min(Date.now(), p.start + p.steps * p.stepMinutes * 60_000);
        if (to <= p.start || pts.length === 0) return setActual([]);
        const r = await client.call('history.query', { ids: pts.map((x) => x.id), from: p.start, to, mode: 'interpolated', intervalMs: p.stepMinutes * 60_000 });
        if (!alive) return;
        setActual(
          pts.map((x) => {
            const pen = r.pens.find((q) => q.id === x.id);
            return { key: x.key, label: x.label, axis: x.axis, kind: 'actual' as const, shade: hmi.text, data: (pen?.t ?? []).map((t, k) => [t, typeof pen?.v[k] === 'number' ? (pen.v[k] as number) : null] as [number, number | null])  };
          }),
        );
      },
      (e: unknown) => alive && setError(toApiError(e).message),
    );
    return () => {
      alive = false;
    };
  }, [client, connected, status?.enabled, status?.latest?.issuedAt, selected, site]);

  const option = useMemo(() => {
    if (!plan?.series) return null;
    const curves = planCurves(plan, site);
    const shadeOf = new Map(curves.map((c) => [c.key, c.shade]));
    const act = actual.map((a) => ({ ...a, shade: shadeOf.get(a.key) ?? hmi.text }));
    const fmt = new Intl.DateTimeFormat('en-GB', { timeZone: tz, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    return scheduleOption([...curves, ...act], plan.start, plan.start + plan.steps * plan.stepMinutes * 60_000, (ts) => fmt.format(new Date(ts)), Date.now());
  }, [plan, actual, site, tz]);

  if (status && !status.enabled) return <Typography sx={{ color: hmi.textDim }}>This site has no energy section in its site file: nothing is planned.</Typography>;

  const replan = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setNotice(null);
    try {
      const r = await client.call('plan.replan', { reason: reason.trim(), ...(objective ? { objective } : {}) });
      setNotice(r.ok ? `New plan issued ${formatDateTime(r.issuedAt, tz)}.` : `Planning failed: ${r.error ?? 'unknown error'}. The site stays on the rule-based controller.`);
      setReason('');
      setSelected('latest');
      await refresh();
    } catch (err) {
      setNotice(toApiError(err).message);
    } finally {
      setBusy(false);
    }
  };

  const downloadLp = async () => {
    if (!plan) return;
    try {
      const f = await client.call('plan.lp', { issuedAt: plan.issuedAt });
      downloadText(f.filename, f.text, 'text/plain;charset=utf-8');
    } catch (err) {
      setError(toApiError(err).message);
    }
  };

  const mode = status?.mode;
  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', gap: 1.5 }}>
      <Typography variant="h5" component="h1">
        Plan
      </Typography>
      {error ? <Alert severity="error">{error}</Alert> : null}
      {plan ? <SimulatedHistoryNotice from={plan.start} to={Math.min(Date.now(), plan.start + plan.steps * plan.stepMinutes * 60_000)} /> : null}
      <Paper variant="outlined" sx={{ p: 1.5, bgcolor: hmi.panel, display: 'flex', gap: 3, flexWrap: 'wrap', alignItems: 'baseline' }} data-testid="plan-mode">
        {mode?.mode === 'plan' ? (
          <Typography>
            <b>Following the plan</b> issued {formatDateTime(mode.issuedAt, tz)}
          </Typography>
        ) : mode ? (
          <Typography role="status" sx={{ color: hmi.onAlarmHigh, bgcolor: hmi.alarmHigh, px: 1, fontWeight: 700 }}>
            Rule-based controller: {mode.reason}
          </Typography>
        ) : (
          <Typography sx={{ color: hmi.textDim }}>Loading…</Typography>
        )}
        {status?.objective ? <Typography>Objective: {OBJECTIVE_LABELS[status.objective] ?? status.objective}</Typography> : null}
      </Paper>
      <ModePanel compact />

      <Tabs value={tab} onChange={(_e, v: 'schedule' | 'accuracy') => setTab(v)} aria-label="Plan views">
        <Tab value="schedule" label="Schedule" />
        <Tab value="accuracy" label="Forecast accuracy" data-testid="tab-accuracy" />
      </Tabs>
      {tab === 'accuracy' ? <AccuracyPanel timezone={tz} /> : null}
      {tab === 'schedule' ? (
      <>
      <Box sx={{ display: 'flex', gap: 2, alignItems: 'center', flexWrap: 'wrap' }}>
        <TextField
          select
          size="small"
          label="Plan"
          value={String(selected)}
          onChange={(e) => setSelected(e.target.value === 'latest' ? 'latest' : Number(e.target.value))}
          sx={{ minWidth: 360 }}
          slotProps={{ htmlInput: { 'data-testid': 'plan-select' } }}
        >
          <MenuItem value="latest">Latest plan that solved</MenuItem>
          {list.map((p) => (
            <MenuItem key={p.issuedAt} value={String(p.issuedAt)}>
              {formatDateTime(p.issuedAt, tz)} · {p.kind} · {p.ok ? 'solved' : 'failed'}
            </MenuItem>
          ))}
        </TextField>
        <Button variant="outlined" onClick={() => void downloadLp()} disabled={!plan?.lpFile}>
          Download LP model
        </Button>
      </Box>

      {plan ? (
        <Typography sx={{ color: hmi.textDim, fontSize: 13 }} data-testid="plan-meta">
          {plan.kind} plan issued {formatDateTime(plan.issuedAt, tz)} ({plan.reason}, by {plan.requestedBy}) · {plan.steps} steps of {plan.stepMinutes} min from {formatDateTime(plan.start, tz)}
          {plan.solveMs !== undefined ? ` · solved in ${formatNumber(plan.solveMs / 1000, 2)} s` : ''}
          {plan.forecastSource ? ` · forecasts: ${plan.forecastSource}` : ''}
        </Typography>
      ) : status ? (
        <Typography sx={{ color: hmi.textDim }}>No plan has solved yet.</Typography>
      ) : null}
      {plan?.storageError ? <Alert severity="warning">This plan is not in the historian: {plan.storageError}</Alert> : null}

      {option && plan?.series ? (
        <ScheduleChart
          option={option}
          attrs={{
            'plan-steps': plan.steps,
            'plan-start': plan.start,
            'soc-points': plan.series.storage[0]?.socPct.length ?? 0,
            'soc-min': Math.min(...(plan.series.storage[0]?.socPct ?? [Number.NaN])),
            'soc-max': Math.max(...(plan.series.storage[0]?.socPct ?? [Number.NaN])),
            'actual-curves': actual.filter((a) => a.data.length > 0).length,
          }}
        />
      ) : null}
      <Typography sx={{ color: hmi.textDim, fontSize: 12 }}>Dashed: planned. Solid: measured. Powers in kW (battery + = discharge, grid + = import), SoC in %, prices in EUR/kWh.</Typography>

      {plan?.terms ? (
        <Paper variant="outlined" sx={{ p: 1.5, bgcolor: hmi.panel, maxWidth: 560 }}>
          <Typography variant="subtitle1" component="h2" sx={{ fontWeight: 700 }}>
            What the objective is made of
          </Typography>
          <Box component="table" data-testid="plan-terms" sx={{ width: '100%', borderCollapse: 'collapse', ...monoNumbers }}>
            <tbody>
              {termRows(plan).map((r) => (
                <tr key={r.name} style={{ borderTop: r.total ? `1px solid ${hmi.line}` : undefined, fontWeight: r.total ? 700 : 400 }}>
                  <td>{r.name}</td>
                  <td style={{ textAlign: 'right' }}>{formatNumber(r.value, 2)} EUR</td>
                </tr>
              ))}
            </tbody>
          </Box>
        </Paper>
      ) : null}

      <Paper component="form" onSubmit={(e) => void replan(e)} variant="outlined" sx={{ p: 1.5, bgcolor: hmi.panel, display: 'flex', gap: 1.5, alignItems: 'flex-start', flexWrap: 'wrap', maxWidth: 900 }}>
          <TextField size="small" label="Reason for a new plan" value={reason} onChange={(e) => setReason(e.target.value)} required disabled={replanWhy !== null} sx={{ minWidth: 320 }} />
          <TextField select size="small" label="Objective" value={objective} onChange={(e) => setObjective(e.target.value as ObjectiveName | '')} sx={{ minWidth: 280 }}>
            <MenuItem value="">Keep {status?.objective ? (OBJECTIVE_LABELS[status.objective] ?? status.objective) : 'the current one'}</MenuItem>
            {(status?.objectives ?? []).map((o) => (
              <MenuItem key={o} value={o}>
                {OBJECTIVE_LABELS[o] ?? o}
              </MenuItem>
            ))}
          </TextField>
          <GuardedButton type="submit" variant="contained" disabled={busy || reason.trim().length < 3} why={replanWhy} testId="plan-replan">
            {busy ? 'Planning…' : 'Plan now'}
          </GuardedButton>
          {notice ? <Typography sx={{ width: '100%' }} role="status">{notice}</Typography> : null}
      </Paper>
      </>
      ) : null}
    </Box>
  );
}
