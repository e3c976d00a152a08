/**
 * Current sign-in lockouts (issue #8, item 7): per name from one workstation, or account-wide
 * from several; the administrator clears one source or every lock of a name. The core audits
 * each clearing (`auth.lockout.clear`).
 */
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import TableCell from '@mui/material/TableCell';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import { useState } from 'react';
import type { LockoutView } from '../../../../core/common/security';
import { useClient, useSite } from '../../api/hooks';
import { formatAge, formatDateTime } from '../../format/format';
import { hmi } from '../../theme';
import { lockoutText } from './adminModel';
import { AdminTable, TabFrame, useAction, useList } from './adminParts';

export function LockoutsTab() {
  const client = useClient();
  const site = useSite();
  const lockouts = useList(() => client.call('lockouts.list', {}));
  const [confirm, setConfirm] = useState<LockoutView | null>(null);
  const { error, clearError, run } = useAction(lockouts.reload);
  const now = Date.now();
  return (
    <TabFrame
      toolbar={
        <>
          <Typography sx={{ color: hmi.textDim, fontSize: 13 }}>
            {lockouts.data === null ? 'Sign-in lockouts: …' : lockouts.data.length === 0 ? 'Nobody is locked out.' : `Sign-in lockouts: ${lockouts.data.length}`}
          </Typography>
          <Box sx={{ flex: 1 }} />
          <Button variant="outlined" color="secondary" onClick={lockouts.reload}>
            Refresh
          </Button>
        </>
      }
      error={lockouts.error ?? error}
    >
      <AdminTable label="Sign-in lockouts" columns={['User name', 'What happened', 'Last failure', 'Locked until']}>
        {(lockouts.data ?? []).map((l) => {
          const t = lockoutText(l);
          return (
            <TableRow key={`${l.username}|${l.source ?? '*'}`} data-testid={`lockout-${l.username}-${l.source ?? 'account'}`}>
              <TableCell sx={{ fontWeight: 600 }}>{t.who}</TableCell>
              <TableCell>{t.what}</TableCell>
              <TableCell sx={{ fontSize: 12 }}>{l.lastFailureAt === null ? '—' : formatDateTime(l.lastFailureAt, site?.timezone)}</TableCell>
              <TableCell sx={{ fontSize: 12 }}>
                {formatDateTime(l.lockedUntil, site?.timezone)} (in {formatAge(l.lockedUntil - now)})
              </TableCell>
              <TableCell align="right">
                <Button size="small" variant="outlined" color="secondary" onClick={() => setConfirm(l)}>
                  Clear…
                </Button>
              </TableCell>
            </TableRow>
          );
        })}
      </AdminTable>
      <Dialog open={confirm !== null} onClose={() => setConfirm(null)}>
        <DialogTitle>Clear this lockout?</DialogTitle>
        <DialogContent>
          <Typography>
            {confirm?.source === null
              ? `${confirm.username} may sign in again at once from every workstation.`
              : `${confirm?.username ?? ''} may sign in again at once from ${confirm?.source ?? ''}.`}{' '}
            Clear it only if you know who failed to sign in. The action is recorded in the audit log.
          </Typography>
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setConfirm(null)}>Cancel</Button>
          <Button
            variant="contained"
            data-testid="lockout-clear-confirm"
            onClick={() => {
              const l = confirm;
              setConfirm(null);
              if (l) void run(() => client.call('lockouts.clear', l.source === null ? { username: l.username } : { username: l.username, source: l.source }));
              else clearError();
            }}
          >
            Clear lockout
          </Button>
        </DialogActions>
      </Dialog>
    </TabFrame>
  );
}
