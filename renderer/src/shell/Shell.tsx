import Box from '@mui/material/Box';
import Typography from '@mui/material/Typography';
import CloudOffIcon from '@mui/icons-material/CloudOff';
import { useEffect, useRef } from 'react';
import { useConnection, useNow, useSite } from '../api/hooks';
import { DevicesPage } from '../features/devices/DevicesPage';
import { CommsPage } from '../features/comms/CommsPage';
import { OverviewPage } from '../features/overview/OverviewPage';
import { AssetPage } from '../features/asset/AssetPage';
import { PointsPage } from '../features/points/PointsPage';
import { SimulatorPage } from '../features/simulator/SimulatorPage';
import { AlarmBanner } from '../features/alarms/AlarmBanner';
import { AlarmDefinitionsPage } from '../features/alarms/AlarmDefinitionsPage';
import { AlarmHistoryPage } from '../features/alarms/AlarmHistoryPage';
import { AlarmSummaryPage } from '../features/alarms/AlarmSummaryPage';
import { AdminPage } from '../features/admin/AdminPage';
import { AuditPage } from '../features/audit/AuditPage';
import { TrendsPage } from '../features/trends/TrendsPage';
import { PlanPage } from '../features/plan/PlanPage';
import { KpiPage } from '../features/kpi/KpiPage';
import { StudyPage } from '../features/study/StudyPage';
import { HistoryPage } from '../features/history/HistoryPage';
import { LockOverlay } from '../features/auth/AuthScreens';
import { useAuth } from '../api/hooks';
import { formatAge } from '../format/format';
import { hmi } from '../theme';
import { NavRail, visuallyHidden } from './NavRail';
import { useRoute } from './route';
import { FirstRunWizard } from './FirstRunWizard';
import { ShellCommands } from './ShellCommands';
import { StatusBar } from './StatusBar';
import { useTranslation } from 'react-i18next';


export function Shell() {
  const route = useRoute();
  const site = useSite();
  const locked = useAuth().locked;
  const main = useRef<HTMLElement>(null);
  const { t } = useTranslation();
  const title = t(`nav.${route}`);

  useEffect(() => {
    document.title = `${title} · ${site?.name ?? t('app.name')}`;
  }, [title, site?.name, t]);

  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', height: '100vh', minWidth: 1024, overflow: 'hidden' }}>
      <Box
        component="a"
        href="#main"
        onClick={(e) => {
          e.preventDefault();
          main.current?.focus();
        }}
        sx={{ ...visuallyHidden, '&:focus': { position: 'fixed', left: 8, top: 8, width: 'auto', height: 'auto', clip: 'auto', zIndex: 10, bgcolor: hmi.panel, color: hmi.text, p: 1 } }}
      >
        {t('shell.skip')}
      </Box>
      <StatusBar />
      <DisconnectedBanner />
      <AlarmBanner />
      <Box sx={{ display: 'flex', flex: 1, minHeight: 0, position: 'relative' }}>
        {locked ? <LockOverlay /> : null}
        <NavRail route={route} site={site} />
        <Box
          component="main"
          id="main"
          ref={main}
          tabIndex={-1}
          aria-label={title}
          sx={{ flex: 1, minWidth: 0, overflow: 'auto', p: 2, outline: 'none', display: 'flex', flexDirection: 'column' }}
        >
          {route === 'overview' ? <OverviewPage /> : null}
          {route === 'asset' ? <AssetPage /> : null}
          {route === 'devices' ? <DevicesPage /> : null}
          {route === 'comms' ? <CommsPage /> : null}
          {route === 'points' ? <PointsPage /> : null}
          {route === 'simulator' ? <SimulatorPage /> : null}
          {route === 'alarms' ? <AlarmSummaryPage /> : null}
          {route === 'alarm-history' ? <AlarmHistoryPage /> : null}
          {route === 'alarm-definitions' && !locked ? <AlarmDefinitionsPage /> : null}
          {route === 'audit' && !locked ? <AuditPage /> : null}
          {route === 'admin' && !locked ? <AdminPage /> : null}
          {route === 'trends' ? <TrendsPage /> : null}
          {route === 'plan' ? <PlanPage /> : null}
          {route === 'kpi' ? <KpiPage /> : null}
          {route === 'study' && !locked ? <StudyPage /> : null}
          {route === 'history' && !locked ? <HistoryPage /> : null}
        </Box>
      </Box>
      <ShellCommands route={route} />
      {locked ? null : <FirstRunWizard />}
    </Box>
  );
}

function DisconnectedBanner() {
  const c = useConnection();
  const now = useNow(1000);
  const { t } = useTranslation();
  if (c.connected && !c.error) return null;
  return (
    <Box
      role="alert"
      data-testid="banner-disconnected"
      sx={{ display: 'flex', alignItems: 'center', gap: 1, px: 2, py: 0.75, bgcolor: c.connected ? hmi.alarmMedium : hmi.alarmHigh, color: c.connected ? hmi.onAlarmMedium : hmi.onAlarmHigh }}
    >
      <CloudOffIcon fontSize="small" />
      <Typography sx={{ fontWeight: 700, fontSize: 14 }}>
        {c.connected ? t('shell.loadError', { error: c.error }) : t('shell.disconnected', { age: formatAge(now - c.since) })}
      </Typography>
    </Box>
  );
}
