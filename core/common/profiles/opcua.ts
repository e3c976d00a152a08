/**
 * The OPC UA protocol's profile and connection schemas (a ProtocolDefinition, see
 * core/common/profile.ts). Pure data like Modbus's (profiles/modbus.ts), so that the site
 * loader knows it by default (the demo site has an OPC UA device and is loaded by core tests
 * that compose no drivers); the client is drivers/opcua.
 *
 * A profile maps channels to nodes: `nodeId` is an OPC UA NodeId in its text form
 * (`ns=1;s=Bms.Soc`, `ns=2;i=1001`, or with the namespace URI `nsu=urn:esm:sim;s=Bms.Soc`,
 * resolved against the server's namespace array when the session opens). A channel is
 * monitored in the device's subscription (sampling interval, optional deadband); a writable
 * channel is written to its node's Value, or, with `method`, is a command that calls a
 * method of an object with the value as its input argument.
 */
import { z } from 'zod';
import { channelNameSchema, channelStatesSchema, idSchema, type ConfigIssue, type DeviceConfig, type ProfileChannel, type ProtocolDefinition } from '../profile';

/** NodeId in text form: ns=<index>;i|s|g|b=<id>, nsu=<uri>;..., or i=<n> in namespace 0 */
export const nodeIdSchema = z
  .string()
  .regex(/^(?:(?:ns=\d+|nsu=[^;]+);)?[isgb]=.+$/, 'a NodeId such as ns=1;s=Bms.Soc, ns=2;i=1001 or nsu=urn:example;s=Name');

export const opcuaChannelSchema = z
  .object({
    channel: channelNameSchema,
    /** the variable read (and, for a writable channel without method, written) */
    nodeId: nodeIdSchema.optional(),
    type: z.enum(['number', 'boolean', 'string']).default('number'),
    /** engineering value = value * scale + offset (numbers) */
    scale: z.number().refine((v) => v !== 0, 'scale must not be 0').default(1),
    offset: z.number().default(0),
    unit: z.string().default(''),
    access: z.enum(['ro', 'rw']).default('ro'),
    description: z.string().optional(),
    states: channelStatesSchema.optional(),
    feedback: channelNameSchema.optional(),
    /** sampling interval asked of the server for this item, ms (default: the profile's) */
    samplingMs: z.number().int().min(0).max(3_600_000).optional(),
    /** absolute deadband in the node's own units: changes smaller than this are not reported */
    deadband: z.number().min(0).optional(),
    /** percent deadband of the node's EURange (the server must know the range) */
    deadbandPercent: z.number().min(0).max(100).optional(),
    /** a command channel: writing calls this method (with the value as its one input argument, or none) */
    method: z
      .object({
        object: nodeIdSchema,
        method: nodeIdSchema,
        /** `value`: the written value is the input argument; `none`: the method takes none (a value of 1 or true calls it) */
        input: z.enum(['value', 'none']).default('value'),
      })
      .strict()
      .optional(),
  })
  .strict();

export const opcuaProfileSchema = z
  .object({
    id: idSchema,
    vendor: z.string(),
    model: z.string(),
    protocol: z.literal('opcua'),
    description: z.string().optional(),
    /** default sampling interval of the monitored items, ms (default: the device's pollMs) */
    samplingMs: z.number().int().min(0).max(3_600_000).optional(),
    channels: z.array(opcuaChannelSchema).min(1),
  })
  .strict();

export type OpcuaProfile = z.infer<typeof opcuaProfileSchema>;
export type OpcuaChannel = z.infer<typeof opcuaChannelSchema>;

export const SECURITY_MODES = ['None', 'Sign', 'SignAndEncrypt'] as const;
export const SECURITY_POLICIES = ['None', 'Basic256Sha256', 'Aes128_Sha256_RsaOaep'] as const;

export const opcuaConnectionSchema = z
  .object({
    /** the server's endpoint, e.g. opc.tcp://10.0.0.5:4840 */
    endpointUrl: z.string().regex(/^opc\.tcp:\/\/[^\s/:]+(:\d{1,5})?(\/.*)?$/, 'an endpoint URL opc.tcp://host:port[/path]'),
    securityMode: z.enum(SECURITY_MODES).default('None'),
    securityPolicy: z.enum(SECURITY_POLICIES).default('None'),
    /** user name and the name of the sealed secret holding its password (Administration → secrets); anonymous when absent */
    user: z.object({ name: z.string().min(1), passwordSecret: idSchema }).strict().optional(),
    /** publishing interval of the subscription, ms (default: the device's pollMs) */
    publishingMs: z.number().int().min(10).max(3_600_000).optional(),
    /** how long a session survives without its client (the server keeps it for a transfer after a break), ms */
    sessionTimeoutMs: z.number().int().min(1000).max(3_600_000).default(60_000),
  })
  .strict()
  .superRefine((c, ctx) => {
    if ((c.securityMode === 'None') !== (c.securityPolicy === 'None'))
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['securityPolicy'],
        message:
          c.securityMode === 'None'
            ? `security mode None goes with policy None, not ${c.securityPolicy}`
            : `security mode ${c.securityMode} needs a policy: Basic256Sha256 or Aes128_Sha256_RsaOaep`,
      });
  });

export type OpcuaConnection = z.infer<typeof opcuaConnectionSchema>;
export type OpcuaDevice = DeviceConfig & { protocol: 'opcua'; connection: OpcuaConnection };

export function isOpcuaDevice(d: DeviceConfig): d is OpcuaDevice {
  return d.protocol === 'opcua';
}

export function isOpcuaProfile(p: { protocol: string }): p is OpcuaProfile {
  return p.protocol === 'opcua';
}

function check(p: OpcuaProfile): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const seen = new Map<string, number>();
  p.channels.forEach((c, i) => {
    const at = `channels[${i}]`;
    if (c.method) {
      if (c.access !== 'rw') issues.push({ path: `${at}.access`, message: 'a method channel is a command: access rw' });
      if (c.deadband !== undefined || c.deadbandPercent !== undefined) issues.push({ path: `${at}.deadband`, message: 'a method channel is not monitored: no deadband' });
    } else if (c.nodeId === undefined) issues.push({ path: `${at}.nodeId`, message: 'the variable this channel reads, e.g. ns=1;s=Bms.Soc (or a method to call)' });
    if (c.nodeId !== undefined) {
      const prev = seen.get(c.nodeId);
      if (prev !== undefined) issues.push({ path: `${at}.nodeId`, message: `node ${c.nodeId} is already read by channels[${prev}]` });
      else seen.set(c.nodeId, i);
    }
    if (c.deadband !== undefined && c.deadbandPercent !== undefined) issues.push({ path: `${at}.deadbandPercent`, message: 'either an absolute deadband or a percent deadband, not both' });
    if (c.type !== 'number' && (c.scale !== 1 || c.offset !== 0)) issues.push({ path: `${at}.scale`, message: `scale and offset are for numbers, not ${c.type}` });
    if (c.type !== 'number' && (c.deadband !== undefined || c.deadbandPercent !== undefined)) issues.push({ path: `${at}.deadband`, message: `a deadband is for numbers, not ${c.type}` });
  });
  return issues;
}

function channelOf(c: OpcuaChannel): ProfileChannel {
  const out: ProfileChannel = { channel: c.channel, type: c.type, unit: c.unit, access: c.access };
  if (c.description !== undefined) out.description = c.description;
  if (c.states !== undefined) out.states = c.states;
  if (c.feedback !== undefined) out.feedback = c.feedback;
  return out;
}

export const opcuaProtocol: ProtocolDefinition<OpcuaProfile> = {
  profileProtocol: 'opcua',
  connections: { opcua: opcuaConnectionSchema as unknown as z.ZodType<Record<string, unknown>> },
  profileSchema: opcuaProfileSchema,
  channels: (p) => p.channels.map(channelOf),
  check,
  channelPath: (i) => `channels[${i}]`,
};
