/**
 * Alarm history: search the journal (period, priority, asset, text, event type), page through
 * it newest first, export the same query as CSV; and the EEMUA 191 KPI panel for a period.
 *
 * Hooks: `history-search`, `history-row` (data-event, data-alarm-id), `history-export`,
 * `history-older`, `history-newer`, `kpi-panel`, `kpi-period`, `kpi-<label>`.
 */
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import MenuItem from '@mui/material/MenuItem';
import Paper from '@mui/material/Paper';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import ToggleButton from '@mui/material/ToggleButton';
import ToggleButtonGroup from '@mui/material/ToggleButtonGroup';
import Typography from '@mui/material/Typography';
import { useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import { ALARM_JOURNAL_EVENTS, ALARM_PRIORITIES, type AlarmJournalEntry, type AlarmKpis, type AlarmPriority } from '../../../../core/common/alarms';
import { useClient, useSite } from '../../api/hooks';
import { GuardedButton, useCapabilityReason } from '../../components/Guarded';
import { toApiError } from '../../api/errors';
import { formatDateTime } from '../../format/format';
import { fieldSx, hmi, monoNumbers } from '../../theme';
import { FilterField } from '../../components/FilterField';
import { PRIORITY_STYLE } from './alarmModel';
import { ErrorBar, priorityToggleSx, tabToggleSx } from './alarmUi';
import { downloadText } from './download';
import { buildHistoryQuery, cursorOf, FIRST_PAGE, formatMs, kpiLines, newerPage, olderPage, PAGE_SIZE, periodError, PERIODS, toLocalInput, type HistoryForm, type Pager } from './historyModel';
import { ALARMS_HREF } from './links';
import { PriorityBadge } from './PriorityBadge';

function initialForm(): HistoryForm {
  const now = Date.now();
  return { from: toLocalInput(now - 24 * 3_600_000), to: '', priorities: [], asset: '', event: '', text: '' };
}

export function AlarmHistoryPage() {
  const [tab, setTab] = useState<'journal' | 'kpis'>('journal');
  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', gap: 1.25, flex: 1, minHeight: 0 }}>
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 2 }}>
        <Typography variant="h2" component="h2">
          Alarm history
        </Typography>
        <ToggleButtonGroup size="small" exclusive value={tab} onChange={(_e, v: 'journal' | 'kpis' | null) => v && setTab(v)} aria-label="History view">
          <ToggleButton value="journal" data-testid="history-tab-journal" sx={tabToggleSx}>
            Journal
          </ToggleButton>
          <ToggleButton value="kpis" data-testid="history-tab-kpis" sx={tabToggleSx}>
            KPIs (EEMUA 191)
          </ToggleButton>
        </ToggleButtonGroup>
        <Box sx={{ flex: 1 }} />
        <Button size="small" href={ALARMS_HREF} sx={{ textTransform: 'none' }}>
          Alarm summary
        </Button>
      </Box>
      {tab === 'journal' ? <JournalSearch /> : <KpiPanel />}
    </Box>
  );
}

// ---------------------------------------------------------------- journal

function JournalSearch() {
  const client = useClient();
  const site = useSite();
  const tz = site?.timezone;
  const exportWhy = useCapabilityReason('data.export');
  const [form, setForm] = useState<HistoryForm>(initialForm);
  const [applied, setApplied] = useState<HistoryForm>(form);
  const [pager, setPager] = useState<Pager>(FIRST_PAGE);
  const [rows, setRows] = useState<AlarmJournalEntry[] | null>(null);
  const [next, setNext] = useState<number | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [exportInfo, setExportInfo] = useState<string | null>(null);
  const assetName = useMemo(() => new Map(site?.assets.map((a) => [a.id, a.name]) ?? []), [site]);
  const invalid = periodError(form);

  useEffect(() => {
    let alive = true;
    setBusy(true);
    client.call('alarms.history', buildHistoryQuery(applied, cursorOf(pager))).then(
      (r) => {
        if (!alive) return;
        setRows(r.entries);
        setNext(r.next);
        setError(null);
        setBusy(false);
      },
      (e: unknown) => {
        if (!alive) return;
        setError(toApiError(e).message);
        setBusy(false);
      },
    );
    return () => {
      alive = false;
    };
  }, [client, applied, pager]);

  const search = () => {
    if (invalid) return;
    setApplied(form);
    setPager(FIRST_PAGE);
  };

  const exportCsv = useCallback(async () => {
    setExportInfo(null);
    try {
      const q = buildHistoryQuery(applied, undefined, 10_000);
      const r = await client.call('alarms.export', q);
      downloadText(r.filename, r.csv);
      setExportInfo(`Exported ${r.rows} rows to ${r.filename}`);
    } catch (e) {
      const err = toApiError(e);
      setError(`Export ${err.code === 'forbidden' ? 'not allowed' : 'failed'}: ${err.message}`);
    }
  }, [client, applied]);

  const set = <K extends keyof HistoryForm>(k: K, v: HistoryForm[K]) => setForm((f) => ({ ...f, [k]: v }));

  return (
    <>
      <Box
        component="form"
        onSubmit={(e) => {
          e.preventDefault();
          search();
        }}
        sx={{ display: 'flex', alignItems: 'center', gap: 1.25, flexWrap: 'wrap' }}
      >
        <TextField label="From" type="datetime-local" size="small" value={form.from} onChange={(e) => set('from', e.target.value)} sx={{ width: 200, ...fieldSx }} slotProps={{ inputLabel: { shrink: true } }} />
        <TextField label="To" type="datetime-local" size="small" value={form.to} onChange={(e) => set('to', e.target.value)} sx={{ width: 200, ...fieldSx }} slotProps={{ inputLabel: { shrink: true } }} />
        <ToggleButtonGroup size="small" value={form.priorities} onChange={(_e, v: AlarmPriority[]) => set('priorities', v)} aria-label="Priorities">
          {ALARM_PRIORITIES.map((p) => (
            <ToggleButton key={p} value={p} aria-label={`Priority ${PRIORITY_STYLE[p].number} ${PRIORITY_STYLE[p].label}`} sx={priorityToggleSx}>
              <PriorityBadge priority={p} size={15} />
            </ToggleButton>
          ))}
        </ToggleButtonGroup>
        <TextField select label="Asset" size="small" value={form.asset} onChange={(e) => set('asset', e.target.value)} sx={{ width: 170, ...fieldSx }}>
          <MenuItem value="">All assets</MenuItem>
          {(site?.assets ?? []).map((a) => (
            <MenuItem key={a.id} value={a.id}>
              {a.name}
            </MenuItem>
          ))}
        </TextField>
        <TextField select label="Event" size="small" value={form.event} onChange={(e) => set('event', e.target.value as HistoryForm['event'])} sx={{ width: 150, ...fieldSx }}>
          <MenuItem value="">All events</MenuItem>
          {ALARM_JOURNAL_EVENTS.map((ev) => (
            <MenuItem key={ev} value={ev}>
              {ev}
            </MenuItem>
          ))}
        </TextField>
        <FilterField label="Text" value={form.text} onChange={(v) => set('text', v)} placeholder="message, id, user" width={180} maxLength={200} />
        <Button type="submit" variant="contained" size="small" disabled={!!invalid} data-testid="history-search" sx={{ textTransform: 'none' }}>
          Search
        </Button>
        <GuardedButton variant="outlined" size="small" onClick={() => void exportCsv()} why={exportWhy} showWhy={false} testId="history-export" sx={{ textTransform: 'none' }}>
          Export CSV
        </GuardedButton>
        {invalid ? <Typography sx={{ color: hmi.alarmHigh, fontSize: 13 }}>{invalid}</Typography> : null}
        {exportInfo ? (
          <Typography role="status" sx={{ fontSize: 13, color: hmi.textDim }}>
            {exportInfo}
          </Typography>
        ) : null}
      </Box>
      <ErrorBar error={error} />
      <Paper sx={{ flex: 1, minHeight: 200, overflow: 'auto' }}>
        <Table size="small" stickyHeader aria-label="Alarm journal">
          <TableHead>
            <TableRow>
              <TableCell sx={{ width: 170 }}>Time</TableCell>
              <TableCell sx={{ width: 50 }}>Pri</TableCell>
              <TableCell sx={{ width: 110 }}>Event</TableCell>
              <TableCell sx={{ width: 140 }}>Asset</TableCell>
              <TableCell>Message</TableCell>
              <TableCell sx={{ width: 190 }}>State</TableCell>
              <TableCell sx={{ width: 120 }}>User</TableCell>
              <TableCell>Text</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {(rows ?? []).map((r) => (
              <TableRow key={r.seq ?? `${r.ts}-${r.alarmId}-${r.event}`} data-testid="history-row" data-event={r.event} data-alarm-id={r.alarmId} hover>
                <TableCell sx={{ ...monoNumbers, whiteSpace: 'nowrap' }}>{formatDateTime(r.ts, tz)}</TableCell>
                <TableCell>
                  <PriorityBadge priority={r.priority} size={14} />
                </TableCell>
                <TableCell sx={{ fontWeight: 600 }}>{r.event}</TableCell>
                <TableCell sx={{ color: hmi.textDim }}>{r.asset ? (assetName.get(r.asset) ?? r.asset) : ''}</TableCell>
                <TableCell>{r.message}</TableCell>
                <TableCell sx={{ color: hmi.textDim, fontSize: 12 }}>{r.from || r.to ? `${r.from ?? ''} → ${r.to ?? ''}` : ''}</TableCell>
                <TableCell>{r.user ?? ''}</TableCell>
                <TableCell sx={{ fontSize: 12 }}>{r.text ?? ''}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
        {rows && rows.length === 0 ? <Box sx={{ p: 2, color: hmi.textDim }}>No journal entries match.</Box> : null}
      </Paper>
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 1 }}>
        <Button size="small" variant="outlined" disabled={pager.index === 0 || busy} onClick={() => setPager(newerPage)} data-testid="history-newer" sx={{ textTransform: 'none' }}>
          Newer
        </Button>
        <Button size="small" variant="outlined" disabled={next === undefined || busy} onClick={() => setPager((p) => olderPage(p, next))} data-testid="history-older" sx={{ textTransform: 'none' }}>
          Older
        </Button>
        <Typography sx={{ fontSize: 13, color: hmi.textDim, ...monoNumbers }} role="status">
          Page {pager.index + 1} · {rows?.length ?? 0} entries (up to {PAGE_SIZE} per page, newest first){busy ? ' · loading…' : ''}
        </Typography>
      </Box>
    </>
  );
}

// ---------------------------------------------------------------- KPIs

function KpiPanel() {
  const client = useClient();
  const site = useSite();
  const tz = site?.timezone;
  const [period, setPeriod] = useState('24h');
  const [kpis, setKpis] = useState<AlarmKpis | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [reload, setReload] = useState(0);

  useEffect(() => {
    let alive = true;
    const ms = PERIODS.find((p) => p.id === period)?.ms ?? 24 * 3_600_000;
    const to = Date.now();
    client.call('alarms.kpis', { from: to - ms, to }).then(
      (k) => {
        if (alive) {
          setKpis(k);
          setError(null);
        }
      },
      (e: unknown) => alive && setError(toApiError(e).message),
    );
    return () => {
      alive = false;
    };
  }, [client, period, reload]);

  return (
    <Box data-testid="kpi-panel" sx={{ display: 'flex', flexDirection: 'column', gap: 1.25, flex: 1, minHeight: 0, overflow: 'auto', pt: 1 }}>
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 1.25 }}>
        <TextField select label="Period" size="small" value={period} onChange={(e) => setPeriod(e.target.value)} sx={{ width: 170, ...fieldSx }} slotProps={{ select: { inputProps: { 'data-testid': 'kpi-period' } } }}>
          {PERIODS.map((p) => (
            <MenuItem key={p.id} value={p.id}>
              {p.label}
            </MenuItem>
          ))}
        </TextField>
        <Button size="small" variant="outlined" onClick={() => setReload((n) => n + 1)} sx={{ textTransform: 'none' }}>
          Refresh
        </Button>
        {kpis ? (
          <Typography sx={{ fontSize: 13, color: hmi.textDim, ...monoNumbers }}>
            {formatDateTime(kpis.from, tz)} – {formatDateTime(kpis.to, tz)}
          </Typography>
        ) : null}
      </Box>
      <ErrorBar error={error} />
      {kpis ? (
        <Box sx={{ display: 'grid', gridTemplateColumns: 'minmax(320px, 1fr) minmax(320px, 1fr)', gap: 1.5, alignItems: 'start' }}>
          <KpiCard title="Alarm load">
            <Table size="small" aria-label="Alarm KPIs">
              <TableHead>
                <TableRow>
                  <TableCell>Indicator</TableCell>
                  <TableCell align="right">Value</TableCell>
                  <TableCell align="right">EEMUA target</TableCell>
                </TableRow>
              </TableHead>
              <TableBody>
                {kpiLines(kpis).map((l) => (
                  <TableRow key={l.label} data-testid={`kpi-${l.label}`} data-over={l.over ? 'true' : 'false'}>
                    <TableCell>{l.label}</TableCell>
                    <TableCell align="right" sx={{ ...monoNumbers, fontWeight: l.over ? 700 : 400 }}>
                      {l.value}
                      {l.over ? (
                        <Box component="span" sx={{ ml: 0.75, fontSize: 11, fontWeight: 700, border: `1px solid ${hmi.onAlarmMedium}`, bgcolor: hmi.alarmMedium, color: hmi.onAlarmMedium, px: 0.5 }}>
                          OVER
                        </Box>
                      ) : null}
                    </TableCell>
                    <TableCell align="right" sx={{ color: hmi.textDim }}>
                      {l.target}
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </KpiCard>
          <KpiCard title="Priority mix">
            <Box data-testid="kpi-priority-mix" sx={{ display: 'flex', flexDirection: 'column', gap: 0.5 }}>
              {ALARM_PRIORITIES.map((p) => {
                const m = kpis.priorityMix[p];
                return (
                  <Box key={p} sx={{ display: 'grid', gridTemplateColumns: '110px 1fr 90px', alignItems: 'center', gap: 1 }}>
                    <PriorityBadge priority={p} size={14} showLabel />
                    <Box sx={{ height: 12, bgcolor: hmi.gaugeTrack, border: `1px solid ${hmi.line}` }}>
                      <Box sx={{ height: '100%', width: `${Math.min(100, m.percent)}%`, bgcolor: hmi.gaugeFill }} />
                    </Box>
                    <Typography sx={{ fontSize: 13, textAlign: 'right', ...monoNumbers }}>
                      {m.count} · {m.percent.toFixed(0)} %
                    </Typography>
                  </Box>
                );
              })}
              <Typography sx={{ fontSize: 12, color: hmi.textDim }}>EEMUA 191 guidance: about 5 % high and critical, 15 % medium, 80 % low.</Typography>
            </Box>
          </KpiCard>
          <KpiCard title="Top 10 bad actors">
            {kpis.topBadActors.length === 0 ? (
              <Typography sx={{ fontSize: 13, color: hmi.textDim }}>No activations in the period.</Typography>
            ) : (
              <Table size="small" aria-label="Top 10 bad actors" data-testid="kpi-bad-actors">
                <TableHead>
                  <TableRow>
                    <TableCell>Alarm</TableCell>
                    <TableCell align="right">Count</TableCell>
                    <TableCell align="right">Share</TableCell>
                  </TableRow>
                </TableHead>
                <TableBody>
                  {kpis.topBadActors.map((b) => (
                    <TableRow key={b.alarmId}>
                      <TableCell title={b.alarmId}>{b.message}</TableCell>
                      <TableCell align="right" sx={monoNumbers}>
                        {b.count}
                      </TableCell>
                      <TableCell align="right" sx={monoNumbers}>
                        {b.percent.toFixed(1)} %
                      </TableCell>
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
            )}
          </KpiCard>
          <KpiCard title="Stale and chattering alarms">
            {kpis.stale.length === 0 && kpis.chattering.length === 0 ? <Typography sx={{ fontSize: 13, color: hmi.textDim }}>None in the period.</Typography> : null}
            {kpis.stale.map((s) => (
              <Typography key={s.alarmId} sx={{ fontSize: 13 }} data-testid="kpi-stale">
                STALE · {s.message} — active {formatMs(s.activeMs)} since {formatDateTime(s.activeSince, tz)}
              </Typography>
            ))}
            {kpis.chattering.map((c) => (
              <Typography key={c.alarmId} sx={{ fontSize: 13 }}>
                CHATTER · {c.message} — {c.episodes} episodes
              </Typography>
            ))}
          </KpiCard>
        </Box>
      ) : !error ? (
        <Typography sx={{ color: hmi.textDim }}>Loading…</Typography>
      ) : null}
    </Box>
  );
}

function KpiCard({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Paper sx={{ p: 1.5 }}>
      <Typography component="h3" variant="h3" sx={{ mb: 1 }}>
        {title}
      </Typography>
      {children}
    </Paper>
  );
}
