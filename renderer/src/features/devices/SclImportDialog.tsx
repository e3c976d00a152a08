/**
 * Import an IEC 61850 device from an SCL file (ICD/CID/IID/SCD), infra.01 bulk configuration:
 * choose the file, the IED (when the file has several), the device id and the asset; Preview
 * shows the channels the device will have and the texts that will be written, or every problem
 * with its place (file:line:column); Import saves the profile file and the site-file entry,
 * both or neither (devices.import.apply). The device connects after the next start.
 * data-testids: scl-file, scl-device-id, scl-asset, scl-ied, scl-preview, scl-import,
 * scl-issues (li per problem), scl-channels (tr per channel), scl-result.
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
import { useState, type ChangeEvent } from 'react';
import type { DeviceImportIssue, DeviceImportPreview, DeviceImportRequest, DeviceImportResult } from '../../../../core/common/device-import';
import { errorText } from '../../api/errorText';
import { useClient, useSite } from '../../api/hooks';
import { hmi } from '../../theme';

export function issueText(i: DeviceImportIssue): string {
  const where = i.line !== undefined ? `${i.file.split(/[\\/]/).pop()}:${i.line}:${i.column ?? 1}` : i.file.split(/[\\/]/).pop();
  return `${where}: ${i.path ? `${i.path}: ` : ''}${i.message}`;
}

export function SclImportDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const client = useClient();
  const site = useSite();
  const [file, setFile] = useState<{ name: string; text: string } | null>(null);
  const [deviceId, setDeviceId] = useState('');
  const [assetId, setAssetId] = useState('');
  const [iedName, setIedName] = useState('');
  const [host, setHost] = useState('');
  const [busy, setBusy] = useState(false);
  const [preview, setPreview] = useState<DeviceImportPreview | null>(null);
  const [result, setResult] = useState<DeviceImportResult | null>(null);
  const [error, setError] = useState<string | null>(null);

  const request = (): DeviceImportRequest | null => {
    if (!file) return null;
    return {
      format: 'scl',
      fileName: file.name,
      text: file.text,
      deviceId: deviceId.trim(),
      assetId,
      ...(iedName ? { iedName } : {}),
      ...(host.trim() ? { host: host.trim() } : {}),
    };
  };

  const onFile = (e: ChangeEvent<HTMLInputElement>) => {
    const f = e.target.files?.[0];
    setPreview(null);
    setResult(null);
    setIedName('');
    if (!f) return setFile(null);
    void f.text().then((text) => setFile({ name: f.name, text }), (err: unknown) => setError(`The file could not be read: ${errorText(err)}`));
  };

  const run = async (apply: boolean) => {
    const req = request();
    if (!req) return;
    setBusy(true);
    setError(null);
    try {
      if (apply) {
        const r = await client.call('devices.import.apply', req);
        setResult(r);
        if (!r.ok) setPreview(r);
      } else {
        setResult(null);
        setPreview(await client.call('devices.import.preview', req));
      }
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  const ieds = preview?.ieds ?? [];
  const ready = !!file && /^[A-Za-z][A-Za-z0-9_-]*$/.test(deviceId.trim()) && !!assetId && !busy;
  const done = result?.ok === true;

  return (
    <Dialog open={open} onClose={busy ? undefined : onClose} maxWidth="md" fullWidth aria-labelledby="scl-title" data-testid="scl-dialog">
      <DialogTitle id="scl-title" sx={{ fontSize: 17, fontWeight: 600 }}>
        Import an IEC 61850 device from an SCL file
      </DialogTitle>
      <DialogContent sx={{ display: 'flex', flexDirection: 'column', gap: 1.5, pt: 1 }}>
        <Typography sx={{ fontSize: 13, color: hmi.textDim }}>
          ICD, CID, IID or SCD file. Nothing is saved until you import; the profile and the device entry are saved together or not at all, and the device connects after the next start.
        </Typography>
        <Box sx={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fit, minmax(200px, 1fr))', gap: 1.5, alignItems: 'start' }}>
          <Button variant="outlined" component="label" disabled={done}>
            {file ? `File: ${file.name}` : 'Choose the SCL file…'}
            <input hidden type="file" accept=".icd,.cid,.iid,.scd,.xml" onChange={onFile} data-testid="scl-file" />
          </Button>
          <TextField label="Device id" value={deviceId} onChange={(e) => setDeviceId(e.target.value)} disabled={done} helperText="A letter, then letters, digits, - or _." slotProps={{ htmlInput: { 'data-testid': 'scl-device-id' } }} />
          <TextField select label="Asset" value={assetId} onChange={(e) => setAssetId(e.target.value)} disabled={done} slotProps={{ select: { native: true }, inputLabel: { shrink: true }, htmlInput: { 'data-testid': 'scl-asset' } }}>
            <option value="">— the asset it serves —</option>
            {(site?.assets ?? []).map((a) => (
              <option key={a.id} value={a.id}>
                {a.name} ({a.id})
              </option>
            ))}
          </TextField>
          <TextField select label="IED" value={iedName} onChange={(e) => setIedName(e.target.value)} disabled={done || ieds.length === 0} helperText={ieds.length > 1 ? 'The file describes several IEDs: choose one.' : 'From the file.'} slotProps={{ select: { native: true }, inputLabel: { shrink: true }, htmlInput: { 'data-testid': 'scl-ied' } }}>
            <option value="">{ieds.length === 1 ? ieds[0] : '—'}</option>
            {ieds.length > 1
              ? ieds.map((n) => (
                  <option key={n} value={n}>
                    {n}
                  </option>
                ))
              : null}
          </TextField>
          <TextField label="Host (optional)" value={host} onChange={(e) => setHost(e.target.value)} disabled={done} helperText="Default: the IED's address in the file." />
        </Box>
        {error ? <Alert severity="error">{error}</Alert> : null}
        {preview && !preview.ok ? (
          <Alert severity="error" data-testid="scl-issues-box">
            <Typography sx={{ fontSize: 13.5, fontWeight: 600 }}>{done ? '' : `${preview.issues.length} problem${preview.issues.length === 1 ? '' : 's'}: nothing was saved.`}</Typography>
            <Box component="ul" data-testid="scl-issues" sx={{ m: 0, pl: 2.5, fontSize: 13, fontFamily: 'monospace' }}>
              {preview.issues.map((i, k) => (
                <li key={k}>{issueText(i)}</li>
              ))}
            </Box>
          </Alert>
        ) : null}
        {preview?.ok ? (
          <Box data-testid="scl-preview-box" sx={{ display: 'flex', flexDirection: 'column', gap: 1 }}>
            <Typography sx={{ fontSize: 13.5 }}>
              IED <b>{preview.iedName}</b> → device <b>{preview.deviceId}</b>, profile <b>{preview.profileId}</b>: {preview.channels.length} channels. Will write {preview.profileFile} and add the device to {preview.siteFile}.
            </Typography>
            <Box sx={{ maxHeight: 240, overflow: 'auto', border: `1px solid ${hmi.line}` }}>
              <Box component="table" sx={{ width: '100%', borderCollapse: 'collapse', fontSize: 12.5, '& td, & th': { px: 1, py: 0.25, borderBottom: `1px solid ${hmi.line}`, textAlign: 'left' } }}>
                <thead>
                  <tr>
                    <th>Channel</th>
                    <th>Reference</th>
                    <th>Type</th>
                    <th>Unit</th>
                    <th>Access</th>
                  </tr>
                </thead>
                <tbody data-testid="scl-channels">
                  {preview.channels.map((c) => (
                    <tr key={c.channel}>
                      <td>{c.channel}</td>
                      <td style={{ fontFamily: 'monospace' }}>{c.ref ?? ''}</td>
                      <td>{c.type}</td>
                      <td>{c.unit}</td>
                      <td title={c.via}>{c.access === 'rw' ? `write (${c.via ?? ''})` : 'read'}</td>
                    </tr>
                  ))}
                </tbody>
              </Box>
            </Box>
            <Box component="details">
              <summary style={{ fontSize: 13 }}>The texts that will be written</summary>
              <Box component="pre" sx={{ fontSize: 12, maxHeight: 200, overflow: 'auto', bgcolor: hmi.bg, p: 1 }}>
                {preview.deviceYaml}
                {'\n'}
                {preview.profileYaml}
              </Box>
            </Box>
          </Box>
        ) : null}
        {done ? (
          <Alert severity="success" icon={false} data-testid="scl-result" sx={{ bgcolor: hmi.bg, color: hmi.text, border: `1px solid ${hmi.line}` }}>
            Saved: device {result.deviceId} with {result.channels.length} channels. Restart ES Manager to connect it.
          </Alert>
        ) : null}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose} disabled={busy}>
          {done ? 'Close' : 'Cancel'}
        </Button>
        {!done ? (
          <>
            <Button onClick={() => void run(false)} disabled={!ready} data-testid="scl-preview">
              Preview
            </Button>
            <Button variant="contained" onClick={() => void run(true)} disabled={!ready || !preview?.ok} data-testid="scl-import">
              Import
            </Button>
          </>
        ) : null}
      </DialogActions>
    </Dialog>
  );
}
