/**
 * CSV bulk registration of devices and points (infra.01 Req3): pick the devices file and/or the
 * points file, preview (every problem as file:line:column with the column's name, in a
 * sentence; nothing saved), then register (all or nothing). Export writes the site's Modbus
 * TCP devices and their register maps in the same format (docs/comms.md).
 */
import { useState } from 'react';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Paper from '@mui/material/Paper';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import type { CsvImportPreview, CsvImportRequest, CsvImportResult, CsvIssue } from '../../../../core/common/comms';
import { useClient } from '../../api/hooks';
import { errorText } from '../../api/errorText';
import { hmi } from '../../theme';

export function issueText(i: CsvIssue): string {
  return `${i.file}:${i.line}:${i.column}${i.field ? ` (${i.field})` : ''}: ${i.message}`;
}

export function IssueList({ issues }: { issues: readonly CsvIssue[] }) {
  return (
    <Box data-testid="csv-issues" sx={{ fontSize: 13 }}>
      <Box sx={{ fontWeight: 700, color: hmi.alarmHigh, mb: 0.5 }}>
        {issues.length} problem{issues.length === 1 ? '' : 's'}: nothing was saved.
      </Box>
      <Box component="ul" sx={{ m: 0, pl: 2.5, fontFamily: 'monospace', fontSize: 12 }}>
        {issues.map((i, k) => (
          <li key={k} data-testid="csv-issue">
            {issueText(i)}
          </li>
        ))}
      </Box>
    </Box>
  );
}

function download(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

type Picked = { fileName: string; text: string } | undefined;

function FilePick({ label, testId, value, onPick }: { label: string; testId: string; value: Picked; onPick: (p: Picked) => void }) {
  return (
    <Box sx={{ display: 'flex', alignItems: 'center', gap: 1 }}>
      <Button size="small" variant="outlined" component="label">
        {label}
        <input
          hidden
          type="file"
          accept=".csv,text/csv"
          data-testid={testId}
          onChange={(e) => {
            const f = e.target.files?.[0];
            e.target.value = '';
            if (!f) return;
            void f.text().then((text) => onPick({ fileName: f.name, text }));
          }}
        />
      </Button>
      <Typography sx={{ fontSize: 12, color: hmi.textDim }} data-testid={`${testId}-name`}>
        {value ? `${value.fileName} (${value.text.split('\n').filter((l) => l.trim()).length - 1} rows)` : 'none'}
      </Typography>
      {value ? (
        <Button size="small" onClick={() => onPick(undefined)}>
          Remove
        </Button>
      ) : null}
    </Box>
  );
}

export function CsvPanel() {
  const client = useClient();
  const [devices, setDevices] = useState<Picked>();
  const [points, setPoints] = useState<Picked>();
  const [preview, setPreview] = useState<CsvImportPreview | CsvImportResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const req = (): CsvImportRequest => ({ ...(devices ? { devices } : {}), ...(points ? { points } : {}) });
  const run = async (apply: boolean): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      setPreview(apply ? await client.call('devices.csv.apply', req()) : await client.call('devices.csv.preview', req()));
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  const exportAll = async (): Promise<void> => {
    setError(null);
    try {
      const e = await client.call('devices.csv.export', {});
      download(e.devices.fileName, e.devices.text);
      download(e.points.fileName, e.points.text);
    } catch (e) {
      setError(errorText(e));
    }
  };
  const pick = (set: (p: Picked) => void) => (p: Picked) => {
    set(p);
    setPreview(null);
  };
  const none = !devices && !points;
  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', gap: 1.5 }}>
      <Paper sx={{ p: 1.5, display: 'flex', flexDirection: 'column', gap: 1 }}>
        <Typography sx={{ fontSize: 13, color: hmi.textDim }}>
          Devices file: id, name, asset, protocol (modbus-tcp), profile, pollMs, timeoutMs, host, port, unitId, simulated. Points file: one row per register of a Modbus profile (profile, channel, table, address, type, scale, unit, …). Export gives both in this format.
        </Typography>
        <FilePick label="Devices CSV…" testId="csv-devices" value={devices} onPick={pick(setDevices)} />
        <FilePick label="Points CSV…" testId="csv-points" value={points} onPick={pick(setPoints)} />
        <Box sx={{ display: 'flex', gap: 1 }}>
          <Button size="small" variant="outlined" disabled={none || busy} onClick={() => void run(false)} data-testid="csv-preview">
            Check
          </Button>
          <Button size="small" variant="contained" disabled={none || busy || !preview || !preview.ok || 'applied' in preview} onClick={() => void run(true)} data-testid="csv-apply">
            Register
          </Button>
          <Button size="small" sx={{ ml: 'auto' }} onClick={() => void exportAll()} data-testid="csv-export">
            Export devices and points
          </Button>
        </Box>
      </Paper>
      {error ? (
        <Box sx={{ color: hmi.alarmHigh, fontSize: 13 }} data-testid="csv-error">
          {error}
        </Box>
      ) : null}
      {preview && !preview.ok ? <IssueList issues={preview.issues} /> : null}
      {preview && preview.ok ? (
        <Paper sx={{ p: 1 }} data-testid="csv-preview-result">
          <Typography sx={{ fontSize: 13, fontWeight: 600, mb: 1 }} data-testid="csv-outcome">
            {'applied' in preview
              ? `Registered ${preview.devices.length} device${preview.devices.length === 1 ? '' : 's'} and ${preview.profiles.length} profile${preview.profiles.length === 1 ? '' : 's'} in ${preview.siteFile}. They connect after the next start.`
              : `No problems: ${preview.devices.length} device${preview.devices.length === 1 ? '' : 's'} and ${preview.profiles.length} profile${preview.profiles.length === 1 ? '' : 's'} ready to register.`}
          </Typography>
          <Table size="small" aria-label="Devices to register">
            <TableHead>
              <TableRow>
                <TableCell>Id</TableCell>
                <TableCell>Name</TableCell>
                <TableCell>Address</TableCell>
                <TableCell>Profile</TableCell>
                <TableCell>Asset</TableCell>
                <TableCell align="right">Poll</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {preview.devices.map((d) => (
                <TableRow key={d.id}>
                  <TableCell>{d.id}</TableCell>
                  <TableCell>{d.name}</TableCell>
                  <TableCell sx={{ fontFamily: 'monospace', fontSize: 12 }}>{d.address}</TableCell>
                  <TableCell>{d.profile}</TableCell>
                  <TableCell>{d.asset}</TableCell>
                  <TableCell align="right">{d.pollMs} ms</TableCell>
                </TableRow>
              ))}
              {preview.profiles.map((p) => (
                <TableRow key={`p-${p.id}`}>
                  <TableCell colSpan={6} sx={{ fontSize: 12, color: hmi.textDim }}>
                    profile {p.id}: {p.points} point{p.points === 1 ? '' : 's'} → {p.file}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </Paper>
      ) : null}
    </Box>
  );
}
