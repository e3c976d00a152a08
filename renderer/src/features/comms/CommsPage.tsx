/**
 * Communications (issue #12 items 4-6, infra.01/infra.02): every link and its devices with
 * their state, statistics (requests, errors, timeouts, reconnects, latency), last error as a
 * sentence and the quality of their points; a point read on request; and, for a technician
 * (config.edit): bulk configuration of a selection (polling period, enable/disable, with a
 * reason, audited), the raw frames of a device, discovery and CSV registration/export.
 * ISA-101: grey; colour only for a device that is down or a point that is not good.
 */
import { Fragment, useEffect, useMemo, useState } from 'react';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Checkbox from '@mui/material/Checkbox';
import Paper from '@mui/material/Paper';
import Tab from '@mui/material/Tab';
import Tabs from '@mui/material/Tabs';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableContainer from '@mui/material/TableContainer';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import type { DeviceStatus } from '../../../../core/common/api/contract';
import type { DeviceConfigureResult } from '../../../../core/common/comms';
import { useClient, useConnection, useDevices, useLive, useNow, usePointMetaList, useSite } from '../../api/hooks';
import { errorText } from '../../api/errorText';
import { formatAge, NO_VALUE } from '../../format/format';
import { fieldSx, hmi, monoNumbers } from '../../theme';
import { GuardedButton, useCapabilityReason } from '../../components/Guarded';
import { CommStateBadge } from '../devices/DevicesPage';
import { ReadDialog } from '../devices/DeviceTools';
import { FramesDialog } from './FramesDialog';
import { DiscoveryPanel } from './DiscoveryPanel';
import { CsvPanel } from './CsvPanel';

/** the link a device is on: its shared link, else its own address */
export function linkOf(d: DeviceStatus): string {
  return d.link ?? d.address;
}

export interface LinkSummary {
  link: string;
  devices: DeviceStatus[];
  ok: number;
  failed: number;
  timeouts: number;
  reconnects: number;
  /** mean latency over the link's answered requests, ms */
  latencyMs: number | undefined;
  /** online / all */
  online: number;
}

/** Devices grouped by link, with the link's sums (links and devices sorted by name). */
export function summarizeLinks(devices: readonly DeviceStatus[]): LinkSummary[] {
  const by = new Map<string, DeviceStatus[]>();
  for (const d of devices) by.set(linkOf(d), [...(by.get(linkOf(d)) ?? []), d]);
  return [...by]
    .map(([link, ds]) => {
      let ok = 0;
      let failed = 0;
      let timeouts = 0;
      let reconnects = 0;
      let latencySum = 0;
      for (const d of ds) {
        const s = d.stats;
        if (!s) continue;
        ok += s.ok;
        failed += s.failed;
        timeouts += s.timeouts;
        reconnects += s.reconnects;
        if (s.latencyAvgMs !== undefined) latencySum += s.latencyAvgMs * s.ok;
      }
      return {
        link,
        devices: [...ds].sort((a, b) => a.name.localeCompare(b.name)),
        ok,
        failed,
        timeouts,
        reconnects,
        latencyMs: ok > 0 ? Math.round((latencySum / ok) * 10) / 10 : undefined,
        online: ds.filter((d) => d.state === 'online').length,
      };
    })
    .sort((a, b) => a.link.localeCompare(b.link));
}

type TabId = 'devices' | 'discovery' | 'csv';

export function CommsPage() {
  const devices = useDevices();
  const { connected } = useConnection();
  const techWhy = useCapabilityReason('config.edit');
  const [tab, setTab] = useState<TabId>('devices');
  const online = devices.filter((d) => d.state === 'online').length;
  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', gap: 1.5, minHeight: 0 }}>
      <Box sx={{ display: 'flex', alignItems: 'baseline', gap: 2 }}>
        <Typography variant="h2" component="h2">
          Communications
        </Typography>
        <Typography sx={{ color: hmi.textDim, fontSize: 13 }} data-testid="comms-summary">
          {connected ? `${online} of ${devices.length} devices online` : 'state unknown: no connection to the core'}
        </Typography>
      </Box>
      <Tabs value={tab} onChange={(_e, v: TabId) => setTab(v)} aria-label="Communications views">
        <Tab value="devices" label="Links and devices" data-testid="comms-tab-devices" />
        <Tab value="discovery" label="Discovery" data-testid="comms-tab-discovery" disabled={techWhy !== null} />
        <Tab value="csv" label="CSV registration" data-testid="comms-tab-csv" disabled={techWhy !== null} />
      </Tabs>
      {techWhy !== null ? <Typography sx={{ fontSize: 12, color: hmi.textDim }}>Discovery, CSV registration, bulk configuration and raw frames: {techWhy}</Typography> : null}
      {tab === 'devices' ? <LinksView techWhy={techWhy} /> : null}
      {tab === 'discovery' && techWhy === null ? <DiscoveryPanel /> : null}
      {tab === 'csv' && techWhy === null ? <CsvPanel /> : null}
    </Box>
  );
}

/**
 * The devices' status with fresh statistics: the live list changes with states only, so the
 * page asks for the list every 2 s while it is open (one bounded call).
 */
function useFreshDevices(): readonly DeviceStatus[] {
  const live = useDevices();
  const client = useClient();
  const [polled, setPolled] = useState<{ at: number; list: readonly DeviceStatus[] } | null>(null);
  const [liveAt, setLiveAt] = useState(0);
  useEffect(() => setLiveAt(Date.now()), [live]);
  useEffect(() => {
    let stop = false;
    const pull = (): void => {
      client.call('devices.list', {}).then(
        (list) => {
          if (!stop) setPolled({ at: Date.now(), list });
        },
        () => undefined,
      );
    };
    pull();
    const t = setInterval(pull, 2000);
    return () => {
      stop = true;
      clearInterval(t);
    };
  }, [client]);
  return polled && polled.at >= liveAt ? polled.list : live;
}

function LinksView({ techWhy }: { techWhy: string | null }) {
  const devices = useFreshDevices();
  const { connected } = useConnection();
  const site = useSite();
  const now = useNow(1000);
  const links = useMemo(() => summarizeLinks(devices), [devices]);
  const assetName = new Map(site?.assets.map((a) => [a.id, a.name]) ?? []);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [reading, setReading] = useState<DeviceStatus | null>(null);
  const [framing, setFraming] = useState<DeviceStatus | null>(null);
  const toggle = (id: string): void =>
    setSelected((s) => {
      const n = new Set(s);
      if (n.has(id)) n.delete(id);
      else n.add(id);
      return n;
    });
  const tech = techWhy === null;
  return (
    <>
      {tech ? <BulkBar selected={[...selected]} onDone={() => undefined} onClear={() => setSelected(new Set())} /> : null}
      <ReadDialog device={reading} onClose={() => setReading(null)} />
      {framing ? <FramesDialog device={framing} onClose={() => setFraming(null)} /> : null}
      <TableContainer component={Paper} sx={{ overflow: 'auto' }}>
        <Table size="small" stickyHeader aria-label="Links and devices">
          <TableHead>
            <TableRow>
              {tech ? <TableCell padding="checkbox" /> : null}
              <TableCell>Link / device</TableCell>
              <TableCell>State</TableCell>
              <TableCell>Points</TableCell>
              <TableCell align="right">Requests</TableCell>
              <TableCell align="right">Errors</TableCell>
              <TableCell align="right">Timeouts</TableCell>
              <TableCell align="right">Reconnects</TableCell>
              <TableCell align="right">Latency</TableCell>
              <TableCell align="right">Poll</TableCell>
              <TableCell>Last error</TableCell>
              <TableCell />
            </TableRow>
          </TableHead>
          <TableBody>
            {links.map((l) => (
              <Fragment key={l.link}>
                <TableRow data-testid={`link-${l.link}`} sx={{ bgcolor: hmi.panelDark }}>
                  {tech ? (
                    <TableCell padding="checkbox">
                      <Checkbox
                        size="small"
                        slotProps={{ input: { 'aria-label': `select every device on ${l.link}` } as object }}
                        checked={l.devices.every((d) => selected.has(d.id))}
                        onChange={(e) =>
                          setSelected((s) => {
                            const n = new Set(s);
                            for (const d of l.devices) if (e.target.checked) n.add(d.id);
                            else n.delete(d.id);
                            return n;
                          })
                        }
                      />
                    </TableCell>
                  ) : null}
                  <TableCell sx={{ fontFamily: 'monospace', fontSize: 12, fontWeight: 700 }}>{l.link}</TableCell>
                  <TableCell sx={{ fontSize: 12, color: connected && l.online < l.devices.length ? hmi.alarmHigh : hmi.textDim, fontWeight: l.online < l.devices.length ? 700 : 400 }} data-testid={`link-${l.link}-online`}>
                    {connected ? `${l.online} of ${l.devices.length} online` : 'unknown'}
                  </TableCell>
                  <TableCell />
                  <TableCell align="right" sx={monoNumbers}>
                    {l.ok + l.failed}
                  </TableCell>
                  <TableCell align="right" sx={monoNumbers}>
                    {l.failed}
                  </TableCell>
                  <TableCell align="right" sx={monoNumbers}>
                    {l.timeouts}
                  </TableCell>
                  <TableCell align="right" sx={monoNumbers}>
                    {l.reconnects}
                  </TableCell>
                  <TableCell align="right" sx={monoNumbers}>
                    {l.latencyMs !== undefined ? `${l.latencyMs} ms` : NO_VALUE}
                  </TableCell>
                  <TableCell colSpan={3} />
                </TableRow>
                {l.devices.map((d) => (
                  <TableRow key={d.id} data-testid={`comms-device-${d.id}`} data-state={connected ? d.state : 'unknown'}>
                    {tech ? (
                      <TableCell padding="checkbox">
                        <Checkbox size="small" slotProps={{ input: { 'aria-label': `select ${d.name}` } as object }} checked={selected.has(d.id)} onChange={() => toggle(d.id)} data-testid={`select-${d.id}`} />
                      </TableCell>
                    ) : null}
                    <TableCell sx={{ pl: 3, minWidth: 160 }}>
                      <Box sx={{ fontWeight: 600 }}>{d.name}</Box>
                      <Box sx={{ fontSize: 11, color: hmi.textDim }}>
                        {d.id} · {d.protocol} · {d.address} · {assetName.get(d.asset) ?? d.asset}
                      </Box>
                    </TableCell>
                    <TableCell sx={{ whiteSpace: 'nowrap' }}>
                      <CommStateBadge state={d.state} live={connected} />
                    </TableCell>
                    <TableCell>
                      <PointQuality deviceId={d.id} />
                    </TableCell>
                    <TableCell align="right" sx={monoNumbers} data-testid={`comms-${d.id}-requests`}>
                      {d.stats ? d.stats.ok + d.stats.failed : NO_VALUE}
                    </TableCell>
                    <TableCell align="right" sx={{ ...monoNumbers, fontWeight: (d.stats?.failed ?? 0) > 0 ? 700 : 400 }}>
                      {d.stats?.failed ?? NO_VALUE}
                    </TableCell>
                    <TableCell align="right" sx={monoNumbers}>
                      {d.stats?.timeouts ?? NO_VALUE}
                    </TableCell>
                    <TableCell align="right" sx={monoNumbers}>
                      {d.stats?.reconnects ?? NO_VALUE}
                    </TableCell>
                    <TableCell align="right" sx={{ ...monoNumbers, whiteSpace: 'nowrap' }}>
                      {d.stats?.latencyAvgMs !== undefined ? `${Math.round(d.stats.latencyAvgMs)} ms` : NO_VALUE}
                      {d.stats?.latencyLastMs !== undefined ? <Box sx={{ fontSize: 11, color: hmi.textDim }}>last {Math.round(d.stats.latencyLastMs)} ms</Box> : null}
                    </TableCell>
                    <TableCell align="right" sx={{ ...monoNumbers, whiteSpace: 'nowrap' }} data-testid={`comms-${d.id}-poll`}>
                      {d.pollMs} ms
                    </TableCell>
                    <TableCell sx={{ minWidth: 160, maxWidth: 300, fontSize: 12, color: d.state === 'offline' ? hmi.alarmHigh : hmi.textDim, wordBreak: 'break-word' }} data-testid={`comms-${d.id}-error`}>
                      {d.lastError ?? d.stats?.lastError ?? ''}
                      {d.stats?.lastErrorAt ? <Box sx={{ fontSize: 11, color: hmi.textDim }}>{formatAge(now - d.stats.lastErrorAt)} ago</Box> : null}
                    </TableCell>
                    <TableCell sx={{ whiteSpace: 'nowrap' }}>
                      <Button size="small" onClick={() => setReading(d)} data-testid={`comms-read-${d.id}`}>
                        Read
                      </Button>
                      <GuardedButton why={techWhy} showWhy={false} size="small" onClick={() => setFraming(d)} testId={`comms-frames-${d.id}`}>
                        Frames
                      </GuardedButton>
                    </TableCell>
                  </TableRow>
                ))}
              </Fragment>
            ))}
            {links.length === 0 ? (
              <TableRow>
                <TableCell colSpan={12} sx={{ color: hmi.textDim }}>
                  {connected ? 'No devices configured.' : 'Waiting for the core…'}
                </TableCell>
              </TableRow>
            ) : null}
          </TableBody>
        </Table>
      </TableContainer>
    </>
  );
}

/** "12 good" or "3 of 12 bad: comm-fail" — the quality of a device's points, refreshed every second. */
function PointQuality({ deviceId }: { deviceId: string }) {
  const { points } = useLive();
  useNow(1000);
  const metas = usePointMetaList().filter((m) => m.deviceId === deviceId);
  let good = 0;
  const reasons = new Map<string, number>();
  for (const m of metas) {
    const s = points.get(m.id);
    if (s && s.quality.level === 'good' && points.isFresh(m.id)) good++;
    else {
      const r = !s ? 'no value' : !points.isFresh(m.id) ? 'stale' : `${s.quality.level}${s.quality.reason ? `: ${s.quality.reason}` : ''}`;
      reasons.set(r, (reasons.get(r) ?? 0) + 1);
    }
  }
  const bad = metas.length - good;
  if (metas.length === 0) return <Box sx={{ fontSize: 12, color: hmi.textDim }}>{NO_VALUE}</Box>;
  return (
    <Box sx={{ fontSize: 12, whiteSpace: 'nowrap', color: bad ? hmi.quality : hmi.textDim, fontWeight: bad ? 700 : 400 }} data-testid={`comms-${deviceId}-quality`} data-bad={bad}>
      {bad === 0 ? `${good} good` : `${bad} of ${metas.length} ${[...reasons].map(([r, n]) => (reasons.size > 1 ? `${r} (${n})` : r)).join(', ')}`}
    </Box>
  );
}

/** Polling period and enable/disable for the selected devices, with a reason (audited by the core). */
function BulkBar({ selected, onClear }: { selected: string[]; onDone: () => void; onClear: () => void }) {
  const client = useClient();
  const [pollMs, setPollMs] = useState('');
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<DeviceConfigureResult | string | null>(null);
  const apply = async (change: { pollMs?: number; enabled?: boolean }): Promise<void> => {
    setBusy(true);
    setResult(null);
    try {
      setResult(await client.call('devices.configure', { deviceIds: selected, reason, ...change }));
    } catch (e) {
      setResult(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  const none = selected.length === 0;
  const poll = Number(pollMs);
  const why = none ? 'select devices first' : reason.trim().length < 3 ? 'say why (at least 3 characters)' : null;
  return (
    <Paper sx={{ p: 1, display: 'flex', flexDirection: 'column', gap: 1 }} data-testid="bulk-bar">
      <Box sx={{ display: 'flex', gap: 1, alignItems: 'center', flexWrap: 'wrap' }}>
        <Typography sx={{ fontSize: 13, fontWeight: 600 }} data-testid="bulk-count">
          {none ? 'Bulk configuration: select devices below' : `${selected.length} selected`}
        </Typography>
        <TextField size="small" label="Polling period (ms)" value={pollMs} onChange={(e) => setPollMs(e.target.value)} sx={{ width: 170, ...fieldSx }} slotProps={{ htmlInput: { 'data-testid': 'bulk-poll', inputMode: 'numeric' } }} />
        <TextField size="small" label="Reason" value={reason} onChange={(e) => setReason(e.target.value)} sx={{ width: 260, ...fieldSx }} slotProps={{ htmlInput: { 'data-testid': 'bulk-reason' } }} />
        <GuardedButton why={why ?? (!Number.isInteger(poll) || poll <= 0 ? 'give a polling period in ms' : null)} showWhy={false} size="small" variant="outlined" disabled={busy} onClick={() => void apply({ pollMs: poll })} testId="bulk-apply-poll">
          Set polling period
        </GuardedButton>
        <GuardedButton why={why} showWhy={false} size="small" variant="outlined" disabled={busy} onClick={() => void apply({ enabled: false })} testId="bulk-disable">
          Disable
        </GuardedButton>
        <GuardedButton why={why} showWhy={false} size="small" variant="outlined" disabled={busy} onClick={() => void apply({ enabled: true })} testId="bulk-enable">
          Enable
        </GuardedButton>
        {!none ? (
          <Button size="small" onClick={onClear}>
            Clear selection
          </Button>
        ) : null}
        {why && !none ? <Typography sx={{ fontSize: 12, color: hmi.textDim }}>{why}</Typography> : null}
      </Box>
      {result !== null ? (
        <Box data-testid="bulk-result" sx={{ fontSize: 12 }}>
          {typeof result === 'string' ? (
            <Box sx={{ color: hmi.alarmHigh }}>{result}</Box>
          ) : (
            result.results.map((r) => (
              <Box key={r.deviceId} sx={{ color: r.ok ? hmi.text : hmi.alarmHigh }}>
                {r.deviceId}: {r.message}
              </Box>
            ))
          )}
        </Box>
      ) : null}
    </Paper>
  );
}
