/**
 * Audit log (users.03): filter, page backwards, read an entry's details, verify the hash chain,
 * export CSV. What is listed is what the core lets this session see (its sites only).
 */
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Paper from '@mui/material/Paper';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useCallback, useEffect, useState, type FormEvent, type ReactNode } from 'react';
import type { AuditEntry, AuditVerifyResult } from '../../../../core/common/security';
import { errorText } from '../../api/errorText';
import { useClient, useConnection, useSite } from '../../api/hooks';
import { GuardedButton, useCapabilityReason } from '../../components/Guarded';
import { formatDateTime } from '../../format/format';
import { hmi, monoNumbers } from '../../theme';
import { actorText, auditValueFull, auditValueText, unwrapTarget, buildAuditFilter, EMPTY_FORM, nextBeforeSeq, OUTCOMES, verifyText, type AuditForm } from './auditModel';
import { downloadText } from './download';

export function AuditPage() {
  const client = useClient();
  const site = useSite();
  const { connected } = useConnection();
  const verifyWhy = useCapabilityReason('system.administer');
  const exportWhy = useCapabilityReason('data.export');
  const [form, setForm] = useState<AuditForm>(EMPTY_FORM);
  const [applied, setApplied] = useState<AuditForm>(EMPTY_FORM);
  const [entries, setEntries] = useState<AuditEntry[]>([]);
  const [more, setMore] = useState<number | undefined>(undefined);
  const [selected, setSelected] = useState<AuditEntry | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [verify, setVerify] = useState<AuditVerifyResult | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const tz = site?.timezone;
  const [reasonLabels, setReasonLabels] = useState<ReadonlyMap<string, string>>(new Map());
  useEffect(() => {
    if (!connected) return;
    client.call('reasons.list', {}).then(
      (r) => setReasonLabels(new Map(r.reasons.map((x) => [x.id, x.label]))),
      () => undefined,
    );
  }, [client, connected]);

  const load = useCallback(
    async (f: AuditForm, beforeSeq?: number) => {
      setBusy(true);
      setError(null);
      try {
        const page = await client.call('audit.query', buildAuditFilter(f, beforeSeq));
        setEntries((prev) => (beforeSeq === undefined ? page : [...prev, ...page]));
        setMore(nextBeforeSeq(page));
        if (beforeSeq === undefined) setSelected(null);
      } catch (e) {
        setError(errorText(e));
      } finally {
        setBusy(false);
      }
    },
    [client],
  );

  useEffect(() => {
    if (connected) void load(applied);
  }, [connected, applied, load]);

  const apply = (e: FormEvent) => {
    e.preventDefault();
    setApplied({ ...form });
  };
  const set = (k: keyof AuditForm) => (e: { target: { value: string } }) => setForm((f) => ({ ...f, [k]: e.target.value }));

  const onVerify = async () => {
    setVerify(null);
    setError(null);
    try {
      setVerify(await client.call('audit.verify', {}));
    } catch (e) {
      setError(errorText(e));
    }
  };
  const onExport = async () => {
    setError(null);
    setNotice(null);
    try {
      const { filename, csv } = await client.call('audit.export', buildAuditFilter(applied, undefined, 10_000));
      downloadText(filename, csv, 'text/csv;charset=utf-8');
      setNotice(`Exported ${filename}.`);
    } catch (e) {
      setError(errorText(e));
    }
  };

  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', gap: 1.5, flex: 1, minHeight: 0 }}>
      <Box sx={{ display: 'flex', alignItems: 'baseline', gap: 2 }}>
        <Typography variant="h2" component="h2">
          Audit log
        </Typography>
        <Typography sx={{ color: hmi.textDim, fontSize: 13 }}>Every sign-in, command, refusal and change, hash-chained.</Typography>
      </Box>
      <Paper component="form" onSubmit={apply} aria-label="Audit filters" sx={{ p: 1.5, display: 'flex', flexWrap: 'wrap', gap: 1.5, alignItems: 'center' }}>
        <TextField size="small" label="User" value={form.user} onChange={set('user')} sx={{ width: 150 }} />
        <TextField size="small" label="Type" value={form.type} onChange={set('type')} placeholder="e.g. command." title="An exact type, or a prefix such as command. or auth." slotProps={{ inputLabel: { shrink: true } }} sx={{ width: 160 }} />
        <TextField size="small" select label="Asset" value={form.assetId} onChange={set('assetId')} slotProps={{ select: { native: true }, inputLabel: { shrink: true } }} sx={{ width: 170 }}>
          <option value="">any</option>
          {(site?.assets ?? []).map((a) => (
            <option key={a.id} value={a.id}>
              {a.id}
            </option>
          ))}
        </TextField>
        <TextField size="small" select label="Outcome" value={form.outcome} onChange={set('outcome')} slotProps={{ select: { native: true }, inputLabel: { shrink: true } }} sx={{ width: 120 }}>
          <option value="">any</option>
          {OUTCOMES.map((o) => (
            <option key={o} value={o}>
              {o}
            </option>
          ))}
        </TextField>
        <TextField size="small" type="datetime-local" label="From" value={form.from} onChange={set('from')} slotProps={{ inputLabel: { shrink: true } }} sx={{ width: 210 }} />
        <TextField size="small" type="datetime-local" label="To" value={form.to} onChange={set('to')} slotProps={{ inputLabel: { shrink: true } }} sx={{ width: 210 }} />
        <Button type="submit" variant="contained" disabled={busy}>
          Apply
        </Button>
        <Button
          onClick={() => {
            setForm(EMPTY_FORM);
            setApplied(EMPTY_FORM);
          }}
        >
          Reset
        </Button>
        <Box sx={{ flex: 1 }} />
        <GuardedButton variant="outlined" onClick={() => void onVerify()} why={verifyWhy} showWhy={false} testId="audit-verify">
          Verify chain
        </GuardedButton>
        <GuardedButton variant="outlined" onClick={() => void onExport()} why={exportWhy} showWhy={false} testId="audit-export">
          Export CSV
        </GuardedButton>
      </Paper>
      {verify ? (
        <Alert
          severity={verify.ok ? 'success' : 'error'}
          sx={verify.ok ? { bgcolor: hmi.panel, color: hmi.text, border: `1px solid ${hmi.line}` } : undefined}
          data-testid="audit-verify-result"
          data-ok={String(verify.ok)}
          onClose={() => setVerify(null)}
        >
          {verifyText(verify)}
        </Alert>
      ) : null}
      {error ? (
        <Alert severity="error" data-testid="audit-error">
          {error}
        </Alert>
      ) : null}
      {notice ? (
        <Alert severity="info" sx={{ bgcolor: hmi.panel, color: hmi.text }} onClose={() => setNotice(null)}>
          {notice}
        </Alert>
      ) : null}
      <Box sx={{ display: 'flex', gap: 1.5, flex: 1, minHeight: 0 }}>
        <Paper sx={{ flex: 1, minWidth: 0, overflow: 'auto' }}>
          <Table size="small" stickyHeader aria-label="Audit entries" data-testid="audit-table">
            <TableHead>
              <TableRow>
                <TableCell>#</TableCell>
                <TableCell>Time ({tz ?? 'local'})</TableCell>
                <TableCell>Type</TableCell>
                <TableCell>User</TableCell>
                <TableCell>Target</TableCell>
                <TableCell>Outcome</TableCell>
                <TableCell>Before → after</TableCell>
                <TableCell>Reason</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {entries.map((e) => (
                <TableRow
                  key={e.seq}
                  hover
                  selected={selected?.seq === e.seq}
                  onClick={() => setSelected(e)}
                  onKeyDown={(k) => (k.key === 'Enter' || k.key === ' ' ? setSelected(e) : undefined)}
                  tabIndex={0}
                  data-testid={`audit-row-${e.seq}`}
                  data-type={e.type}
                  sx={{ cursor: 'pointer', '&.Mui-selected': { bgcolor: hmi.bg } }}
                >
                  <TableCell sx={monoNumbers}>{e.seq}</TableCell>
                  <TableCell sx={{ ...monoNumbers, whiteSpace: 'nowrap' }}>{formatDateTime(e.ts, tz)}</TableCell>
                  <TableCell>{e.type}</TableCell>
                  <TableCell>{actorText(e)}</TableCell>
                  <TableCell>{e.target ?? e.assetId ?? '—'}</TableCell>
                  <TableCell>
                    <OutcomeTag outcome={e.outcome} />
                  </TableCell>
                  <TableCell sx={{ ...monoNumbers, maxWidth: 220, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}>
                    {e.before === null && e.after === null ? '—' : `${auditValueText(unwrapTarget(e.before, e.target), 24)} → ${auditValueText(unwrapTarget(e.after, e.target), 24)}`}
                  </TableCell>
                  <TableCell>{e.reason ? (reasonLabels.get(e.reason) ?? e.reason) : '—'}</TableCell>
                </TableRow>
              ))}
              {entries.length === 0 && !busy ? (
                <TableRow>
                  <TableCell colSpan={8} sx={{ color: hmi.textDim }}>
                    No entries match.
                  </TableCell>
                </TableRow>
              ) : null}
            </TableBody>
          </Table>
          <Box sx={{ p: 1, display: 'flex', gap: 2, alignItems: 'center' }}>
            <Typography sx={{ fontSize: 13, color: hmi.textDim }} data-testid="audit-count">
              {entries.length} entries shown
            </Typography>
            {more !== undefined ? (
              <Button size="small" onClick={() => void load(applied, more)} disabled={busy}>
                Older entries
              </Button>
            ) : null}
          </Box>
        </Paper>
        {selected ? <AuditDetails entry={selected} tz={tz} reasonLabels={reasonLabels} onClose={() => setSelected(null)} /> : null}
      </Box>
    </Box>
  );
}

function OutcomeTag({ outcome }: { outcome: AuditEntry['outcome'] }) {
  const bad = outcome === 'refused' || outcome === 'failed';
  return (
    <Box component="span" sx={{ fontSize: 12, fontWeight: bad ? 700 : 500, px: 0.75, border: `1px solid ${bad ? hmi.alarmHigh : hmi.line}`, color: bad ? hmi.alarmHigh : hmi.text }}>
      {outcome.toUpperCase()}
    </Box>
  );
}

function AuditDetails({ entry: e, tz, reasonLabels, onClose }: { entry: AuditEntry; tz: string | undefined; reasonLabels: ReadonlyMap<string, string>; onClose: () => void }) {
  const row = (label: string, value: ReactNode, testid?: string) => (
    <>
      <Typography sx={{ fontSize: 12, color: hmi.textDim }}>{label}</Typography>
      <Box sx={{ fontSize: 13, wordBreak: 'break-word', whiteSpace: 'pre-wrap', ...monoNumbers }} data-testid={testid}>
        {value}
      </Box>
    </>
  );
  return (
    <Paper component="aside" aria-label={`Audit entry ${e.seq}`} data-testid="audit-details" sx={{ width: 380, flexShrink: 0, overflow: 'auto', p: 1.5 }}>
      <Box sx={{ display: 'flex', alignItems: 'center', mb: 1 }}>
        <Typography variant="h3" component="h3" sx={{ flex: 1 }}>
          Entry #{e.seq}
        </Typography>
        <Button size="small" onClick={onClose}>
          Close
        </Button>
      </Box>
      <Box sx={{ display: 'grid', gridTemplateColumns: '96px 1fr', columnGap: 1.5, rowGap: 0.75 }}>
        {row('Time', formatDateTime(e.ts, tz))}
        {row('Type', e.type)}
        {row('User', e.actor, 'audit-detail-actor')}
        {e.impersonator ? row('Impersonator', e.impersonator) : null}
        {row('Workstation', e.workstation ?? '—')}
        {row('Site', e.siteId ?? '—')}
        {row('Asset', e.assetId ?? '—')}
        {row('Target', e.target ?? '—')}
        {row('Outcome', <OutcomeTag outcome={e.outcome} />)}
        {row('Rule', e.rule ?? '—')}
        {row('Reason', e.reason ? `${reasonLabels.get(e.reason) ?? e.reason} (${e.reason})` : '—', 'audit-detail-reason')}
        {row('Before', auditValueFull(unwrapTarget(e.before, e.target)), 'audit-detail-before')}
        {row('After', auditValueFull(unwrapTarget(e.after, e.target)), 'audit-detail-after')}
        {e.details !== null && e.details !== undefined ? row('Details', auditValueFull(e.details)) : null}
        {row('Hash', <Box component="span" sx={{ fontSize: 11, color: hmi.textDim }}>{e.hash}</Box>)}
      </Box>
    </Paper>
  );
}
