/** The KPI engine's view of a site (roles, points, tariffs, the `kpi:` section), from its site file. */
import { DEFAULT_KPI_CONFIG } from '../common/kpi';
import type { SiteConfig } from '../common/site';
import type { KpiAssetSpec, KpiSiteSpec } from './engine';
import type { Role } from './day';

const PHASES = ['L1', 'L2', 'L3'] as const;
const ROLE: Record<string, Role> = { Pv: 'pv', Genset: 'genset', Ess: 'ess', Load: 'load', Evse: 'ev' };

/** the point the demo history marks its days with (1 = simulated data) */
export const SIMULATED_POINT = 'site/SimulatedHistory';
/** the point the host records demand-response events as: 1 while a TSO setpoint of the grid signals is in force, 0 otherwise */
export const DEMAND_RESPONSE_POINT = 'site/DemandResponse';
/** the file in the data folder saying which span of the historian is simulated demo history (SimulatedHistoryView) */
export const DEMO_HISTORY_FILE = 'demo-history.json';

export function kpiSpecOf(site: SiteConfig, contractedKw = site.site.pcc.contractedPowerKw): KpiSiteSpec {
  const meter = site.site.pcc.meter;
  const meterAsset = site.assets.find((a) => a.id === meter);
  const storage = new Map((site.energy?.storage ?? []).map((s) => [s.asset, s]));
  const assets: KpiAssetSpec[] = [];
  for (const a of site.assets) {
    const role = ROLE[a.nature];
    if (!role) continue;
    const st = storage.get(a.id);
    assets.push({
      id: a.id,
      name: a.name,
      nature: a.nature,
      role,
      p: `${a.id}/ActivePower`,
      ...(role === 'ess' ? { soc: `${a.id}/Soc`, state: `${a.id}/State`, soh: `${a.id}/Soh` } : {}),
      ...((st?.capacityKwh ?? a.rating?.capacityKwh) !== undefined ? { capacityKwh: (st?.capacityKwh ?? a.rating?.capacityKwh) as number } : {}),
      ...((st?.socMinPct ?? a.limits?.socMinPct) !== undefined ? { socMinPct: (st?.socMinPct ?? a.limits?.socMinPct) as number } : {}),
      ...((st?.socMaxPct ?? a.limits?.socMaxPct) !== undefined ? { socMaxPct: (st?.socMaxPct ?? a.limits?.socMaxPct) as number } : {}),
      ...(a.rating?.powerKw !== undefined ? { ratingKw: a.rating.powerKw } : {}),
    });
  }
  return {
    siteId: site.site.id,
    siteName: site.site.name,
    timezone: site.site.timezone,
    contractedKw,
    pcc: `${meter}/ActivePower`,
    // the meter nature has VoltageL1; a site whose meter does not declare it in points has it from the profile
    voltage: meterAsset ? `${meter}/VoltageL1` : null,
    assets,
    importTariff: site.energy?.grid.importTariff ?? null,
    exportTariff: site.energy?.grid.exportTariff ?? null,
    config: site.kpi ?? DEFAULT_KPI_CONFIG,
    simulatedPoint: SIMULATED_POINT,
    drPoint: DEMAND_RESPONSE_POINT,
    // per phase: a point the meters do not have has no data (the figures say what is missing)
    phases: { pcc: PHASES.map((l) => `${meter}/ActivePower${l}`), loads: assets.filter((a) => a.role === 'load').map((a) => PHASES.map((l) => `${a.id}/ActivePower${l}`)) },
  };
}
