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
  const ids = essIds(assetId);
  return {
    assetId,
    ratedKw: asset.rating?.powerKw,
    limits: asset.limits,
    bms: { maxDischargeKw: known(read(ids.maxDischarge)), maxChargeKw: known(read(ids.maxCharge)) },
    socPct: known(read(ids.soc)),
    essKw: known(read(ids.power)),
    pcc: pcc ? { contractedPowerKw: pcc.contractedPowerKw, pccKw: known(read(channelPoint('Meter', pcc.meter, 'ActivePower'))) } : undefined,
    last,
  };
}

interface EssIds {
  maxDischarge: PointId;
  maxCharge: PointId;
  soc: PointId;
  power: PointId;
}

/** the battery's point ids, by asset id (the machine lane asks every cycle) */
const ESS_IDS = new Map<string, EssIds>();

function essIds(assetId: string): EssIds {
  let ids = ESS_IDS.get(assetId);
  if (ids === undefined) {
    if (ESS_IDS.size >= 10_000) ESS_IDS.clear(); // a bound, for hosts that load many sites
    ESS_IDS.set(
      assetId,
      (ids = {
        maxDischarge: channelPoint('Ess', assetId, 'MaxDischargePower'),
        maxCharge: channelPoint('Ess', assetId, 'MaxChargePower'),
        soc: channelPoint('Ess', assetId, 'Soc'),
        power: channelPoint('Ess', assetId, 'ActivePower'),
      }),
    );
  }
  return ids;
}
