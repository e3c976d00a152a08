/**
 * The site's operating mode (issue #11 item 3): which mode is active, why, and what the calendar
 * schedules next; a transition in progress, external grid signals and the plan's last dispatch.
 * "Change mode…" and "Calendar…" (control.operate) go through the command pipeline (reason,
 * audit); without the permission the buttons are disabled with the reason. Shown on the
 * overview beside the synoptic and, compact, on the plan screen.
 */
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useEffect, useState, type FormEvent } from 'react';
import { OPERATING_MODES, OPERATING_MODE_LABELS, type ModeCalendarEntry, type ModeCommandResult, type ModeStatus, type OperatingMode } from '../../../../core/common/modes';
import type { ReasonView } from '../../../../core/common/security';
import { errorText } from '../../api/errorText';
import { useClient } from '../../api/hooks';
import { CommentField } from '../../components/CommentField';
import { GuardedButton, useCapabilityReason } from '../../components/Guarded';
import { hmi } from '../../theme';
import { commandReasons } from '../control/commandModel';
import { daysText, modeLines, parseDays } from './modeModel';
import { useModes } from './useModes';

const panelSx = { bgcolor: hmi.panel, border: `1px solid ${hmi.line}`, p: 1.5, minWidth: 0 } as const;

export function ModePanel({ compact = false }: { compact?: boolean }) {
  const { status } = useModes();
  const why = useCapabilityReason('control.operate');
  const [dialog, setDialog] = useState<'mode' | 'calendar' | null>(null);
  if (!status) return null;
  const l = modeLines(status);
  return (
    <Box component="section" aria-label="Operating mode" data-testid="mode-panel" sx={panelSx}>
      <Typography component="h3" sx={{ fontSize: 14, fontWeight: 700, color: hmi.text, mb: 0.5 }}>
        Operating mode
      </Typography>
      <Typography data-testid="mode-active" data-mode={status.enabled ? status.active.mode : 'none'} data-source={status.active.source} sx={{ fontSize: 16, fontWeight: 700, color: hmi.text }}>
        {l.active}
      </Typography>
      <Typography data-testid="mode-why" sx={{ fontSize: 13, color: hmi.text }}>
        {l.why}
      </Typography>
      {l.next ? (
        <Typography data-testid="mode-next" sx={{ fontSize: 13, color: hmi.textDim }}>
          {l.next}
        </Typography>
      ) : null}
      {l.transition ? (
        <Typography data-testid="mode-transition" sx={{ fontSize: 13, color: hmi.text }}>
          {l.transition}
        </Typography>
      ) : null}
      {!compact && l.signals ? (
        <Typography data-testid="mode-signals" sx={{ fontSize: 12.5, color: hmi.textDim }}>
          {l.signals}
        </Typography>
      ) : null}
      {!compact && l.dispatch ? (
        <Typography data-testid="mode-dispatch" sx={{ fontSize: 12.5, color: hmi.textDim }}>
          {l.dispatch}
        </Typography>
      ) : null}
      {l.abnormal ? (
        <Typography role="status" data-testid="mode-abnormal" sx={{ fontSize: 13, color: '#fff', bgcolor: hmi.alarmHigh, px: 1, mt: 0.5, fontWeight: 700 }}>
          {l.abnormal}
        </Typography>
      ) : null}
      {status.enabled && !compact ? (
        <Box sx={{ display: 'flex', gap: 1, mt: 1, flexWrap: 'wrap' }}>
          <GuardedButton why={why} showWhy={false} size="small" variant="outlined" testId="mode-change" onClick={() => setDialog('mode')}>
            Change mode…
          </GuardedButton>
          <GuardedButton why={why} size="small" variant="outlined" testId="mode-calendar" onClick={() => setDialog('calendar')}>
            Calendar…
          </GuardedButton>
        </Box>
      ) : null}
      {dialog === 'mode' ? <ModeDialog status={status} onClose={() => setDialog(null)} /> : null}
      {dialog === 'calendar' ? <CalendarDialog status={status} onClose={() => setDialog(null)} /> : null}
    </Box>
  );
}

function useReasons(): { reasons: { list: ReasonView[]; required: boolean } | null; error: string | null } {
  const client = useClient();
  const [reasons, setReasons] = useState<{ list: ReasonView[]; required: boolean } | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let alive = true;
    client.call('reasons.list', { appliesTo: 'command' }).then(
      (r) => alive && setReasons({ list: commandReasons(r.reasons), required: r.required.command }),
      (e: unknown) => alive && setError(errorText(e)),
    );
    return () => {
      alive = false;
    };
  }, [client]);
  return { reasons, error };
}

function ReasonField({ reasons, value, onChange, testId }: { reasons: { list: ReasonView[]; required: boolean } | null; value: string; onChange: (v: string) => void; testId: string }) {
  return (
    <TextField
      select
      label="Reason"
      value={value}
      onChange={(e) => onChange(e.target.value)}
      required={!!reasons?.required}
      helperText={reasons?.required ? 'Required for changes on this site.' : 'Optional.'}
      slotProps={{ select: { native: true }, inputLabel: { shrink: true }, htmlInput: { 'data-testid': testId } }}
    >
      <option value="">{reasons ? '— choose a reason —' : 'loading…'}</option>
      {(reasons?.list ?? []).map((r) => (
        <option key={r.id} value={r.id}>
          {r.label}
        </option>
      ))}
    </TextField>
  );
}

function ResultAlert({ result, ok }: { result: ModeCommandResult | null; ok: string }) {
  if (!result) return null;
  return (
    <Alert severity={result.ok ? 'success' : 'error'} data-testid="mode-result" data-ok={String(result.ok)} data-rule={result.ok ? undefined : result.rule}>
      {result.ok ? ok : `Not changed (${result.stage}): ${result.message}.`}
    </Alert>
  );
}

function ModeDialog({ status, onClose }: { status: ModeStatus; onClose: () => void }) {
  const client = useClient();
  const { reasons, error: reasonsError } = useReasons();
  const [mode, setMode] = useState<OperatingMode | 'calendar'>(status.active.mode);
  const [reason, setReason] = useState('');
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<ModeCommandResult | null>(null);
  const [error, setError] = useState<string | null>(reasonsError);
  const reasonMissing = !!reasons?.required && !reason;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy || reasonMissing) return;
    setBusy(true);
    setError(null);
    try {
      setResult(await client.call('modes.set', { mode: mode === 'calendar' ? null : mode, ...(reason ? { reason } : {}), ...(comment.trim() ? { comment: comment.trim() } : {}) }));
    } catch (err) {
      setError(errorText(err, { mode: 'Mode', reason: 'Reason', comment: 'Comment' }));
    } finally {
      setBusy(false);
    }
  };
  const after = result?.ok ? result.status.active : null;
  return (
    <Dialog open onClose={onClose} maxWidth="sm" fullWidth slotProps={{ paper: { 'data-testid': 'mode-dialog' } as object }}>
      <form onSubmit={(e) => void submit(e)} noValidate>
        <DialogTitle>Change the operating mode</DialogTitle>
        <DialogContent sx={{ display: 'flex', flexDirection: 'column', gap: 2, pt: '8px !important' }}>
          <Typography sx={{ fontSize: 13.5 }}>
            Active: <b>{OPERATING_MODE_LABELS[status.active.mode]}</b> ({status.active.why}). The change goes through the command pipeline (permission, reason, audit); the battery moves to the new
            mode&apos;s setpoint gradually, without a jump. Your choice holds until the calendar&apos;s next change{status.next ? '' : ' (none scheduled: until you return to the calendar)'}.
          </Typography>
          <TextField
            select
            label="Mode"
            value={mode}
            onChange={(e) => setMode(e.target.value as OperatingMode | 'calendar')}
            slotProps={{ select: { native: true }, inputLabel: { shrink: true }, htmlInput: { 'data-testid': 'mode-select' } }}
          >
            {OPERATING_MODES.map((m) => (
              <option key={m} value={m}>
                {OPERATING_MODE_LABELS[m]}
              </option>
            ))}
            <option value="calendar">Back to the calendar</option>
          </TextField>
          <ReasonField reasons={reasons} value={reason} onChange={setReason} testId="mode-reason" />
          <CommentField value={comment} onChange={setComment} testId="mode-comment" />
          <ResultAlert result={result} ok={after ? `${after.label} is now active (${after.why}). Recorded in the audit log.` : ''} />
          {error ? <Alert severity="error">{error}</Alert> : null}
        </DialogContent>
        <DialogActions>
          <Button onClick={onClose}>Close</Button>
          <Button type="submit" variant="contained" disabled={busy || reasonMissing || !reasons} data-testid="mode-apply">
            Apply
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}

interface Row {
  days: string;
  from: string;
  to: string;
  mode: OperatingMode;
  label: string;
}

function CalendarDialog({ status, onClose }: { status: ModeStatus; onClose: () => void }) {
  const client = useClient();
  const { reasons, error: reasonsError } = useReasons();
  const [rows, setRows] = useState<Row[]>(status.calendar.map((e) => ({ days: daysText(e.days), from: e.from, to: e.to, mode: e.mode, label: e.label ?? '' })));
  const [defaultMode, setDefaultMode] = useState<OperatingMode>(status.defaultMode);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<ModeCommandResult | null>(null);
  const [error, setError] = useState<string | null>(reasonsError);
  const problems = rows.map((r) => {
    const d = parseDays(r.days);
    if ('error' in d) return d.error;
    if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(r.from)) return 'from: a time HH:MM';
    if (!/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/.test(r.to)) return 'to: a time HH:MM (24:00 for midnight)';
    if (r.to <= r.from) return `ends at ${r.to}, not after it starts (${r.from})`;
    return null;
  });
  const reasonMissing = !!reasons?.required && !reason;
  const set = (i: number, patch: Partial<Row>) => setRows(rows.map((r, k) => (k === i ? { ...r, ...patch } : r)));
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy || reasonMissing || problems.some(Boolean)) return;
    setBusy(true);
    setError(null);
    const calendar: ModeCalendarEntry[] = rows.map((r) => ({ days: (parseDays(r.days) as { days: ModeCalendarEntry['days'] }).days, from: r.from, to: r.to, mode: r.mode, ...(r.label.trim() ? { label: r.label.trim() } : {}) }));
    try {
      setResult(await client.call('modes.calendar.set', { calendar, defaultMode, ...(reason ? { reason } : {}) }));
    } catch (err) {
      setError(errorText(err, { calendar: 'Calendar', reason: 'Reason' }));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog open onClose={onClose} maxWidth="md" fullWidth slotProps={{ paper: { 'data-testid': 'calendar-dialog' } as object }}>
      <form onSubmit={(e) => void submit(e)} noValidate>
        <DialogTitle>Mode calendar ({status.timezone} time)</DialogTitle>
        <DialogContent sx={{ display: 'flex', flexDirection: 'column', gap: 1.5, pt: '8px !important' }}>
          <Typography sx={{ fontSize: 13.5 }}>The first entry that matches the weekday and time wins; outside every entry the default mode holds. Saved on the core, with a reason in the audit log.</Typography>
          {rows.map((r, i) => (
            <Box key={i} sx={{ display: 'grid', gridTemplateColumns: '1.4fr 0.7fr 0.7fr 1.2fr 1fr auto', gap: 1, alignItems: 'start' }} data-testid={`calendar-row-${i}`}>
              <TextField size="small" label="Days" value={r.days} onChange={(e) => set(i, { days: e.target.value })} error={!!problems[i]} helperText={problems[i] ?? 'mon, tue… or weekdays'} slotProps={{ htmlInput: { 'data-testid': `calendar-days-${i}` } }} />
              <TextField size="small" label="From" value={r.from} onChange={(e) => set(i, { from: e.target.value })} slotProps={{ htmlInput: { 'data-testid': `calendar-from-${i}` } }} />
              <TextField size="small" label="To" value={r.to} onChange={(e) => set(i, { to: e.target.value })} slotProps={{ htmlInput: { 'data-testid': `calendar-to-${i}` } }} />
              <TextField size="small" select label="Mode" value={r.mode} onChange={(e) => set(i, { mode: e.target.value as OperatingMode })} slotProps={{ select: { native: true }, inputLabel: { shrink: true }, htmlInput: { 'data-testid': `calendar-mode-${i}` } }}>
                {OPERATING_MODES.map((m) => (
                  <option key={m} value={m}>
                    {OPERATING_MODE_LABELS[m]}
                  </option>
                ))}
              </TextField>
              <TextField size="small" label="Label" value={r.label} onChange={(e) => set(i, { label: e.target.value.slice(0, 80) })} />
              <Button size="small" onClick={() => setRows(rows.filter((_, k) => k !== i))} aria-label={`Remove entry ${i + 1}`}>
                Remove
              </Button>
            </Box>
          ))}
          <Box>
            <Button size="small" onClick={() => setRows([...rows, { days: 'weekdays', from: '08:00', to: '18:00', mode: 'peak-shaving', label: '' }])} data-testid="calendar-add">
              Add an entry
            </Button>
          </Box>
          <TextField select label="Default mode" value={defaultMode} onChange={(e) => setDefaultMode(e.target.value as OperatingMode)} slotProps={{ select: { native: true }, inputLabel: { shrink: true } }}>
            {OPERATING_MODES.map((m) => (
              <option key={m} value={m}>
                {OPERATING_MODE_LABELS[m]}
              </option>
            ))}
          </TextField>
          <ReasonField reasons={reasons} value={reason} onChange={setReason} testId="calendar-reason" />
          <ResultAlert result={result} ok={result?.ok ? `Calendar saved: ${result.status.next ? `next ${result.status.next.label}` : 'nothing else scheduled'}. Recorded in the audit log.` : ''} />
          {error ? <Alert severity="error">{error}</Alert> : null}
        </DialogContent>
        <DialogActions>
          <Button onClick={onClose}>Close</Button>
          <Button type="submit" variant="contained" disabled={busy || reasonMissing || !reasons || problems.some(Boolean)} data-testid="calendar-save">
            Save
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
