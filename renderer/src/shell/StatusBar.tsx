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
import { useConnection, useDevices, useNow, useSession, useSite } from '../api/hooks';
import { formatAge, formatTime } from '../format/format';
import { hmi, monoNumbers } from '../theme';
import { summarizeDevices } from './deviceSummary';
import { routeHref } from './route';

const item = { display: 'flex', alignItems: 'center', gap: 0.75, px: 1.5, height: '100%', borderLeft: `1px solid ${hmi.line}` } as const;

export function StatusBar() {
  const site = useSite();
  return (
    <Box
      component="header"
      role="banner"
      sx={{ display: 'flex', alignItems: 'stretch', height: 44, bgcolor: hmi.panelDark, borderBottom: `1px solid ${hmi.line}`, flexShrink: 0 }}
    >
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 1.5, px: 2, minWidth: 0, flex: '1 1 auto' }}>
        <Typography component="span" sx={{ fontWeight: 700, letterSpacing: 0.5, color: hmi.textDim, fontSize: 13 }}>
          ES MANAGER
        </Typography>
        <Typography component="h1" variant="h2" noWrap data-testid="site-name" title={site?.name}>
          {site?.name ?? 'Connecting…'}
        </Typography>
        {site?.simulated ? (
          <Box component="span" sx={{ border: `1px solid ${hmi.textDim}`, px: 0.75, fontSize: 11, fontWeight: 700, color: hmi.textDim }}>
            SIMULATED
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
  const alarm = connected && s.worst === 'alarm';
  const warn = connected && s.worst === 'warning';
  const text = !connected ? 'unknown' : s.total === 0 ? 'no devices' : s.text;
  return (
    <ButtonBase
      href={routeHref('devices')}
      aria-label={`Devices: ${text}. Open the device list`}
      data-testid="device-summary"
      data-state={!connected ? 'unknown' : s.worst}
      sx={{
        ...item,
        justifyContent: 'flex-start',
        bgcolor: alarm ? hmi.alarmHigh : warn ? hmi.alarmMedium : 'transparent',
        color: alarm ? '#fff' : hmi.text,
        '&:hover': { bgcolor: alarm ? '#A52222' : 'rgba(0,0,0,0.06)' },
      }}
    >
      {alarm ? <ErrorIcon fontSize="small" /> : warn ? <WarningAmberIcon fontSize="small" /> : <RouterIcon fontSize="small" sx={{ color: hmi.textDim }} />}
      <Typography component="span" sx={{ fontSize: 13, fontWeight: alarm || warn ? 700 : 500, ...monoNumbers }}>
        Devices {text}
      </Typography>
    </ButtonBase>
  );
}

function ConnectionItem() {
  const c = useConnection();
  const now = useNow(1000);
  const label = c.connected ? (c.error ? 'Core: load error' : 'Core: connected') : 'Core: disconnected';
  return (
    <Tooltip title={c.error ?? (c.connected ? `connected for ${formatAge(now - c.since)}` : `reconnecting… lost ${formatAge(now - c.since)} ago`)}>
      <Box
        role="status"
        aria-live="polite"
        data-testid="core-connection"
        data-state={c.connected ? 'connected' : 'disconnected'}
        tabIndex={0}
        sx={{ ...item, bgcolor: c.connected ? (c.error ? hmi.alarmMedium : 'transparent') : hmi.alarmHigh, color: c.connected ? hmi.text : '#fff' }}
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
  return (
    <Box sx={item} aria-label={`Site time${timeZone ? ` (${timeZone})` : ''}`} role="timer" data-testid="site-clock">
      <Typography component="span" sx={{ fontSize: 15, fontWeight: 600, ...monoNumbers }}>
        {formatTime(now, timeZone)}
      </Typography>
      <Typography component="span" sx={{ fontSize: 11, color: hmi.textDim }}>
        {timeZone ?? 'local'}
      </Typography>
    </Box>
  );
}

function UserItem() {
  const s = useSession();
  return (
    <Tooltip title={s ? `${s.user} on ${s.workstation}${s.roles.length ? ` (${s.roles.join(', ')})` : ''}` : 'no session'}>
      <Box sx={{ ...item, pr: 2 }} tabIndex={0} data-testid="session-user" aria-label={`User: ${s?.displayName ?? 'none'}`}>
        <PersonOutlinedIcon fontSize="small" sx={{ color: hmi.textDim }} />
        <Typography component="span" sx={{ fontSize: 13 }}>
          {s?.displayName || s?.user || '—'}
        </Typography>
      </Box>
    </Tooltip>
  );
}
