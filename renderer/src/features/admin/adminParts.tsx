/** The pieces the administration tabs share: loading a list, acting on it, the tab layout, the table, the form dialog. */
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import FormGroup from '@mui/material/FormGroup';
import FormLabel from '@mui/material/FormLabel';
import Paper from '@mui/material/Paper';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import { useCallback, useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { errorText } from '../../api/errorText';
import { useConnection } from '../../api/hooks';
import { hmi } from '../../theme';

/** Loads `load()` once connected and again on `reload()`. */
export function useList<T>(load: () => Promise<T>): { data: T | null; error: string | null; reload: () => void } {
  const { connected } = useConnection();
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [n, setN] = useState(0);
  useEffect(() => {
    if (!connected) return;
    let alive = true;
    load().then(
      (d) => {
        if (!alive) return;
        setData(d);
        setError(null);
      },
      (e: unknown) => alive && setError(errorText(e)),
    );
    return () => {
      alive = false;
    };
    // load is re-created each render; the counter and the connection decide when to reload
  }, [connected, n]);
  return { data, error, reload: useCallback(() => setN((x) => x + 1), []) };
}

/** Runs an action from a list: clears the last error, then reloads the list, or keeps the action's error. */
export function useAction(reload: () => void): { error: string | null; clearError: () => void; run: (fn: () => Promise<unknown>) => Promise<void> } {
  const [error, setError] = useState<string | null>(null);
  const run = async (fn: () => Promise<unknown>) => {
    setError(null);
    try {
      await fn();
      reload();
    } catch (e) {
      setError(errorText(e));
    }
  };
  return { error, clearError: () => setError(null), run };
}

/** A tab: its tool bar, the error of its list or last action, then its content. */
export function TabFrame({ toolbar, toolbarGap = 2, error, children }: { toolbar: ReactNode; toolbarGap?: number; error: string | null; children: ReactNode }) {
  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', gap: 1, pt: 1 }}>
      <Box sx={{ display: 'flex', alignItems: 'center', gap: toolbarGap }}>{toolbar}</Box>
      {error ? (
        <Alert severity="error" sx={{ mb: 1 }}>
          {error}
        </Alert>
      ) : null}
      {children}
    </Box>
  );
}

/** A small table with these column titles, then "Actions" on the right; the rows are the children. */
export function AdminTable({ label, columns, children }: { label: string; columns: string[]; children: ReactNode }) {
  return (
    <Paper>
      <Table size="small" aria-label={label}>
        <TableHead>
          <TableRow>
            {columns.map((c) => (
              <TableCell key={c}>{c}</TableCell>
            ))}
            <TableCell align="right">Actions</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>{children}</TableBody>
      </Table>
    </Paper>
  );
}

/** A titled group of check boxes. */
export function CheckGroup({ legend, children }: { legend: string; children: ReactNode }) {
  return (
    <Box>
      <FormLabel component="legend" sx={{ fontSize: 13 }}>
        {legend}
      </FormLabel>
      <FormGroup>{children}</FormGroup>
    </Box>
  );
}

/** A dialog around a form: submits unless `problem` says what is missing, closes when done, shows the error otherwise. */
export function FormDialog({
  title,
  open,
  onClose,
  onSubmit,
  submitLabel,
  problem,
  children,
  testid,
  onFieldError,
}: {
  title: string;
  open: boolean;
  onClose: () => void;
  onSubmit: () => Promise<void>;
  submitLabel: string;
  problem?: string | null;
  children: ReactNode;
  testid?: string;
  /** shows an error under its field instead (returns true when it did) */
  onFieldError?: (err: unknown) => boolean;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (open) setError(null);
  }, [open]);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (problem) return;
    setBusy(true);
    setError(null);
    try {
      await onSubmit();
      onClose();
    } catch (err) {
      if (!onFieldError?.(err)) setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog open={open} onClose={busy ? undefined : onClose} maxWidth="sm" fullWidth data-testid={testid}>
      <Box component="form" onSubmit={(e) => void submit(e)}>
        <DialogTitle sx={{ fontSize: 17, fontWeight: 600 }}>{title}</DialogTitle>
        <DialogContent sx={{ display: 'flex', flexDirection: 'column', gap: 2, pt: '8px !important' }}>
          {children}
          {problem ? <Typography sx={{ fontSize: 13, color: hmi.textDim }}>{problem}</Typography> : null}
          {error ? (
            <Alert severity="error" role="alert">
              {error}
            </Alert>
          ) : null}
        </DialogContent>
        <DialogActions>
          <Button onClick={onClose} disabled={busy}>
            Cancel
          </Button>
          <Button type="submit" variant="contained" disabled={busy || !!problem}>
            {submitLabel}
          </Button>
        </DialogActions>
      </Box>
    </Dialog>
  );
}
