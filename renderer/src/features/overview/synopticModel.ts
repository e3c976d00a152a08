/**
 * What the overview synoptic draws, derived from the SiteView (never from hard-coded ids):
 * the PCC meter from site.pcc, then one feeder per asset under the busbar, by nature.
 * Pure; unit-tested.
 */
import type { AssetView, SiteView } from '../../../../core/common/api/contract';
import type { NatureName } from '../../../../core/common/natures';

/** Feeder order left to right under the busbar: storage, generation, consumption. */
export const FEEDER_ORDER: readonly NatureName[] = ['Ess', 'Pv', 'Genset', 'Load', 'Evse', 'Meter', 'Breaker'];

/** Channels each feeder panel shows, in order, when the site has them. */
export const FEEDER_CHANNELS: Readonly<Partial<Record<NatureName, readonly string[]>>> = {
  Ess: ['ActivePower', 'Soc', 'State', 'DcVoltage', 'Temperature'],
  Pv: ['ActivePower', 'Irradiance'],
  Genset: ['ActivePower', 'Running'],
  Load: ['ActivePower'],
  Evse: ['ActivePower', 'Status'],
  Meter: ['ActivePower'],
  Breaker: ['Closed'],
};

export const PCC_CHANNELS: readonly string[] = ['ActivePower', 'Frequency', 'VoltageL1'];

export interface Feeder {
  asset: AssetView;
  nature: NatureName;
  /** channel names present on the site (all of FEEDER_CHANNELS when the point list is unknown) */
  channels: string[];
}

export interface SynopticModel {
  pcc: AssetView | undefined;
  pccChannels: string[];
  contractedKw: number;
  feeders: Feeder[];
}

function present(assetId: string, channels: readonly string[], ids: ReadonlySet<string> | null): string[] {
  return channels.filter((c) => ids === null || ids.has(`${assetId}/${c}`));
}

/**
 * @param pointIds ids of the site's points (points.list), or null when not loaded yet
 */
export function buildSynoptic(site: SiteView, pointIds: ReadonlySet<string> | null): SynopticModel {
  const ids = pointIds !== null && pointIds.size > 0 ? pointIds : null;
  const pcc = site.assets.find((a) => a.id === site.pcc.meter) ?? site.assets.find((a) => a.nature === 'Meter' && a.role === 'pcc');
  const rank = (n: NatureName) => {
    const i = FEEDER_ORDER.indexOf(n);
    return i < 0 ? FEEDER_ORDER.length : i;
  };
  const feeders = site.assets
    .map((a, i) => ({ a, i }))
    .filter(({ a }) => a !== pcc && FEEDER_CHANNELS[a.nature] !== undefined && !(a.nature === 'Meter' && a.role === 'pcc'))
    .sort((x, y) => rank(x.a.nature) - rank(y.a.nature) || x.i - y.i)
    .map(({ a }) => ({ asset: a, nature: a.nature, channels: present(a.id, FEEDER_CHANNELS[a.nature] ?? [], ids) }));
  return {
    pcc,
    pccChannels: pcc ? present(pcc.id, PCC_CHANNELS, ids) : [],
    contractedKw: site.pcc.contractedPowerKw,
    feeders,
  };
}

/** Import above the contracted power is abnormal (PCC meter: positive = import). */
export function exceedsContract(importKw: number | null | undefined, contractedKw: number): boolean {
  return typeof importKw === 'number' && importKw > contractedKw;
}

/** Centre-zero bar geometry for the PCC gauge: returns the scale's half-range in kW. */
export function pccScaleKw(powerKw: number | null | undefined, contractedKw: number): number {
  const p = typeof powerKw === 'number' && Number.isFinite(powerKw) ? Math.abs(powerKw) : 0;
  return Math.max(contractedKw * 1.25, p * 1.05, 1);
}
