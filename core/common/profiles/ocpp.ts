/**
 * The OCPP 1.6J protocol's profile and connection schemas (a ProtocolDefinition, see
 * core/common/profile.ts). Pure data like the other protocols' (profiles/modbus.ts,
 * profiles/opcua.ts), so that the site loader knows it by default (the demo site's chargers
 * speak OCPP and core tests load it without composing drivers); the central system is
 * drivers/ocpp.
 *
 * OCPP inverts the link: ES Manager is the central system (a WebSocket server) and each
 * charge point connects to it with its identity. A device of the site file is one connector
 * of a charge point (`identity`, `connectorId`); the factory serves every device from one
 * server per listening address.
 *
 * A profile maps channels to what the charge point reports or is told:
 * - `measurand`: a MeterValues sampled value (Power.Active.Import, Energy.Active.Import.Register,
 *   Power.Offered, SoC, ...), optionally of one `phase`, converted to the channel's unit
 *   (W ↔ kW, Wh ↔ kWh);
 * - `source`: what the central system derives from the messages: the connector's `status`
 *   (the Evse nature's codes), its OCPP `connectorStatus`, the `transaction` (0 none,
 *   1 active; writable: RemoteStart/RemoteStopTransaction), the `availability` (0 inoperative,
 *   1 operative; writable: ChangeAvailability), the `chargingLimit` (writable: SetChargingProfile,
 *   kW), the `sessionEnergy` of the running transaction (kWh) and its `idTag`.
 */
import { z } from 'zod';
import { channelNameSchema, idSchema, type ConfigIssue, type DeviceConfig, type ProfileChannel, type ProtocolDefinition } from '../profile';
import { EVSE_STATES } from '../natures';

/** OCPP 1.6 measurands (MeterValues sampledValue.measurand) */
export const OCPP_MEASURANDS = [
  'Current.Export',
  'Current.Import',
  'Current.Offered',
  'Energy.Active.Export.Register',
  'Energy.Active.Import.Register',
  'Energy.Reactive.Export.Register',
  'Energy.Reactive.Import.Register',
  'Energy.Active.Export.Interval',
  'Energy.Active.Import.Interval',
  'Frequency',
  'Power.Active.Export',
  'Power.Active.Import',
  'Power.Factor',
  'Power.Offered',
  'Power.Reactive.Export',
  'Power.Reactive.Import',
  'RPM',
  'SoC',
  'Temperature',
  'Voltage',
] as const;

export const OCPP_PHASES = ['L1', 'L2', 'L3', 'N', 'L1-N', 'L2-N', 'L3-N', 'L1-L2', 'L2-L3', 'L3-L1'] as const;

/** OCPP 1.6 ChargePointStatus, in the order of the `connectorStatus` channel's codes */
export const OCPP_CONNECTOR_STATUSES = ['Available', 'Preparing', 'Charging', 'SuspendedEVSE', 'SuspendedEV', 'Finishing', 'Reserved', 'Unavailable', 'Faulted'] as const;
export type OcppConnectorStatus = (typeof OCPP_CONNECTOR_STATUSES)[number];

/** the connector status as the Evse nature's `Status` (0 Available, 1 Charging, 2 Faulted, 3 Unavailable) */
export function evseStatusOf(s: OcppConnectorStatus): number {
  switch (s) {
    case 'Charging':
    case 'SuspendedEVSE':
    case 'SuspendedEV':
      return 1;
    case 'Faulted':
      return 2;
    case 'Unavailable':
      return 3;
    default:
      return 0;
  }
}

export const OCPP_SOURCES = ['status', 'connectorStatus', 'transaction', 'availability', 'chargingLimit', 'sessionEnergy', 'idTag'] as const;
export type OcppSource = (typeof OCPP_SOURCES)[number];

/** sources a command may write, and what it sends */
export const OCPP_WRITABLE_SOURCES: ReadonlySet<OcppSource> = new Set(['transaction', 'availability', 'chargingLimit']);

export const ocppChannelSchema = z
  .object({
    channel: channelNameSchema,
    /** a MeterValues measurand (exclusive with `source`) */
    measurand: z.enum(OCPP_MEASURANDS).optional(),
    /** the sampled value of one phase only; default the value without a phase (or the sum the charge point reports) */
    phase: z.enum(OCPP_PHASES).optional(),
    /** what the central system derives from the messages (exclusive with `measurand`) */
    source: z.enum(OCPP_SOURCES).optional(),
    unit: z.string().default(''),
    access: z.enum(['ro', 'rw']).default('ro'),
    description: z.string().optional(),
    feedback: channelNameSchema.optional(),
  })
  .strict();

export const ocppProfileSchema = z
  .object({
    id: idSchema,
    vendor: z.string(),
    model: z.string(),
    protocol: z.literal('ocpp'),
    description: z.string().optional(),
    /** how SetChargingProfile expresses a limit: W, or A per phase at `voltageV` on `phases` */
    chargingRateUnit: z.enum(['W', 'A']).default('W'),
    phases: z.union([z.literal(1), z.literal(3)]).default(3),
    voltageV: z.number().positive().max(1000).default(230),
    /** the stack level of the profiles ES Manager sets (above the charge point's own defaults) */
    stackLevel: z.number().int().min(0).max(100).default(1),
    channels: z.array(ocppChannelSchema).min(1),
  })
  .strict();

export type OcppProfile = z.infer<typeof ocppProfileSchema>;
export type OcppChannel = z.infer<typeof ocppChannelSchema>;

/** OCPP identities: printable, no "/" (the identity is the last segment of the charge point's URL) */
const identitySchema = z.string().regex(/^[A-Za-z0-9._:*+@-]{1,48}$/, 'an OCPP identity: 1-48 letters, digits or . _ : * + @ -');

export const ocppConnectionSchema = z
  .object({
    /** the charge point's identity (the last segment of the URL it connects to) */
    identity: identitySchema,
    /** the connector of the charge point this device is; 1.. */
    connectorId: z.number().int().min(1).max(32).default(1),
    /** where the central system listens (one server per address, shared by every charge point on it) */
    host: z.string().min(1).default('127.0.0.1'),
    port: z.number().int().min(0).max(65535).default(8180),
    /**
     * OCPP security profile 1 (and 2 with `tls`): the charge point authenticates with HTTP
     * basic auth, user = identity, password = this sealed secret (Administration → secrets).
     * Without it the charge point is accepted on its identity alone (profile 0: loopback and
     * trusted networks only).
     */
    passwordSecret: idSchema.optional(),
    /** OCPP security profile 2: wss with this certificate and key (PEM files; relative paths under the driver's data folder) */
    tls: z.object({ certFile: z.string().min(1), keyFile: z.string().min(1) }).strict().optional(),
    /** the heartbeat interval told to the charge point in BootNotification, s; silent for 2 intervals + 10 s = comm-fail */
    heartbeatS: z.number().int().min(1).max(86_400).default(60),
    /** the meter sample interval asked of the charge point (ChangeConfiguration MeterValueSampleInterval), s; 0 = leave as is */
    meterSampleS: z.number().int().min(0).max(3600).default(0),
    /** the idTag of RemoteStartTransaction from ES Manager */
    idTag: z.string().min(1).max(20).default('ESMANAGER'),
    /** the idTags Authorize and StartTransaction accept besides `idTag`; every idTag when absent */
    idTags: z.array(z.string().min(1).max(20)).max(10_000).optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.tls && !c.passwordSecret)
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['passwordSecret'], message: 'security profile 2 (tls) also needs basic auth: name the sealed secret of the password' });
  });

export type OcppConnection = z.infer<typeof ocppConnectionSchema>;
export type OcppDevice = DeviceConfig & { protocol: 'ocpp'; connection: OcppConnection };

export function isOcppDevice(d: DeviceConfig): d is OcppDevice {
  return d.protocol === 'ocpp';
}

export function isOcppProfile(p: { protocol: string }): p is OcppProfile {
  return p.protocol === 'ocpp';
}

const STATES: Partial<Record<OcppSource, Record<string, string>>> = {
  status: { ...EVSE_STATES },
  connectorStatus: Object.fromEntries(OCPP_CONNECTOR_STATUSES.map((s, i) => [String(i), s])),
  transaction: { '0': 'None', '1': 'Active' },
  availability: { '0': 'Inoperative', '1': 'Operative' },
};

const SOURCE_UNIT: Partial<Record<OcppSource, string>> = { chargingLimit: 'kW', sessionEnergy: 'kWh' };

/** the units a measurand's channel may have (the charge point's value is converted) */
const UNITS_BY_KIND: Record<string, readonly string[]> = {
  Power: ['kW', 'W'],
  Energy: ['kWh', 'Wh'],
  Current: ['A'],
  Voltage: ['V'],
  Frequency: ['Hz'],
  SoC: ['%'],
  Temperature: ['°C', 'Celsius'],
  RPM: ['', 'rpm'],
};

function measurandUnits(m: string): readonly string[] {
  if (m === 'Power.Factor') return [''];
  if (m.startsWith('Power.Reactive')) return ['kvar', 'var'];
  if (m.startsWith('Energy.Reactive')) return ['kvarh', 'varh'];
  return UNITS_BY_KIND[m.split('.')[0]!] ?? [''];
}

function check(p: OcppProfile): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const seen = new Map<string, number>();
  p.channels.forEach((c, i) => {
    const at = `channels[${i}]`;
    if ((c.measurand === undefined) === (c.source === undefined)) {
      issues.push({ path: at, message: `a channel reads either a measurand (e.g. Power.Active.Import) or a source (one of: ${OCPP_SOURCES.join(', ')}), not ${c.measurand ? 'both' : 'neither'}` });
      return;
    }
    if (c.source !== undefined) {
      if (c.phase !== undefined) issues.push({ path: `${at}.phase`, message: 'a phase is for measurands' });
      if (c.access === 'rw' && !OCPP_WRITABLE_SOURCES.has(c.source))
        issues.push({ path: `${at}.access`, message: `${c.source} cannot be written; writable sources: ${[...OCPP_WRITABLE_SOURCES].join(', ')}` });
      const unit = SOURCE_UNIT[c.source];
      if (unit !== undefined && c.unit !== '' && c.unit !== unit) issues.push({ path: `${at}.unit`, message: `${c.source} is in ${unit}` });
      else if (unit === undefined && c.unit !== '') issues.push({ path: `${at}.unit`, message: `${c.source} has no unit` });
      const key = `source:${c.source}`;
      const prev = seen.get(key);
      if (prev !== undefined) issues.push({ path: `${at}.source`, message: `${c.source} is already read by channels[${prev}]` });
      else seen.set(key, i);
    } else if (c.measurand !== undefined) {
      if (c.access === 'rw') issues.push({ path: `${at}.access`, message: 'a measurand is reported by the charge point: access ro' });
      const units = measurandUnits(c.measurand);
      if (!units.includes(c.unit)) issues.push({ path: `${at}.unit`, message: `${c.measurand} is in ${units.map((u) => (u ? u : '(no unit)')).join(' or ')}, not "${c.unit}"` });
      const key = `m:${c.measurand}:${c.phase ?? ''}`;
      const prev = seen.get(key);
      if (prev !== undefined) issues.push({ path: `${at}.measurand`, message: `${c.measurand}${c.phase ? ` (${c.phase})` : ''} is already read by channels[${prev}]` });
      else seen.set(key, i);
    }
  });
  return issues;
}

function channelOf(c: OcppChannel): ProfileChannel {
  const type = c.source === 'idTag' ? 'string' : 'number';
  const out: ProfileChannel = { channel: c.channel, type, unit: c.source ? (SOURCE_UNIT[c.source] ?? '') : c.unit, access: c.access };
  if (c.description !== undefined) out.description = c.description;
  const states = c.source ? STATES[c.source] : undefined;
  if (states) out.states = { ...states };
  if (c.feedback !== undefined) out.feedback = c.feedback;
  return out;
}

export const ocppProtocol: ProtocolDefinition<OcppProfile> = {
  profileProtocol: 'ocpp',
  connections: { ocpp: ocppConnectionSchema as unknown as z.ZodType<Record<string, unknown>> },
  profileSchema: ocppProfileSchema,
  channels: (p) => p.channels.map(channelOf),
  check,
  channelPath: (i) => `channels[${i}]`,
};
