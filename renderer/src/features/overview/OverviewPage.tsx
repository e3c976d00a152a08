import Box from '@mui/material/Box';
import Typography from '@mui/material/Typography';
import { useMemo } from 'react';
import { usePointMetaList, useSite } from '../../api/hooks';
import { hmi } from '../../theme';
import { Synoptic } from './Synoptic';
import { buildSynoptic } from './synopticModel';

export function OverviewPage() {
  const site = useSite();
  const metas = usePointMetaList();
  const model = useMemo(() => (site ? buildSynoptic(site, new Set(metas.map((m) => m.id))) : null), [site, metas]);
  if (!site || !model) {
    return <Typography sx={{ color: hmi.textDim }}>Waiting for the site model from the core…</Typography>;
  }
  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', flex: 1, minHeight: 0, gap: 1 }}>
      <Box sx={{ display: 'flex', alignItems: 'baseline', gap: 2 }}>
        <Typography variant="h2" component="h2">
          Overview
        </Typography>
        <Typography sx={{ color: hmi.textDim, fontSize: 13 }}>
          {site.gridType} · contracted power {site.pcc.contractedPowerKw} kW · {site.assets.length} assets
        </Typography>
      </Box>
      <Box sx={{ flex: 1, minHeight: 0, bgcolor: hmi.bg }}>
        <Synoptic model={model} />
      </Box>
    </Box>
  );
}
