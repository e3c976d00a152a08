/**
 * Administration (system.01): users, roles, the list of command reasons, impersonation.
 * Each tab and button appears only for a session that may use it; an operator sees the users
 * tab and may hand out the delegable roles (guests, field staff). The core checks every call.
 */
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Checkbox from '@mui/material/Checkbox';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import FormControlLabel from '@mui/material/FormControlLabel';
import FormGroup from '@mui/material/FormGroup';
import FormLabel from '@mui/material/FormLabel';
import Paper from '@mui/material/Paper';
import Switch from '@mui/material/Switch';
import Tab from '@mui/material/Tab';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Tabs from '@mui/material/Tabs';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useCallback, useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { CAPABILITIES, CAPABILITY_LABELS, type Capability, type ReasonView, type RoleDef, type SessionView, type UserView } from '../../../../core/common/security';
import { errorText } from '../../api/errorText';
import { useAuth, useCan, useClient, useConnection, useSite } from '../../api/hooks';
import { formatDateTime } from '../../format/format';
import { hmi } from '../../theme';
import { parseLocalDateTime, toLocalDateTime } from '../audit/auditModel';
import { passwordProblem, policyText } from '../auth/authText';
import { assignableRoles, parseSites, REASON_ID, roleIdFromName, sitesText, userFormProblem, userState, type UserFormValues } from './adminModel';

type TabId = 'users' | 'roles' | 'reasons' | 'sessions';

export function AdminPage() {
  const canUsers = useCan('users.manage');
  const isAdmin = useCan('system.administer');
  const tabs: { id: TabId; label: string }[] = [
    ...(canUsers ? [{ id: 'users' as const, label: 'Users' }] : []),
    ...(canUsers ? [{ id: 'roles' as const, label: 'Roles' }] : []),
    ...(isAdmin ? [{ id: 'reasons' as const, label: 'Command reasons' }] : []),
    ...(isAdmin ? [{ id: 'sessions' as const, label: 'Sessions' }] : []),
  ];
  const [tab, setTab] = useState<TabId>('users');
  const current = tabs.find((t) => t.id === tab) ? tab : tabs[0]?.id;
  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', gap: 1, flex: 1, minHeight: 0 }}>
      <Typography variant="h2" component="h2">
        Administration
      </Typography>
      {tabs.length === 0 ? <Typography sx={{ color: hmi.textDim }}>Your roles do not include administration.</Typography> : null}
      {tabs.length > 0 ? (
        <Tabs value={current} onChange={(_, v: TabId) => setTab(v)} sx={{ borderBottom: `1px solid ${hmi.line}`, minHeight: 40 }}>
          {tabs.map((t) => (
            <Tab key={t.id} value={t.id} label={t.label} data-testid={`admin-tab-${t.id}`} sx={{ minHeight: 40, textTransform: 'none', fontWeight: 600 }} />
          ))}
        </Tabs>
      ) : null}
      <Box sx={{ flex: 1, minHeight: 0, overflow: 'auto' }}>
        {current === 'users' ? <UsersTab isAdmin={isAdmin} /> : null}
        {current === 'roles' ? <RolesTab isAdmin={isAdmin} /> : null}
        {current === 'reasons' ? <ReasonsTab /> : null}
        {current === 'sessions' ? <SessionsTab /> : null}
      </Box>
    </Box>
  );
}

// ------------------------------------------------------------------ shared bits

function useList<T>(load: () => Promise<T>): { data: T | null; error: string | null; reload: () => void } {
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

function FormDialog({
  title,
  open,
  onClose,
  onSubmit,
  submitLabel,
  problem,
  children,
  testid,
}: {
  title: string;
  open: boolean;
  onClose: () => void;
  onSubmit: () => Promise<void>;
  submitLabel: string;
  problem?: string | null;
  children: ReactNode;
  testid?: string;
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
      setError(errorText(err));
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

function ErrorLine({ error }: { error: string | null }) {
  return error ? (
    <Alert severity="error" sx={{ mb: 1 }}>
      {error}
    </Alert>
  ) : null;
}

// ------------------------------------------------------------------ users

type UserDialogState =
  | { kind: 'create' }
  | { kind: 'edit'; user: UserView }
  | { kind: 'password'; user: UserView }
  | { kind: 'delete'; user: UserView }
  | { kind: 'impersonate'; user: UserView }
  | null;

function UsersTab({ isAdmin }: { isAdmin: boolean }) {
  const client = useClient();
  const site = useSite();
  const { session } = useAuth();
  const users = useList(() => client.call('users.list', {}));
  const roles = useList(() => client.call('roles.list', {}));
  const [dialog, setDialog] = useState<UserDialogState>(null);
  const [error, setError] = useState<string | null>(null);
  const now = Date.now();
  const roleName = (id: string) => roles.data?.find((r) => r.id === id)?.name ?? id;

  const act = async (fn: () => Promise<unknown>) => {
    setError(null);
    try {
      await fn();
      users.reload();
    } catch (e) {
      setError(errorText(e));
    }
  };

  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', gap: 1, pt: 1 }}>
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 2 }}>
        <Typography sx={{ fontSize: 13, color: hmi.textDim, flex: 1 }}>
          {isAdmin ? 'All users of your sites.' : 'Users you manage. You may create guests (Viewer) and field staff for your sites.'}
        </Typography>
        <Button variant="contained" onClick={() => setDialog({ kind: 'create' })} data-testid="user-create">
          New user…
        </Button>
      </Box>
      <ErrorLine error={users.error ?? error} />
      <Paper>
        <Table size="small" aria-label="Users">
          <TableHead>
            <TableRow>
              <TableCell>User</TableCell>
              <TableCell>Name</TableCell>
              <TableCell>Roles</TableCell>
              <TableCell>Sites</TableCell>
              <TableCell>Access period</TableCell>
              <TableCell>State</TableCell>
              <TableCell>Last sign-in</TableCell>
              <TableCell align="right">Actions</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
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
          </TableBody>
        </Table>
      </Paper>
      {dialog?.kind === 'create' || dialog?.kind === 'edit' ? (
        <UserDialog
          user={dialog.kind === 'edit' ? dialog.user : null}
          roles={assignableRoles(roles.data ?? [], isAdmin)}
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
    </Box>
  );
}

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
  const set = (k: keyof UserFormValues) => (e: { target: { value: string } }) => setV((x) => ({ ...x, [k]: e.target.value }));
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
    <FormDialog title={user ? `Edit ${user.username}` : 'New user'} open onClose={onClose} onSubmit={submit} submitLabel={user ? 'Save' : 'Create user'} problem={problem} testid="user-dialog">
      {creating ? <TextField label="User name" value={v.username} onChange={set('username')} autoFocus required /> : null}
      <TextField label="Display name" value={v.displayName} onChange={set('displayName')} required />
      {creating ? (
        <>
          <TextField label="Initial password" type="password" autoComplete="new-password" value={v.password} onChange={set('password')} helperText={policyText(policy)} required />
          <FormControlLabel control={<Checkbox checked={mustChange} onChange={(e) => setMustChange(e.target.checked)} />} label="Must change the password at first sign-in" />
        </>
      ) : null}
      <Box>
        <FormLabel component="legend" sx={{ fontSize: 13 }}>
          Roles
        </FormLabel>
        <FormGroup>
          {roles.map((r) => (
            <FormControlLabel
              key={r.id}
              control={<Checkbox size="small" checked={v.roles.includes(r.id)} onChange={() => toggleRole(r.id)} />}
              label={
                <span>
                  {r.name} <span style={{ color: hmi.textDim, fontSize: 12 }}>— {r.description}</span>
                </span>
              }
            />
          ))}
        </FormGroup>
      </Box>
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
      <TextField label="Reason" value={reason} onChange={(e) => setReason(e.target.value)} autoFocus multiline minRows={2} slotProps={{ htmlInput: { maxLength: 500 } }} />
    </FormDialog>
  );
}

// ------------------------------------------------------------------ roles

function RolesTab({ isAdmin }: { isAdmin: boolean }) {
  const client = useClient();
  const roles = useList(() => client.call('roles.list', {}));
  const [edit, setEdit] = useState<RoleDef | 'new' | null>(null);
  const [error, setError] = useState<string | null>(null);
  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', gap: 1, pt: 1 }}>
      <Box sx={{ display: 'flex', alignItems: 'center' }}>
        <Typography sx={{ fontSize: 13, color: hmi.textDim, flex: 1 }}>Built-in roles cannot be changed. Delegable roles may be handed out by operators.</Typography>
        {isAdmin ? (
          <Button variant="contained" onClick={() => setEdit('new')} data-testid="role-create">
            New role…
          </Button>
        ) : null}
      </Box>
      <ErrorLine error={roles.error ?? error} />
      <Paper>
        <Table size="small" aria-label="Roles">
          <TableHead>
            <TableRow>
              <TableCell>Role</TableCell>
              <TableCell>Capabilities</TableCell>
              <TableCell>Delegable</TableCell>
              <TableCell align="right">Actions</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {(roles.data ?? []).map((r) => (
              <TableRow key={r.id} data-testid={`role-${r.id}`}>
                <TableCell>
                  <Typography sx={{ fontWeight: 600, fontSize: 14 }}>{r.name}</Typography>
                  <Typography sx={{ fontSize: 12, color: hmi.textDim }}>
                    {r.id}
                    {r.builtin ? ' · built-in' : ''} · {r.description}
                  </Typography>
                </TableCell>
                <TableCell sx={{ fontSize: 12 }}>{r.capabilities.join(', ')}</TableCell>
                <TableCell>{r.delegable ? 'yes' : 'no'}</TableCell>
                <TableCell align="right" sx={{ whiteSpace: 'nowrap' }}>
                  {isAdmin && !r.builtin ? (
                    <>
                      <Button size="small" onClick={() => setEdit(r)}>
                        Edit
                      </Button>
                      <Button
                        size="small"
                        onClick={() => {
                          setError(null);
                          client.call('roles.delete', { id: r.id }).then(roles.reload, (e: unknown) => setError(errorText(e)));
                        }}
                      >
                        Delete
                      </Button>
                    </>
                  ) : null}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </Paper>
      {edit ? <RoleDialog role={edit === 'new' ? null : edit} onClose={() => setEdit(null)} onDone={roles.reload} /> : null}
    </Box>
  );
}

function RoleDialog({ role, onClose, onDone }: { role: RoleDef | null; onClose: () => void; onDone: () => void }) {
  const client = useClient();
  const [name, setName] = useState(role?.name ?? '');
  const [id, setId] = useState(role?.id ?? '');
  const [description, setDescription] = useState(role?.description ?? '');
  const [caps, setCaps] = useState<Capability[]>(role?.capabilities ?? ['site.view']);
  const [delegable, setDelegable] = useState(role?.delegable ?? false);
  const effectiveId = role ? role.id : id || roleIdFromName(name);
  const problem = !name.trim() ? 'Enter a name.' : !REASON_ID.test(effectiveId) ? 'The id must start with a letter (letters, digits, ".", "_", "-").' : null;
  const toggle = (c: Capability) => setCaps((x) => (x.includes(c) ? x.filter((y) => y !== c) : [...x, c]));
  return (
    <FormDialog
      title={role ? `Edit role ${role.name}` : 'New role'}
      open
      onClose={onClose}
      submitLabel={role ? 'Save' : 'Create role'}
      problem={problem}
      testid="role-dialog"
      onSubmit={async () => {
        const arg = { id: effectiveId, name: name.trim(), description: description.trim(), capabilities: caps, delegable };
        await client.call(role ? 'roles.update' : 'roles.create', arg);
        onDone();
      }}
    >
      <TextField label="Name" value={name} onChange={(e) => setName(e.target.value)} autoFocus required />
      {!role ? <TextField label="Id" value={id} placeholder={roleIdFromName(name)} onChange={(e) => setId(e.target.value)} helperText="empty: from the name" /> : null}
      <TextField label="Description" value={description} onChange={(e) => setDescription(e.target.value)} />
      <Box>
        <FormLabel component="legend" sx={{ fontSize: 13 }}>
          Capabilities
        </FormLabel>
        <FormGroup>
          {CAPABILITIES.map((c) => (
            <FormControlLabel
              key={c}
              control={<Checkbox size="small" checked={caps.includes(c)} onChange={() => toggle(c)} />}
              label={
                <span style={{ fontSize: 13 }}>
                  <b>{c}</b> — {CAPABILITY_LABELS[c]}
                </span>
              }
            />
          ))}
        </FormGroup>
      </Box>
      <FormControlLabel control={<Switch checked={delegable} onChange={(e) => setDelegable(e.target.checked)} />} label="Delegable (operators may assign it)" />
    </FormDialog>
  );
}

// ------------------------------------------------------------------ reasons

/** Open sessions of every user (system.01): where each is signed in, idle or locked; close one. */
function SessionsTab() {
  const client = useClient();
  const site = useSite();
  const sessions = useList(() => client.call('sessions.list', {}));
  const [confirm, setConfirm] = useState<SessionView | null>(null);
  const [error, setError] = useState<string | null>(null);
  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', gap: 1, pt: 1 }}>
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 2 }}>
        <Typography sx={{ color: hmi.textDim, fontSize: 13 }}>Open sessions: {sessions.data?.length ?? '…'}</Typography>
        <Box sx={{ flex: 1 }} />
        <Button variant="outlined" color="secondary" onClick={sessions.reload}>
          Refresh
        </Button>
      </Box>
      <ErrorLine error={sessions.error ?? error} />
      <Paper>
        <Table size="small" aria-label="Sessions">
          <TableHead>
            <TableRow>
              <TableCell>User</TableCell>
              <TableCell>Workstation</TableCell>
              <TableCell>Signed in</TableCell>
              <TableCell>Last activity</TableCell>
              <TableCell>Expires</TableCell>
              <TableCell>State</TableCell>
              <TableCell align="right">Actions</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {(sessions.data ?? []).map((s) => (
              <TableRow key={s.id} data-testid={`session-${s.username}`}>
                <TableCell sx={{ fontWeight: 600 }}>
                  {s.displayName} ({s.username}){s.impersonator ? ` — impersonated by ${s.impersonator}` : ''}
                </TableCell>
                <TableCell>{s.workstation}</TableCell>
                <TableCell sx={{ fontSize: 12 }}>{formatDateTime(s.createdAt, site?.timezone)}</TableCell>
                <TableCell sx={{ fontSize: 12 }}>{formatDateTime(s.lastActivityAt, site?.timezone)}</TableCell>
                <TableCell sx={{ fontSize: 12 }}>{formatDateTime(s.expiresAt, site?.timezone)}</TableCell>
                <TableCell>{s.current ? 'this session' : s.locked ? 'locked (idle)' : 'active'}</TableCell>
                <TableCell align="right">
                  {!s.current ? (
                    <Button size="small" variant="outlined" color="secondary" onClick={() => setConfirm(s)}>
                      Close…
                    </Button>
                  ) : null}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </Paper>
      <Dialog open={confirm !== null} onClose={() => setConfirm(null)}>
        <DialogTitle>Close this session?</DialogTitle>
        <DialogContent>
          <Typography>
            {confirm?.displayName} on {confirm?.workstation} will be signed out at once. The action is recorded in the audit log.
          </Typography>
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setConfirm(null)}>Cancel</Button>
          <Button
            variant="contained"
            onClick={() => {
              const id = confirm?.id;
              setConfirm(null);
              setError(null);
              if (id) client.call('sessions.revoke', { id }).then(sessions.reload, (e: unknown) => setError(errorText(e)));
            }}
          >
            Close session
          </Button>
        </DialogActions>
      </Dialog>
    </Box>
  );
}

function ReasonsTab() {
  const client = useClient();
  const reasons = useList(() => client.call('reasons.list', {}));
  const [edit, setEdit] = useState<ReasonView | 'new' | null>(null);
  const [error, setError] = useState<string | null>(null);
  const act = (p: Promise<unknown>) => {
    setError(null);
    p.then(reasons.reload, (e: unknown) => setError(errorText(e)));
  };
  const required = reasons.data?.required;
  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', gap: 1, pt: 1 }}>
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 2 }}>
        <FormControlLabel
          control={<Switch checked={!!required?.command} disabled={!required} onChange={(e) => act(client.call('reasons.setRequired', { kind: 'command', required: e.target.checked }))} />}
          label="Reason required for commands"
          data-testid="reasons-required-command"
        />
        <FormControlLabel
          control={<Switch checked={!!required?.config} disabled={!required} onChange={(e) => act(client.call('reasons.setRequired', { kind: 'config', required: e.target.checked }))} />}
          label="Reason required for configuration changes"
        />
        <Box sx={{ flex: 1 }} />
        <Button variant="contained" onClick={() => setEdit('new')} data-testid="reason-create">
          New reason…
        </Button>
      </Box>
      <ErrorLine error={reasons.error ?? error} />
      <Paper>
        <Table size="small" aria-label="Reasons">
          <TableHead>
            <TableRow>
              <TableCell>Id</TableCell>
              <TableCell>Label</TableCell>
              <TableCell>Applies to</TableCell>
              <TableCell>State</TableCell>
              <TableCell align="right">Actions</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {(reasons.data?.reasons ?? []).map((r) => (
              <TableRow key={r.id} data-testid={`reason-${r.id}`}>
                <TableCell>{r.id}</TableCell>
                <TableCell>{r.label}</TableCell>
                <TableCell>{r.appliesTo}</TableCell>
                <TableCell sx={{ color: r.active ? hmi.text : hmi.textDim }}>{r.active ? 'active' : 'inactive'}</TableCell>
                <TableCell align="right" sx={{ whiteSpace: 'nowrap' }}>
                  <Button size="small" onClick={() => setEdit(r)}>
                    Edit
                  </Button>
                  <Button size="small" onClick={() => act(client.call('reasons.upsert', { ...r, active: !r.active }))}>
                    {r.active ? 'Deactivate' : 'Activate'}
                  </Button>
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </Paper>
      {edit ? <ReasonDialog reason={edit === 'new' ? null : edit} onClose={() => setEdit(null)} onDone={reasons.reload} /> : null}
    </Box>
  );
}

function ReasonDialog({ reason, onClose, onDone }: { reason: ReasonView | null; onClose: () => void; onDone: () => void }) {
  const client = useClient();
  const [id, setId] = useState(reason?.id ?? '');
  const [label, setLabel] = useState(reason?.label ?? '');
  const [appliesTo, setAppliesTo] = useState<ReasonView['appliesTo']>(reason?.appliesTo ?? 'command');
  const problem = !REASON_ID.test(id) ? 'Id: a letter, then letters, digits, ".", "_" or "-".' : !label.trim() ? 'Enter a label.' : null;
  return (
    <FormDialog
      title={reason ? `Edit reason ${reason.id}` : 'New reason'}
      open
      onClose={onClose}
      submitLabel="Save"
      problem={problem}
      onSubmit={async () => {
        await client.call('reasons.upsert', { id, label: label.trim(), appliesTo, active: reason?.active ?? true });
        onDone();
      }}
    >
      <TextField label="Id" value={id} onChange={(e) => setId(e.target.value)} disabled={!!reason} autoFocus={!reason} />
      <TextField label="Label" value={label} onChange={(e) => setLabel(e.target.value)} autoFocus={!!reason} />
      <TextField select label="Applies to" value={appliesTo} onChange={(e) => setAppliesTo(e.target.value as ReasonView['appliesTo'])} slotProps={{ select: { native: true }, inputLabel: { shrink: true } }}>
        <option value="command">commands</option>
        <option value="config">configuration changes</option>
        <option value="all">both</option>
      </TextField>
    </FormDialog>
  );
}
