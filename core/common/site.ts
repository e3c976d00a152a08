/**
 * Site model: the installation (asset.02), its asset hierarchy (asset.01) and the devices
 * that serve the assets' points. Validated with zod; every error names its path in the file.
 */
import { z } from 'zod';
import { alarmsConfigSchema } from './alarms';
import { historianConfigSchema } from './historian';

const id = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_-]*$/, 'an id: a letter, then letters, digits, "_" or "-"');

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

const tcpConnection = z
  .object({
    host: z.string().min(1),
    port: z.number().int().min(0).max(65535),
    unitId: z.number().int().min(0).max(255).default(1),
  })
  .strict();

const rtuConnection = z
  .object({
    path: z.string().min(1),
    baudRate: z.number().int().positive().default(9600),
    parity: z.enum(['none', 'even', 'odd']).default('none'),
    dataBits: z.union([z.literal(7), z.literal(8)]).default(8),
    stopBits: z.union([z.literal(1), z.literal(2)]).default(1),
    unitId: z.number().int().min(0).max(255).default(1),
  })
  .strict();

/** What every device has, whatever its protocol. */
const deviceCommon = {
  id,
  name: z.string().min(1),
  /** id of a profile in assets/profiles (or the site's own profiles) */
  profile: id,
  /** the asset whose channels this device serves */
  asset: id,
  pollMs: z.number().int().min(50).default(1000),
  timeoutMs: z.number().int().min(50).default(1000),
  /** set by the embedded simulator: this device is simulated */
  simulated: z.boolean().optional(),
};

export const deviceSchema = z.discriminatedUnion('protocol', [
  z.object({ ...deviceCommon, protocol: z.literal('modbus-tcp'), connection: tcpConnection }).strict(),
  z.object({ ...deviceCommon, protocol: z.literal('modbus-rtu'), connection: rtuConnection }).strict(),
]);

export const siteSchema = z
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
    devices: z.array(deviceSchema),
    /** alarm definitions and notification settings (core/alarms) */
    alarms: alarmsConfigSchema.optional(),
    /** recording policies and retention (core/historian) */
    historian: historianConfigSchema.optional(),
    /** the plant simulator serving this site, if any */
    simulation: z
      .object({
        enabled: z.boolean(),
        /** 1 = real time; 60 = one simulated minute per second */
        speed: z.number().positive().max(3600).default(1),
        /** battery state of charge at start, % */
        initialSocPct: z.number().min(0).max(100).default(50),
      })
      .strict()
      .optional(),
  })
  .strict();

export type SiteConfig = z.infer<typeof siteSchema>;
export type AssetConfig = z.infer<typeof assetSchema>;
export type DeviceConfig = z.infer<typeof deviceSchema>;
export type SiteInput = z.input<typeof siteSchema>;

// ---------------------------------------------------------------- device profiles

export const registerTypeSchema = z.enum(['int16', 'uint16', 'int32', 'uint32', 'float32', 'bool']);
export type RegisterType = z.infer<typeof registerTypeSchema>;

export const modbusRegisterSchema = z
  .object({
    channel: z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'a channel name'),
    /** holding (FC3/6/16), input (FC4), coil (FC1/5), discrete (FC2) */
    table: z.enum(['holding', 'input', 'coil', 'discrete']),
    /** zero-based protocol address */
    address: z.number().int().min(0).max(65535),
    type: registerTypeSchema,
    /** engineering value = raw * scale + offset */
    scale: z.number().refine((v) => v !== 0, 'scale must not be 0').default(1),
    offset: z.number().default(0),
    unit: z.string().default(''),
    access: z.enum(['ro', 'rw']).default('ro'),
    /** word order of 32-bit values: big-endian (high word first) or little-endian */
    wordOrder: z.enum(['BE', 'LE']).optional(),
    /** byte order inside each 16-bit register */
    byteOrder: z.enum(['BE', 'LE']).optional(),
    description: z.string().optional(),
  })
  .strict();

export const modbusProfileSchema = z
  .object({
    id,
    vendor: z.string(),
    model: z.string(),
    protocol: z.literal('modbus'),
    description: z.string().optional(),
    wordOrder: z.enum(['BE', 'LE']).default('BE'),
    byteOrder: z.enum(['BE', 'LE']).default('BE'),
    /** largest block a read may cover, in registers (the device's limit; 125 by the spec) */
    maxBlock: z.number().int().min(1).max(125).default(125),
    /** largest gap of unused registers a block read may bridge */
    maxGap: z.number().int().min(0).max(125).default(8),
    registers: z.array(modbusRegisterSchema).min(1),
  })
  .strict();

export type ModbusProfile = z.infer<typeof modbusProfileSchema>;
export type ModbusRegister = z.infer<typeof modbusRegisterSchema>;

// ---------------------------------------------------------------- validation helpers

export interface ConfigIssue {
  /** where in the file, e.g. `devices[2].connection.port` */
  path: string;
  message: string;
}

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out || '(root)';
}

export function zodIssues(error: z.ZodError): ConfigIssue[] {
  return error.issues.map((i) => ({ path: formatPath(i.path), message: i.message }));
}

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
