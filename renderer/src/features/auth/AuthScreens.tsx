/**
 * Sign-in, first-start setup, forced password change and the idle lock. Calm grey panels; red
 * only for a refused sign-in, with the words saying why.
 */
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Paper from '@mui/material/Paper';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import LockOutlinedIcon from '@mui/icons-material/LockOutlined';
import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import type { PasswordPolicy } from '../../../../core/common/security';
import { errorText } from '../../api/errorText';
import { useAuth, useClient, useConnection, useLive } from '../../api/hooks';
import { useTranslation } from 'react-i18next';
import { hmi } from '../../theme';
import { passwordProblem, policyText, signInErrorText } from './authText';
import { markFirstRun } from '../../shell/FirstRunWizard';

function AuthFrame({ title, children, width = 400 }: { title: string; children: ReactNode; width?: number }) {
  const c = useConnection();
  const { t } = useTranslation();
  return (
    <Box sx={{ minHeight: '100vh', display: 'flex', alignItems: 'center', justifyContent: 'center', bgcolor: hmi.bg, p: 2 }}>
      <Paper component="section" aria-label={title} sx={{ width, p: 3, bgcolor: hmi.panel }}>
        <Typography sx={{ fontWeight: 700, letterSpacing: 0.5, color: hmi.textDim, fontSize: 13 }}>{t('app.name').toUpperCase()}</Typography>
        <Typography variant="h1" component="h1" sx={{ mb: 2 }}>
          {title}
        </Typography>
        {!c.connected ? (
          <Alert severity="error" variant="filled" sx={{ mb: 2 }} data-testid="auth-disconnected">
            {t('auth.disconnected')}
          </Alert>
        ) : null}
        {children}
      </Paper>
    </Box>
  );
}

function useBusy() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async (fn: () => Promise<void>, describe: (e: unknown) => string = errorText) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
    } catch (e) {
      setError(describe(e));
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, setError, run };
}

/** The error of a form's last submission, nothing without one. */
function FormError({ error, testid }: { error: string | null; testid?: string }) {
  return error ? (
    <Alert severity="error" role="alert" data-testid={testid}>
      {error}
    </Alert>
  ) : null;
}

/** The second entry of a new password, marked while it does not match the policy or the first. */
function ConfirmField({ label, value, onChange, problem }: { label: string; value: string; onChange: (v: string) => void; problem: string | null }) {
  return (
    <TextField
      label={label}
      type="password"
      autoComplete="new-password"
      value={value}
      onChange={(e) => onChange(e.target.value)}
      error={!!problem && value.length > 0}
      helperText={problem ?? ' '}
      required
    />
  );
}

function SignOutButton() {
  const client = useClient();
  const { t } = useTranslation();
  return <Button onClick={() => void client.call('auth.signOut', {}).catch(() => undefined)}>{t('shell.signOut')}</Button>;
}

export function ConnectingScreen() {
  const { t } = useTranslation();
  return (
    <AuthFrame title={t('shell.connecting')}>
      <Typography sx={{ color: hmi.textDim }}>{t('auth.waiting')}</Typography>
    </AuthFrame>
  );
}

export function SignInScreen({ notice }: { notice: string | null }) {
  const client = useClient();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const { busy, error, run } = useBusy();
  const { t } = useTranslation();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!username || !password) return;
    void run(async () => {
      await client.call('auth.signIn', { username: username.trim(), password });
    }, signInErrorText);
  };
  return (
    <AuthFrame title={t('auth.signIn')}>
      {notice && !error ? (
        <Alert severity="info" sx={{ mb: 2, bgcolor: hmi.panelDark, color: hmi.text }} data-testid="signin-notice">
          {notice}
        </Alert>
      ) : null}
      <Box component="form" onSubmit={submit} sx={{ display: 'flex', flexDirection: 'column', gap: 2 }}>
        <TextField label={t('auth.username')} autoComplete="username" autoFocus value={username} onChange={(e) => setUsername(e.target.value)} required />
        <TextField label={t('auth.password')} type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
        <FormError error={error} testid="signin-error" />
        <Button type="submit" variant="contained" disabled={busy || !username || !password}>
          {t('auth.signIn')}
        </Button>
      </Box>
    </AuthFrame>
  );
}

export function SetupScreen({ policy }: { policy: PasswordPolicy | null }) {
  const client = useClient();
  const [username, setUsername] = useState('admin');
  const { t } = useTranslation();
  const [displayName, setDisplayName] = useState(() => t('auth.administrator'));
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [setupToken, setSetupToken] = useState('');
  const { busy, error, run } = useBusy();
  const browserMode = typeof window !== 'undefined' && !window.esm;
  const problem = password || confirm ? passwordProblem(policy, password, confirm, username) : null;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (problem) return;
    void run(async () => {
      // the first-run wizard continues in the shell (the site, then language and theme); marked
      // before the call because the shell replaces this screen as soon as the session arrives
      markFirstRun(true);
      await client.call('auth.setup', {
        username: username.trim(),
        displayName: displayName.trim() || username.trim(),
        password,
        ...(setupToken.trim() ? { setupToken: setupToken.trim() } : {}),
      }).catch((e: unknown) => {
        markFirstRun(false);
        throw e;
      });
    }, signInErrorText);
  };
  return (
    <AuthFrame title={t('auth.setupTitle')} width={480}>
      <Typography sx={{ color: hmi.textDim, fontSize: 14, mb: 2 }}>
        {t('auth.setupIntro')}
      </Typography>
      <Box component="form" onSubmit={submit} sx={{ display: 'flex', flexDirection: 'column', gap: 2 }}>
        <TextField label={t('auth.username')} autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} required />
        <TextField label={t('auth.displayName')} value={displayName} onChange={(e) => setDisplayName(e.target.value)} required />
        <TextField
          label={t('auth.password')}
          type="password"
          autoComplete="new-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          helperText={policyText(policy)}
          required
        />
        <ConfirmField label={t('auth.confirmPassword')} value={confirm} onChange={setConfirm} problem={problem} />
        {browserMode ? (
          <TextField
            label={t('auth.setupCode')}
            value={setupToken}
            onChange={(e) => setSetupToken(e.target.value)}
            helperText={t('auth.setupCodeHelp')}
            autoComplete="off"
            required
          />
        ) : null}
        <FormError error={error} testid="setup-error" />
        <Button type="submit" variant="contained" disabled={busy || !!problem || !password || (browserMode && !setupToken.trim())}>
          {t('auth.createAdmin')}
        </Button>
      </Box>
    </AuthFrame>
  );
}

export function ChangePasswordScreen({ policy, username, forced }: { policy: PasswordPolicy | null; username: string; forced: boolean }) {
  const client = useClient();
  const live = useLive();
  const { t } = useTranslation();
  const [oldPassword, setOld] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const { busy, error, run } = useBusy();
  const problem = password || confirm ? passwordProblem(policy, password, confirm, username) : null;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (problem) return;
    void run(async () => {
      await client.call('auth.changePassword', { oldPassword, newPassword: password });
      await live.refreshSession();
    }, signInErrorText);
  };
  return (
    <AuthFrame title={forced ? t('auth.changeYours') : t('auth.changePassword')} width={440}>
      {forced ? (
        <Typography sx={{ color: hmi.textDim, fontSize: 14, mb: 2 }}>
          {t('auth.forcedIntro')}
        </Typography>
      ) : null}
      <Box component="form" onSubmit={submit} sx={{ display: 'flex', flexDirection: 'column', gap: 2 }}>
        <TextField label={t('auth.currentPassword')} type="password" autoComplete="current-password" value={oldPassword} onChange={(e) => setOld(e.target.value)} required />
        <TextField label={t('auth.newPassword')} type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} helperText={policyText(policy)} required />
        <ConfirmField label={t('auth.confirmNewPassword')} value={confirm} onChange={setConfirm} problem={problem} />
        <FormError error={error} />
        <Box sx={{ display: 'flex', gap: 1, justifyContent: 'space-between' }}>
          <SignOutButton />
          <Button type="submit" variant="contained" disabled={busy || !!problem || !oldPassword || !password}>
            {t('auth.changePassword')}
          </Button>
        </Box>
      </Box>
    </AuthFrame>
  );
}

/**
 * Covers the navigation and the page while the session is idle-locked. The status bar and the
 * alarm banner above it stay visible: alarms keep arriving while locked.
 */
export function LockOverlay() {
  const client = useClient();
  const { session } = useAuth();
  const { t } = useTranslation();
  const [password, setPassword] = useState('');
  const { busy, error, run } = useBusy();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!password) return;
    void run(async () => {
      await client.call('auth.reauth', { password });
      setPassword('');
    }, signInErrorText);
  };
  return (
    <Box
      data-testid="lock-screen"
      role="dialog"
      aria-modal="true"
      aria-label={t('auth.locked')}
      sx={{ position: 'absolute', inset: 0, zIndex: 5, bgcolor: 'rgba(212,212,212,0.97)', display: 'flex', alignItems: 'center', justifyContent: 'center' }}
    >
      <Paper component="form" onSubmit={submit} sx={{ width: 380, p: 3, display: 'flex', flexDirection: 'column', gap: 2 }}>
        <Box sx={{ display: 'flex', alignItems: 'center', gap: 1 }}>
          <LockOutlinedIcon sx={{ color: hmi.textDim }} />
          <Typography variant="h2" component="h2">
            {t('auth.locked')}
          </Typography>
        </Box>
        <Typography sx={{ fontSize: 14, color: hmi.textDim }}>
          {t('auth.lockedText', { name: session?.displayName || session?.user || '' })}
        </Typography>
        <TextField label={t('auth.password')} type="password" autoComplete="current-password" autoFocus value={password} onChange={(e) => setPassword(e.target.value)} />
        <FormError error={error} />
        <Box sx={{ display: 'flex', justifyContent: 'space-between' }}>
          <SignOutButton />
          <Button type="submit" variant="contained" disabled={busy || !password}>
            {t('auth.unlock')}
          </Button>
        </Box>
      </Paper>
    </Box>
  );
}

const ACTIVITY_EVENTS = ['pointerdown', 'keydown', 'wheel', 'pointermove'] as const;

/** Locks the screens after `idleLockMs` without keyboard or pointer input (the core locks too). */
export function useIdleLock(idleLockMs: number | undefined, active: boolean): void {
  const live = useLive();
  const last = useRef(Date.now());
  useEffect(() => {
    if (!active || !idleLockMs || idleLockMs <= 0) return;
    last.current = Date.now();
    const mark = () => {
      last.current = Date.now();
    };
    for (const ev of ACTIVITY_EVENTS) window.addEventListener(ev, mark, { passive: true });
    // the core locks a session that makes no calls: an operator who only watches and moves
    // the mouse is active, so tell the core (session.current counts as activity), at most
    // once a minute and only after real input
    let told = Date.now();
    const keepAlive = Math.min(60_000, Math.max(1000, idleLockMs / 4));
    const timer = setInterval(() => {
      const now = Date.now();
      if (now - last.current >= idleLockMs) live.lock();
      else if (last.current > told && now - told >= keepAlive) {
        told = now;
        live.client.call('session.current', {}).catch(() => undefined);
      }
    }, Math.min(5000, Math.max(250, idleLockMs / 10)));
    return () => {
      for (const ev of ACTIVITY_EVENTS) window.removeEventListener(ev, mark);
      clearInterval(timer);
    };
  }, [idleLockMs, active, live]);
}
