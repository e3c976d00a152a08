import Box from '@mui/material/Box';
import List from '@mui/material/List';
import ListItemButton from '@mui/material/ListItemButton';
import ListItemIcon from '@mui/material/ListItemIcon';
import ListItemText from '@mui/material/ListItemText';
import useMediaQuery from '@mui/material/useMediaQuery';
import DashboardIcon from '@mui/icons-material/Dashboard';
import RouterIcon from '@mui/icons-material/Router';
import LanIcon from '@mui/icons-material/Lan';
import TableRowsIcon from '@mui/icons-material/TableRows';
import ScienceIcon from '@mui/icons-material/Science';
import NotificationsIcon from '@mui/icons-material/NotificationsNone';
import HistoryIcon from '@mui/icons-material/History';
import RuleIcon from '@mui/icons-material/Rule';
import EventNoteIcon from '@mui/icons-material/EventNote';
import InsightsIcon from '@mui/icons-material/Insights';
import ShowChartIcon from '@mui/icons-material/ShowChart';
import QueryStatsIcon from '@mui/icons-material/QueryStats';
import FactCheckIcon from '@mui/icons-material/FactCheckOutlined';
import AdminPanelSettingsIcon from '@mui/icons-material/AdminPanelSettingsOutlined';
import type { Capability } from '../../../core/common/security';
import { useAuth } from '../api/hooks';
import { useState, type ReactElement } from 'react';
import Typography from '@mui/material/Typography';
import type { AssetView, SiteView } from '../../../core/common/api/contract';
import { hmi } from '../theme';
import { assetHref, routeHref, useAssetId, type RouteId } from './route';
import { useTranslation } from 'react-i18next';

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
 * Navigation entries in groups (a heading, then its entries): the site first — its overview
 * and, under it, the asset hierarchy (site overview -> asset -> detail) — then alarms, data,
 * and the engineering pages. Not a flat list.
 */
export interface NavGroup {
  /** translation key under nav.groups */
  key: 'site' | 'alarms' | 'data' | 'engineering';
  /** English name (test ids); the screen shows t(`nav.groups.${key}`) */
  label: string;
  items: readonly NavItem[];
}

export const NAV_GROUPS: readonly NavGroup[] = [
  {
    key: 'site',
    label: 'Site',
    items: [
      { id: 'overview', label: 'Site overview', icon: <DashboardIcon /> },
      { id: 'plan', label: 'Plan', icon: <EventNoteIcon />, requires: ['site.view'] },
      { id: 'kpi', label: 'Energy KPIs', icon: <InsightsIcon />, requires: ['site.view'] },
    ],
  },
  {
    key: 'alarms',
    label: 'Alarm management',
    items: [
      { id: 'alarms', label: 'Alarms', icon: <NotificationsIcon /> },
      { id: 'alarm-history', label: 'Alarm history', icon: <HistoryIcon /> },
      { id: 'alarm-definitions', label: 'Alarm definitions', icon: <RuleIcon />, requires: ['config.edit'] },
    ],
  },
  {
    key: 'data',
    label: 'Data',
    items: [
      { id: 'trends', label: 'Trends', icon: <ShowChartIcon />, requires: ['site.view'] },
      { id: 'history', label: 'History export', icon: <QueryStatsIcon />, requires: ['data.export'] },
      { id: 'study', label: 'Studies', icon: <ScienceIcon />, requires: ['study.run'] },
    ],
  },
  {
    key: 'engineering',
    label: 'Engineering',
    items: [
      { id: 'devices', label: 'Devices', icon: <RouterIcon /> },
      { id: 'comms', label: 'Communications', icon: <LanIcon /> },
      { id: 'points', label: 'Points', icon: <TableRowsIcon /> },
      { id: 'simulator', label: 'Simulator', icon: <ScienceIcon />, hidden: (s) => !s?.simulated },
      { id: 'audit', label: 'Audit log', icon: <FactCheckIcon />, requires: ['data.confidential'] },
      { id: 'admin', label: 'Administration', icon: <AdminPanelSettingsIcon />, requires: ['users.manage', 'system.administer'] },
    ],
  },
];

/** Every entry, in order (for the title and tests). */
export const NAV_ITEMS: readonly NavItem[] = NAV_GROUPS.flatMap((g) => g.items);

interface AssetNode {
  asset: AssetView;
  depth: number;
}

/** The site's assets as a tree (controllers above what they manage), depth-first. */
export function assetTree(assets: readonly AssetView[]): AssetNode[] {
  const ids = new Set(assets.map((a) => a.id));
  const out: AssetNode[] = [];
  const seen = new Set<string>();
  const walk = (parent: string | undefined, depth: number) => {
    for (const a of assets) {
      const p = a.parent !== undefined && ids.has(a.parent) ? a.parent : undefined;
      if (p !== parent || seen.has(a.id)) continue;
      seen.add(a.id);
      out.push({ asset: a, depth });
      walk(a.id, depth + 1);
    }
  };
  walk(undefined, 0);
  return out;
}

const itemSx = {
  minHeight: 40,
  borderLeft: '4px solid transparent',
  '&.Mui-selected': { bgcolor: hmi.bg, borderLeftColor: hmi.focus, fontWeight: 700 },
  '&.Mui-selected:hover': { bgcolor: hmi.bg },
} as const;

export function NavRail({ route, site }: { route: RouteId; site: SiteView | null }) {
  const narrow = useMediaQuery('(max-width: 1100px)');
  const caps = useAuth().session?.capabilities ?? [];
  const assetId = useAssetId();
  const [assetsOpen, setAssetsOpen] = useState(true);
  const { t } = useTranslation();
  /** the entry's name in the UI language (nav.<route id>; English when a new page has none yet) */
  const name = (it: NavItem): string => t(`nav.${it.id}`, { defaultValue: it.label });
  const tree = site ? assetTree(site.assets) : [];
  const visible = (it: NavItem) => !(it.hidden?.(site) || (it.requires && !it.requires.some((c) => caps.includes(c))));
  return (
    <Box
      component="nav"
      aria-label={t('nav.main')}
      sx={{ width: narrow ? 64 : 208, flexShrink: 0, bgcolor: hmi.panel, borderRight: `1px solid ${hmi.line}`, overflowY: 'auto' }}
    >
      <List dense disablePadding sx={{ py: 0.5 }}>
        {NAV_GROUPS.map((g, gi) => {
          const items = g.items.filter(visible);
          if (items.length === 0) return null;
          return (
            <Box key={g.label} component="li" sx={{ listStyle: 'none' }} data-testid={`nav-group-${g.label.toLowerCase().replace(/\s+/g, '-')}`}>
              {narrow ? (
                gi > 0 ? <Box role="separator" sx={{ borderTop: `1px solid ${hmi.line}`, my: 0.5, mx: 1.5 }} /> : null
              ) : (
                <Typography component="h2" sx={{ fontSize: 11.5, fontWeight: 700, letterSpacing: 0.6, textTransform: 'uppercase', color: hmi.textDim, px: 2, pt: gi > 0 ? 1.25 : 0.5, pb: 0.25 }}>
                  {t(`nav.groups.${g.key}`)}
                </Typography>
              )}
              <List dense disablePadding>
                {items.map((it) => (
                  <Box key={it.id} component="li" sx={{ listStyle: 'none' }}>
                    <ListItemButton
                      component="a"
                      href={routeHref(it.id)}
                      selected={route === it.id}
                      aria-current={route === it.id ? 'page' : undefined}
                      title={narrow ? name(it) : undefined}
                      data-testid={`nav-${it.id}`}
                      sx={itemSx}
                    >
                      <ListItemIcon sx={{ minWidth: narrow ? 0 : 36, color: hmi.textDim }}>{it.icon}</ListItemIcon>
                      {narrow ? (
                        <Box component="span" sx={visuallyHidden}>
                          {name(it)}
                        </Box>
                      ) : (
                        <ListItemText primary={name(it)} slotProps={{ primary: { sx: { fontWeight: route === it.id ? 700 : 500, whiteSpace: 'nowrap' } } }} />
                      )}
                    </ListItemButton>
                    {it.id === 'overview' && !narrow && tree.length > 0 ? (
                      <>
                        <ListItemButton onClick={() => setAssetsOpen((o) => !o)} aria-expanded={assetsOpen} data-testid="nav-assets-toggle" sx={{ minHeight: 30, pl: 2.5, py: 0 }}>
                          <ListItemText primary={`${assetsOpen ? '▾' : '▸'} ${t('nav.assetsToggle', { count: tree.length })}`} slotProps={{ primary: { sx: { fontSize: 12.5, color: hmi.textDim } } }} />
                        </ListItemButton>
                        {assetsOpen ? (
                          <List dense disablePadding aria-label={t('nav.assets')} data-testid="nav-assets">
                            {tree.map(({ asset, depth }) => (
                              <Box key={asset.id} component="li" sx={{ listStyle: 'none' }}>
                                <ListItemButton
                                  component="a"
                                  href={assetHref(asset.id)}
                                  selected={route === 'asset' && assetId === asset.id}
                                  aria-current={route === 'asset' && assetId === asset.id ? 'page' : undefined}
                                  title={asset.name}
                                  data-testid={`nav-asset-${asset.id}`}
                                  sx={{ ...itemSx, minHeight: 28, py: 0, pl: 3 + depth * 1.5 }}
                                >
                                  <ListItemText primary={asset.name} slotProps={{ primary: { noWrap: true, sx: { fontSize: 12.5 } } }} />
                                </ListItemButton>
                              </Box>
                            ))}
                          </List>
                        ) : null}
                      </>
                    ) : null}
                  </Box>
                ))}
              </List>
            </Box>
          );
        })}
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
