/**
 * Synoptic alarm marker (SVG): the shape and number of the most urgent live alarm of an asset,
 * next to its symbol; nothing when the asset has no live alarm. The equipment itself is not
 * re-coloured. A dashed ring (and a slow blink, unless reduced motion) marks unacknowledged.
 * Clicking opens the alarm summary filtered to the asset.
 */
import Box from '@mui/material/Box';
import { useMemo } from 'react';
import { PRIORITY_STYLE, assetMarkers } from './alarmModel';
import { useAlarms } from './alarmStore';
import { ALARMS_HREF } from './links';
import { PriorityShape, unackBlink } from './PriorityBadge';

export function AssetAlarmMarker({ assetId, x, y, size = 20 }: { assetId: string; x: number; y: number; size?: number }) {
  const alarms = useAlarms();
  const markers = useMemo(() => assetMarkers(alarms.values()), [alarms]);
  const m = markers.get(assetId);
  if (!m) return null;
  const s = PRIORITY_STYLE[m.priority];
  const label = `${m.count} alarm${m.count > 1 ? 's' : ''} on ${assetId}, highest priority ${s.number} ${s.label}${m.unack ? ', unacknowledged' : ''}`;
  return (
    <a href={`${ALARMS_HREF}?asset=${encodeURIComponent(assetId)}`} aria-label={label} data-testid={`alarm-marker-${assetId}`} data-priority={m.priority} data-unack={m.unack ? 'true' : 'false'}>
      <title>{label}</title>
      <Box component="g" sx={m.unack ? unackBlink : undefined}>
        <PriorityShape priority={m.priority} cx={x} cy={y} size={size} unack={m.unack} />
      </Box>
      {m.count > 1 ? (
        <text x={x + size / 2 + 5} y={y + 4} fontSize={11} fontWeight={700} fill="#1E1E1E">
          ×{m.count}
        </text>
      ) : null}
    </a>
  );
}
