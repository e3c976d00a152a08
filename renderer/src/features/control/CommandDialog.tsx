/**
 * Commands to the field, through the core's pipeline (core/control):
 *  - power setpoint: value → reason → confirmation (before → after) → command.execute;
 *  - mode change: value → reason → command.select (select-before-operate) → confirmation with
 *    the core's summary → command.execute with the selection token.
 * A refusal shows its stage, rule and message; a request for re-authentication asks for the
 * password (auth.reauth) and retries the refused step. When the device reports its own stages
 * (IEC 61850: selected, operated, terminated, cancelled, refused with its AddCause), the result
 * lists them (data-testid="field-stages", one item per stage with data-stage).
 * `channel` commands another discrete point of the asset (a breaker) through the mode flow.
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
import type { AssetView } from '../../../../core/common/api/contract';
import type { CommandRequest, CommandResult, FieldStage, ReasonView, SelectResult } from '../../../../core/common/security';
import { errorText } from '../../api/errorText';
import { useClient, usePoint, usePointMeta, useSite } from '../../api/hooks';
import { CommentField } from '../../components/CommentField';
import { hmi, monoNumbers } from '../../theme';
import { signInErrorText } from '../auth/authText';
import {
  commandReasons,
  describePower,
  fieldStageText,
  fmtKw,
  isReauthRequired,
  modeLabel,
  parseSetpoint,
  proposedState,
  powerDirection,
  refusalText,
  setpointRange,
  successText,
} from './commandModel';

export type CommandKind = 'setpoint' | 'mode';

type Step =
  | { s: 'edit' }
  | { s: 'confirm'; value: number; token?: string; summary?: string }
  | { s: 'busy'; what: string }
  | { s: 'reauth'; value: number; retry: 'select' | 'execute'; token?: string }
  | { s: 'done'; result: CommandResult }
  | { s: 'refused'; result: Extract<CommandResult | SelectResult, { ok: false }> }
  | { s: 'error'; message: string };

const CHANNEL: Record<CommandKind, string> = { setpoint: 'SetActivePower', mode: 'Mode' };

export function CommandDialog({ asset, kind, channel, open, onClose }: { asset: AssetView; kind: CommandKind; channel?: string; open: boolean; onClose: () => void }) {
  const client = useClient();
  const site = useSite();
  const target = `${asset.id}/${channel ?? CHANNEL[kind]}`;
  const meta = usePointMeta(target);
  const current = usePoint(target);
  const actual = usePoint(`${asset.id}/ActivePower`);
  const range = setpointRange(asset, meta);
  const [text, setText] = useState('');
  const [reason, setReason] = useState('');
  const [comment, setComment] = useState('');
  const [password, setPassword] = useState('');
  const [reasons, setReasons] = useState<{ list: ReasonView[]; required: boolean } | null>(null);
  const [step, setStep] = useState<Step>({ s: 'edit' });
  const [reauthError, setReauthError] = useState<string | null>(null);

  useEffect(() => {
    if (!open) return;
    setStep({ s: 'edit' });
    setText(kind === 'mode' ? proposedState(meta?.states, current?.value) : '');
    setComment('');
    setPassword('');
    let alive = true;
    client.call('reasons.list', { appliesTo: 'command' }).then(
      (r) => alive && setReasons({ list: commandReasons(r.reasons), required: r.required.command }),
      (e: unknown) => alive && setStep({ s: 'error', message: `Reasons could not be loaded: ${errorText(e)}` }),
    );
    return () => {
      alive = false;
    };
  }, [open]);

  const parsed = kind === 'setpoint' ? parseSetpoint(text, range) : text === '0' || text === '1' ? ({ ok: true, value: Number(text) } as const) : ({ ok: false, error: 'Choose a mode.' } as const);
  const reasonMissing = !!reasons?.required && !reason;
  const request = (value: number, token?: string): CommandRequest => ({
    siteId: site?.id ?? '',
    target,
    value,
    ...(kind === 'setpoint' ? { unit: 'kW' } : {}),
    ...(reason ? { reason } : {}),
    ...(comment.trim() ? { comment: comment.trim() } : {}),
    ...(token ? { confirmToken: token } : {}),
  });

  const select = async (value: number) => {
    setStep({ s: 'busy', what: 'Selecting (select-before-operate)…' });
    try {
      const r = await client.call('command.select', request(value));
      if (r.ok) setStep({ s: 'confirm', value, token: r.token, summary: r.summary });
      else if (isReauthRequired(r)) setStep({ s: 'reauth', value, retry: 'select' });
      else setStep({ s: 'refused', result: r });
    } catch (e) {
      setStep({ s: 'error', message: errorText(e) });
    }
  };

  const execute = async (value: number, token?: string) => {
    setStep({ s: 'busy', what: 'Sending the command and waiting for the readback…' });
    try {
      const r = await client.call('command.execute', request(value, token));
      if (r.ok) setStep({ s: 'done', result: r });
      else if (isReauthRequired(r)) setStep({ s: 'reauth', value, retry: kind === 'mode' ? 'select' : 'execute', token });
      else setStep({ s: 'refused', result: r });
    } catch (e) {
      setStep({ s: 'error', message: errorText(e) });
    }
  };

  const review = (e: FormEvent) => {
    e.preventDefault();
    if (!parsed.ok || reasonMissing) return;
    if (kind === 'mode') void select(parsed.value);
    else setStep({ s: 'confirm', value: parsed.value });
  };

  const reauth = async (e: FormEvent) => {
    e.preventDefault();
    if (step.s !== 'reauth' || !password) return;
    const { value, retry } = step;
    setReauthError(null);
    try {
      await client.call('auth.reauth', { password });
      setPassword('');
    } catch (err) {
      setReauthError(signInErrorText(err));
      return;
    }
    // a selection is single use: after re-authentication select again
    if (retry === 'select') await select(value);
    else await execute(value);
  };

  const unit = kind === 'setpoint' ? 'kW' : '';
  const title = kind === 'setpoint' ? `Set power · ${asset.name}` : channel && channel !== CHANNEL.mode ? `Command ${channel} · ${asset.name}` : `Change mode · ${asset.name}`;
  const before = kind === 'setpoint' ? describePower(current?.value) : modeLabel(current?.value, meta?.states);
  const show = (v: number) => (kind === 'setpoint' ? describePower(v) : modeLabel(v, meta?.states));

  return (
    <Dialog open={open} onClose={step.s === 'busy' ? undefined : onClose} maxWidth="xs" fullWidth aria-labelledby="command-title" data-testid={`${kind}-dialog`}>
      <DialogTitle id="command-title" sx={{ fontSize: 17, fontWeight: 600 }}>
        {title}
      </DialogTitle>
      {step.s === 'edit' ? (
        <Box component="form" onSubmit={review}>
          <DialogContent sx={{ display: 'flex', flexDirection: 'column', gap: 2, pt: 1 }}>
            <Typography sx={{ fontSize: 13, color: hmi.textDim }}>
              Now: {kind === 'setpoint' ? `setpoint ${before}, actual ${describePower(actual?.value)}` : before}
            </Typography>
            {kind === 'setpoint' ? (
              <TextField
                label="Power setpoint (kW)"
                value={text}
                onChange={(e) => setText(e.target.value)}
                autoFocus
                inputMode="decimal"
                error={text !== '' && !parsed.ok}
                helperText={
                  text !== '' && !parsed.ok
                    ? parsed.error
                    : `Positive = discharge, negative = charge. Allowed ${fmtKw(range.min)} to ${fmtKw(range.max)} kW.`
                }
                slotProps={{ htmlInput: { 'data-testid': 'setpoint-value', style: { fontVariantNumeric: 'tabular-nums' } } }}
              />
            ) : (
              <TextField select label={channel && channel !== CHANNEL.mode ? channel : 'Mode'} value={text} onChange={(e) => setText(e.target.value)} slotProps={{ select: { native: true }, inputLabel: { shrink: true } }}>
                {Object.entries(meta?.states ?? {}).map(([k, label]) => (
                  <option key={k} value={k}>
                    {label} ({k})
                  </option>
                ))}
              </TextField>
            )}
            <TextField
              select
              label="Reason"
              value={reason}
              onChange={(e) => setReason(e.target.value)}
              required={!!reasons?.required}
              helperText={reasons?.required ? 'Required for commands on this site.' : 'Optional.'}
              slotProps={{ select: { native: true }, inputLabel: { shrink: true }, htmlInput: { 'data-testid': 'command-reason' } }}
            >
              <option value="">{reasons ? '— choose a reason —' : 'loading…'}</option>
              {(reasons?.list ?? []).map((r) => (
                <option key={r.id} value={r.id}>
                  {r.label}
                </option>
              ))}
            </TextField>
            <CommentField value={comment} onChange={setComment} max={500} testId="command-comment" />
          </DialogContent>
          <DialogActions>
            <Button onClick={onClose}>Cancel</Button>
            <Button type="submit" variant="contained" disabled={!parsed.ok || reasonMissing || !reasons}>
              Review
            </Button>
          </DialogActions>
        </Box>
      ) : null}
      {step.s === 'confirm' ? (
        <>
          <DialogContent sx={{ display: 'flex', flexDirection: 'column', gap: 1.5 }}>
            <Typography sx={{ fontSize: 14 }}>Confirm the command to {target}:</Typography>
            <Box data-testid="command-confirm" sx={{ display: 'grid', gridTemplateColumns: 'auto 1fr', columnGap: 2, rowGap: 0.5, p: 1.5, border: `1px solid ${hmi.line}`, bgcolor: hmi.bg, ...monoNumbers }}>
              <Typography sx={{ color: hmi.textDim, fontSize: 13 }}>Before</Typography>
              <Typography sx={{ fontSize: 15 }} data-testid="command-before">
                {before}
              </Typography>
              <Typography sx={{ color: hmi.textDim, fontSize: 13 }}>After</Typography>
              <Typography sx={{ fontSize: 15, fontWeight: 700 }} data-testid="command-after">
                {show(step.value)}
              </Typography>
              <Typography sx={{ color: hmi.textDim, fontSize: 13 }}>Reason</Typography>
              <Typography sx={{ fontSize: 13 }}>{reasons?.list.find((r) => r.id === reason)?.label ?? '—'}</Typography>
              {comment.trim() ? (
                <>
                  <Typography sx={{ color: hmi.textDim, fontSize: 13 }}>Comment</Typography>
                  <Typography sx={{ fontSize: 13 }}>{comment.trim()}</Typography>
                </>
              ) : null}
            </Box>
            {step.summary ? (
              <Typography sx={{ fontSize: 13 }} data-testid="command-summary">
                Selected by the core: {step.summary}
              </Typography>
            ) : null}
            {kind === 'setpoint' && powerDirection(step.value) === 'DISCHARGE' ? (
              <Typography sx={{ fontSize: 12, color: hmi.textDim }}>The battery will discharge into the site.</Typography>
            ) : null}
          </DialogContent>
          <DialogActions>
            <Button onClick={() => setStep({ s: 'edit' })}>Back</Button>
            <Button variant="contained" onClick={() => void execute(step.value, step.token)}>
              Send command
            </Button>
          </DialogActions>
        </>
      ) : null}
      {step.s === 'busy' ? (
        <DialogContent>
          <Typography role="status">{step.what}</Typography>
        </DialogContent>
      ) : null}
      {step.s === 'reauth' ? (
        <Box component="form" onSubmit={(e) => void reauth(e)}>
          <DialogContent sx={{ display: 'flex', flexDirection: 'column', gap: 2 }}>
            <Typography sx={{ fontSize: 14 }}>This is a critical command: confirm it is you by entering your password again.</Typography>
            <TextField label="Password" type="password" autoFocus autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} />
            {reauthError ? <Alert severity="error">{reauthError}</Alert> : null}
          </DialogContent>
          <DialogActions>
            <Button onClick={onClose}>Cancel</Button>
            <Button type="submit" variant="contained" disabled={!password}>
              Confirm and retry
            </Button>
          </DialogActions>
        </Box>
      ) : null}
      {step.s === 'done' || step.s === 'refused' || step.s === 'error' ? (
        <>
          <DialogContent>
            {step.s === 'done' ? (
              <Alert severity="success" icon={false} sx={{ bgcolor: hmi.bg, color: hmi.text, border: `1px solid ${hmi.line}` }} data-testid="command-result" data-ok="true">
                {kind === 'setpoint' ? successText(step.result as Extract<CommandResult, { ok: true }>, unit) : `Done: the device reads back ${modeLabel((step.result as Extract<CommandResult, { ok: true }>).readback, meta?.states)}.`}
                <Typography component="div" sx={{ fontSize: 12, color: hmi.textDim, mt: 0.5 }}>
                  Command {step.result.commandId}; before {kind === 'setpoint' ? describePower((step.result as Extract<CommandResult, { ok: true }>).before) : modeLabel((step.result as Extract<CommandResult, { ok: true }>).before, meta?.states)}.
                </Typography>
              </Alert>
            ) : step.s === 'refused' ? (
              <Alert severity="error" data-testid="command-result" data-ok="false" data-stage={step.result.stage} data-rule={step.result.rule}>
                {refusalText(step.result)}
              </Alert>
            ) : (
              <Alert severity="error" data-testid="command-result" data-ok="false">
                {step.message}
              </Alert>
            )}
            {step.s !== 'error' && 'fieldStages' in step.result && step.result.fieldStages?.length ? <FieldStages stages={step.result.fieldStages} /> : null}
          </DialogContent>
          <DialogActions>
            {step.s !== 'done' ? <Button onClick={() => setStep({ s: 'edit' })}>Back</Button> : null}
            <Button variant="contained" onClick={onClose}>
              Close
            </Button>
          </DialogActions>
        </>
      ) : null}
    </Dialog>
  );
}

/** The device's own stages of the command, in order (IEC 61850 select / operate / termination / cancel). */
function FieldStages({ stages }: { stages: readonly FieldStage[] }) {
  return (
    <Box component="section" aria-label="At the device" sx={{ mt: 1.5 }}>
      <Typography component="h3" sx={{ fontSize: 13, fontWeight: 700, mb: 0.5 }}>
        At the device
      </Typography>
      <Box component="ol" data-testid="field-stages" sx={{ m: 0, pl: 2.5, fontSize: 13 }}>
        {stages.map((s, i) => (
          <li key={i} data-stage={s.stage} style={{ color: s.stage === 'refused' ? hmi.alarmHigh : hmi.text }}>
            {fieldStageText(s)}
            <Box component="span" sx={{ color: hmi.textDim, ml: 1, ...monoNumbers }}>
              {new Date(s.at).toISOString().slice(11, 23)}
            </Box>
          </li>
        ))}
      </Box>
    </Box>
  );
}
