/**
 * Device tools of the Devices page: the server certificates the drivers were shown (an
 * administrator trusts one after comparing its thumbprint), browsing a device's address space
 * to pick points (OPC UA), and reading a device's points on request.
 */
import { useEffect, useState } from 'react';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Checkbox from '@mui/material/Checkbox';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import Link from '@mui/material/Link';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import type { BrowseNode, DeviceReadResult, DeviceStatus, TrustedCertificate } from '../../../../core/common/api/contract';
import { useClient, usePointMetaList } from '../../api/hooks';
import { errorText } from '../../api/errorText';
import { GuardedButton, useCapabilityReason } from '../../components/Guarded';
import { formatDateTime, formatValue, NO_VALUE } from '../../format/format';
import { hmi, monoNumbers } from '../../theme';

/** 40 hex digits in groups of four, as read out over the phone */
export function groupThumbprint(t: string): string {
  return (t.match(/.{1,4}/g) ?? []).join(' ');
}

/** A channel name from a browse name: letters and digits, starting with a letter. */
export function channelNameOf(name: string): string {
  const words = name.replace(/^\d+:/, '').split(/[^A-Za-z0-9]+/).filter(Boolean);
  const joined = words.map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
  return /^[A-Za-z]/.test(joined) ? joined : `P${joined}`;
}

/** The profile channels (YAML) for the picked variables of an OPC UA server. */
export function channelsYaml(nodes: readonly BrowseNode[]): string {
  const lines = ['channels:'];
  const used = new Set<string>();
  for (const n of nodes) {
    let name = channelNameOf(n.name);
    for (let i = 2; used.has(name); i++) name = `${channelNameOf(n.name)}${i}`;
    used.add(name);
    const type = n.dataType === 'Boolean' ? 'boolean' : n.dataType === 'String' || n.dataType === 'LocalizedText' ? 'string' : 'number';
    lines.push(`  - channel: ${name}`, `    nodeId: "${n.id}"`);
    if (type !== 'number') lines.push(`    type: ${type}`);
    if (n.writable) lines.push('    access: rw');
  }
  return lines.join('\n');
}

export function CertificatesDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const client = useClient();
  const why = useCapabilityReason('system.administer');
  const [certs, setCerts] = useState<TrustedCertificate[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const load = (): void => {
    client.call('devices.certificates', {}).then(
      (c) => {
        setCerts(c);
        setError(null);
      },
      (e: unknown) => setError(errorText(e)),
    );
  };
  useEffect(() => {
    if (open && why === null) load();
  }, [open, why]);
  const decide = async (c: TrustedCertificate, trust: boolean): Promise<void> => {
    setBusy(true);
    try {
      await client.call('devices.certificates.trust', { protocol: c.protocol, thumbprint: c.thumbprint, trust });
      load();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog open={open} onClose={onClose} maxWidth="lg" fullWidth aria-labelledby="certs-title">
      <DialogTitle id="certs-title">Server certificates</DialogTitle>
      <DialogContent>
        <Typography sx={{ fontSize: 13, color: hmi.textDim, mb: 1 }}>
          A device on a secure endpoint connects only when its server certificate is trusted. Before trusting one, ask the server's operator to read you its
          SHA-1 thumbprint and compare it digit by digit.
        </Typography>
        {why !== null ? <Typography sx={{ color: hmi.textDim }}>{why}</Typography> : null}
        {error ? (
          <Typography role="alert" sx={{ color: hmi.alarmHigh, fontWeight: 600 }}>
            {error}
          </Typography>
        ) : null}
        {certs && certs.length === 0 ? <Typography sx={{ color: hmi.textDim }}>No server has presented a certificate yet.</Typography> : null}
        {certs && certs.length > 0 ? (
          <Table size="small" aria-label="Server certificates">
            <TableHead>
              <TableRow>
                <TableCell>Server</TableCell>
                <TableCell>SHA-1 thumbprint</TableCell>
                <TableCell>Valid</TableCell>
                <TableCell>Status</TableCell>
                <TableCell />
              </TableRow>
            </TableHead>
            <TableBody>
              {certs.map((c) => (
                <TableRow key={`${c.protocol}-${c.thumbprint}`} data-testid={`cert-${c.thumbprint}`} data-status={c.status}>
                  <TableCell>
                    <Box sx={{ fontWeight: 600 }}>{c.subject}</Box>
                    <Box sx={{ fontSize: 11, color: hmi.textDim }}>
                      {c.protocol.toUpperCase()} · issued by {c.issuer}
                      {c.applicationUri ? ` · ${c.applicationUri}` : ''}
                    </Box>
                  </TableCell>
                  <TableCell sx={{ fontFamily: 'monospace', fontSize: 13, whiteSpace: 'nowrap' }} data-testid="thumbprint">
                    {groupThumbprint(c.thumbprint)}
                  </TableCell>
                  <TableCell sx={{ ...monoNumbers, fontSize: 12, whiteSpace: 'nowrap' }}>
                    {formatDateTime(c.validFrom)} –<br />
                    {formatDateTime(c.validTo)}
                    {c.problem ? <Box sx={{ color: hmi.alarmHigh, fontWeight: 700 }}>{c.problem}</Box> : null}
                  </TableCell>
                  <TableCell sx={{ fontWeight: c.status === 'rejected' ? 700 : 400 }}>{c.status === 'trusted' ? 'Trusted' : 'Not trusted'}</TableCell>
                  <TableCell>
                    {c.status === 'rejected' ? (
                      <GuardedButton why={why} size="small" variant="outlined" disabled={busy} onClick={() => void decide(c, true)} testId={`trust-${c.thumbprint}`}>
                        Trust
                      </GuardedButton>
                    ) : (
                      <GuardedButton why={why} size="small" disabled={busy} onClick={() => void decide(c, false)} testId={`distrust-${c.thumbprint}`}>
                        Stop trusting
                      </GuardedButton>
                    )}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        ) : null}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>Close</Button>
      </DialogActions>
    </Dialog>
  );
}

export function BrowseDialog({ device, onClose }: { device: DeviceStatus | null; onClose: () => void }) {
  const client = useClient();
  const [path, setPath] = useState<BrowseNode[]>([]);
  const [nodes, setNodes] = useState<BrowseNode[] | null>(null);
  const [picked, setPicked] = useState<Map<string, BrowseNode>>(new Map());
  const [error, setError] = useState<string | null>(null);
  const here = path.at(-1);
  const load = (): void => {
    if (!device) return;
    setNodes(null);
    client.call('devices.browse', { deviceId: device.id, ...(here ? { nodeId: here.id } : {}) }).then(
      (n) => {
        setNodes(n);
        setError(null);
      },
      (e: unknown) => setError(errorText(e)),
    );
  };
  useEffect(load, [device?.id, here?.id]);
  useEffect(() => {
    setPath([]);
    setPicked(new Map());
  }, [device?.id]);
  const toggle = (n: BrowseNode): void => {
    const next = new Map(picked);
    if (next.has(n.id)) next.delete(n.id);
    else next.set(n.id, n);
    setPicked(next);
  };
  return (
    <Dialog open={device !== null} onClose={onClose} maxWidth="lg" fullWidth aria-labelledby="browse-title">
      <DialogTitle id="browse-title">Browse {device?.name}</DialogTitle>
      <DialogContent>
        <Box component="nav" aria-label="Position in the address space" sx={{ display: 'flex', gap: 1, flexWrap: 'wrap', mb: 1, fontSize: 14 }}>
          <Link component="button" onClick={() => setPath([])}>
            Objects
          </Link>
          {path.map((p, i) => (
            <Box key={p.id} component="span">
              /{' '}
              <Link component="button" onClick={() => setPath(path.slice(0, i + 1))}>
                {p.name}
              </Link>
            </Box>
          ))}
          <Button size="small" onClick={load} sx={{ ml: 'auto' }}>
            Refresh values
          </Button>
        </Box>
        {error ? (
          <Typography role="alert" sx={{ color: hmi.alarmHigh, fontWeight: 600 }}>
            {error}
          </Typography>
        ) : null}
        {nodes === null && !error ? <Typography sx={{ color: hmi.textDim }}>Asking the device…</Typography> : null}
        {nodes ? (
          <Table size="small" aria-label="Nodes">
            <TableHead>
              <TableRow>
                <TableCell padding="checkbox">Pick</TableCell>
                <TableCell>Name</TableCell>
                <TableCell>Node</TableCell>
                <TableCell>Type</TableCell>
                <TableCell align="right">Value</TableCell>
                <TableCell>Access</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {nodes.length === 0 ? (
                <TableRow>
                  <TableCell colSpan={6} sx={{ color: hmi.textDim }}>
                    Nothing below this node.
                  </TableCell>
                </TableRow>
              ) : null}
              {nodes.map((n) => (
                <TableRow key={n.id} data-testid={`node-${n.id}`}>
                  <TableCell padding="checkbox">
                    {n.kind === 'variable' ? <Checkbox size="small" checked={picked.has(n.id)} onChange={() => toggle(n)} slotProps={{ input: { 'aria-label': `Pick ${n.name}` } }} /> : null}
                  </TableCell>
                  <TableCell>
                    {n.hasChildren ? (
                      <Link component="button" onClick={() => setPath([...path, n])}>
                        {n.name}
                      </Link>
                    ) : (
                      n.name
                    )}
                  </TableCell>
                  <TableCell sx={{ fontFamily: 'monospace', fontSize: 12 }}>{n.id}</TableCell>
                  <TableCell>{n.kind === 'variable' ? (n.dataType ?? '') : n.kind === 'method' ? 'method' : 'object'}</TableCell>
                  <TableCell align="right" sx={{ ...monoNumbers }} data-testid="node-value">
                    {n.kind === 'variable' ? formatValue(n.value ?? null) : ''}
                  </TableCell>
                  <TableCell>{n.kind === 'variable' ? (n.writable ? 'read/write' : 'read') : ''}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        ) : null}
        {picked.size > 0 ? (
          <Box sx={{ mt: 2 }}>
            <Typography sx={{ fontWeight: 600, fontSize: 14 }}>Profile channels for the {picked.size} picked variables</Typography>
            <Typography sx={{ fontSize: 12, color: hmi.textDim }}>
              Add them to the device's profile (assets/profiles or the site's profiles folder) with their units; the site loader checks them at the next start.
            </Typography>
            <Box component="pre" data-testid="picked-yaml" sx={{ bgcolor: hmi.panel, p: 1, fontSize: 12, overflow: 'auto', maxHeight: 200 }}>
              {channelsYaml([...picked.values()])}
            </Box>
          </Box>
        ) : null}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>Close</Button>
      </DialogActions>
    </Dialog>
  );
}

export function ReadDialog({ device, onClose }: { device: DeviceStatus | null; onClose: () => void }) {
  const client = useClient();
  const metas = usePointMetaList().filter((m) => device && m.deviceId === device.id);
  const [results, setResults] = useState<Map<string, DeviceReadResult | string>>(new Map());
  useEffect(() => setResults(new Map()), [device?.id]);
  const readOne = async (id: string): Promise<void> => {
    try {
      const r = await client.call('devices.read', { pointId: id });
      setResults((m) => new Map(m).set(id, r));
    } catch (e) {
      setResults((m) => new Map(m).set(id, errorText(e)));
    }
  };
  return (
    <Dialog open={device !== null} onClose={onClose} maxWidth="md" fullWidth aria-labelledby="read-title">
      <DialogTitle id="read-title">Read from {device?.name}</DialogTitle>
      <DialogContent>
        <Typography sx={{ fontSize: 13, color: hmi.textDim, mb: 1 }}>Asks the device for the value now, beside the value the application holds.</Typography>
        <Table size="small" aria-label="Points of the device">
          <TableHead>
            <TableRow>
              <TableCell>Point</TableCell>
              <TableCell align="right">Read now</TableCell>
              <TableCell />
            </TableRow>
          </TableHead>
          <TableBody>
            {metas.map((m) => {
              const r = results.get(m.id);
              return (
                <TableRow key={m.id} data-testid={`read-${m.id}`}>
                  <TableCell>
                    {m.description ?? m.channel}
                    <Box sx={{ fontSize: 11, color: hmi.textDim }}>{m.id}</Box>
                  </TableCell>
                  <TableCell align="right" sx={{ ...monoNumbers }} data-testid="read-result">
                    {r === undefined ? NO_VALUE : typeof r === 'string' ? <Box sx={{ color: hmi.alarmHigh, fontSize: 12 }}>{r}</Box> : `${formatValue(r.value, m)} ${m.unit} (${r.ms} ms)`}
                  </TableCell>
                  <TableCell>
                    <Button size="small" onClick={() => void readOne(m.id)} data-testid={`read-now-${m.id}`}>
                      Read now
                    </Button>
                  </TableCell>
                </TableRow>
              );
            })}
          </TableBody>
        </Table>
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>Close</Button>
      </DialogActions>
    </Dialog>
  );
}
