/**
 * One asset's detail (site overview -> asset -> detail): where it sits in the hierarchy
 * (breadcrumbs, the assets it manages), its nameplate and operating limits, and every point
 * with its live value and quality. Names are never cut without a tooltip. A writable discrete
 * point (a breaker, a mode: it has states) has a "Command…" button for a session that may
 * operate: the command pipeline's dialog (select-before-operate), with the device's own stages.
 */
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Link from '@mui/material/Link';
import Typography from '@mui/material/Typography';
import { useState } from 'react';
import type { PointMeta } from '../../../../core/common/point';
import { useCan, usePointMetaList, useSite } from '../../api/hooks';
import { CommandDialog } from '../control/CommandDialog';
import { QualityValue } from '../../components/QualityValue';
import { hmi } from '../../theme';
import { assetHref, routeHref, useAssetId } from '../../shell/route';

export function AssetPage() {
  const id = useAssetId();
  const site = useSite();
  const metas = usePointMetaList();
  const canOperate = useCan('control.operate');
  const [commanding, setCommanding] = useState<PointMeta | null>(null);
  if (!site) return <Typography sx={{ color: hmi.textDim }}>Waiting for the site model from the core…</Typography>;
  const asset = site.assets.find((a) => a.id === id);
  if (!asset)
    return (
      <Typography data-testid="asset-page-missing">
        There is no asset “{id}” on this site. <Link href={routeHref('overview')}>Back to the site overview</Link>.
      </Typography>
    );
  const chain: typeof site.assets = [];
  for (let p = asset.parent; p; ) {
    const a = site.assets.find((x) => x.id === p);
    if (!a || chain.includes(a)) break;
    chain.unshift(a);
    p = a.parent;
  }
  const children = site.assets.filter((a) => a.parent === asset.id);
  const points = metas.filter((m) => m.assetId === asset.id);
  const facts: Array<[string, string]> = [
    ['Kind', asset.kind],
    ['Nature', asset.nature],
    ...(asset.role ? ([['Role', asset.role === 'pcc' ? 'meter at the point of common coupling' : 'sub-meter']] as Array<[string, string]>) : []),
    ...(asset.rating?.powerKw ? ([['Rated power', `${asset.rating.powerKw} kW`]] as Array<[string, string]>) : []),
    ...(asset.rating?.capacityKwh ? ([['Capacity', `${asset.rating.capacityKwh} kWh`]] as Array<[string, string]>) : []),
    ...(asset.limits?.maxChargeKw !== undefined ? ([['Max charge', `${asset.limits.maxChargeKw} kW`]] as Array<[string, string]>) : []),
    ...(asset.limits?.maxDischargeKw !== undefined ? ([['Max discharge', `${asset.limits.maxDischargeKw} kW`]] as Array<[string, string]>) : []),
    ...(asset.limits?.socMinPct !== undefined || asset.limits?.socMaxPct !== undefined
      ? ([['SoC window', `${asset.limits?.socMinPct ?? 0}–${asset.limits?.socMaxPct ?? 100} %`]] as Array<[string, string]>)
      : []),
    ...(asset.limits?.rampKwPerS !== undefined ? ([['Ramp limit', `${asset.limits.rampKwPerS} kW/s`]] as Array<[string, string]>) : []),
  ];
  return (
    <Box data-testid="asset-page" data-asset={asset.id} sx={{ display: 'flex', flexDirection: 'column', gap: 1.5, minWidth: 0 }}>
      <Box component="nav" aria-label="Breadcrumbs" data-testid="breadcrumbs" sx={{ display: 'flex', gap: 0.75, alignItems: 'baseline', fontSize: 13.5, minWidth: 0, flexWrap: 'nowrap', overflow: 'hidden' }}>
        <Link href={routeHref('overview')} sx={{ whiteSpace: 'nowrap' }}>
          Site overview
        </Link>
        {chain.map((a) => (
          <Box key={a.id} component="span" sx={{ display: 'contents' }}>
            <span aria-hidden="true">›</span>
            <Link href={assetHref(a.id)} title={a.name} sx={{ whiteSpace: 'nowrap', overflow: 'hidden', textOverflow: 'ellipsis', minWidth: 0 }}>
              {a.name}
            </Link>
          </Box>
        ))}
        <span aria-hidden="true">›</span>
        <Typography component="span" title={asset.name} sx={{ fontSize: 13.5, fontWeight: 700, whiteSpace: 'nowrap', overflow: 'hidden', textOverflow: 'ellipsis', minWidth: 0 }} aria-current="page">
          {asset.name}
        </Typography>
      </Box>
      <Typography variant="h2" component="h2" title={asset.name} sx={{ whiteSpace: 'nowrap', overflow: 'hidden', textOverflow: 'ellipsis' }}>
        {asset.name}
      </Typography>
      <Box sx={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fit, minmax(300px, 1fr))', gap: 1.5, alignItems: 'start' }}>
        <Box component="section" aria-label="Nameplate and limits" sx={{ bgcolor: hmi.panel, border: `1px solid ${hmi.line}`, p: 1.5 }}>
          <Typography component="h3" sx={{ fontSize: 14, fontWeight: 700, mb: 1 }}>
            Nameplate and limits
          </Typography>
          <Box component="dl" sx={{ display: 'grid', gridTemplateColumns: 'max-content minmax(0,1fr)', columnGap: 2, rowGap: 0.5, m: 0, fontSize: 13.5, '& dt': { color: hmi.textDim }, '& dd': { m: 0 } }}>
            {facts.map(([k, v]) => (
              <Box key={k} sx={{ display: 'contents' }}>
                <dt>{k}</dt>
                <dd>{v}</dd>
              </Box>
            ))}
          </Box>
          {children.length > 0 ? (
            <>
              <Typography component="h3" sx={{ fontSize: 14, fontWeight: 700, mt: 1.5, mb: 0.5 }}>
                Manages
              </Typography>
              <Box component="ul" sx={{ m: 0, pl: 2.5, fontSize: 13.5 }} data-testid="asset-children">
                {children.map((c) => (
                  <li key={c.id}>
                    <Link href={assetHref(c.id)} title={c.name}>
                      {c.name}
                    </Link>
                  </li>
                ))}
              </Box>
            </>
          ) : null}
        </Box>
        <Box component="section" aria-label="Points" sx={{ bgcolor: hmi.panel, border: `1px solid ${hmi.line}`, p: 1.5, minWidth: 0 }}>
          <Typography component="h3" sx={{ fontSize: 14, fontWeight: 700, mb: 1 }}>
            Points ({points.length})
          </Typography>
          {points.length === 0 ? <Typography sx={{ fontSize: 13.5, color: hmi.textDim }}>This asset has no points of its own (it manages the assets listed).</Typography> : null}
          <Box component="table" sx={{ width: '100%', borderCollapse: 'collapse', fontSize: 13.5, '& td': { py: 0.4, borderTop: `1px solid ${hmi.line}` } }}>
            <tbody>
              {points.map((m) => (
                <tr key={m.id} data-testid={`asset-point-${m.id}`}>
                  <td title={m.description ?? m.id} style={{ color: hmi.textDim, paddingRight: 12 }}>
                    {m.channel}
                  </td>
                  <td style={{ textAlign: 'right' }}>
                    <QualityValue id={m.id} />
                  </td>
                  <td style={{ textAlign: 'right', width: 1, whiteSpace: 'nowrap' }}>
                    {canOperate && m.access === 'rw' && m.states ? (
                      <Button size="small" variant="outlined" onClick={() => setCommanding(m)} data-testid={`command-open-${m.id}`} sx={{ ml: 1, py: 0, minWidth: 0 }}>
                        Command…
                      </Button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </Box>
        </Box>
      </Box>
      {commanding ? <CommandDialog asset={asset} kind="mode" channel={commanding.channel} open onClose={() => setCommanding(null)} /> : null}
    </Box>
  );
}
