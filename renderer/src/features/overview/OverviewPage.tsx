/**
 * The site overview: the single-line synoptic, then the operator's explanations — the
 * operating mode (active, why, next; change it or its calendar), the battery (mode, setpoint and who set it, limit in force, why it does what it does), the site
 * limits (contracted power, peak-shaving limit; changeable by those allowed to) and today's
 * energy. The page scrolls rather than shrinking the synoptic below a readable size.
 */
import Box from '@mui/material/Box';
import Typography from '@mui/material/Typography';
import { useMemo } from 'react';
import { usePointMetaList, useSite } from '../../api/hooks';
import { hmi } from '../../theme';
import { ModePanel } from '../modes/ModePanel';
import { BatteryPanel } from './BatteryPanel';
import { EnergyPanel } from './EnergyPanel';
import { SiteLimitsPanel } from './SiteLimitsPanel';
import { Synoptic, synopticSize } from './Synoptic';
import { buildSynoptic } from './synopticModel';
import { useTranslation } from 'react-i18next';

export function OverviewPage() {
  const site = useSite();
  const metas = usePointMetaList();
  const { t } = useTranslation();
  const model = useMemo(() => (site ? buildSynoptic(site, new Set(metas.map((m) => m.id))) : null), [site, metas]);
  if (!site || !model) {
    return <Typography sx={{ color: hmi.textDim }}>{t('overview.waiting')}</Typography>;
  }
  const size = synopticSize(model);
  const batteries = site.assets.filter((a) => a.nature === 'Ess');
  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', gap: 1.5 }}>
      <Box sx={{ display: 'flex', alignItems: 'baseline', gap: 2, minWidth: 0 }}>
        <Typography variant="h2" component="h2" sx={{ whiteSpace: 'nowrap' }}>
          {t('overview.title')}
        </Typography>
        <Typography sx={{ color: hmi.textDim, fontSize: 13, whiteSpace: 'nowrap', overflow: 'hidden', textOverflow: 'ellipsis' }}>
          {site.gridType} · contracted power {site.pcc.contractedPowerKw} kW · {site.assets.length} assets
        </Typography>
      </Box>
      <Box sx={{ display: 'grid', gap: 1.5, gridTemplateColumns: 'minmax(0, 1fr)', alignItems: 'start', '@media (min-width: 1500px)': { gridTemplateColumns: 'minmax(0, 1fr) 400px' } }}>
        {/* never drawn smaller than 80 % of its natural size: scroll sideways instead */}
        <Box sx={{ overflowX: 'auto', bgcolor: hmi.bg }} data-testid="synoptic-box">
          <Box sx={{ minWidth: Math.round(size.w * 0.8), maxWidth: size.w, mx: 'auto' }}>
            <Synoptic model={model} />
          </Box>
        </Box>
        <Box sx={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fit, minmax(290px, 1fr))', gap: 1.5, alignItems: 'start' }}>
          <ModePanel />
          {batteries.map((a) => (
            <BatteryPanel key={a.id} asset={a} site={site} />
          ))}
          <SiteLimitsPanel site={site} />
          <EnergyPanel site={site} />
        </Box>
      </Box>
    </Box>
  );
}
