/**
 * What the plan needs to know about the site now, read through the typed asset views
 * (core/assets): each planned battery's SoC and the BMS's present limits, genset status, and
 * the assets that are not in service (maintenance, out of service), which drop out of the plan.
 * A battery whose SoC is unknown (bad, stale, NaN) is left unknown: the plan then fails with a
 * sentence and an alarm instead of planning on a guess.
 */
import type { SiteAssets } from '../assets';
import type { SiteConfig } from '../common/site';
import type { PlanState } from './service';

export function planState(site: SiteConfig, assets: SiteAssets): PlanState {
  const socPct: Record<string, number> = {};
  const bmsLimits: Record<string, { maxChargeKw?: number; maxDischargeKw?: number }> = {};
  const excluded = new Set<string>();
  for (const a of site.assets) {
    if (['Ess', 'Meter', 'Pv', 'Load', 'Evse'].includes(a.nature)) {
      const state = (a.nature === 'Ess' ? assets.ess(a.id) : a.nature === 'Pv' ? assets.pv(a.id) : a.nature === 'Evse' ? assets.evse(a.id) : a.nature === 'Load' ? assets.load(a.id) : assets.meter(a.id)).state;
      if (state !== 'in-service') excluded.add(a.id);
    }
  }
  for (const s of site.energy?.storage ?? []) {
    if (excluded.has(s.asset)) continue;
    const ess = assets.ess(s.asset);
    const soc = ess.soc();
    socPct[s.asset] = soc.known ? soc.value : Number.NaN;
    const ch = ess.allowedChargeKw();
    const dis = ess.allowedDischargeKw();
    bmsLimits[s.asset] = { ...(ch.known ? { maxChargeKw: ch.value } : {}), ...(dis.known ? { maxDischargeKw: dis.value } : {}) };
  }
  return { socPct, bmsLimits, excluded };
}
