import { useState } from 'react';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Paper from '@mui/material/Paper';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableContainer from '@mui/material/TableContainer';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import CheckCircleOutlinedIcon from '@mui/icons-material/CheckCircleOutlined';
import ErrorIcon from '@mui/icons-material/Error';
import SyncIcon from '@mui/icons-material/Sync';
import DoNotDisturbOnIcon from '@mui/icons-material/DoNotDisturbOn';
import HelpOutlinedIcon from '@mui/icons-material/HelpOutlined';
import type { CommState, DeviceStatus } from '../../../../core/common/api/contract';
import { useConnection, useDevices, useNow, useSite } from '../../api/hooks';
import { SclImportDialog } from './SclImportDialog';
import { formatAge, formatDateTime, NO_VALUE } from '../../format/format';
import { summarizeDevices } from '../../shell/deviceSummary';
import { hmi, monoNumbers } from '../../theme';
import { GuardedButton, useCapabilityReason } from '../../components/Guarded';
import { BrowseDialog, CertificatesDialog, ReadDialog } from './DeviceTools';

/** protocols whose devices have an address space to browse */
const BROWSABLE = new Set(['opcua']);
/** protocols whose devices answer reads on request */
const READABLE = new Set(['modbus-tcp', 'modbus-rtu', 'opcua', 'iec61850', 'line-tcp']);

/** "98.5 % · 12 ms · 2 reconnects · 1.2 kB in" */
export function statsText(d: DeviceStatus): string {
  const s = d.stats;
  if (!s) return '';
  const parts: string[] = [];
  if (s.successRate !== undefined) parts.push(`${(Math.floor(s.successRate * 1000) / 10).toFixed(1)} % ok`);
  if (s.latencyAvgMs !== undefined) parts.push(`${Math.round(s.latencyAvgMs)} ms`);
  if (s.timeouts > 0) parts.push(`${s.timeouts} timeout${s.timeouts === 1 ? '' : 's'}`);
  parts.push(`${s.reconnects} reconnect${s.reconnects === 1 ? '' : 's'}`);
  const kb = (b: number): string => (b < 1024 ? `${b} B` : b < 1024 * 1024 ? `${(b / 1024).toFixed(1)} kB` : `${(b / 1024 / 1024).toFixed(1)} MB`);
  if (s.bytesIn + s.bytesOut > 0) parts.push(`${kb(s.bytesIn)} in, ${kb(s.bytesOut)} out`);
  return parts.join(' · ');
}

const STATE_TEXT: Record<CommState, string> = { online: 'Online', offline: 'Offline', connecting: 'Connecting', disabled: 'Disabled' };

export function DevicesPage() {
  const devices = useDevices();
  const site = useSite();
  const { connected } = useConnection();
  const now = useNow(1000);
  const assetName = new Map(site?.assets.map((a) => [a.id, a.name]) ?? []);
  const summary = summarizeDevices(devices);
  const sorted = [...devices].sort((a, b) => a.name.localeCompare(b.name));
  const [certsOpen, setCertsOpen] = useState(false);
  const [browsing, setBrowsing] = useState<DeviceStatus | null>(null);
  const [reading, setReading] = useState<DeviceStatus | null>(null);
  const adminWhy = useCapabilityReason('system.administer');
  const browseWhy = useCapabilityReason('config.edit');
  const [importing, setImporting] = useState(false);
  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', gap: 1.5, minHeight: 0 }}>
      <Box sx={{ display: 'flex', alignItems: 'baseline', gap: 2 }}>
        <Typography variant="h2" component="h2">
          Devices
        </Typography>
        <Typography sx={{ color: hmi.textDim, fontSize: 13 }}>{connected ? summary.text : 'state unknown: no connection to the core'}</Typography>
        <Box sx={{ ml: 'auto', display: 'flex', gap: 1 }}>
          {browseWhy === null ? (
            <Button size="small" variant="outlined" onClick={() => setImporting(true)} data-testid="scl-open">
              Import SCL…
            </Button>
          ) : null}
          <GuardedButton why={adminWhy} size="small" variant="outlined" onClick={() => setCertsOpen(true)} testId="open-certificates">
            Server certificates
          </GuardedButton>
        </Box>
      </Box>
      <CertificatesDialog open={certsOpen} onClose={() => setCertsOpen(false)} />
      <BrowseDialog device={browsing} onClose={() => setBrowsing(null)} />
      <ReadDialog device={reading} onClose={() => setReading(null)} />
      {importing ? <SclImportDialog open onClose={() => setImporting(false)} /> : null}
      <TableContainer component={Paper} sx={{ overflow: 'auto' }}>
        <Table size="small" stickyHeader aria-label="Devices">
          <TableHead>
            <TableRow>
              <TableCell>Name</TableCell>
              <TableCell>State</TableCell>
              <TableCell>Protocol</TableCell>
              <TableCell>Address</TableCell>
              <TableCell>Asset</TableCell>
              <TableCell>Last OK</TableCell>
              <TableCell align="right">Last poll</TableCell>
              <TableCell align="right">Polls / failures</TableCell>
              <TableCell>Statistics</TableCell>
              <TableCell>Last error</TableCell>
              <TableCell />
            </TableRow>
          </TableHead>
          <TableBody>
            {sorted.map((d) => (
              <DeviceRow
                key={d.id}
                d={d}
                live={connected}
                now={now}
                timeZone={site?.timezone}
                assetName={assetName.get(d.asset)}
                onBrowse={BROWSABLE.has(d.protocol) ? () => setBrowsing(d) : undefined}
                browseWhy={browseWhy}
                onRead={READABLE.has(d.protocol) ? () => setReading(d) : undefined}
              />
            ))}
            {sorted.length === 0 ? (
              <TableRow>
                <TableCell colSpan={11} sx={{ color: hmi.textDim }}>
                  {connected ? 'No devices configured.' : 'Waiting for the core…'}
                </TableCell>
              </TableRow>
            ) : null}
          </TableBody>
        </Table>
      </TableContainer>
    </Box>
  );
}

function DeviceRow({
  d,
  live,
  now,
  timeZone,
  assetName,
  onBrowse,
  browseWhy,
  onRead,
}: {
  d: DeviceStatus;
  live: boolean;
  now: number;
  timeZone: string | undefined;
  assetName: string | undefined;
  onBrowse: (() => void) | undefined;
  browseWhy: string | null;
  onRead: (() => void) | undefined;
}) {
  return (
    <TableRow data-testid={`device-${d.id}`} data-state={live ? d.state : 'unknown'}>
      <TableCell sx={{ minWidth: 150 }}>
        <Box sx={{ fontWeight: 600 }}>{d.name}</Box>
        <Box sx={{ fontSize: 11, color: hmi.textDim }}>
          {d.id}
          {d.simulated ? ' · simulated' : ''}
        </Box>
      </TableCell>
      <TableCell sx={{ whiteSpace: 'nowrap' }}>
        <CommStateBadge state={d.state} live={live} />
      </TableCell>
      <TableCell sx={{ whiteSpace: 'nowrap' }}>{d.protocol}</TableCell>
      <TableCell sx={{ fontFamily: 'monospace', fontSize: 12, whiteSpace: 'nowrap' }}>{d.address}</TableCell>
      <TableCell sx={{ maxWidth: 160 }}>{assetName ?? d.asset}</TableCell>
      <TableCell sx={{ whiteSpace: 'nowrap', ...monoNumbers }}>
        {d.lastOk ? (
          <>
            {formatDateTime(d.lastOk, timeZone)}
            <Box sx={{ color: hmi.textDim, fontSize: 11 }}>{formatAge(now - d.lastOk)} ago</Box>
          </>
        ) : (
          NO_VALUE
        )}
      </TableCell>
      <TableCell align="right" sx={{ ...monoNumbers, whiteSpace: 'nowrap' }}>
        {d.lastPollMs !== undefined ? `${Math.round(d.lastPollMs)} ms` : NO_VALUE}
        <Box sx={{ fontSize: 11, color: hmi.textDim }}>every {d.pollMs} ms</Box>
      </TableCell>
      <TableCell align="right" sx={{ ...monoNumbers, whiteSpace: 'nowrap' }} data-testid={`device-${d.id}-counters`}>
        {d.polls} /{' '}
        <Box component="span" sx={{ fontWeight: d.failures > 0 ? 700 : 400 }}>
          {d.failures}
        </Box>
      </TableCell>
      <TableCell sx={{ fontSize: 12, color: hmi.textDim, minWidth: 140, ...monoNumbers }} data-testid={`device-${d.id}-stats`}>
        {statsText(d)}
      </TableCell>
      <TableCell sx={{ minWidth: 150, maxWidth: 280, fontSize: 12, color: d.state === 'offline' ? hmi.alarmHigh : hmi.textDim, wordBreak: 'break-word' }}>
        {d.lastError ?? ''}
      </TableCell>
      <TableCell sx={{ whiteSpace: 'nowrap' }}>
        {onRead ? (
          <Button size="small" onClick={onRead} data-testid={`read-${d.id}`}>
            Read
          </Button>
        ) : null}
        {onBrowse ? (
          <GuardedButton why={browseWhy} showWhy={false} size="small" onClick={onBrowse} testId={`browse-${d.id}`}>
            Browse
          </GuardedButton>
        ) : null}
      </TableCell>
    </TableRow>
  );
}

export function CommStateBadge({ state, live }: { state: CommState; live: boolean }) {
  if (!live) {
    return (
      <Box component="span" sx={{ display: 'inline-flex', alignItems: 'center', gap: 0.5, color: hmi.quality, fontWeight: 700 }}>
        <HelpOutlinedIcon fontSize="small" /> Unknown
      </Box>
    );
  }
  const icon =
    state === 'online' ? (
      <CheckCircleOutlinedIcon fontSize="small" sx={{ color: hmi.textDim }} />
    ) : state === 'offline' ? (
      <ErrorIcon fontSize="small" />
    ) : state === 'connecting' ? (
      <SyncIcon fontSize="small" />
    ) : (
      <DoNotDisturbOnIcon fontSize="small" sx={{ color: hmi.equipmentDim }} />
    );
  return (
    <Box
      component="span"
      sx={{
        display: 'inline-flex',
        alignItems: 'center',
        gap: 0.5,
        px: 0.75,
        py: 0.25,
        borderRadius: 0.5,
        fontWeight: state === 'online' ? 500 : 700,
        bgcolor: state === 'offline' ? hmi.alarmHigh : state === 'connecting' ? hmi.alarmMedium : 'transparent',
        color: state === 'offline' ? hmi.onAlarmHigh : state === 'connecting' ? hmi.onAlarmMedium : state === 'disabled' ? hmi.textDegraded : hmi.text,
      }}
    >
      {icon}
      {STATE_TEXT[state]}
    </Box>
  );
}
