/**
 * Administration (system.01): users, roles, the list of command reasons, sessions, sign-in
 * lockouts, impersonation. Each tab and button appears only for a session that may use it; an
 * operator sees the users tab and may hand out the delegable roles within its own rights
 * (guests). The core checks every call.
 */
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Checkbox from '@mui/material/Checkbox';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import FormControlLabel from '@mui/material/FormControlLabel';
import Switch from '@mui/material/Switch';
import Tab from '@mui/material/Tab';
import TableCell from '@mui/material/TableCell';
import TableRow from '@mui/material/TableRow';
import Tabs from '@mui/material/Tabs';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useState } from 'react';
import { CAPABILITIES, CAPABILITY_LABELS, type Capability, type ReasonView, type RoleDef, type SessionView } from '../../../../core/common/security';
import { useCan, useClient, useSite } from '../../api/hooks';
import { formatDateTime } from '../../format/format';
import { hmi } from '../../theme';
import { REASON_ID, roleDescriptionText, roleIdFromName } from './adminModel';
import { AdminTable, CheckGroup, FormDialog, TabFrame, useAction, useList } from './adminParts';
import { LockoutsTab } from './LockoutsTab';
import { UsersTab } from './UsersTab';

type TabId = 'users' | 'roles' | 'reasons' | 'sessions' | 'lockouts';

export function AdminPage() {
  const canUsers = useCan('users.manage');
  const isAdmin = useCan('system.administer');
  const tabs: { id: TabId; label: string }[] = [
    ...(canUsers ? [{ id: 'users' as const, label: 'Users' }] : []),
    ...(canUsers ? [{ id: 'roles' as const, label: 'Roles' }] : []),
    ...(isAdmin ? [{ id: 'reasons' as const, label: 'Command reasons' }] : []),
    ...(isAdmin ? [{ id: 'sessions' as const, label: 'Sessions' }] : []),
    ...(isAdmin ? [{ id: 'lockouts' as const, label: 'Lockouts' }] : []),
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
        {current === 'lockouts' ? <LockoutsTab /> : null}
      </Box>
    </Box>
  );
}

// ------------------------------------------------------------------ roles

function RolesTab({ isAdmin }: { isAdmin: boolean }) {
  const client = useClient();
  const roles = useList(() => client.call('roles.list', {}));
  const [edit, setEdit] = useState<RoleDef | 'new' | null>(null);
  const { error, run } = useAction(roles.reload);
  return (
    <TabFrame
      toolbarGap={0}
      toolbar={
        <>
          <Typography sx={{ fontSize: 13, color: hmi.textDim, flex: 1 }}>Built-in roles cannot be changed. Delegable roles may be handed out by operators.</Typography>
          {isAdmin ? (
            <Button variant="contained" onClick={() => setEdit('new')} data-testid="role-create">
              New role…
            </Button>
          ) : null}
        </>
      }
      error={roles.error ?? error}
    >
      <AdminTable label="Roles" columns={['Role', 'Capabilities', 'Delegable']}>
        {(roles.data ?? []).map((r) => (
          <TableRow key={r.id} data-testid={`role-${r.id}`}>
            <TableCell>
              <Typography sx={{ fontWeight: 600, fontSize: 14 }}>{r.name}</Typography>
              <Typography sx={{ fontSize: 12, color: hmi.textDim }}>
                {r.id}
                {r.builtin ? ' · built-in' : ''} · {roleDescriptionText(r.description)}
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
                  <Button size="small" onClick={() => void run(() => client.call('roles.delete', { id: r.id }))}>
                    Delete
                  </Button>
                </>
              ) : null}
            </TableCell>
          </TableRow>
        ))}
      </AdminTable>
      {edit ? <RoleDialog role={edit === 'new' ? null : edit} onClose={() => setEdit(null)} onDone={roles.reload} /> : null}
    </TabFrame>
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
      <CheckGroup legend="Capabilities">
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
      </CheckGroup>
      <FormControlLabel control={<Switch checked={delegable} onChange={(e) => setDelegable(e.target.checked)} />} label="Delegable (operators may assign it)" />
    </FormDialog>
  );
}

// ------------------------------------------------------------------ sessions

/** Open sessions of every user (system.01): where each is signed in, idle or locked; close one. */
function SessionsTab() {
  const client = useClient();
  const site = useSite();
  const sessions = useList(() => client.call('sessions.list', {}));
  const [confirm, setConfirm] = useState<SessionView | null>(null);
  const { error, clearError, run } = useAction(sessions.reload);
  return (
    <TabFrame
      toolbar={
        <>
          <Typography sx={{ color: hmi.textDim, fontSize: 13 }}>Open sessions: {sessions.data?.length ?? '…'}</Typography>
          <Box sx={{ flex: 1 }} />
          <Button variant="outlined" color="secondary" onClick={sessions.reload}>
            Refresh
          </Button>
        </>
      }
      error={sessions.error ?? error}
    >
      <AdminTable label="Sessions" columns={['User', 'Workstation', 'Signed in', 'Last activity', 'Expires', 'State']}>
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
      </AdminTable>
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
              if (id) void run(() => client.call('sessions.revoke', { id }));
              else clearError();
            }}
          >
            Close session
          </Button>
        </DialogActions>
      </Dialog>
    </TabFrame>
  );
}

function ReasonsTab() {
  const client = useClient();
  const reasons = useList(() => client.call('reasons.list', {}));
  const [edit, setEdit] = useState<ReasonView | 'new' | null>(null);
  const { error, run } = useAction(reasons.reload);
  const required = reasons.data?.required;
  const setRequired = (kind: 'command' | 'config', on: boolean) => void run(() => client.call('reasons.setRequired', { kind, required: on }));
  return (
    <TabFrame
      toolbar={
        <>
          <FormControlLabel
            control={<Switch checked={!!required?.command} disabled={!required} onChange={(e) => setRequired('command', e.target.checked)} />}
            label="Reason required for commands"
            data-testid="reasons-required-command"
          />
          <FormControlLabel
            control={<Switch checked={!!required?.config} disabled={!required} onChange={(e) => setRequired('config', e.target.checked)} />}
            label="Reason required for configuration changes"
          />
          <Box sx={{ flex: 1 }} />
          <Button variant="contained" onClick={() => setEdit('new')} data-testid="reason-create">
            New reason…
          </Button>
        </>
      }
      error={reasons.error ?? error}
    >
      <AdminTable label="Reasons" columns={['Id', 'Label', 'Applies to', 'State']}>
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
              <Button size="small" onClick={() => void run(() => client.call('reasons.upsert', { ...r, active: !r.active }))}>
                {r.active ? 'Deactivate' : 'Activate'}
              </Button>
            </TableCell>
          </TableRow>
        ))}
      </AdminTable>
      {edit ? <ReasonDialog reason={edit === 'new' ? null : edit} onClose={() => setEdit(null)} onDone={reasons.reload} /> : null}
    </TabFrame>
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
