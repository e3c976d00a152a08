import Box from '@mui/material/Box';
import ButtonBase from '@mui/material/ButtonBase';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import CloudOffIcon from '@mui/icons-material/CloudOff';
import LinkIcon from '@mui/icons-material/Link';
import PersonOutlinedIcon from '@mui/icons-material/PersonOutlined';
import RouterIcon from '@mui/icons-material/Router';
import ErrorIcon from '@mui/icons-material/Error';
import WarningAmberIcon from '@mui/icons-material/WarningAmber';
import Button from '@mui/material/Button';
import LogoutIcon from '@mui/icons-material/Logout';
import SupervisorAccountIcon from '@mui/icons-material/SupervisorAccount';
import { BUILTIN_ROLES } from '../../../core/common/security';
import { useAuth, useClient, useConnection, useDevices, useNow, useSite } from '../api/hooks';
import { formatAge, formatTime } from '../format/format';
import { hmi, monoNumbers } from '../theme';
import { summarizeDevices } from './deviceSummary';
import { DisplayMenu } from './DisplayMenu';
import { routeHref } from './route';
import { useTranslation } from 'react-i18next';

// items never wrap or shrink: at 1024 px the site name gives way (truncated, with its tooltip)
const item = { display: 'flex', alignItems: 'center', gap: 0.75, px: 1.5, height: '100%', borderLeft: `1px solid ${hmi.line}`, whiteSpace: 'nowrap', flexShrink: 0 } as const;

export function StatusBar() {
  const site = useSite();
  const { t } = useTranslation();
  return (
    <Box
      component="header"
      role="banner"
      sx={{ display: 'flex', alignItems: 'stretch', height: 44, bgcolor: hmi.panelDark, borderBottom: `1px solid ${hmi.line}`, flexShrink: 0 }}
    >
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 1.5, px: 2, minWidth: 0, flex: '1 1 auto' }}>
        <Typography component="span" sx={{ fontWeight: 700, letterSpacing: 0.5, color: hmi.textDim, fontSize: 13, whiteSpace: 'nowrap', '@media (max-width: 1279px)': { display: 'none' } }}>
          {t('app.name').toUpperCase()}
        </Typography>
        <Typography component="h1" variant="h2" noWrap data-testid="site-name" title={site?.name}>
          {site?.name ?? t('shell.connecting')}
        </Typography>
        {site?.simulated ? (
          <Box component="span" sx={{ border: `1px solid ${hmi.textDim}`, px: 0.75, fontSize: 11, fontWeight: 700, color: hmi.textDim, flexShrink: 0 }}>
            {t('shell.simulated')}
          </Box>
        ) : null}
      </Box>
      <DeviceSummaryItem />
      <ConnectionItem />
      <ClockItem timeZone={site?.timezone} />
      <UserItem />
    </Box>
  );
}

function DeviceSummaryItem() {
  const devices = useDevices();
  const { connected } = useConnection();
  const s = summarizeDevices(devices);
  const { t } = useTranslation();
  const alarm = connected && s.worst === 'alarm';
  const warn = connected && s.worst === 'warning';
  const text = !connected ? t('shell.devicesUnknown') : s.total === 0 ? t('shell.devicesNone') : s.text;
  return (
    <ButtonBase
      href={routeHref('devices')}
      aria-label={t('shell.devicesLabel', { text })}
      data-testid="device-summary"
      data-state={!connected ? 'unknown' : s.worst}
      sx={{
        ...item,
        justifyContent: 'flex-start',
        bgcolor: alarm ? hmi.alarmHigh : warn ? hmi.alarmMedium : 'transparent',
        color: alarm ? hmi.onAlarmHigh : warn ? hmi.onAlarmMedium : hmi.text,
        '&:hover': { bgcolor: alarm ? hmi.alarmHighHover : warn ? hmi.alarmMedium : hmi.hover },
      }}
    >
      {alarm ? <ErrorIcon fontSize="small" /> : warn ? <WarningAmberIcon fontSize="small" /> : <RouterIcon fontSize="small" sx={{ color: hmi.textDim }} />}
      <Typography component="span" sx={{ fontSize: 13, fontWeight: alarm || warn ? 700 : 500, ...monoNumbers }}>
        {t('shell.devicesText', { text })}
      </Typography>
    </ButtonBase>
  );
}

function ConnectionItem() {
  const c = useConnection();
  const now = useNow(1000);
  const { t } = useTranslation();
  const label = c.connected ? (c.error ? t('shell.coreLoadError') : t('shell.coreConnected')) : t('shell.coreDisconnected');
  return (
    <Tooltip title={c.error ?? (c.connected ? t('shell.connectedFor', { age: formatAge(now - c.since) }) : t('shell.reconnecting', { age: formatAge(now - c.since) }))}>
      <Box
        role="status"
        aria-live="polite"
        data-testid="core-connection"
        data-state={c.connected ? 'connected' : 'disconnected'}
        tabIndex={0}
        sx={{ ...item, bgcolor: c.connected ? (c.error ? hmi.alarmMedium : 'transparent') : hmi.alarmHigh, color: c.connected ? (c.error ? hmi.onAlarmMedium : hmi.text) : hmi.onAlarmHigh }}
      >
        {c.connected ? <LinkIcon fontSize="small" sx={{ color: hmi.textDim }} /> : <CloudOffIcon fontSize="small" />}
        <Typography component="span" sx={{ fontSize: 13, fontWeight: c.connected ? 500 : 700 }}>
          {label}
        </Typography>
      </Box>
    </Tooltip>
  );
}

function ClockItem({ timeZone }: { timeZone: string | undefined }) {
  const now = useNow(1000);
  const { t } = useTranslation();
  return (
    <Box sx={item} aria-label={timeZone ? t('shell.siteTimeIn', { zone: timeZone }) : t('shell.siteTime')} role="timer" data-testid="site-clock">
      <Typography component="span" sx={{ fontSize: 15, fontWeight: 600, ...monoNumbers }}>
        {formatTime(now, timeZone)}
      </Typography>
      <Typography component="span" sx={{ fontSize: 11, color: hmi.textDim }}>
        {timeZone ?? t('shell.localTime')}
      </Typography>
    </Box>
  );
}

const ROLE_NAMES = new Map(BUILTIN_ROLES.map((r) => [r.id, r.name]));

export function roleNames(roles: readonly string[]): string {
  return roles.map((r) => ROLE_NAMES.get(r) ?? r).join(', ');
}

/** Who is signed in, with which roles; an impersonation is marked amber and says by whom. */
function UserItem() {
  const { session: s } = useAuth();
  const client = useClient();
  const imp = s?.impersonator;
  const roles = s ? roleNames(s.roles) : '';
  const { t } = useTranslation();
  return (
    <>
      <Tooltip title={s ? `${s.user} on ${s.workstation}${roles ? ` · ${roles}` : ''}${imp ? ` · ${t('shell.impersonatedBy', { who: imp })}` : ''}` : t('shell.noSession')}>
        <Box
          sx={{ ...item, bgcolor: imp ? hmi.alarmMedium : 'transparent', color: imp ? hmi.onAlarmMedium : hmi.text }}
          tabIndex={0}
          data-testid="session-user"
          data-impersonator={imp || undefined}
          aria-label={`${t('shell.user', { name: s?.displayName || s?.user || '—' })}${roles ? `, ${roles}` : ''}${imp ? `, ${t('shell.impersonatedBy', { who: imp })}` : ''}`}
        >
          {imp ? <SupervisorAccountIcon fontSize="small" /> : <PersonOutlinedIcon fontSize="small" sx={{ color: hmi.textDim }} />}
          <Box sx={{ display: 'flex', flexDirection: 'column', lineHeight: 1.1 }}>
            <Typography component="span" sx={{ fontSize: 13, fontWeight: imp ? 700 : 500 }}>
              {imp ? 'AS ' : ''}
              {s?.displayName || s?.user || '—'}
            </Typography>
            <Typography component="span" sx={{ fontSize: 11, color: imp ? hmi.onAlarmMedium : hmi.textDim }} data-testid="session-roles">
              {imp ? t('shell.impersonatedBy', { who: imp }) : roles}
            </Typography>
          </Box>
        </Box>
      </Tooltip>
      <Box sx={{ ...item, px: 0.5 }}>
        <DisplayMenu />
      </Box>
      {s ? (
        <Box sx={{ ...item, px: 0.5, pr: 1 }}>
          <Button
            size="small"
            color="inherit"
            startIcon={<LogoutIcon fontSize="small" />}
            onClick={() => void client.call('auth.signOut', {}).catch(() => undefined)}
            data-testid="sign-out"
            sx={{ fontSize: 12, textTransform: 'none' }}
          >
            {imp ? t('shell.endImpersonation') : t('shell.signOut')}
          </Button>
        </Box>
      ) : null}
    </>
  );
}
