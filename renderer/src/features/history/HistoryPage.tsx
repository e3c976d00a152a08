/**
 * History (asset.04 Req5): choose points, a period, raw or interpolated values and a layout;
 * preview the first rows; export CSV with progress and cancel; administrators back up the
 * historian. The export runs in the core; progress arrives as 'history.exportProgress' events
 * for this user only; the last one carries a one-time download path (browser mode) and the
 * file on the host (shown in the desktop app).
 *
 * Test hooks: history-export, history-cancel, history-progress (data-status, data-fraction,
 * data-rows), history-result, history-preview, history-backup, history-backup-result.
 */
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import FormControlLabel from '@mui/material/FormControlLabel';
import FormLabel from '@mui/material/FormLabel';
import IconButton from '@mui/material/IconButton';
import LinearProgress from '@mui/material/LinearProgress';
import MenuItem from '@mui/material/MenuItem';
import Paper from '@mui/material/Paper';
import Radio from '@mui/material/Radio';
import RadioGroup from '@mui/material/RadioGroup';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import ToggleButton from '@mui/material/ToggleButton';
import ToggleButtonGroup from '@mui/material/ToggleButtonGroup';
import Typography from '@mui/material/Typography';
import BackupIcon from '@mui/icons-material/Backup';
import CloseIcon from '@mui/icons-material/Close';
import DownloadIcon from '@mui/icons-material/Download';
import { SimulatedHistoryNotice } from '../../components/SimulatedHistoryNotice';
import { useEffect, useMemo, useRef, useState } from 'react';
import type { BackupInfo, ExportProgressEvent } from '../../../../core/common/historian';
import type { PointId } from '../../../../core/common/point';
import { errorText } from '../../api/errorText';
import { useApiEvent, useCan, useClient, usePointMetaList, useSite } from '../../api/hooks';
import { decimalsFor, formatDateTime } from '../../format/format';
import { fieldSx, hmi, monoNumbers } from '../../theme';
import { GuardedButton, useCapabilityReason } from '../../components/Guarded';
import { PointPicker } from '../trends/PointPicker';
import { fromLocalInput, RANGE_PRESETS, resolveRange, toLocalInput, type PresetKey, type TimeRange } from '../trends/trendModel';
import {
  applyProgress,
  exportRequest,
  formatBytes,
  formProblem,
  IDLE_EXPORT,
  INTERVALS,
  newExportId,
  previewQueries,
  previewRows,
  startExport,
  type ExportForm,
  type ExportMode,
  type ExportState,
  type Layout,
  type Preview,
} from './historyModel';

const PREVIEW_ROWS = 50;

const isElectron = (): boolean => typeof (window as unknown as { esm?: unknown }).esm !== 'undefined';

/** Opens a one-time download of the host (browser mode). */
function openDownload(path: string, filename?: string): void {
  const a = document.createElement('a');
  a.href = window.location.origin + path;
  if (filename) a.download = filename;
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
}

export function HistoryPage() {
  const client = useClient();
  const site = useSite();
  const tz = site?.timezone;
  const canExport = useCan('data.export');
  const backupWhy = useCapabilityReason('system.administer');
  const metas = usePointMetaList();
  const metaById = useMemo(() => new Map(metas.map((m) => [m.id, m])), [metas]);

  const [ids, setIds] = useState<PointId[]>([]);
  const [range, setRange] = useState<TimeRange>({ kind: 'preset', key: '1h' });
  const [customFrom, setCustomFrom] = useState(() => toLocalInput(Date.now() - 3_600_000, tz));
  const [customTo, setCustomTo] = useState(() => toLocalInput(Date.now(), tz));
  const [mode, setMode] = useState<ExportMode>('raw');
  const [intervalMs, setIntervalMs] = useState(60_000);
  const [layout, setLayout] = useState<Layout>('wide');
  const [separator, setSeparator] = useState<ExportForm['separator']>(',');
  const [preview, setPreview] = useState<Preview | null>(null);
  const [previewErr, setPreviewErr] = useState<string | null>(null);
  const [previewing, setPreviewing] = useState(false);
  const [exp, setExp] = useState<ExportState>(IDLE_EXPORT);
  const [callErr, setCallErr] = useState<string | null>(null);
  const downloaded = useRef<string | null>(null);

  const form = (): ExportForm => {
    const r =
      range.kind === 'custom'
        ? { from: fromLocalInput(customFrom, tz), to: fromLocalInput(customTo, tz) }
        : resolveRange(range, Date.now());
    return { ids, from: r.from, to: r.to, mode, intervalMs, layout, separator };
  };
  const problem = formProblem(form());
  const busy = exp.status === 'starting' || exp.status === 'running';

  useApiEvent('history.exportProgress', (e: ExportProgressEvent) => setExp((s) => applyProgress(s, e)));

  // browser mode: fetch the file once when the export is done
  useEffect(() => {
    if (exp.status !== 'done' || !exp.download || isElectron() || downloaded.current === exp.exportId) return;
    downloaded.current = exp.exportId;
    openDownload(exp.download, exp.filename);
  }, [exp]);

  // a new form invalidates the preview
  useEffect(() => setPreview(null), [ids, range, customFrom, customTo, mode, intervalMs, layout]);

  const runPreview = async (): Promise<void> => {
    const f = form();
    setPreviewing(true);
    setPreviewErr(null);
    try {
      let p: Preview | null = null;
      for (const q of previewQueries(f, PREVIEW_ROWS)) {
        const res = await client.call('history.query', q);
        p = previewRows(res.pens, f.ids, f.layout, PREVIEW_ROWS);
        if (p.rows.length >= PREVIEW_ROWS) break;
      }
      setPreview(p);
    } catch (e) {
      setPreviewErr(errorText(e));
    } finally {
      setPreviewing(false);
    }
  };

  const runExport = async (): Promise<void> => {
    const f = form();
    const id = newExportId();
    setCallErr(null);
    setExp(startExport(id)); // before the call: progress may arrive before its reply
    try {
      // numbers rounded to each point's resolution (the decimals the screens show for its unit)
      const decimals = f.ids.map((pid) => {
        const m = metas.find((x) => x.id === pid);
        return m && m.type === 'number' && !m.states ? decimalsFor(m.unit) : null;
      });
      await client.call('history.export', exportRequest(f, id, decimals));
      setExp((s) => (s.exportId === id && s.status === 'starting' ? { ...s, status: 'running' } : s));
    } catch (e) {
      setExp((s) => (s.exportId === id ? { ...s, status: 'failed', error: errorText(e) } : s));
    }
  };

  const cancel = async (): Promise<void> => {
    if (!exp.exportId) return;
    try {
      const r = await client.call('history.exportCancel', { exportId: exp.exportId });
      if (!r.cancelled) setCallErr('The export had already finished.');
    } catch (e) {
      setCallErr(errorText(e));
    }
  };

  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', gap: 1.5, flex: 1, minHeight: 0 }}>
      <Box sx={{ display: 'flex', alignItems: 'flex-start', gap: 2 }}>
        <Typography variant="h2" component="h2" sx={{ whiteSpace: 'nowrap', pt: 0.75 }}>
          History query and export
        </Typography>
        <Box sx={{ flex: 1 }} />
        <BackupButton timeZone={tz} why={backupWhy} />
      </Box>
      {(() => {
        const f = form();
        return Number.isFinite(f.from) && Number.isFinite(f.to) ? <SimulatedHistoryNotice from={f.from} to={f.to} /> : null;
      })()}
      {!canExport ? (
        <Alert severity="info" data-testid="history-no-permission">
          Exporting history needs the permission “Export data” (data.export). Ask an administrator.
        </Alert>
      ) : null}

      <Paper sx={{ p: 1.5, display: 'flex', flexDirection: 'column', gap: 1.5 }}>
        <Box sx={{ display: 'flex', gap: 1.5, alignItems: 'flex-start', flexWrap: 'wrap' }}>
          <PointPicker exclude={ids} onPick={(id) => setIds((x) => (x.includes(id) ? x : [...x, id]))} label="Add point" />
          <Box component="ul" aria-label="Points to export" data-testid="history-points" sx={{ display: 'flex', flexWrap: 'wrap', gap: 0.5, m: 0, p: 0, listStyle: 'none', alignItems: 'center', minHeight: 40 }}>
            {ids.length === 0 ? (
              <Box component="li" sx={{ color: hmi.textDim, fontSize: 13 }}>
                No point chosen yet.
              </Box>
            ) : null}
            {ids.map((id) => (
              <Box component="li" key={id} data-testid={`history-point-${id}`} sx={{ display: 'flex', alignItems: 'center', gap: 0.5, border: `1px solid ${hmi.line}`, borderRadius: 1, pl: 1, bgcolor: hmi.field, fontSize: 13 }}>
                <b>{id}</b>
                <Box component="span" sx={{ color: hmi.textDim }}>
                  {metaById.get(id)?.unit ?? ''}
                </Box>
                <IconButton size="small" aria-label={`Remove ${id}`} onClick={() => setIds((x) => x.filter((y) => y !== id))}>
                  <CloseIcon fontSize="small" />
                </IconButton>
              </Box>
            ))}
          </Box>
        </Box>

        <Box sx={{ display: 'flex', gap: 1.5, alignItems: 'center', flexWrap: 'wrap' }}>
          <FormLabel sx={{ color: hmi.text, fontWeight: 600, fontSize: 14 }}>Period</FormLabel>
          <ToggleButtonGroup
            size="small"
            exclusive
            aria-label="Period"
            value={range.kind === 'preset' ? range.key : 'custom'}
            onChange={(_e, v: string | null) => {
              if (!v) return;
              if (v === 'custom') {
                const r = resolveRange(range, Date.now());
                setCustomFrom(toLocalInput(r.from, tz));
                setCustomTo(toLocalInput(r.to, tz));
                setRange({ kind: 'custom', from: r.from, to: r.to });
              } else setRange({ kind: 'preset', key: v as PresetKey });
            }}
          >
            {RANGE_PRESETS.map((p) => (
              <ToggleButton key={p.key} value={p.key} data-testid={`history-range-${p.key}`} aria-label={`Last ${p.label}`} sx={{ px: 1.25, py: 0.4 }}>
                {p.label}
              </ToggleButton>
            ))}
            <ToggleButton value="custom" sx={{ px: 1.25, py: 0.4 }}>
              Custom
            </ToggleButton>
          </ToggleButtonGroup>
          {range.kind === 'custom' ? (
            <>
              <TextField size="small" type="datetime-local" label={`From (${tz ?? 'local time'})`} value={customFrom} onChange={(e) => setCustomFrom(e.target.value)} sx={{ ...fieldSx, width: 250 }} slotProps={{ inputLabel: { shrink: true } }} />
              <TextField size="small" type="datetime-local" label="To" value={customTo} onChange={(e) => setCustomTo(e.target.value)} sx={{ ...fieldSx, width: 250 }} slotProps={{ inputLabel: { shrink: true } }} />
            </>
          ) : (
            <Typography variant="body2" sx={{ color: hmi.textDim, ...monoNumbers }}>
              last {RANGE_PRESETS.find((p) => p.key === range.key)?.label}, up to the moment of the export
            </Typography>
          )}
        </Box>

        <Box sx={{ display: 'flex', gap: 3, alignItems: 'center', flexWrap: 'wrap' }}>
          <Box sx={{ display: 'flex', alignItems: 'center', gap: 1 }}>
            <FormLabel id="history-mode" sx={{ color: hmi.text, fontWeight: 600, fontSize: 14 }}>
              Values
            </FormLabel>
            <RadioGroup row aria-labelledby="history-mode" value={mode} onChange={(e) => setMode(e.target.value as ExportMode)}>
              <FormControlLabel value="raw" control={<Radio size="small" />} label="Raw samples" />
              <FormControlLabel value="interpolated" control={<Radio size="small" />} label="Interpolated every" />
            </RadioGroup>
            <TextField
              select
              size="small"
              label="Interval"
              value={intervalMs}
              disabled={mode !== 'interpolated'}
              onChange={(e) => setIntervalMs(Number(e.target.value))}
              sx={{ ...fieldSx, width: 110 }}
            >
              {INTERVALS.map((i) => (
                <MenuItem key={i.ms} value={i.ms}>
                  {i.label}
                </MenuItem>
              ))}
            </TextField>
          </Box>
          <Box sx={{ display: 'flex', alignItems: 'center', gap: 1 }}>
            <FormLabel id="history-layout" sx={{ color: hmi.text, fontWeight: 600, fontSize: 14 }}>
              Layout
            </FormLabel>
            <RadioGroup row aria-labelledby="history-layout" value={layout} onChange={(e) => setLayout(e.target.value as Layout)}>
              <FormControlLabel value="wide" control={<Radio size="small" />} label="Wide (a column per point)" />
              <FormControlLabel value="long" control={<Radio size="small" />} label="Long (time, point, value, quality)" />
            </RadioGroup>
          </Box>
          <TextField select size="small" label="Separator" value={separator} onChange={(e) => setSeparator(e.target.value as ExportForm['separator'])} sx={{ ...fieldSx, width: 150 }}>
            <MenuItem value=",">Comma ,</MenuItem>
            <MenuItem value=";">Semicolon ;</MenuItem>
            <MenuItem value={'\t'}>Tab</MenuItem>
          </TextField>
        </Box>

        <Box sx={{ display: 'flex', gap: 1.5, alignItems: 'center', flexWrap: 'wrap' }}>
          <Button variant="outlined" onClick={() => void runPreview()} disabled={!!problem || previewing} data-testid="history-preview-button">
            {previewing ? 'Loading preview…' : 'Preview first rows'}
          </Button>
          <Button
            variant="contained"
            startIcon={<DownloadIcon />}
            onClick={() => void runExport()}
            disabled={!canExport || !!problem || busy}
            data-testid="history-export"
          >
            Export CSV
          </Button>
          {problem && ids.length ? (
            <Typography variant="body2" sx={{ color: hmi.textDim }}>
              {problem}
            </Typography>
          ) : null}
        </Box>
        <ExportProgressView exp={exp} onCancel={() => void cancel()} />
        {callErr ? (
          <Alert severity="warning" onClose={() => setCallErr(null)}>
            {callErr}
          </Alert>
        ) : null}
      </Paper>

      <Paper sx={{ flex: 1, minHeight: 200, display: 'flex', flexDirection: 'column', overflow: 'hidden' }}>
        <Box sx={{ px: 1.5, py: 0.75, borderBottom: `1px solid ${hmi.line}`, display: 'flex', gap: 2, alignItems: 'baseline' }}>
          <Typography variant="h3" component="h3">
            Preview
          </Typography>
          <Typography variant="body2" sx={{ color: hmi.textDim }}>
            {preview
              ? `${preview.rows.length}${preview.more ? '+' : ''} row${preview.rows.length === 1 ? '' : 's'} shown as the CSV will have them (times in UTC, ISO 8601)${tz ? `; site time zone ${tz}` : ''}`
              : 'Choose points and press “Preview first rows”.'}
          </Typography>
        </Box>
        {previewErr ? (
          <Alert severity="error" sx={{ m: 1 }}>
            Preview failed: {previewErr}
          </Alert>
        ) : null}
        {preview ? <PreviewTable preview={preview} /> : null}
      </Paper>
    </Box>
  );
}

function ExportProgressView({ exp, onCancel }: { exp: ExportState; onCancel: () => void }) {
  if (exp.status === 'idle') return null;
  const running = exp.status === 'starting' || exp.status === 'running';
  return (
    <Box data-testid="history-progress" data-status={exp.status} data-fraction={exp.fraction.toFixed(3)} data-rows={exp.rows} sx={{ display: 'flex', flexDirection: 'column', gap: 0.75 }}>
      {running || exp.status === 'done' ? (
        <Box sx={{ display: 'flex', alignItems: 'center', gap: 1.5 }}>
          <LinearProgress
            variant={exp.status === 'starting' ? 'indeterminate' : 'determinate'}
            value={exp.fraction * 100}
            aria-label="Export progress"
            sx={{ flex: 1, maxWidth: 520, height: 10, borderRadius: 1, bgcolor: hmi.gaugeTrack, '& .MuiLinearProgress-bar': { bgcolor: hmi.gaugeFill } }}
          />
          <Typography variant="body2" sx={{ ...monoNumbers, minWidth: 260 }}>
            {(exp.fraction * 100).toFixed(0)} % · {exp.rows.toLocaleString('en')} of ~{exp.totalRows.toLocaleString('en')} rows · {formatBytes(exp.bytes)}
          </Typography>
          {running ? (
            <Button variant="outlined" size="small" onClick={onCancel} data-testid="history-cancel">
              Cancel
            </Button>
          ) : null}
        </Box>
      ) : null}
      {exp.status === 'done' ? (
        <Alert severity="success" data-testid="history-result">
          Export finished: {exp.rows.toLocaleString('en')} row{exp.rows === 1 ? '' : 's'}, {formatBytes(exp.bytes)}.{' '}
          {isElectron() ? (
            <>
              Saved on this computer as <Box component="code" sx={{ userSelect: 'all' }}>{exp.file}</Box>
            </>
          ) : exp.download ? (
            <>Your browser is saving it as {exp.filename ?? 'a CSV file'}.</>
          ) : (
            <>The file is on the host: {exp.file}</>
          )}
        </Alert>
      ) : null}
      {exp.status === 'cancelled' ? (
        <Alert severity="info" data-testid="history-result">
          Export cancelled; no file was kept.
        </Alert>
      ) : null}
      {exp.status === 'failed' ? (
        <Alert severity="error" data-testid="history-result">
          Export failed: {exp.error}
        </Alert>
      ) : null}
    </Box>
  );
}

function PreviewTable({ preview }: { preview: Preview }) {
  return (
    <Box sx={{ overflow: 'auto', flex: 1 }}>
      <Table size="small" stickyHeader data-testid="history-preview" aria-label="Preview of the export">
        <TableHead>
          <TableRow>
            {preview.header.map((h, i) => (
              <TableCell key={i} sx={{ whiteSpace: 'nowrap' }}>
                {h}
              </TableCell>
            ))}
          </TableRow>
        </TableHead>
        <TableBody>
          {preview.rows.length === 0 ? (
            <TableRow>
              <TableCell colSpan={preview.header.length} sx={{ color: hmi.textDim }}>
                No recorded values in this period.
              </TableCell>
            </TableRow>
          ) : null}
          {preview.rows.map((r, i) => (
            <TableRow key={i}>
              {r.map((c, j) => (
                <TableCell key={j} sx={{ ...monoNumbers, whiteSpace: 'nowrap', textAlign: j > 0 && /^-?\d/.test(c) ? 'right' : 'left' }}>
                  {c}
                </TableCell>
              ))}
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </Box>
  );
}

function BackupButton({ timeZone, why }: { timeZone?: string; why: string | null }) {
  const client = useClient();
  const [busy, setBusy] = useState(false);
  const [info, setInfo] = useState<BackupInfo | null>(null);
  const [err, setErr] = useState<string | null>(null);
  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', alignItems: 'flex-end', gap: 0.5 }}>
      <GuardedButton
        variant="outlined"
        startIcon={<BackupIcon />}
        disabled={busy}
        why={why}
        showWhy={false}
        testId="history-backup"
        sx={{ whiteSpace: 'nowrap' }}
        onClick={() => {
          setBusy(true);
          setErr(null);
          client.call('history.backup', {}).then(
            (r) => {
              setInfo(r);
              setBusy(false);
            },
            (e: unknown) => {
              setErr(errorText(e));
              setBusy(false);
            },
          );
        }}
      >
        {busy ? 'Backing up…' : 'Back up historian now'}
      </GuardedButton>
      {info ? (
        <Typography variant="body2" data-testid="history-backup-result" sx={{ ...monoNumbers, fontSize: 12, color: hmi.textDim, textAlign: 'right' }}>
          Backup written {formatDateTime(info.startedAt, timeZone)} ({formatBytes(info.bytes)}, {(info.elapsedMs / 1000).toFixed(1)} s):{' '}
          <Box component="code" sx={{ userSelect: 'all', color: hmi.text }}>
            {info.path}
          </Box>
        </Typography>
      ) : null}
      {err ? (
        <Typography variant="body2" role="alert" sx={{ color: hmi.alarmHigh, fontWeight: 600 }}>
          Backup failed: {err}
        </Typography>
      ) : null}
    </Box>
  );
}
