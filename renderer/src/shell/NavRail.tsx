import Box from '@mui/material/Box';
import List from '@mui/material/List';
import ListItemButton from '@mui/material/ListItemButton';
import ListItemIcon from '@mui/material/ListItemIcon';
import ListItemText from '@mui/material/ListItemText';
import useMediaQuery from '@mui/material/useMediaQuery';
import DashboardIcon from '@mui/icons-material/Dashboard';
import RouterIcon from '@mui/icons-material/Router';
import TableRowsIcon from '@mui/icons-material/TableRows';
import ScienceIcon from '@mui/icons-material/Science';
import NotificationsIcon from '@mui/icons-material/NotificationsNone';
import HistoryIcon from '@mui/icons-material/History';
import RuleIcon from '@mui/icons-material/Rule';
import EventNoteIcon from '@mui/icons-material/EventNote';
import ShowChartIcon from '@mui/icons-material/ShowChart';
import QueryStatsIcon from '@mui/icons-material/QueryStats';
import FactCheckIcon from '@mui/icons-material/FactCheckOutlined';
import AdminPanelSettingsIcon from '@mui/icons-material/AdminPanelSettingsOutlined';
import type { Capability } from '../../../core/common/security';
import { useAuth } from '../api/hooks';
import type { ReactElement } from 'react';
import type { SiteView } from '../../../core/common/api/contract';
import { hmi } from '../theme';
import { routeHref, type RouteId } from './route';

export interface NavItem {
  id: RouteId;
  label: string;
  icon: ReactElement;
  /** hide the entry for this site (e.g. Simulator on a real site) */
  hidden?: (site: SiteView | null) => boolean;
  /** shown only to a session holding one of these (the core checks anyway) */
  requires?: readonly Capability[];
}

/**
 * Navigation entries, in order. Alarms, Trends, Audit and Admin go here when they exist
 * (a group divider is already drawn before the engineering entries).
 */
export const NAV_ITEMS: readonly (NavItem | 'divider')[] = [
  { id: 'overview', label: 'Overview', icon: <DashboardIcon /> },
  { id: 'devices', label: 'Devices', icon: <RouterIcon /> },
  { id: 'points', label: 'Points', icon: <TableRowsIcon /> },
  { id: 'alarms', label: 'Alarms', icon: <NotificationsIcon /> },
  { id: 'alarm-history', label: 'Alarm history', icon: <HistoryIcon /> },
  { id: 'trends', label: 'Trends', icon: <ShowChartIcon />, requires: ['site.view'] },
  { id: 'plan', label: 'Plan', icon: <EventNoteIcon />, requires: ['site.view'] },
  { id: 'history', label: 'History export', icon: <QueryStatsIcon />, requires: ['data.export'] },
  'divider',
  { id: 'simulator', label: 'Simulator', icon: <ScienceIcon />, hidden: (s) => !s?.simulated },
  { id: 'alarm-definitions', label: 'Alarm definitions', icon: <RuleIcon />, requires: ['config.edit'] },
  { id: 'audit', label: 'Audit log', icon: <FactCheckIcon />, requires: ['data.confidential'] },
  { id: 'admin', label: 'Administration', icon: <AdminPanelSettingsIcon />, requires: ['users.manage', 'system.administer'] },
];

export function NavRail({ route, site }: { route: RouteId; site: SiteView | null }) {
  const narrow = useMediaQuery('(max-width: 1100px)');
  const caps = useAuth().session?.capabilities ?? [];
  return (
    <Box
      component="nav"
      aria-label="Main"
      sx={{ width: narrow ? 64 : 184, flexShrink: 0, bgcolor: hmi.panel, borderRight: `1px solid ${hmi.line}`, overflowY: 'auto' }}
    >
      <List dense disablePadding sx={{ py: 1 }}>
        {NAV_ITEMS.map((it, i) =>
          it === 'divider' ? (
            <Box key={`d${i}`} role="separator" sx={{ borderTop: `1px solid ${hmi.line}`, my: 1, mx: 1.5 }} />
          ) : it.hidden?.(site) || (it.requires && !it.requires.some((c) => caps.includes(c))) ? null : (
            <ListItemButton
              key={it.id}
              component="a"
              href={routeHref(it.id)}
              selected={route === it.id}
              aria-current={route === it.id ? 'page' : undefined}
              title={narrow ? it.label : undefined}
              data-testid={`nav-${it.id}`}
              sx={{
                minHeight: 44,
                borderLeft: '4px solid transparent',
                '&.Mui-selected': { bgcolor: hmi.bg, borderLeftColor: hmi.focus, fontWeight: 700 },
                '&.Mui-selected:hover': { bgcolor: hmi.bg },
              }}
            >
              <ListItemIcon sx={{ minWidth: narrow ? 0 : 38, color: hmi.textDim }}>{it.icon}</ListItemIcon>
              {narrow ? (
                <Box component="span" sx={visuallyHidden}>
                  {it.label}
                </Box>
              ) : (
                <ListItemText primary={it.label} slotProps={{ primary: { sx: { fontWeight: route === it.id ? 700 : 500 } } }} />
              )}
            </ListItemButton>
          ),
        )}
      </List>
    </Box>
  );
}

export const visuallyHidden = {
  position: 'absolute',
  width: 1,
  height: 1,
  overflow: 'hidden',
  clip: 'rect(0 0 0 0)',
  whiteSpace: 'nowrap',
} as const;
