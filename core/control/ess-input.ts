/**
 * What limits.ts needs to know about an ESS power setpoint, read from the CVT through the
 * pipeline's ports: one builder for the person lane (command.ts) and the machine lane
 * (machine.ts), so both see the same inputs.
 */
import { channelPoint } from '../common/natures';
import type { PointId } from '../common/point';
import { known, type EssPowerInput } from './limits';
import type { CommandAsset, PointReading } from './ports';

export function essPowerInput(
  read: (id: PointId) => PointReading | undefined,
  assetId: string,
  asset: Pick<CommandAsset, 'rating' | 'limits'>,
  pcc: { meter: string; contractedPowerKw: number } | undefined,
  last: { kw: number; ageS: number } | undefined,
): EssPowerInput {
  return {
    assetId,
    ratedKw: asset.rating?.powerKw,
    limits: asset.limits,
    bms: { maxDischargeKw: known(read(channelPoint('Ess', assetId, 'MaxDischargePower'))), maxChargeKw: known(read(channelPoint('Ess', assetId, 'MaxChargePower'))) },
    socPct: known(read(channelPoint('Ess', assetId, 'Soc'))),
    essKw: known(read(channelPoint('Ess', assetId, 'ActivePower'))),
    pcc: pcc ? { contractedPowerKw: pcc.contractedPowerKw, pccKw: known(read(channelPoint('Meter', pcc.meter, 'ActivePower'))) } : undefined,
    last,
  };
}
