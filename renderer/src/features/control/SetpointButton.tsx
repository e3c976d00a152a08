/**
 * Control entry points drawn inside the synoptic's ESS panel (an SVG foreignObject): "Set
 * power…" (control.setpoint) and "Mode…" (control.operate, select-before-operate). Nothing is
 * drawn for a session without those capabilities; the core checks every command anyway.
 */
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import { useState } from 'react';
import type { AssetView } from '../../../../core/common/api/contract';
import { useCan, usePointMeta } from '../../api/hooks';
import { CommandDialog, type CommandKind } from './CommandDialog';
import { hmi } from '../../theme';

/** Height the synoptic reserves below the ESS panel for these buttons. */
export const CONTROL_ROW_H = 40;

export function SetpointButton({ asset, x, y, width }: { asset: AssetView; x: number; y: number; width: number }) {
  const canSet = useCan('control.setpoint');
  const canOperate = useCan('control.operate');
  const setMeta = usePointMeta(`${asset.id}/SetActivePower`);
  const modeMeta = usePointMeta(`${asset.id}/Mode`);
  const [open, setOpen] = useState<CommandKind | null>(null);
  const showSet = canSet && setMeta?.access === 'rw';
  const showMode = canOperate && modeMeta?.access === 'rw';
  if (!showSet && !showMode) return null;
  return (
    <foreignObject x={x} y={y} width={width} height={CONTROL_ROW_H - 6}>
      <Box sx={{ display: 'flex', gap: 1, height: '100%' }}>
        {showSet ? (
          <Button size="small" variant="outlined" color="primary" onClick={() => setOpen('setpoint')} data-testid={`setpoint-open-${asset.id}`} sx={{ flex: 1, bgcolor: hmi.field }}>
            Set power…
          </Button>
        ) : null}
        {showMode ? (
          <Button size="small" variant="outlined" color="primary" onClick={() => setOpen('mode')} data-testid={`mode-open-${asset.id}`} sx={{ flex: showSet ? '0 0 72px' : 1, bgcolor: hmi.field }}>
            Mode…
          </Button>
        ) : null}
      </Box>
      {open ? <CommandDialog asset={asset} kind={open} open onClose={() => setOpen(null)} /> : null}
    </foreignObject>
  );
}
