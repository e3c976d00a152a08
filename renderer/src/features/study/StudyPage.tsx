/**
 * Study mode (issue #15, FLEXERGY energy.04 Req5): a planner's "what if" studies, marked as
 * study mode on every part of the screen. A study starts from the live site's configuration
 * (sizes, contract, tariffs), is edited freely, and runs in the core's study worker on the
 * plant model, the controllers and the optimiser — never on the site's devices. Results:
 * strategies side by side, SoC curves, the sizing sweep with payback, CSV/PDF exports and the
 * study as one file.
 */
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Checkbox from '@mui/material/Checkbox';
import FormControlLabel from '@mui/material/FormControlLabel';
import LinearProgress from '@mui/material/LinearProgress';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useCallback, useEffect, useState } from 'react';
import type { StudyExportFormat, StudyRecord, StudyRunState, StudySpec, StudyStrategy, StudySummary, StudyTotals } from '../../../../core/common/study';
import { errorText } from '../../api/errorText';
import { useApiEvent, useClient } from '../../api/hooks';
import { useEChart } from '../../components/useEChart';
import { formatNumber } from '../../format/format';
import { fieldSx, hmi, monoNumbers } from '../../theme';
import { useCapabilities } from '../alarms/useCapabilities';

echarts.use([LineChart, GridComponent, TooltipComponent, LegendComponent, CanvasRenderer]);

const panel = { border: `1px solid ${hmi.line}`, borderRadius: 1, p: 1.5, bgcolor: hmi.panel, minWidth: 0 } as const;
const GREYS = ['#3A3A3A', '#8A8A8A', '#5E5E5E', '#B0B0B0'];

/** the strategies a planner picks from */
const CHOICES: StudyStrategy[] = [
  { id: 'self-consumption', name: 'Self-consumption', mode: 'self-consumption', objective: 'cost', degradationWeight: 1 },
  { id: 'tariff', name: 'Tariff management', mode: 'tariff', objective: 'cost', degradationWeight: 1 },
  { id: 'peak-shaving', name: 'Peak shaving', mode: 'peak-shaving', objective: 'cost', degradationWeight: 1 },
  { id: 'plan-cost', name: 'Day-ahead plan (cost)', mode: 'plan-following', objective: 'cost', degradationWeight: 1 },
  { id: 'plan-life', name: 'Day-ahead plan (battery life)', mode: 'plan-following', objective: 'battery-life', degradationWeight: 1 },
];

const ROWS: Array<[keyof StudyTotals, string, number]> = [
  ['netCost', 'Net cost', 0],
  ['baselineNetCost', 'Net cost without battery', 0],
  ['saving', 'Saving over the period', 0],
  ['annualSaving', 'Saving per year', 0],
  ['exportRevenue', 'Export revenue', 0],
  ['demandCost', 'Power term', 0],
  ['importKwh', 'Grid import, kWh', 0],
  ['exportKwh', 'Grid export, kWh', 0],
  ['peakImportKw', 'Highest import, kW', 1],
  ['selfConsumptionPct', 'PV self-consumption, %', 1],
  ['throughputKwh', 'Battery throughput, kWh', 0],
  ['equivalentFullCycles', 'Equivalent full cycles', 1],
  ['rainflowCycles', 'Rainflow cycles', 1],
  ['cycleDamagePct', 'Cycle life used, %', 2],
  ['cycleLifeYears', 'Cycle life at this use, years', 1],
  ['plans', 'Day-ahead plans solved', 0],
];

function download(r: { download: string; filename: string }): void {
  const a = document.createElement('a');
  a.href = r.download;
  a.download = r.filename;
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
}

function StudyBanner() {
  return (
    <Box
      role="note"
      data-testid="study-mode-banner"
      sx={{ px: 2, py: 1, mb: 1.5, fontWeight: 700, letterSpacing: '0.04em', color: '#fff', bgcolor: '#4B3F72', backgroundImage: 'repeating-linear-gradient(135deg, transparent 0 14px, rgba(255,255,255,0.08) 14px 28px)', borderRadius: 1 }}
    >
      STUDY MODE — simulated results on a model of the site. Nothing on this screen reaches the site&apos;s devices.
    </Box>
  );
}

function SocChart({ rec }: { rec: StudyRecord }) {
  const { host, chart } = useEChart();
  useEffect(() => {
    const r = rec.results;
    if (!chart.current || !r) return;
    chart.current.setOption(
      {
        animation: false,
        color: GREYS,
        grid: { left: 48, right: 16, top: 28, bottom: 48 },
        legend: { bottom: 0 },
        tooltip: { trigger: 'axis' },
        xAxis: { type: 'time' },
        yAxis: { type: 'value', min: 0, max: 100, name: 'SoC %' },
        series: r.strategies.map((s) => ({ name: s.name, type: 'line', showSymbol: false, sampling: 'lttb', data: s.series.socPct.map((v, k) => [s.series.start + k * s.series.stepMinutes * 60_000, v]) })),
      },
      true,
    );
  }, [rec, chart]);
  return <Box ref={host} data-testid="study-soc-chart" sx={{ height: 260 }} />;
}

export function StudyPage() {
  const client = useClient();
  const caps = useCapabilities();
  const [list, setList] = useState<StudySummary[]>([]);
  const [fileReason, setFileReason] = useState<string | undefined>();
  const [rec, setRec] = useState<StudyRecord | null>(null);
  const [draft, setDraft] = useState<StudySpec | null>(null);
  const [run, setRun] = useState<StudyRunState | null>(null);
  const [msg, setMsg] = useState<string>('');

  const refresh = useCallback(async (): Promise<void> => {
    const r = await client.call('study.list', {});
    setList(r.studies);
    setFileReason(r.readOnlyReason);
  }, [client]);

  const open = useCallback(
    async (id: string): Promise<void> => {
      const r = await client.call('study.get', { id });
      setRec(r);
      setDraft(r.spec ? structuredClone(r.spec) : null);
    },
    [client],
  );

  useEffect(() => {
    refresh().catch((e: unknown) => setMsg(errorText(e)));
    client
      .call('study.status', {})
      .then((s) => setRun(s.run ?? null))
      .catch(() => undefined);
  }, [client, refresh]);

  useApiEvent('study.progress', (s) => {
    setRun(s);
    if (s.state === 'finished' && rec && s.studyId === rec.id) {
      // the results are stored by the core once the worker hands them over
      setTimeout(() => {
        void open(rec.id).then(refresh);
      }, 200);
    }
    if (s.state === 'failed') setMsg(`The study run failed: ${s.error}`);
  });

  const act = async (f: () => Promise<void>): Promise<void> => {
    setMsg('');
    try {
      await f();
    } catch (e) {
      setMsg(errorText(e));
    }
  };

  const fromSite = () =>
    act(async () => {
      const spec = await client.call('study.fromSite', { start: `${new Date().getFullYear()}-01-01`, days: 28 });
      const s = await client.call('study.save', { spec });
      await refresh();
      await open(s.id);
    });

  const [sweepKwh, setSweepKwh] = useState('');
  const [sweepKw, setSweepKw] = useState('');
  const [costKwh, setCostKwh] = useState('400');
  const [costKw, setCostKw] = useState('150');
  useEffect(() => {
    const w = rec?.spec?.sweep;
    setSweepKwh(w ? w.batteryKwh.join(', ') : '');
    setSweepKw(w ? w.inverterKw.join(', ') : '');
    if (w) {
      setCostKwh(String(w.costPerKwh));
      setCostKw(String(w.costPerKw));
    }
  }, [rec]);
  const list2 = (t: string): number[] =>
    t
      .split(/[,;\s]+/)
      .filter((x) => x !== '')
      .map(Number);

  const loadCsv = (f: File | undefined) =>
    act(async () => {
      if (!f || !draft) return;
      const profiles = await client.call('study.profileCsv', { fileName: f.name, text: await f.text(), pvKwp: draft.site.pvKwp });
      setDraft({ ...draft, profiles });
    });

  const save = async (): Promise<string | undefined> => {
    if (!rec || !draft) return undefined;
    const first = draft.strategies[0];
    const { sweep: _old, ...rest } = draft;
    const spec: StudySpec = sweepKwh.trim() && sweepKw.trim() && first ? { ...rest, sweep: { strategyId: first.id, batteryKwh: list2(sweepKwh), inverterKw: list2(sweepKw), costPerKwh: Number(costKwh), costPerKw: Number(costKw), fixedCost: 0 } } : rest;
    const s = await client.call('study.save', { id: rec.id, spec });
    await refresh();
    await open(s.id);
    return s.id;
  };

  const runNow = () =>
    act(async () => {
      const id = await save();
      if (id) await client.call('study.run', { id });
    });

  const exportAs = (format: StudyExportFormat) =>
    act(async () => {
      if (!rec) return;
      setMsg(`Preparing ${format === 'study' ? 'the study file' : format.toUpperCase()}…`);
      const r = await client.call('study.export', { id: rec.id, format });
      download(r);
      setMsg(`${r.filename} (${formatNumber(r.bytes / 1024, 0)} kB) downloaded.`);
    });

  const importFile = (f: File | undefined) =>
    act(async () => {
      if (!f) return;
      const s = await client.call('study.import', { text: await f.text() });
      await refresh();
      await open(s.id);
    });

  const setSite = (k: 'batteryKwh' | 'inverterKw' | 'pvKwp' | 'contractedPowerKw', v: string) => draft && setDraft({ ...draft, site: { ...draft.site, [k]: Number(v) } });
  const hasStrategy = (id: string) => draft?.strategies.some((s) => s.id === id) ?? false;
  const toggle = (c: StudyStrategy, on: boolean) => draft && setDraft({ ...draft, strategies: on ? [...draft.strategies.filter((s) => s.id !== c.id), c] : draft.strategies.filter((s) => s.id !== c.id) });
  const readOnly = !!rec?.readOnly;
  const running = run?.state === 'running';
  const results = rec?.results;

  return (
    <Box data-testid="study-page" sx={{ display: 'flex', flexDirection: 'column', gap: 1 }}>
      <StudyBanner />
      <Typography variant="h5" component="h1">
        Studies
      </Typography>
      {fileReason ? <Typography role="status">{fileReason}</Typography> : null}
      <Box sx={{ display: 'grid', gridTemplateColumns: '260px 1fr', gap: 1.5, alignItems: 'start' }}>
        <Box sx={panel}>
          <Button variant="outlined" size="small" data-testid="study-new" disabled={!caps.has('study.run')} onClick={() => void fromSite()}>
            New study from this site
          </Button>
          <Button component="label" size="small" sx={{ mt: 1, display: 'block' }}>
            Open a study file…
            <input hidden type="file" accept=".esmstudy,.json,application/json" data-testid="study-import" onChange={(e) => void importFile(e.target.files?.[0])} />
          </Button>
          <Box component="ul" aria-label="Studies" sx={{ listStyle: 'none', p: 0, m: 0, mt: 1 }}>
            {list.map((s) => (
              <li key={s.id}>
                <Button size="small" data-testid={`study-item-${s.id}`} onClick={() => void act(() => open(s.id))} sx={{ textTransform: 'none', fontWeight: rec?.id === s.id ? 700 : 400 }}>
                  {s.name}
                  {s.readOnly ? ' (read-only)' : ''}
                  {s.hasResults ? ' ✓' : ''}
                </Button>
              </li>
            ))}
          </Box>
        </Box>
        <Box sx={{ display: 'flex', flexDirection: 'column', gap: 1.5, minWidth: 0 }}>
          {msg ? (
            <Typography role="status" data-testid="study-message">
              {msg}
            </Typography>
          ) : null}
          {rec && readOnly ? (
            <Typography role="alert" data-testid="study-readonly" sx={{ ...panel, borderColor: hmi.alarmMedium }}>
              {rec.readOnlyReason}
            </Typography>
          ) : null}
          {rec && draft ? (
            <Box sx={panel} data-testid="study-editor">
              <Box sx={{ display: 'flex', flexWrap: 'wrap', gap: 1 }}>
                <TextField size="small" label="Name" value={draft.name} disabled={readOnly} onChange={(e) => setDraft({ ...draft, name: e.target.value })} sx={fieldSx} />
                <TextField size="small" label="First day" value={draft.period.start} disabled={readOnly} onChange={(e) => setDraft({ ...draft, period: { ...draft.period, start: e.target.value } })} sx={{ ...fieldSx, width: 130 }} />
                <TextField size="small" type="number" label="Days" value={draft.period.days} disabled={readOnly} onChange={(e) => setDraft({ ...draft, period: { ...draft.period, days: Number(e.target.value) } })} sx={{ ...fieldSx, width: 90 }} slotProps={{ htmlInput: { 'data-testid': 'study-days' } }} />
                <TextField size="small" type="number" label="Battery, kWh" value={draft.site.batteryKwh} disabled={readOnly} onChange={(e) => setSite('batteryKwh', e.target.value)} sx={{ ...fieldSx, width: 120 }} slotProps={{ htmlInput: { 'data-testid': 'study-battery-kwh' } }} />
                <TextField size="small" type="number" label="Inverter, kW" value={draft.site.inverterKw} disabled={readOnly} onChange={(e) => setSite('inverterKw', e.target.value)} sx={{ ...fieldSx, width: 120 }} slotProps={{ htmlInput: { 'data-testid': 'study-inverter-kw' } }} />
                <TextField size="small" type="number" label="PV, kWp" value={draft.site.pvKwp} disabled={readOnly} onChange={(e) => setSite('pvKwp', e.target.value)} sx={{ ...fieldSx, width: 110 }} />
                <TextField size="small" type="number" label="Contracted power, kW" value={draft.site.contractedPowerKw} disabled={readOnly} onChange={(e) => setSite('contractedPowerKw', e.target.value)} sx={{ ...fieldSx, width: 170 }} />
              </Box>
              <Box sx={{ display: 'flex', flexWrap: 'wrap', gap: 1, mt: 1, alignItems: 'center' }} role="group" aria-label="Sizing sweep">
                <TextField size="small" label="Sweep battery sizes, kWh" placeholder="60, 120, 240" value={sweepKwh} disabled={readOnly} onChange={(e) => setSweepKwh(e.target.value)} sx={{ ...fieldSx, width: 200 }} slotProps={{ htmlInput: { 'data-testid': 'study-sweep-kwh' } }} />
                <TextField size="small" label="Sweep inverter sizes, kW" placeholder="50, 100" value={sweepKw} disabled={readOnly} onChange={(e) => setSweepKw(e.target.value)} sx={{ ...fieldSx, width: 200 }} slotProps={{ htmlInput: { 'data-testid': 'study-sweep-kw' } }} />
                <TextField size="small" type="number" label="Cost per kWh" value={costKwh} disabled={readOnly} onChange={(e) => setCostKwh(e.target.value)} sx={{ ...fieldSx, width: 120 }} />
                <TextField size="small" type="number" label="Cost per kW" value={costKw} disabled={readOnly} onChange={(e) => setCostKw(e.target.value)} sx={{ ...fieldSx, width: 120 }} />
                <Button component="label" size="small" disabled={readOnly}>
                  Load profile CSV…
                  <input hidden type="file" accept=".csv,text/csv" data-testid="study-profile-csv" onChange={(e) => void loadCsv(e.target.files?.[0])} />
                </Button>
                <Typography variant="caption" data-testid="study-profiles">
                  Profiles: {draft.profiles.kind === 'synthetic' ? `synthetic (seed ${draft.profiles.seed})` : `${draft.profiles.origin}, ${draft.profiles.loadKw.length} steps`}
                </Typography>
              </Box>
              <Box sx={{ mt: 1 }} role="group" aria-label="Strategies">
                {CHOICES.map((c) => (
                  <FormControlLabel key={c.id} label={c.name} control={<Checkbox size="small" checked={hasStrategy(c.id)} disabled={readOnly} onChange={(e) => toggle(c, e.target.checked)} slotProps={{ input: { 'aria-label': c.name } }} />} />
                ))}
              </Box>
              <Box sx={{ display: 'flex', gap: 1, mt: 1, alignItems: 'center' }}>
                <Button variant="outlined" size="small" disabled={readOnly} onClick={() => void act(async () => void (await save()))}>
                  Save
                </Button>
                <Button variant="contained" size="small" data-testid="study-run" disabled={readOnly || running} onClick={() => void runNow()}>
                  Run study
                </Button>
                {running && run ? (
                  <>
                    <Box sx={{ flex: 1 }}>
                      <LinearProgress variant="determinate" value={(100 * run.done) / Math.max(1, run.total)} aria-label="Study progress" data-testid="study-progress" />
                      <Typography variant="caption">
                        {run.phase}: {formatNumber((100 * run.done) / Math.max(1, run.total), 0)} %
                      </Typography>
                    </Box>
                    <Button size="small" data-testid="study-cancel" onClick={() => void act(async () => void (await client.call('study.cancel', { runId: run.runId })))}>
                      Cancel
                    </Button>
                  </>
                ) : null}
              </Box>
            </Box>
          ) : null}
          {rec && results ? (
            <Box sx={panel} data-testid="study-results">
              <Typography variant="h6" component="h2">
                Strategies side by side (simulated, {draft?.site.currency ?? ''})
              </Typography>
              <Box component="table" sx={{ borderCollapse: 'collapse', '& td, & th': { borderBottom: `1px solid ${hmi.line}`, px: 1, py: 0.25 }, '& td.n': { textAlign: 'right', ...monoNumbers } }}>
                <thead>
                  <tr>
                    <th>Quantity</th>
                    {results.strategies.map((s) => (
                      <th key={s.strategyId}>{s.name}</th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {ROWS.map(([k, label, d]) => (
                    <tr key={k}>
                      <td>{label}</td>
                      {results.strategies.map((s) => (
                        <td key={s.strategyId} className="n" data-testid={`study-total-${k}-${s.strategyId}`} data-value={String(s.totals[k] ?? '')}>
                          {s.totals[k] === null ? '—' : formatNumber(s.totals[k], d)}
                        </td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </Box>
              <SocChart rec={rec} />
              {results.sweep ? (
                <Box component="table" data-testid="study-sweep" sx={{ mt: 1, '& td': { textAlign: 'right', ...monoNumbers, px: 1 } }}>
                  <thead>
                    <tr>
                      <th>Battery, kWh</th>
                      <th>Inverter, kW</th>
                      <th>Investment</th>
                      <th>Saving per year</th>
                      <th>Payback, years</th>
                    </tr>
                  </thead>
                  <tbody>
                    {results.sweep.rows.map((w) => (
                      <tr key={`${w.batteryKwh}-${w.inverterKw}`}>
                        <td>{formatNumber(w.batteryKwh, 0)}</td>
                        <td>{formatNumber(w.inverterKw, 0)}</td>
                        <td>{formatNumber(w.investment, 0)}</td>
                        <td>{formatNumber(w.annualSaving, 0)}</td>
                        <td>{w.paybackYears === null ? 'never' : formatNumber(w.paybackYears, 1)}</td>
                      </tr>
                    ))}
                  </tbody>
                </Box>
              ) : null}
              <Box sx={{ display: 'flex', gap: 1, mt: 1 }}>
                <Button size="small" variant="outlined" data-testid="study-export-csv" disabled={!caps.has('data.export')} onClick={() => void exportAs('csv-series')}>
                  Series CSV
                </Button>
                <Button size="small" variant="outlined" disabled={!caps.has('data.export')} onClick={() => void exportAs('csv-totals')}>
                  Totals CSV
                </Button>
                <Button size="small" variant="outlined" disabled={!caps.has('data.export')} onClick={() => void exportAs('pdf')}>
                  PDF report
                </Button>
              </Box>
            </Box>
          ) : null}
          {rec ? (
            <Box>
              <Button size="small" data-testid="study-export-file" onClick={() => void exportAs('study')}>
                Save the study as one file
              </Button>
            </Box>
          ) : null}
        </Box>
      </Box>
    </Box>
  );
}
