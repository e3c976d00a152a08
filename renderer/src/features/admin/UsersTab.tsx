/** The users tab of the administration (system.01): the list, creating and editing users, passwords, impersonation. */
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Checkbox from '@mui/material/Checkbox';
import FormControlLabel from '@mui/material/FormControlLabel';
import TableCell from '@mui/material/TableCell';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useState } from 'react';
import type { RoleDef, UserView } from '../../../../core/common/security';
import { useAuth, useClient, useSite } from '../../api/hooks';
import { formatDateTime } from '../../format/format';
import { hmi } from '../../theme';
import { CommentField } from '../../components/CommentField';
import { parseLocalDateTime, toLocalDateTime } from '../audit/auditModel';
import { errorField, errorText } from '../../api/errorText';
import { passwordProblem, policyText } from '../auth/authText';
import { assignableRoles, parseSites, roleDescriptionText, sitesText, userFormProblem, userState, type UserFormValues } from './adminModel';
import { AdminTable, CheckGroup, FormDialog, TabFrame, useAction, useList } from './adminParts';

type UserDialogState =
  | { kind: 'create' }
  | { kind: 'edit'; user: UserView }
  | { kind: 'password'; user: UserView }
  | { kind: 'delete'; user: UserView }
  | { kind: 'impersonate'; user: UserView }
  | null;

export function UsersTab({ isAdmin }: { isAdmin: boolean }) {
  const client = useClient();
  const site = useSite();
  const { session } = useAuth();
  const users = useList(() => client.call('users.list', {}));
  const roles = useList(() => client.call('roles.list', {}));
  const [dialog, setDialog] = useState<UserDialogState>(null);
  const { error, run: act } = useAction(users.reload);
  const now = Date.now();
  const roleName = (id: string) => roles.data?.find((r) => r.id === id)?.name ?? id;

  return (
    <TabFrame
      toolbar={
        <>
          <Typography sx={{ fontSize: 13, color: hmi.textDim, flex: 1 }}>
            {isAdmin ? 'All users of your sites.' : 'Users you manage. You may create guests (Viewer) and field staff for your sites.'}
          </Typography>
          <Button variant="contained" onClick={() => setDialog({ kind: 'create' })} data-testid="user-create">
            New user…
          </Button>
        </>
      }
      error={users.error ?? error}
    >
      <AdminTable label="Users" columns={['User', 'Name', 'Roles', 'Sites', 'Access period', 'State', 'Last sign-in']}>
        {(users.data ?? []).map((u) => {
          const st = userState(u, now);
          const self = u.username === session?.user;
          return (
            <TableRow key={u.id} data-testid={`user-${u.username}`}>
              <TableCell sx={{ fontWeight: 600 }}>{u.username}</TableCell>
              <TableCell>{u.displayName}</TableCell>
              <TableCell>{u.roles.map(roleName).join(', ')}</TableCell>
              <TableCell>{sitesText(u.sites)}</TableCell>
              <TableCell sx={{ whiteSpace: 'nowrap', fontSize: 12 }}>
                {u.validFrom || u.validTo ? `${u.validFrom ? formatDateTime(u.validFrom, site?.timezone) : '…'} → ${u.validTo ? formatDateTime(u.validTo, site?.timezone) : '…'}` : 'unlimited'}
              </TableCell>
              <TableCell sx={{ color: st.abnormal ? hmi.alarmHigh : hmi.text, fontWeight: st.abnormal ? 700 : 400 }}>{st.text}</TableCell>
              <TableCell sx={{ fontSize: 12 }}>{u.lastLoginAt ? formatDateTime(u.lastLoginAt, site?.timezone) : 'never'}</TableCell>
              <TableCell align="right" sx={{ whiteSpace: 'nowrap' }}>
                {!self ? (
                  <>
                    <Button size="small" onClick={() => setDialog({ kind: 'edit', user: u })}>
                      Edit
                    </Button>
                    <Button size="small" onClick={() => setDialog({ kind: 'password', user: u })}>
                      Password
                    </Button>
                    {u.lockedUntil !== null && u.lockedUntil > now ? (
                      <Button size="small" onClick={() => void act(() => client.call('users.unlock', { userId: u.id }))}>
                        Unlock
                      </Button>
                    ) : null}
                    <Button size="small" onClick={() => void act(() => client.call('users.update', { userId: u.id, disabled: !u.disabled }))}>
                      {u.disabled ? 'Enable' : 'Disable'}
                    </Button>
                    {isAdmin && !u.roles.includes('administrator') ? (
                      <Button size="small" onClick={() => setDialog({ kind: 'impersonate', user: u })}>
                        Impersonate
                      </Button>
                    ) : null}
                    {isAdmin ? (
                      <Button size="small" onClick={() => setDialog({ kind: 'delete', user: u })}>
                        Delete
                      </Button>
                    ) : null}
                  </>
                ) : (
                  <Typography component="span" sx={{ fontSize: 12, color: hmi.textDim }}>
                    you
                  </Typography>
                )}
              </TableCell>
            </TableRow>
          );
        })}
      </AdminTable>
      {dialog?.kind === 'create' || dialog?.kind === 'edit' ? (
        <UserDialog
          user={dialog.kind === 'edit' ? dialog.user : null}
          roles={assignableRoles(roles.data ?? [], isAdmin, session?.capabilities ?? [])}
          defaultSites={site?.id ?? ''}
          onClose={() => setDialog(null)}
          onDone={users.reload}
        />
      ) : null}
      {dialog?.kind === 'password' ? <SetPasswordDialog user={dialog.user} onClose={() => setDialog(null)} onDone={users.reload} /> : null}
      {dialog?.kind === 'delete' ? (
        <FormDialog title={`Delete ${dialog.user.username}?`} open onClose={() => setDialog(null)} submitLabel="Delete" onSubmit={async () => {
          await client.call('users.delete', { userId: dialog.user.id });
          users.reload();
        }}>
          <Typography>The account is removed; its entries stay in the audit log. Disabling keeps the account for later.</Typography>
        </FormDialog>
      ) : null}
      {dialog?.kind === 'impersonate' ? <ImpersonateDialog user={dialog.user} onClose={() => setDialog(null)} /> : null}
    </TabFrame>
  );
}

/** The core's limit for display names (core/common/security.ts). */
const DISPLAY_NAME_MAX = 128;

function UserDialog({ user, roles, defaultSites, onClose, onDone }: { user: UserView | null; roles: RoleDef[]; defaultSites: string; onClose: () => void; onDone: () => void }) {
  const client = useClient();
  const { policy } = useAuth();
  const creating = !user;
  const [v, setV] = useState<UserFormValues>({
    username: user?.username ?? '',
    displayName: user?.displayName ?? '',
    password: '',
    roles: user?.roles ?? [],
    sites: user ? sitesText(user.sites) : defaultSites,
    validFrom: user?.validFrom ? toLocalDateTime(user.validFrom) : '',
    validTo: user?.validTo ? toLocalDateTime(user.validTo) : '',
  });
  const [mustChange, setMustChange] = useState(true);
  // a refusal about one field is shown under that field (a password problem under the password)
  const [fieldError, setFieldError] = useState<{ field: string; text: string } | null>(null);
  const labels = { username: 'User name', displayName: 'Display name', password: 'Password', sites: 'Sites', roles: 'Roles' };
  const onFieldError = (err: unknown): boolean => {
    const field = errorField(err);
    if (!field || !(field in labels)) return false;
    setFieldError({ field, text: errorText(err, labels) });
    return true;
  };
  const errOf = (f: string) => (fieldError?.field === f ? fieldError.text : null);
  const set = (k: keyof UserFormValues) => (e: { target: { value: string } }) => {
    setV((x) => ({ ...x, [k]: e.target.value }));
    if (fieldError?.field === k) setFieldError(null);
  };
  const problem = userFormProblem(v, creating) ?? (creating ? passwordProblem(policy, v.password, v.password, v.username) : null);
  const toggleRole = (id: string) => setV((x) => ({ ...x, roles: x.roles.includes(id) ? x.roles.filter((r) => r !== id) : [...x.roles, id] }));
  const submit = async () => {
    const validFrom = parseLocalDateTime(v.validFrom) ?? null;
    const validTo = parseLocalDateTime(v.validTo) ?? null;
    if (user) {
      await client.call('users.update', { userId: user.id, displayName: v.displayName.trim(), roles: v.roles, sites: parseSites(v.sites), validFrom, validTo });
    } else {
      await client.call('users.create', {
        username: v.username.trim(),
        displayName: v.displayName.trim(),
        password: v.password,
        roles: v.roles,
        sites: parseSites(v.sites),
        validFrom,
        validTo,
        mustChangePassword: mustChange,
      });
    }
    onDone();
  };
  return (
    <FormDialog title={user ? `Edit ${user.username}` : 'New user'} open onClose={onClose} onSubmit={submit} submitLabel={user ? 'Save' : 'Create user'} problem={problem} testid="user-dialog" onFieldError={onFieldError}>
      {creating ? (
        <TextField label="User name" value={v.username} onChange={set('username')} autoFocus required error={!!errOf('username')} helperText={errOf('username') ?? '2 to 64 letters, digits, ".", "_", "@" or "-"'} slotProps={{ htmlInput: { maxLength: 64 } }} />
      ) : null}
      <TextField
        label="Display name"
        value={v.displayName}
        onChange={set('displayName')}
        required
        error={!!errOf('displayName')}
        helperText={errOf('displayName') ?? `${v.displayName.length} / ${DISPLAY_NAME_MAX} characters`}
        slotProps={{ htmlInput: { maxLength: DISPLAY_NAME_MAX, 'data-testid': 'user-display-name' } }}
      />
      {creating ? (
        <>
          <TextField label="Initial password" type="password" autoComplete="new-password" value={v.password} onChange={set('password')} error={!!errOf('password')} helperText={<span data-testid="user-password-help">{errOf('password') ?? policyText(policy)}</span>} required />
          <FormControlLabel control={<Checkbox checked={mustChange} onChange={(e) => setMustChange(e.target.checked)} />} label="Must change the password at first sign-in" />
        </>
      ) : null}
      <CheckGroup legend="Roles">
        {roles.map((r) => (
          <FormControlLabel
            key={r.id}
            control={<Checkbox size="small" checked={v.roles.includes(r.id)} onChange={() => toggleRole(r.id)} />}
            label={
              <span>
                {r.name} <span style={{ color: hmi.textDim, fontSize: 12 }}>— {roleDescriptionText(r.description)}</span>
              </span>
            }
          />
        ))}
      </CheckGroup>
      <TextField label="Sites" value={v.sites} onChange={set('sites')} helperText='Site ids, comma separated, or "all"' />
      <Box sx={{ display: 'flex', gap: 2 }}>
        <TextField label="Valid from" type="datetime-local" value={v.validFrom} onChange={set('validFrom')} slotProps={{ inputLabel: { shrink: true } }} sx={{ flex: 1 }} helperText="empty: now" />
        <TextField label="Valid to" type="datetime-local" value={v.validTo} onChange={set('validTo')} slotProps={{ inputLabel: { shrink: true } }} sx={{ flex: 1 }} helperText="empty: no end" />
      </Box>
    </FormDialog>
  );
}

function SetPasswordDialog({ user, onClose, onDone }: { user: UserView; onClose: () => void; onDone: () => void }) {
  const client = useClient();
  const { policy } = useAuth();
  const [pw, setPw] = useState('');
  const [confirm, setConfirm] = useState('');
  const problem = passwordProblem(policy, pw, confirm, user.username);
  return (
    <FormDialog
      title={`Set the password of ${user.username}`}
      open
      onClose={onClose}
      submitLabel="Set password"
      problem={pw || confirm ? problem : 'Enter the new password twice.'}
      onSubmit={async () => {
        await client.call('users.setPassword', { userId: user.id, password: pw });
        onDone();
      }}
    >
      <Typography sx={{ fontSize: 13, color: hmi.textDim }}>The user's sessions end; they choose their own password at the next sign-in.</Typography>
      <TextField label="New password" type="password" autoComplete="new-password" value={pw} onChange={(e) => setPw(e.target.value)} helperText={policyText(policy)} />
      <TextField label="Confirm new password" type="password" autoComplete="new-password" value={confirm} onChange={(e) => setConfirm(e.target.value)} />
    </FormDialog>
  );
}

function ImpersonateDialog({ user, onClose }: { user: UserView; onClose: () => void }) {
  const client = useClient();
  const [reason, setReason] = useState('');
  return (
    <FormDialog
      title={`Impersonate ${user.username}`}
      open
      onClose={onClose}
      submitLabel="Impersonate"
      problem={reason.trim() ? null : 'A reason is required; it is written to the audit log.'}
      onSubmit={async () => {
        await client.call('auth.impersonate', { userId: user.id, reason: reason.trim() });
        window.location.hash = '#/overview';
      }}
    >
      <Typography sx={{ fontSize: 13, color: hmi.textDim }}>
        You will see what {user.displayName || user.username} sees, read-only (no commands, no configuration, no user management), for at most one hour. Sign out to end it.
      </Typography>
      <CommentField label="Reason" value={reason} onChange={setReason} max={500} autoFocus testId="impersonate-reason" />
    </FormDialog>
  );
}
