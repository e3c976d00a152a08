/**
 * Site model: the installation (asset.02), its asset hierarchy (asset.01) and the devices
 * that serve the assets' points. Validated with zod; every error names its path in the file.
 */
import { z } from 'zod';
import { alarmsConfigSchema } from './alarms';
import { historianConfigSchema } from './historian';
import { ProtocolRegistry, idSchema as id, type ConfigIssue, type ProtocolDefinition } from './profile';
import { modbusProtocol } from './profiles/modbus';
import { iec61850Protocol } from './profiles/iec61850';
import { opcuaProtocol } from './profiles/opcua';
import { iec104Protocol } from './profiles/iec104';
import { ocppProtocol } from './profiles/ocpp';
import { energyConfigSchema } from './energy';
import { controlConfigSchema } from './cycle';
import { kpiConfigSchema } from './kpi';

export * from './profile';
export * from './profiles/modbus';
export * from './profiles/opcua';
export * from './profiles/ocpp';

export const natureSchema = z.enum(['Meter', 'Ess', 'Pv', 'Load', 'Evse', 'Genset', 'Breaker', 'Controller']);

/** Asset kinds of FLEXERGY asset.01 Req1 (controllers, the equipment they control, meters, IEDs). */
export const assetKindSchema = z.enum([
  'smart-meter',
  'res-controller',
  'pv-array',
  'wind-turbine',
  'es-controller',
  'ess',
  'genset-controller',
  'genset',
  'data-concentrator',
  'ied',
  'ev-charging-manager',
  'ev-charger',
  'load-controller',
  'load',
  'controllable-load',
  'breaker',
]);

export const pointLimitsSchema = z
  .object({
    min: z.number().optional(),
    max: z.number().optional(),
    /** a value older than this is marked stale (ms); default 3 x the poll period */
    staleMs: z.number().int().positive().optional(),
    /**
     * a writable point (setpoint, mode) changed on the device by anything but ES Manager raises
     * an alarm; such a change is written to the audit log either way
     */
    alarmOnExternalChange: z.boolean().optional(),
  })
  .strict();

export const assetSchema = z
  .object({
    id,
    name: z.string().min(1),
    kind: assetKindSchema,
    nature: natureSchema,
    /** the controller that manages this asset (asset.01 Req2-5) */
    parent: id.optional(),
    /** role of a meter: at the point of common coupling, or a sub-meter */
    role: z.enum(['pcc', 'submeter']).optional(),
    /** rated values from the nameplate */
    rating: z
      .object({
        powerKw: z.number().positive().optional(),
        capacityKwh: z.number().positive().optional(),
      })
      .strict()
      .optional(),
    /** operating limits used by the command pipeline */
    limits: z
      .object({
        maxChargeKw: z.number().nonnegative().optional(),
        maxDischargeKw: z.number().nonnegative().optional(),
        socMinPct: z.number().min(0).max(100).optional(),
        socMaxPct: z.number().min(0).max(100).optional(),
        rampKwPerS: z.number().positive().optional(),
      })
      .strict()
      .optional(),
    /** per-channel engineering ranges and stale times */
    points: z.record(z.string(), pointLimitsSchema).optional(),
  })
  .strict();

/** The protocols a site file may use when no registry is given: Modbus TCP and RTU, OPC UA, IEC 61850, IEC 104, OCPP 1.6J. */
export const defaultProtocols: readonly ProtocolDefinition<never>[] = [modbusProtocol as ProtocolDefinition<never>, opcuaProtocol as ProtocolDefinition<never>, iec61850Protocol as ProtocolDefinition<never>, iec104Protocol as ProtocolDefinition<never>, ocppProtocol as ProtocolDefinition<never>];
const defaultRegistry = new ProtocolRegistry(defaultProtocols);

/** A device entry of the default protocols (Modbus); loaders use their registry's. */
export const deviceSchema = defaultRegistry.deviceSchema();

/** The site file's schema, with devices of the given protocols. */
export function buildSiteSchema(registry: ProtocolRegistry) {
  return z
  .object({
    site: z
      .object({
        id,
        name: z.string().min(1),
        /** FLEXERGY asset.02 Req1 grid types */
        gridType: z.enum(['microgrid', 'prosumer', 'power-plant']),
        timezone: z.string().min(1),
        location: z
          .object({ latitude: z.number().min(-90).max(90), longitude: z.number().min(-180).max(180) })
          .strict(),
        pcc: z
          .object({
            /** the asset (a Meter with role pcc) measuring the exchange with the grid */
            meter: id,
            contractedPowerKw: z.number().positive(),
          })
          .strict(),
      })
      .strict(),
    assets: z.array(assetSchema).min(1),
    devices: z.array(registry.deviceSchema()),
    /** alarm definitions and notification settings (core/alarms) */
    alarms: alarmsConfigSchema.optional(),
    /** recording policies and retention (core/historian) */
    historian: historianConfigSchema.optional(),
    /** energy-management parameters: what the optimiser plans with (core/common/energy.ts) */
    energy: energyConfigSchema.optional(),
    /** energy statistics and KPIs: emission factors, taxes, economics, cycle life (core/common/kpi.ts) */
    kpi: kpiConfigSchema.optional(),
    /** the control cycle and its controllers (core/cycle), highest priority first */
    control: controlConfigSchema.optional(),
    /** the plant simulator serving this site, if any */
    simulation: z
      .object({
        enabled: z.boolean(),
        /** 1 = real time; 60 = one simulated minute per second */
        speed: z.number().positive().max(3600).default(1),
        /** battery state of charge at start, % */
        initialSocPct: z.number().min(0).max(100).default(50),
        /**
         * demo sites only: on the first start (no historian file yet) the historian is filled with
         * this many days of simulated history, marked as simulated (electron/demo-history.ts)
         */
        historyDays: z.number().int().min(1).max(90).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();
}

export const siteSchema = buildSiteSchema(defaultRegistry);

export type SiteConfig = z.infer<typeof siteSchema>;
export type AssetConfig = z.infer<typeof assetSchema>;
export type SiteInput = z.input<typeof siteSchema>;

// ---------------------------------------------------------------- validation helpers

/** Cross-reference checks the schema cannot express; returns every problem at once. */
export function checkSiteReferences(site: SiteConfig, profileIds: ReadonlySet<string>): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const assetIds = new Map<string, number>();
  site.assets.forEach((a, i) => {
    if (assetIds.has(a.id)) issues.push({ path: `assets[${i}].id`, message: `duplicate asset id "${a.id}"` });
    else assetIds.set(a.id, i);
  });
  site.assets.forEach((a, i) => {
    if (a.parent !== undefined) {
      const p = assetIds.get(a.parent);
      if (p === undefined) issues.push({ path: `assets[${i}].parent`, message: `unknown asset "${a.parent}"` });
      else if (site.assets[p]?.nature !== 'Controller')
        issues.push({ path: `assets[${i}].parent`, message: `parent "${a.parent}" is not a Controller asset` });
    }
  });
  const meterIdx = assetIds.get(site.site.pcc.meter);
  if (meterIdx === undefined) issues.push({ path: 'site.pcc.meter', message: `unknown asset "${site.site.pcc.meter}"` });
  else if (site.assets[meterIdx]?.nature !== 'Meter')
    issues.push({ path: 'site.pcc.meter', message: `asset "${site.site.pcc.meter}" is not a Meter` });
  const deviceIds = new Set<string>();
  site.devices.forEach((d, i) => {
    if (deviceIds.has(d.id)) issues.push({ path: `devices[${i}].id`, message: `duplicate device id "${d.id}"` });
    deviceIds.add(d.id);
    if (!assetIds.has(d.asset)) issues.push({ path: `devices[${i}].asset`, message: `unknown asset "${d.asset}"` });
    if (!profileIds.has(d.profile))
      issues.push({ path: `devices[${i}].profile`, message: `unknown profile "${d.profile}" (known: ${[...profileIds].sort().join(', ')})` });
  });
  return issues;
}
