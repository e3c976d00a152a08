/**
 * Discovery (infra.01): a Modbus TCP scan of an address range, ports and unit ids, with the
 * SunSpec model chain where a device has it; bounded by the core (256 hosts, 8 ports, 32 unit
 * ids, timeouts, concurrency) and cancellable. What it finds are proposals: the technician
 * names each one it accepts (device id, name, asset, profile) and the core adds them to the
 * site file with the same checks as a CSV import (they connect after a restart).
 */
import { useEffect, useState } from 'react';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Checkbox from '@mui/material/Checkbox';
import FormControlLabel from '@mui/material/FormControlLabel';
import MenuItem from '@mui/material/MenuItem';
import Paper from '@mui/material/Paper';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import type { CsvImportResult, DiscoveryProposal, DiscoveryStatus } from '../../../../core/common/comms';
import { useClient, useDevices, useSite } from '../../api/hooks';
import { errorText } from '../../api/errorText';
import { fieldSx, hmi } from '../../theme';
import { IssueList } from './CsvPanel';

/** "502, 1502" → [502, 1502]; "1-3,7" → [1, 2, 3, 7]; null when not a list of whole numbers */
export function parseNumberList(s: string): number[] | null {
  const out: number[] = [];
  for (const part of s.split(/[,\s]+/).filter(Boolean)) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) return null;
    const a = Number(m[1]);
    const b = m[2] !== undefined ? Number(m[2]) : a;
    if (b < a || b - a > 255) return null;
    for (let i = a; i <= b; i++) out.push(i);
  }
  return out.length ? out : null;
}

interface Accepting {
  deviceId: string;
  name: string;
  assetId: string;
  profileId: string;
}

function suggestedId(p: DiscoveryProposal): string {
  return `dev-${p.host.split('.').pop() ?? 'x'}-${p.port}-${p.unitId}`;
}

export function DiscoveryPanel() {
  const client = useClient();
  const site = useSite();
  const devices = useDevices();
  const [from, setFrom] = useState('127.0.0.1');
  const [to, setTo] = useState('127.0.0.1');
  const [ports, setPorts] = useState('502');
  const [units, setUnits] = useState('1');
  const [sunspec, setSunspec] = useState(true);
  const [timeoutMs, setTimeoutMs] = useState('1000');
  const [scan, setScan] = useState<DiscoveryStatus | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [accepting, setAccepting] = useState<Map<string, Accepting>>(new Map());
  const [result, setResult] = useState<CsvImportResult | null>(null);
  const profiles = [...new Set(devices.map((d) => d.profile))].sort();

  useEffect(() => {
    if (scan?.state !== 'running') return;
    const t = setInterval(() => {
      client.call('discovery.status', { id: scan.id }).then(setScan, (e: unknown) => setError(errorText(e)));
    }, 500);
    return () => clearInterval(t);
  }, [client, scan?.id, scan?.state]);

  const portList = parseNumberList(ports);
  const unitList = parseNumberList(units);
  const start = async (): Promise<void> => {
    setError(null);
    setResult(null);
    setAccepting(new Map());
    try {
      setScan(await client.call('discovery.start', { fromHost: from.trim(), toHost: to.trim(), ports: portList ?? [], unitIds: unitList ?? [], sunspec, timeoutMs: Number(timeoutMs) }));
    } catch (e) {
      setError(errorText(e));
    }
  };
  const cancel = async (): Promise<void> => {
    if (!scan) return;
    try {
      setScan(await client.call('discovery.cancel', { id: scan.id }));
    } catch (e) {
      setError(errorText(e));
    }
  };
  const accept = async (): Promise<void> => {
    if (!scan) return;
    setResult(null);
    try {
      const items = [...accepting].map(([key, a]) => ({ key, ...a }));
      setResult(await client.call('discovery.accept', { scanId: scan.id, items }));
    } catch (e) {
      setError(errorText(e));
    }
  };
  const toggle = (p: DiscoveryProposal): void =>
    setAccepting((m) => {
      const n = new Map(m);
      if (n.has(p.key)) n.delete(p.key);
      else
        n.set(p.key, {
          deviceId: suggestedId(p),
          name: p.sunspec?.manufacturer ? `${p.sunspec.manufacturer} ${p.sunspec.model ?? ''}`.trim() : `Modbus device ${p.host}:${p.port} unit ${p.unitId}`,
          assetId: site?.assets[0]?.id ?? '',
          profileId: profiles[0] ?? '',
        });
      return n;
    });
  const edit = (key: string, field: keyof Accepting, value: string): void =>
    setAccepting((m) => {
      const n = new Map(m);
      const a = n.get(key);
      if (a) n.set(key, { ...a, [field]: value });
      return n;
    });
  const running = scan?.state === 'running';
  const bad = !portList ? 'give the ports as numbers, e.g. 502 or 502, 1502' : !unitList ? 'give the unit ids as numbers or ranges, e.g. 1-3, 7' : null;

  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', gap: 1.5 }}>
      <Paper sx={{ p: 1.5, display: 'flex', gap: 1, flexWrap: 'wrap', alignItems: 'center' }}>
        <TextField size="small" label="From address" value={from} onChange={(e) => setFrom(e.target.value)} sx={{ width: 150, ...fieldSx }} slotProps={{ htmlInput: { 'data-testid': 'scan-from' } }} />
        <TextField size="small" label="To address" value={to} onChange={(e) => setTo(e.target.value)} sx={{ width: 150, ...fieldSx }} slotProps={{ htmlInput: { 'data-testid': 'scan-to' } }} />
        <TextField size="small" label="Ports" value={ports} onChange={(e) => setPorts(e.target.value)} sx={{ width: 150, ...fieldSx }} slotProps={{ htmlInput: { 'data-testid': 'scan-ports' } }} />
        <TextField size="small" label="Unit ids" value={units} onChange={(e) => setUnits(e.target.value)} sx={{ width: 110, ...fieldSx }} slotProps={{ htmlInput: { 'data-testid': 'scan-units' } }} />
        <TextField size="small" label="Timeout (ms)" value={timeoutMs} onChange={(e) => setTimeoutMs(e.target.value)} sx={{ width: 110, ...fieldSx }} slotProps={{ htmlInput: { 'data-testid': 'scan-timeout', inputMode: 'numeric' } }} />
        <FormControlLabel control={<Checkbox size="small" checked={sunspec} onChange={(e) => setSunspec(e.target.checked)} />} label="SunSpec models" />
        <Button size="small" variant="outlined" disabled={running || bad !== null} onClick={() => void start()} data-testid="scan-start">
          Scan
        </Button>
        <Button size="small" disabled={!running} onClick={() => void cancel()} data-testid="scan-cancel">
          Cancel
        </Button>
        {bad ? <Typography sx={{ fontSize: 12, color: hmi.textDim }}>{bad}</Typography> : null}
      </Paper>
      <Typography sx={{ fontSize: 12, color: hmi.textDim }}>At most 256 addresses, 8 ports and 32 unit ids per scan; the core scans up to 8 connections at a time.</Typography>
      {error ? (
        <Box sx={{ color: hmi.alarmHigh, fontSize: 13 }} data-testid="scan-error">
          {error}
        </Box>
      ) : null}
      {scan ? (
        <Typography sx={{ fontSize: 13 }} data-testid="scan-state" data-state={scan.state}>
          {scan.state === 'running' ? `Scanning: ${scan.done} of ${scan.total} host:port pairs…` : (scan.message ?? scan.state)}
        </Typography>
      ) : null}
      {scan && scan.proposals.length > 0 ? (
        <Paper sx={{ overflow: 'auto' }}>
          <Table size="small" aria-label="Devices found">
            <TableHead>
              <TableRow>
                <TableCell padding="checkbox" />
                <TableCell>Found at</TableCell>
                <TableCell>How</TableCell>
                <TableCell>SunSpec</TableCell>
                <TableCell>Device id</TableCell>
                <TableCell>Name</TableCell>
                <TableCell>Asset</TableCell>
                <TableCell>Profile</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {scan.proposals.map((p) => {
                const a = accepting.get(p.key);
                return (
                  <TableRow key={p.key} data-testid={`proposal-${p.key}`}>
                    <TableCell padding="checkbox">
                      <Checkbox size="small" checked={a !== undefined} disabled={p.knownDevice !== undefined} onChange={() => toggle(p)} slotProps={{ input: { 'aria-label': `accept ${p.key}` } as object }} data-testid={`accept-${p.key}`} />
                    </TableCell>
                    <TableCell sx={{ fontFamily: 'monospace', fontSize: 12, whiteSpace: 'nowrap' }}>
                      {p.host}:{p.port} unit {p.unitId}
                      {p.knownDevice ? <Box sx={{ fontFamily: 'inherit', color: hmi.textDim }}>on the site as {p.knownDevice}</Box> : null}
                    </TableCell>
                    <TableCell sx={{ fontSize: 12 }}>{p.evidence}</TableCell>
                    <TableCell sx={{ fontSize: 12 }} data-testid="proposal-sunspec">
                      {p.sunspec ? (
                        <>
                          {[p.sunspec.manufacturer, p.sunspec.model, p.sunspec.version ? `v${p.sunspec.version}` : undefined, p.sunspec.serial ? `SN ${p.sunspec.serial}` : undefined].filter(Boolean).join(' · ')}
                          <Box sx={{ color: hmi.textDim }}>models {p.sunspec.models.map((m) => `${m.id} ${m.name}`).join(', ')}</Box>
                        </>
                      ) : (
                        '—'
                      )}
                    </TableCell>
                    {a ? (
                      <>
                        <TableCell>
                          <TextField size="small" value={a.deviceId} onChange={(e) => edit(p.key, 'deviceId', e.target.value)} sx={{ width: 150, ...fieldSx }} slotProps={{ htmlInput: { 'aria-label': 'device id', 'data-testid': 'accept-id' } }} />
                        </TableCell>
                        <TableCell>
                          <TextField size="small" value={a.name} onChange={(e) => edit(p.key, 'name', e.target.value)} sx={{ width: 180, ...fieldSx }} slotProps={{ htmlInput: { 'aria-label': 'device name' } }} />
                        </TableCell>
                        <TableCell>
                          <TextField select size="small" value={a.assetId} onChange={(e) => edit(p.key, 'assetId', e.target.value)} sx={{ width: 170, ...fieldSx }} slotProps={{ htmlInput: { 'aria-label': 'asset', 'data-testid': 'accept-asset' } }}>
                            {(site?.assets ?? []).map((x) => (
                              <MenuItem key={x.id} value={x.id}>
                                {x.name}
                              </MenuItem>
                            ))}
                          </TextField>
                        </TableCell>
                        <TableCell>
                          <TextField size="small" value={a.profileId} onChange={(e) => edit(p.key, 'profileId', e.target.value)} sx={{ width: 170, ...fieldSx }} slotProps={{ htmlInput: { 'aria-label': 'profile id', 'data-testid': 'accept-profile', list: 'known-profiles' } }} />
                        </TableCell>
                      </>
                    ) : (
                      <TableCell colSpan={4} />
                    )}
                  </TableRow>
                );
              })}
            </TableBody>
          </Table>
          <datalist id="known-profiles">
            {profiles.map((p) => (
              <option key={p} value={p} />
            ))}
          </datalist>
          <Box sx={{ p: 1, display: 'flex', gap: 1, alignItems: 'center' }}>
            <Button size="small" variant="outlined" disabled={accepting.size === 0 || running} onClick={() => void accept()} data-testid="accept-apply">
              Add {accepting.size} to the site
            </Button>
            <Typography sx={{ fontSize: 12, color: hmi.textDim }}>The site file is checked as at start; nothing is saved if anything is wrong. New devices connect after a restart.</Typography>
          </Box>
        </Paper>
      ) : null}
      {result ? (
        result.ok ? (
          <Box sx={{ fontSize: 13 }} data-testid="accept-result">
            Added {result.devices.map((d) => d.id).join(', ')} to {result.siteFile}. They connect after the next start.
          </Box>
        ) : (
          <IssueList issues={result.issues} />
        )
      ) : null}
    </Box>
  );
}
