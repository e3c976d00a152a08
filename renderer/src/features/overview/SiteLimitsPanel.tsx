/**
 * Contracted power, peak-shaving limit and the batteries' SoC reserve: the values in force, the site file's default and
 * who changed them; "Change…" (control.setpoint) goes through the core's command pipeline
 * (site.parameters.set: limits, reason, audit). Without the permission the button is shown
 * disabled with the reason.
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
import type { SiteView } from '../../../../core/common/api/contract';
import { SITE_PARAMETER_RANGE, type SiteParameterResult, type SiteParameterView } from '../../../../core/common/control';
import type { ReasonView } from '../../../../core/common/security';
import { errorText } from '../../api/errorText';
import { useClient } from '../../api/hooks';
import { CommentField } from '../../components/CommentField';
import { GuardedButton, useCapabilityReason } from '../../components/Guarded';
import { formatDateTime, formatNumber } from '../../format/format';
import { hmi, monoNumbers } from '../../theme';
import { commandReasons } from '../control/commandModel';
import { dlSx, panelSx, titleSx } from './BatteryPanel';
import { parameterInputProblem } from './parameterModel';

export function SiteLimitsPanel({ site }: { site: SiteView }) {
  const why = useCapabilityReason('control.setpoint');
  const [editing, setEditing] = useState<SiteParameterView | null>(null);
  const params = site.parameters ?? [];
  return (
    <Box component="section" aria-label="Site limits" data-testid="site-limits" sx={panelSx}>
      <Typography component="h3" sx={titleSx}>
        Site limits
      </Typography>
      <Box component="dl" sx={{ ...dlSx, gridTemplateColumns: 'minmax(0, 1fr) max-content', alignItems: 'baseline' }}>
        {params.map((p) => (
          <Box key={p.id} sx={{ display: 'contents' }} data-testid={`param-${p.id}`}>
            <dt>{p.label}</dt>
            <dd style={{ fontWeight: 700, textAlign: 'right', ...monoNumbers }}>
              <span data-testid={`param-value-${p.id}`}>{formatNumber(p.value, 1)}</span> <span style={{ color: hmi.textDim, fontWeight: 400, fontSize: '0.85em' }}>{p.unit}</span>
            </dd>
            <dd style={{ color: hmi.textDim, fontSize: 12.5, gridColumn: '1 / -1', marginTop: -2 }} data-testid={`param-note-${p.id}`}>
              {p.override ? `changed by ${p.override.by} ${formatDateTime(p.override.at, site.timezone)} (site file: ${formatNumber(p.default, 1)} ${p.unit})` : p.id === 'peakShavingLimitKw' ? 'follows the contracted power' : 'from the site file'}
            </dd>
          </Box>
        ))}
      </Box>
      <Box sx={{ display: 'flex', flexDirection: 'column', alignItems: 'flex-start', gap: 1, mt: 1 }}>
        {params.map((p, i) => (
          <GuardedButton key={p.id} why={why} showWhy={i === params.length - 1} size="small" variant="outlined" testId={`param-change-${p.id}`} onClick={() => setEditing(p)}>
            Change {p.label.toLowerCase()}…
          </GuardedButton>
        ))}
      </Box>
      {editing ? <ParameterDialog site={site} param={editing} onClose={() => setEditing(null)} /> : null}
    </Box>
  );
}

function ParameterDialog({ site, param, onClose }: { site: SiteView; param: SiteParameterView; onClose: () => void }) {
  const client = useClient();
  const [text, setText] = useState(formatNumber(param.value, 1));
  const [reason, setReason] = useState('');
  const [comment, setComment] = useState('');
  const [reasons, setReasons] = useState<{ list: ReasonView[]; required: boolean } | null>(null);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<SiteParameterResult | null>(null);
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
  const contracted = site.parameters?.find((p) => p.id === 'contractedPowerKw')?.value ?? site.pcc.contractedPowerKw;
  const socMaxes = site.assets.filter((a) => a.nature === 'Ess').flatMap((a) => (a.limits?.socMaxPct !== undefined ? [a.limits.socMaxPct] : []));
  const socMaxPct = socMaxes.length > 0 ? Math.min(...socMaxes) : undefined;
  const u = param.unit;
  const problem = parameterInputProblem(param.id, text, { contractedKw: contracted, range: SITE_PARAMETER_RANGE[param.id], ...(socMaxPct !== undefined ? { socMaxPct } : {}) });
  const reasonMissing = !!reasons?.required && !reason;
  const send = async (value: number | null) => {
    setBusy(true);
    setError(null);
    try {
      const r = await client.call('site.parameters.set', { siteId: site.id, parameter: param.id, value, ...(reason ? { reason } : {}), ...(comment.trim() ? { comment: comment.trim() } : {}) });
      setResult(r);
    } catch (e) {
      setError(errorText(e, { value: param.label, comment: 'Comment', reason: 'Reason' }));
    } finally {
      setBusy(false);
    }
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (problem || reasonMissing || busy) return;
    void send(Number(text.replace(',', '.')));
  };
  return (
    <Dialog open onClose={onClose} maxWidth="sm" fullWidth slotProps={{ paper: { 'data-testid': 'param-dialog' } as object }}>
      <form onSubmit={submit} noValidate>
        <DialogTitle>Change {param.label.toLowerCase()}</DialogTitle>
        <DialogContent sx={{ display: 'flex', flexDirection: 'column', gap: 2, pt: '8px !important' }}>
          <Typography sx={{ fontSize: 13.5 }}>
            In force: <b>{formatNumber(param.value, 1)} {u}</b>; site file: {formatNumber(param.default, 1)} {u}. The change goes through the command pipeline (limits, reason, audit)
            {param.id === 'peakShavingLimitKw'
              ? ' and is written to the battery’s own peak shaving.'
              : param.id === 'socMinPct'
                ? ' and is written to every battery’s own reserve; the SoC limits and the low-SoC alarms follow it at once.'
                : '; the contracted-power interlock and the battery’s peak shaving (while it follows the contract) use it at once.'}
          </Typography>
          <TextField
            label={`${param.label} (${u})`}
            value={text}
            onChange={(e) => setText(e.target.value)}
            error={!!problem}
            helperText={problem ?? `${SITE_PARAMETER_RANGE[param.id].min} to ${param.id === 'peakShavingLimitKw' ? formatNumber(contracted, 1) : param.id === 'socMinPct' && socMaxPct !== undefined ? `below ${socMaxPct}` : SITE_PARAMETER_RANGE[param.id].max} ${u}`}
            slotProps={{ htmlInput: { inputMode: 'decimal', 'data-testid': 'param-value-input' } }}
            autoFocus
          />
          <TextField
            select
            label="Reason"
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            required={!!reasons?.required}
            error={reasonMissing && reason === '' && result !== null}
            helperText={reasons?.required ? 'Required for changes on this site.' : 'Optional.'}
            slotProps={{ select: { native: true }, inputLabel: { shrink: true }, htmlInput: { 'data-testid': 'param-reason' } }}
          >
            <option value="">{reasons ? '— choose a reason —' : 'loading…'}</option>
            {(reasons?.list ?? []).map((r) => (
              <option key={r.id} value={r.id}>
                {r.label}
              </option>
            ))}
          </TextField>
          <CommentField value={comment} onChange={setComment} testId="param-comment" />
          {result ? (
            <Alert severity={result.ok ? 'success' : 'error'} data-testid="param-result" data-ok={String(result.ok)} data-rule={result.ok ? undefined : result.rule}>
              {result.ok ? `${param.label} is now ${formatNumber(result.after, 1)} ${u} (was ${formatNumber(result.before, 1)} ${u}). Recorded in the audit log.` : `Not changed: ${result.message}.`}
            </Alert>
          ) : null}
          {error ? (
            <Alert severity="error" data-testid="param-error">
              {error}
            </Alert>
          ) : null}
        </DialogContent>
        <DialogActions>
          {param.override ? (
            <Button onClick={() => void send(null)} disabled={busy || reasonMissing} data-testid="param-reset">
              Back to the site file ({formatNumber(param.default, 1)} {u})
            </Button>
          ) : null}
          <Box sx={{ flex: 1 }} />
          <Button onClick={onClose}>Close</Button>
          <Button type="submit" variant="contained" disabled={!!problem || reasonMissing || busy || !reasons} data-testid="param-apply">
            Apply
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
