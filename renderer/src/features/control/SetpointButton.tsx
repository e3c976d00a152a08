/**
 * Control entry points drawn inside the synoptic's ESS panel (an SVG foreignObject): "Set
 * power…" (control.setpoint) and "Mode…" (control.operate, select-before-operate). A control the
 * session may not use now is shown disabled, with the reason in its tooltip (role, the quality
 * of the battery's readings, its operating mode); the core checks every command anyway.
 */
import Box from '@mui/material/Box';
import { useState } from 'react';
import type { AssetView } from '../../../../core/common/api/contract';
import { usePoint, usePointMeta } from '../../api/hooks';
import { GuardedButton, useCapabilityReason } from '../../components/Guarded';
import { CommandDialog, type CommandKind } from './CommandDialog';
import { setpointBlockedReason } from './commandModel';
import { hmi } from '../../theme';
import { useTranslation } from 'react-i18next';

/** Height the synoptic reserves below the ESS panel for these buttons. */
export const CONTROL_ROW_H = 40;

export function SetpointButton({ asset, x, y, width }: { asset: AssetView; x: number; y: number; width: number }) {
  const { t } = useTranslation();
  const setWhyRole = useCapabilityReason('control.setpoint');
  const modeWhy = useCapabilityReason('control.operate');
  const setMeta = usePointMeta(`${asset.id}/SetActivePower`);
  const modeMeta = usePointMeta(`${asset.id}/Mode`);
  const power = usePoint(`${asset.id}/ActivePower`);
  const mode = usePoint(`${asset.id}/Mode`);
  const [open, setOpen] = useState<CommandKind | null>(null);
  const showSet = setMeta?.access === 'rw';
  const showMode = modeMeta?.access === 'rw';
  if (!showSet && !showMode) return null;
  const setWhy = setpointBlockedReason({
    roleWhy: setWhyRole,
    ...(power ? { power } : {}),
    ...(mode ? { mode: { value: mode.value, good: mode.quality.level === 'good', ...(modeMeta?.states ? { states: modeMeta.states } : {}) } } : {}),
  });
  return (
    <foreignObject x={x} y={y} width={width} height={CONTROL_ROW_H - 6}>
      <Box sx={{ display: 'flex', gap: 1, height: '100%', alignItems: 'center' }}>
        {showSet ? (
          <Box sx={{ flex: 1, minWidth: 0 }}>
            <GuardedButton size="small" variant="outlined" color="primary" why={setWhy} showWhy={false} onClick={() => setOpen('setpoint')} testId={`setpoint-open-${asset.id}`} sx={{ bgcolor: hmi.field }}>
              {t('control.setPower')}
            </GuardedButton>
          </Box>
        ) : null}
        {showMode ? (
          <Box sx={{ flex: showSet ? '0 0 72px' : 1 }}>
            <GuardedButton size="small" variant="outlined" color="primary" why={modeWhy} showWhy={false} onClick={() => setOpen('mode')} testId={`mode-open-${asset.id}`} sx={{ bgcolor: hmi.field }}>
              {t('control.mode')}
            </GuardedButton>
          </Box>
        ) : null}
      </Box>
      {open ? <CommandDialog asset={asset} kind={open} open onClose={() => setOpen(null)} /> : null}
    </foreignObject>
  );
}
