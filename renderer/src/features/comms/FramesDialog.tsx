/**
 * The raw frames of one device for a technician (config.edit): capture on/off (audited by the
 * core, off again by itself after 15 minutes), the last frames with time, direction, octets in
 * hex and one decoded line, refreshed every second with what is newer.
 */
import { useEffect, useRef, useState } from 'react';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import type { DeviceStatus, RawFrame } from '../../../../core/common/bridge';
import { useClient, useSite } from '../../api/hooks';
import { errorText } from '../../api/errorText';
import { hmi } from '../../theme';

/** frames kept on screen (the core's ring keeps 200) */
const SHOWN = 200;

function time(ts: number, timeZone: string | undefined): string {
  const d = new Date(ts);
  const hms = d.toLocaleTimeString('en-GB', { hour12: false, ...(timeZone ? { timeZone } : {}) });
  return `${hms}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

export function FramesDialog({ device, onClose }: { device: DeviceStatus; onClose: () => void }) {
  const client = useClient();
  const site = useSite();
  const [frames, setFrames] = useState<RawFrame[]>([]);
  const [enabled, setEnabled] = useState(false);
  const [supported, setSupported] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const lastSeq = useRef<number | undefined>(undefined);

  useEffect(() => {
    let stop = false;
    const pull = async (): Promise<void> => {
      try {
        const r = await client.call('devices.frames', { deviceId: device.id, ...(lastSeq.current !== undefined ? { afterSeq: lastSeq.current } : {}) });
        if (stop) return;
        setEnabled(r.enabled);
        setSupported(r.supported);
        if (!r.enabled) {
          lastSeq.current = undefined;
          setFrames([]);
          return;
        }
        if (r.frames.length) {
          lastSeq.current = r.frames[r.frames.length - 1]!.seq;
          setFrames((f) => [...f, ...r.frames].slice(-SHOWN));
        }
        setError(null);
      } catch (e) {
        if (!stop) setError(errorText(e));
      }
    };
    void pull();
    const t = setInterval(() => void pull(), 1000);
    return () => {
      stop = true;
      clearInterval(t);
    };
  }, [client, device.id]);

  const capture = async (on: boolean): Promise<void> => {
    try {
      const r = await client.call('devices.frames.capture', { deviceId: device.id, on });
      setEnabled(r.enabled);
      lastSeq.current = undefined;
      setFrames(r.frames);
      setError(null);
    } catch (e) {
      setError(errorText(e));
    }
  };

  return (
    <Dialog open onClose={onClose} maxWidth="lg" fullWidth aria-labelledby="frames-title">
      <DialogTitle id="frames-title">Raw frames of {device.name}</DialogTitle>
      <DialogContent>
        <Box sx={{ display: 'flex', gap: 1, alignItems: 'center', mb: 1 }}>
          <Typography sx={{ fontSize: 13, color: hmi.textDim }} data-testid="frames-state">
            {!supported
              ? `The ${device.protocol} driver does not record its frames.`
              : enabled
                ? `Capturing: the last ${SHOWN} frames of ${device.address}. Capturing stops by itself after 15 minutes.`
                : 'Capturing is off (it costs nothing while off).'}
          </Typography>
          {supported ? (
            <Button size="small" variant="outlined" sx={{ ml: 'auto' }} onClick={() => void capture(!enabled)} data-testid="frames-toggle">
              {enabled ? 'Stop capturing' : 'Start capturing'}
            </Button>
          ) : null}
        </Box>
        {error ? <Box sx={{ color: hmi.alarmHigh, fontSize: 12, mb: 1 }}>{error}</Box> : null}
        <Box sx={{ maxHeight: '60vh', overflow: 'auto' }} tabIndex={0} aria-label="Frames">
          <Table size="small" stickyHeader aria-label="Frames of the device">
            <TableHead>
              <TableRow>
                <TableCell>Time</TableCell>
                <TableCell>Dir</TableCell>
                <TableCell>Decoded</TableCell>
                <TableCell>Octets (hex)</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {[...frames].reverse().map((f) => (
                <TableRow key={f.seq} data-testid="frame" data-dir={f.dir}>
                  <TableCell sx={{ fontFamily: 'monospace', fontSize: 12, whiteSpace: 'nowrap' }}>{time(f.ts, site?.timezone)}</TableCell>
                  <TableCell sx={{ fontSize: 12, whiteSpace: 'nowrap' }}>{f.dir === 'tx' ? '→ sent' : '← received'}</TableCell>
                  <TableCell sx={{ fontSize: 12 }} data-testid="frame-decoded">
                    {f.decoded}
                  </TableCell>
                  <TableCell sx={{ fontFamily: 'monospace', fontSize: 11, wordBreak: 'break-all', minWidth: 220 }}>
                    {f.hex}
                    {f.length > f.hex.split(' ').length ? ` … (${f.length} octets)` : ''}
                  </TableCell>
                </TableRow>
              ))}
              {frames.length === 0 ? (
                <TableRow>
                  <TableCell colSpan={4} sx={{ color: hmi.textDim }}>
                    {enabled ? 'Waiting for frames…' : 'No frames.'}
                  </TableCell>
                </TableRow>
              ) : null}
            </TableBody>
          </Table>
        </Box>
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>Close</Button>
      </DialogActions>
    </Dialog>
  );
}
