/** Pieces the alarm screens share: the toggle styles, the error bar. */
import Alert from '@mui/material/Alert';
import { hmi } from '../../theme';

/** A ToggleButton used as a tab (the views of a page). */
export const tabToggleSx = { textTransform: 'none', px: 1.5, py: 0.25, '&.Mui-selected': { bgcolor: hmi.bg, fontWeight: 700, borderBottom: `3px solid ${hmi.focus}` } } as const;

/** A ToggleButton of a priority filter. */
export const priorityToggleSx = { py: 0.25, '&.Mui-selected': { bgcolor: hmi.bg, borderBottom: `3px solid ${hmi.focus}` } } as const;

/** A compact error line, nothing without an error. */
export function ErrorBar({ error, testid }: { error: string | null; testid?: string }) {
  return error ? (
    <Alert severity="error" data-testid={testid} sx={{ py: 0 }}>
      {error}
    </Alert>
  ) : null;
}
