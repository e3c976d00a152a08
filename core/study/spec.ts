/**
 * A new study from the live site's configuration: its sizes, contract and tariffs copied into
 * the study (which is then edited freely and never changes the site), synthetic profiles of the
 * site's own load peak and PV, and the strategies a planner compares first.
 */
import type { SiteConfig } from '../common/site';
import { studySpecSchema, type StudySpec, type StudySpecInput } from '../common/study';

export interface FromSiteOptions {
  name?: string;
  /** first local day, YYYY-MM-DD; default the 1st of January of this year */
  start?: string;
  days?: number;
}

export function specFromSite(site: SiteConfig, o: FromSiteOptions = {}): StudySpec {
  const ess = site.assets.find((a) => a.nature === 'Ess');
  const pv = site.assets.find((a) => a.nature === 'Pv');
  const load = site.assets.find((a) => a.nature === 'Load');
  const storage = site.energy?.storage.find((s) => s.asset === ess?.id);
  const grid = site.energy?.grid;
  const kpi = site.kpi;
  const input: StudySpecInput = {
    name: o.name ?? `${site.site.name} study`,
    description: `Copied from the site "${site.site.name}" configuration.`,
    site: {
      name: site.site.name,
      timezone: site.site.timezone,
      latitude: site.site.location.latitude,
      longitude: site.site.location.longitude,
      batteryKwh: ess?.rating?.capacityKwh ?? storage?.capacityKwh ?? 0,
      inverterKw: ess?.rating?.powerKw ?? 0,
      // the simulator's array is 1.25 x the inverter's AC rating (drivers/sim/serve/mapping.ts)
      pvKwp: pv?.rating?.powerKw !== undefined ? pv.rating.powerKw * 1.25 : 0,
      loadPeakKw: load?.rating?.powerKw ?? 50,
      contractedPowerKw: site.site.pcc.contractedPowerKw,
      socMinPct: storage?.socMinPct ?? ess?.limits?.socMinPct ?? 10,
      socMaxPct: storage?.socMaxPct ?? ess?.limits?.socMaxPct ?? 95,
      efficiency: storage?.chargeEfficiency ?? 0.95,
      importTariff: grid?.importTariff ?? { defaultPricePerKwh: 0.15, periods: [] },
      exportTariff: grid?.exportTariff ?? { defaultPricePerKwh: 0, periods: [] },
      demandChargePerKw: kpi?.powerTermPerKwMonth ?? 0,
      currency: kpi?.currency ?? 'EUR',
      ...(kpi?.cycleLife ? { cycleLife: kpi.cycleLife } : {}),
    },
    period: { start: o.start ?? `${new Date().getUTCFullYear()}-01-01`, days: o.days ?? 365 },
    profiles: { kind: 'synthetic', seed: 1 },
    strategies: [
      { id: 'self-consumption', name: 'Self-consumption', mode: 'self-consumption' },
      { id: 'plan-cost', name: 'Day-ahead plan (cost)', mode: 'plan-following', objective: 'cost' },
    ],
  };
  return studySpecSchema.parse(input);
}
