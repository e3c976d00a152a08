/**
 * Detail pane of one alarm: what it means (consequence, response), the automatic procedure's
 * result, the operator actions allowed to this user, and its journal.
 */
import Box from '@mui/material/Box';
import MenuItem from '@mui/material/MenuItem';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useEffect, useState, type ReactNode } from 'react';
import type { AlarmJournalEntry, AlarmView } from '../../../../core/common/alarms';
import { useClient, useSite } from '../../api/hooks';
import { toApiError } from '../../api/errors';
import { formatDateTime, formatTime } from '../../format/format';
import { CommentField } from '../../components/CommentField';
import { GuardedButton, useCapabilityReason } from '../../components/Guarded';
import { fieldSx, hmi, monoNumbers } from '../../theme';
import { formatDurationMin, isUnacknowledged, PRIORITY_STYLE, shelveDurations, STATE_LABEL } from './alarmModel';
import { ErrorBar } from './alarmUi';
import { PriorityBadge } from './PriorityBadge';

/** The site's maximum shelving time is enforced by the core; the default is 8 h. */
/** until the site is loaded: the core's default (the core enforces the site's own limit) */
const DEFAULT_MAX_SHELVE_MS = 8 * 3_600_000;
/** the core's limit on shelving and out-of-service reasons (alarms.shelve / alarms.setOutOfService) */
const REASON_MAX = 500;

export function AlarmDetail({ alarm: a, tz, assetName, onChanged }: { alarm: AlarmView; tz: string | undefined; assetName: string; onChanged: (a: AlarmView) => void }) {
  const client = useClient();
  const maxShelveMs = useSite()?.alarms?.shelvingMaxMs ?? DEFAULT_MAX_SHELVE_MS;
  const ackWhy = useCapabilityReason('alarms.ack');
  const oosWhy = useCapabilityReason('config.edit');
  const canAck = ackWhy === null;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [comment, setComment] = useState('');
  const [shelveMin, setShelveMin] = useState(60);
  const [reason, setReason] = useState('');
  const [history, setHistory] = useState<AlarmJournalEntry[] | null>(null);
  const [historyError, setHistoryError] = useState<string | null>(null);

  useEffect(() => {
    setError(null);
    setComment('');
    setReason('');
  }, [a.id]);

  // the journal of this alarm, reloaded whenever the alarm changes
  useEffect(() => {
    let alive = true;
    client.call('alarms.history', { alarmIds: [a.id], limit: 50 }).then(
      (r) => {
        if (alive) {
          setHistory(r.entries);
          setHistoryError(null);
        }
      },
      (e: unknown) => alive && setHistoryError(toApiError(e).message),
    );
    return () => {
      alive = false;
    };
  }, [client, a.id, a.changedAt, a.comments.length, a.actions.length]);

  const run = async (what: string, fn: () => Promise<AlarmView | { done: string[]; skipped: Array<{ id: string; reason: string }> }>) => {
    setBusy(true);
    setError(null);
    try {
      const r = await fn();
      if ('skipped' in r) {
        if (r.skipped.length > 0) setError(`${what}: ${r.skipped.map((s) => s.reason).join('; ')}`);
      } else onChanged(r);
      return true;
    } catch (e) {
      const err = toApiError(e);
      setError(`${what} ${err.code === 'forbidden' ? 'not allowed' : 'failed'}: ${err.message}`);
      return false;
    } finally {
      setBusy(false);
    }
  };

  const unack = isUnacknowledged(a);
  const style = PRIORITY_STYLE[a.priority];
  const reasonOk = reason.trim().length >= 3;

  return (
    <Box data-testid="alarm-detail" data-alarm-id={a.id} data-state={a.state} sx={{ display: 'flex', flexDirection: 'column', gap: 1.25, fontSize: 13 }}>
      <Box sx={{ display: 'flex', alignItems: 'flex-start', gap: 1 }}>
        <PriorityBadge priority={a.priority} unack={unack} size={22} />
        <Box sx={{ minWidth: 0 }}>
          <Typography component="h3" variant="h3">
            {a.message}
          </Typography>
          <Typography sx={{ fontSize: 12, color: hmi.textDim }}>
            Priority {style.number} {style.label} · {a.class} · {assetName || 'site'} · <span style={{ fontFamily: 'monospace' }}>{a.id}</span>
          </Typography>
        </Box>
      </Box>

      <Box sx={{ display: 'grid', gridTemplateColumns: '120px 1fr', rowGap: 0.25, columnGap: 1, ...monoNumbers }}>
        <Field label="State">
          <span data-testid="alarm-detail-state" style={{ fontWeight: unack ? 700 : 400 }}>
            {STATE_LABEL[a.state]}
          </span>
          {a.active ? ' · condition present' : ' · condition cleared'}
        </Field>
        {a.point ? (
          <Field label="Point">
            <span style={{ fontFamily: 'monospace' }}>{a.point}</span>
            {a.value !== undefined ? ` = ${String(typeof a.value === 'number' ? Math.round(a.value * 100) / 100 : a.value)}` : ''}
          </Field>
        ) : null}
        {a.activatedAt ? <Field label="Activated">{formatDateTime(a.activatedAt, tz)}</Field> : null}
        {a.clearedAt ? <Field label="Cleared">{formatDateTime(a.clearedAt, tz)}</Field> : null}
        {a.ackedAt ? (
          <Field label="Acknowledged">
            <span data-testid="alarm-detail-acked">
              {formatDateTime(a.ackedAt, tz)} by {a.ackedBy ?? '?'}
            </span>
          </Field>
        ) : null}
        {a.shelved ? (
          <Field label="Shelved">
            until {formatTime(a.shelved.until, tz)} by {a.shelved.by}: {a.shelved.reason}
          </Field>
        ) : null}
        {a.suppressed ? (
          <Field label="Suppressed">
            since {formatTime(a.suppressed.at, tz)}: {a.suppressed.reason}
          </Field>
        ) : null}
        {a.outOfService ? (
          <Field label="Out of service">
            since {formatDateTime(a.outOfService.at, tz)} by {a.outOfService.by}: {a.outOfService.reason}
          </Field>
        ) : null}
        <Field label="Activations">
          {a.activations}
          {a.chattering ? ' · CHATTERING' : ''}
        </Field>
      </Box>

      <Section title="Consequence">{a.consequence ?? <Dim>Not documented.</Dim>}</Section>
      <Section title="Operator response">{a.response ? <span data-testid="alarm-response">{a.response}</span> : <Dim>Not documented.</Dim>}</Section>

      {a.actions.length > 0 || a.actionsPending ? (
        <Section title="Automatic procedure">
          <Box data-testid="alarm-procedure" data-pending={a.actionsPending ? 'true' : 'false'} sx={{ display: 'flex', flexDirection: 'column', gap: 0.25 }}>
            {a.actions.map((r, i) => {
              // the real outcome of the step: done, refused (with the rule), failed
              const outcome = r.outcome ?? (r.ok ? 'done' : 'failed');
              return (
                <Box
                  key={i}
                  data-testid="alarm-procedure-step"
                  data-ok={r.ok ? 'true' : 'false'}
                  data-outcome={outcome}
                  sx={{ display: 'flex', gap: 0.75, alignItems: 'baseline' }}
                >
                  <Box
                    component="span"
                    sx={{ fontSize: 11, fontWeight: 700, px: 0.5, border: `1px solid ${r.ok ? hmi.textDim : hmi.alarmHigh}`, color: r.ok ? hmi.textDim : hmi.alarmHigh, flexShrink: 0 }}
                  >
                    {outcome.toUpperCase()}
                  </Box>
                  <span>
                    <span style={{ fontFamily: 'monospace' }}>
                      {r.target} := {String(r.value)}
                    </span>
                    {r.protective ? <span style={{ color: hmi.textDim }}> (protective)</span> : null}{' '}
                    <span style={{ color: r.ok ? hmi.textDim : undefined }}>
                      {formatTime(r.ts, tz)} · {r.message}
                      {r.rule ? <span style={{ color: hmi.textDim }}> (rule {r.rule})</span> : null}
                    </span>
                  </span>
                </Box>
              );
            })}
            {a.actionsPending ? <Dim>Running…</Dim> : null}
          </Box>
        </Section>
      ) : null}

      {a.comments.length > 0 ? (
        <Section title="Comments">
          {a.comments.map((c, i) => (
            <Box key={i} sx={{ fontSize: 12 }}>
              <span style={{ color: hmi.textDim }}>
                {formatTime(c.ts, tz)} {c.user}:
              </span>{' '}
              {c.text}
            </Box>
          ))}
        </Section>
      ) : null}

      <ErrorBar error={error} testid="alarm-action-error" />

        <Box sx={{ display: 'flex', flexDirection: 'column', gap: 1, borderTop: `1px solid ${hmi.line}`, pt: 1 }} data-testid="alarm-actions">
          {ackWhy ? (
            <Typography data-testid="alarm-actions-why" sx={{ fontSize: 12.5, color: hmi.textDim }}>
              {ackWhy}
            </Typography>
          ) : null}
          <CommentField value={comment} onChange={setComment} max={2000} size="small" minRows={1} maxRows={3} sx={fieldSx} testId="alarm-detail-comment" disabled={!canAck} />
          <Box sx={{ display: 'flex', gap: 1, flexWrap: 'wrap' }}>
            {unack ? (
              <GuardedButton
                why={ackWhy}
                showWhy={false}
                variant="contained"
                size="small"
                disabled={busy}
                testId="alarm-ack"
                onClick={() =>
                  void run('Acknowledge', () => client.call('alarms.ack', comment.trim() ? { ids: [a.id], comment: comment.trim() } : { ids: [a.id] })).then(
                    (ok) => ok && setComment(''),
                  )
                }
                sx={{ textTransform: 'none' }}
              >
                Acknowledge
              </GuardedButton>
            ) : null}
            <GuardedButton
                why={ackWhy}
                showWhy={false}
              variant="outlined"
              size="small"
              disabled={busy || comment.trim().length === 0}
              testId="alarm-comment"
              onClick={() => void run('Comment', () => client.call('alarms.comment', { id: a.id, text: comment.trim() })).then((ok) => ok && setComment(''))}
              sx={{ textTransform: 'none' }}
            >
              Add comment
            </GuardedButton>
            {a.state === 'latched' ? (
              <GuardedButton why={ackWhy} showWhy={false} variant="outlined" size="small" disabled={busy} testId="alarm-reset" onClick={() => void run('Reset', () => client.call('alarms.reset', { ids: [a.id] }))} sx={{ textTransform: 'none' }}>
                Reset
              </GuardedButton>
            ) : null}
            {a.shelved ? (
              <GuardedButton why={ackWhy} showWhy={false} variant="outlined" size="small" disabled={busy} testId="alarm-unshelve" onClick={() => void run('Unshelve', () => client.call('alarms.unshelve', { id: a.id }))} sx={{ textTransform: 'none' }}>
                Unshelve
              </GuardedButton>
            ) : null}
          </Box>

          {!a.shelved && !a.outOfService ? (
            a.shelvable ? (
              <Box sx={{ display: 'flex', gap: 1, alignItems: 'flex-start', flexWrap: 'wrap' }}>
                <TextField select label="Shelve for" size="small" value={shelveMin} onChange={(e) => setShelveMin(Number(e.target.value))} sx={{ width: 110, ...fieldSx }}>
                  {shelveDurations(maxShelveMs).map((m) => (
                    <MenuItem key={m} value={m}>
                      {formatDurationMin(m)}
                    </MenuItem>
                  ))}
                </TextField>
                <CommentField
                  label="Reason (required)"
                  size="small"
                  value={reason}
                  onChange={setReason}
                  max={REASON_MAX}
                  minRows={1}
                  maxRows={3}
                  sx={{ flex: 1, minWidth: 140, ...fieldSx }}
                  disabled={!canAck}
                  testId="alarm-shelve-reason"
                />
                <GuardedButton
                why={ackWhy}
                showWhy={false}
                  variant="outlined"
                  size="small"
                  disabled={busy || !reasonOk}
                  testId="alarm-shelve"
                  onClick={() => void run('Shelve', () => client.call('alarms.shelve', { id: a.id, durationMs: shelveMin * 60_000, reason: reason.trim() })).then((ok) => ok && setReason(''))}
                  sx={{ textTransform: 'none', height: 40 }}
                >
                  Shelve
                </GuardedButton>
              </Box>
            ) : (
              <Dim>This alarm may not be shelved (safety alarm).</Dim>
            )
          ) : null}

            <Box sx={{ display: 'flex', gap: 1, alignItems: 'center' }}>
              <GuardedButton
                why={oosWhy}
                showWhy={oosWhy !== null}
                variant="outlined"
                size="small"
                color="inherit"
                disabled={busy || !reasonOk}
                testId="alarm-oos"
                title={reasonOk ? undefined : 'Enter a reason first'}
                onClick={() =>
                  void run(a.outOfService ? 'Return to service' : 'Out of service', () =>
                    client.call('alarms.setOutOfService', { id: a.id, outOfService: !a.outOfService, reason: reason.trim() }),
                  ).then((ok) => ok && setReason(''))
                }
                sx={{ textTransform: 'none' }}
              >
                {a.outOfService ? 'Return to service' : 'Take out of service'}
              </GuardedButton>
              {a.outOfService ? (
                <CommentField
                  label="Reason (required)"
                  size="small"
                  value={reason}
                  onChange={setReason}
                  max={REASON_MAX}
                  minRows={1}
                  maxRows={3}
                  sx={{ flex: 1, ...fieldSx }}
                  testId="alarm-oos-reason"
                />
              ) : (
                <Dim>uses the reason above</Dim>
              )}
            </Box>
        </Box>

      <Section title="History">
        {historyError ? <Dim>History not available: {historyError}</Dim> : null}
        {history === null && !historyError ? <Dim>Loading…</Dim> : null}
        {history && history.length === 0 ? <Dim>No entries.</Dim> : null}
        {history && history.length > 0 ? (
          <Box component="ol" data-testid="alarm-history-list" sx={{ listStyle: 'none', m: 0, p: 0, display: 'flex', flexDirection: 'column', gap: 0.25 }}>
            {history.map((h) => (
              <Box component="li" key={h.seq ?? `${h.ts}-${h.event}`} data-event={h.event} sx={{ fontSize: 12, display: 'grid', gridTemplateColumns: '64px 90px 1fr', gap: 0.75 }}>
                <span style={{ color: hmi.textDim, fontVariantNumeric: 'tabular-nums' }}>{formatTime(h.ts, tz)}</span>
                <span style={{ fontWeight: 600 }}>{h.event}</span>
                <span>
                  {h.user ? `${h.user} ` : ''}
                  {h.from && h.to ? <span style={{ color: hmi.textDim }}>{`${h.from} → ${h.to} `}</span> : null}
                  {h.text ?? ''}
                </span>
              </Box>
            ))}
          </Box>
        ) : null}
      </Section>
    </Box>
  );
}

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <>
      <Box sx={{ color: hmi.textDim, fontSize: 12 }}>{label}</Box>
      <Box sx={{ fontSize: 13, minWidth: 0, overflowWrap: 'anywhere' }}>{children}</Box>
    </>
  );
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Box component="section" aria-label={title}>
      <Typography component="h4" sx={{ fontSize: 12, fontWeight: 700, color: hmi.textDim, textTransform: 'uppercase', letterSpacing: 0.4, mb: 0.25 }}>
        {title}
      </Typography>
      <Box sx={{ fontSize: 13 }}>{children}</Box>
    </Box>
  );
}

function Dim({ children }: { children: ReactNode }) {
  return <Box component="span" sx={{ color: hmi.textDim, fontSize: 12 }}>{children}</Box>;
}
