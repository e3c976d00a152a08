/**
 * The battery explained: operating mode, the setpoint in force and who set it (operator,
 * alarm procedure, controller, plan, or the device's own local mode), the limit in force and a
 * one-line reason for what it is doing (batteryExplain.ts, pure and table-tested).
 */
import Box from '@mui/material/Box';
import Typography from '@mui/material/Typography';
import type { AssetView, SiteView } from '../../../../core/common/api/contract';
import { COMMAND_SOURCE_LABELS } from '../../../../core/common/control';
import type { PointState } from '../../../../core/common/point';
import { usePoint, usePointMeta } from '../../api/hooks';
import { QualityValue } from '../../components/QualityValue';
import { formatTime, viewOf } from '../../format/format';
import { hmi } from '../../theme';
import { explainBattery } from './batteryExplain';
import { useActiveCommands } from './useActiveCommands';
import { useTranslation } from 'react-i18next';

const good = (s: PointState | undefined): number | null => (s && s.quality.level === 'good' && typeof s.value === 'number' ? s.value : null);

export function BatteryPanel({ asset, site }: { asset: AssetView; site: SiteView }) {
  const id = asset.id;
  const { t } = useTranslation();
  const power = usePoint(`${id}/ActivePower`);
  const stateP = usePoint(`${id}/State`);
  const stateMeta = usePointMeta(`${id}/State`);
  const mode = usePoint(`${id}/Mode`);
  const modeMeta = usePointMeta(`${id}/Mode`);
  const setp = usePoint(`${id}/SetActivePower`);
  const soc = usePoint(`${id}/Soc`);
  const maxCh = usePoint(`${id}/MaxChargePower`);
  const maxDis = usePoint(`${id}/MaxDischargePower`);
  const pcc = usePoint(`${site.pcc.meter}/ActivePower`);
  const active = useActiveCommands();
  const psParam = site.parameters?.find((p) => p.id === 'peakShavingLimitKw');
  const cmd = active.find((a) => a.target === `${id}/SetActivePower`);
  const modeCmd = active.find((a) => a.target === `${id}/Mode`);
  const stateView = viewOf(stateP, stateMeta);
  const modeCode = good(mode);
  const local = modeCode === 1;
  const e = explainBattery({
    powerKw: good(power),
    state: stateView.degraded ? null : stateView.text,
    mode: modeCode,
    setpointKw: good(setp),
    socPct: good(soc),
    socMinPct: asset.limits?.socMinPct,
    socMaxPct: asset.limits?.socMaxPct,
    bmsMaxChargeKw: good(maxCh),
    bmsMaxDischargeKw: good(maxDis),
    pccKw: good(pcc),
    contractedKw: site.pcc.contractedPowerKw,
    peakShavingLimitKw: psParam?.value ?? site.pcc.contractedPowerKw,
    source: cmd ? { source: cmd.source, actorName: cmd.actorName } : undefined,
  });
  const sourceText = local
    ? COMMAND_SOURCE_LABELS.device
    : cmd
      ? `${COMMAND_SOURCE_LABELS[cmd.source]} · ${cmd.actorName} · ${formatTime(cmd.ts, site.timezone)}${cmd.confirmed ? '' : ` ${t('battery.unconfirmed')}`}`
      : t('battery.noCommand');
  return (
    <Box component="section" aria-label={t('battery.label', { name: asset.name })} data-testid={`battery-panel-${id}`} sx={panelSx}>
      <Typography component="h3" sx={titleSx} title={asset.name}>
        {t('battery.title', { name: asset.name })}
      </Typography>
      <Typography data-testid="battery-reason" data-activity={e.activity} sx={{ fontSize: 15, fontWeight: 700, color: hmi.text, mb: 1 }}>
        {capitalise(e.reason)}
      </Typography>
      <Box component="dl" sx={dlSx}>
        <dt>{t('battery.mode')}</dt>
        <dd data-testid="battery-mode">
          {modeMeta ? <QualityValue id={`${id}/Mode`} /> : '—'}
          {modeCmd ? <Box component="span" sx={{ color: hmi.textDim, ml: 1, fontSize: 12.5 }}>{t('battery.setBy', { source: COMMAND_SOURCE_LABELS[modeCmd.source].toLowerCase(), actor: modeCmd.actorName })}</Box> : null}
        </dd>
        <dt>{t('battery.setpoint')}</dt>
        <dd data-testid="battery-setpoint">
          {local ? (
            <span>{t('battery.localMode')}</span>
          ) : (
            <QualityValue id={`${id}/SetActivePower`} />
          )}
        </dd>
        <dt>{t('battery.source')}</dt>
        <dd data-testid="battery-source" data-source={local ? 'device' : (cmd?.source ?? 'none')}>
          {sourceText}
        </dd>
        <dt>{t('battery.limit')}</dt>
        <dd data-testid="battery-limit">{capitalise(e.limit)}</dd>
      </Box>
    </Box>
  );
}

function capitalise(s: string): string {
  return s ? s[0]!.toUpperCase() + s.slice(1) : s;
}

export const panelSx = { bgcolor: hmi.panel, border: `1px solid ${hmi.line}`, p: 1.5, minWidth: 0 } as const;
export const titleSx = { fontSize: 14, fontWeight: 700, color: hmi.text, mb: 0.75, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' } as const;
export const dlSx = {
  display: 'grid',
  gridTemplateColumns: 'max-content minmax(0, 1fr)',
  columnGap: 1.5,
  rowGap: 0.5,
  m: 0,
  fontSize: 13.5,
  '& dt': { color: hmi.textDim },
  '& dd': { m: 0, color: hmi.text, minWidth: 0 },
} as const;
