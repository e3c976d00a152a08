/**
 * From a site (core/common SiteConfig) to the plant model's configuration, and from the
 * plant's values to register images. Only this layer knows both the site model and the
 * physics; the physics (drivers/sim/model) stays free of the site schema.
 */
import type { ModbusRegister, SiteConfig } from '../../../core/common/site';
import type { PlantConfig } from '../model/plant';

/** DC/AC ratio assumed for a PV array whose site entry gives only the inverter's AC rating */
export const PV_DC_AC_RATIO = 1.25;

export interface PlantMapping {
  config: PlantConfig;
  /** problems that do not stop the simulator (an asset the physics does not model, ...) */
  warnings: string[];
}

/**
 * Builds the plant from the site's assets: the PCC meter, the first Ess, the first Pv, the
 * first Load, every Evse. Ratings come from the assets' `rating`; the battery's peak-shaving
 * limit (inverter Mode 1) is the site's contracted power, its SoC reserve (MinSoc) the asset's
 * `limits.socMinPct`.
 */
export function plantConfigFromSite(site: SiteConfig, seed: number): PlantMapping {
  const warnings: string[] = [];
  const byNature = (n: string) => site.assets.filter((a) => a.nature === n);
  const first = <T>(list: T[], what: string): T | undefined => {
    if (list.length > 1) warnings.push(`the simulator models one ${what}; ${list.length - 1} more are served without physics (values 0)`);
    return list[0];
  };
  const ess = first(byNature('Ess'), 'Ess');
  const pv = first(byNature('Pv'), 'Pv');
  const load = first(byNature('Load'), 'Load');
  const evs = byNature('Evse');
  for (const a of site.assets)
    if (!['Ess', 'Pv', 'Load', 'Evse', 'Meter', 'Controller'].includes(a.nature))
      warnings.push(`asset "${a.id}": nature ${a.nature} is not simulated (values 0)`);
  const meters = byNature('Meter').filter((a) => a.id !== site.site.pcc.meter);
  for (const m of meters) warnings.push(`meter "${m.id}" is not the PCC meter; the simulator serves it without physics (values 0)`);

  const config: PlantConfig = {
    seed,
    latitude: site.site.location.latitude,
    longitude: site.site.location.longitude,
    timezone: site.site.timezone,
    meter: { id: site.site.pcc.meter },
    evChargers: evs.map((e) => ({ id: e.id, ratingKw: e.rating?.powerKw ?? 22 })),
  };
  if (ess)
    config.ess = {
      id: ess.id,
      powerKw: ess.rating?.powerKw ?? 100,
      capacityKwh: ess.rating?.capacityKwh ?? 120,
      initialSocPct: site.simulation?.initialSocPct ?? 50,
      peakShavingLimitKw: site.site.pcc.contractedPowerKw,
      // the device is commissioned with the site's SoC reserve (MinSoc register): it holds in
      // every mode, the device's own local peak shaving included
      minSocPct: ess.limits?.socMinPct ?? 0,
    };
  if (pv) {
    const inverterKw = pv.rating?.powerKw ?? 50;
    config.pv = { id: pv.id, inverterKw, peakKwp: inverterKw * PV_DC_AC_RATIO };
  }
  if (load) config.load = { id: load.id, peakKw: load.rating?.powerKw ?? 50 };
  return { config, warnings };
}

const RAW_RANGE: Record<string, readonly [number, number]> = {
  int16: [-0x8000, 0x7fff],
  uint16: [0, 0xffff],
  int32: [-0x80000000, 0x7fffffff],
  uint32: [0, 0xffffffff],
};

/**
 * Clamps an engineering value into what the register can encode (a simulated device, like a
 * real one, saturates rather than wraps), so that an extreme scenario cannot break a step.
 */
export function clampToRegister(reg: ModbusRegister, value: number): number {
  const r = RAW_RANGE[reg.type];
  if (!r) return value;
  const a = r[0] * reg.scale + reg.offset;
  const b = r[1] * reg.scale + reg.offset;
  const lo = Math.min(a, b);
  const hi = Math.max(a, b);
  return value < lo ? lo : value > hi ? hi : value;
}
