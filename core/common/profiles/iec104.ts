/**
 * The IEC 60870-5-104 protocol's profile and connection schemas (a ProtocolDefinition, see
 * core/common/profile.ts). Pure data like the other protocols' (the demo site has a 104
 * device and is loaded by core tests that compose no drivers); the client is drivers/iec104.
 *
 * A profile is an IOA map: each channel reads the information object at `ioa` (monitor
 * direction, with its `kind`: single or double point, normalised, scaled or float measured
 * value, integrated total, step position or bit string) and, when writable, commands the
 * object at `command.ioa` (single, double, regulating step, set-point normalised, scaled or
 * float; direct or select-before-operate; optionally with a time tag and waiting for the
 * ActTerm). A command-only channel names the channel that shows its result (`feedback`).
 * Engineering value = raw × scale + offset (numbers).
 */
import { z } from 'zod';
import { channelNameSchema, channelStatesSchema, idSchema, type ConfigIssue, type DeviceConfig, type ProfileChannel, type ProtocolDefinition } from '../profile';

export const MONITOR_KINDS = ['single', 'double', 'normalised', 'scaled', 'float', 'counter', 'step', 'bitstring'] as const;
export const COMMAND_KINDS = ['single', 'double', 'step', 'normalised', 'scaled', 'float'] as const;

/** an information object address: 1..16,777,215 (3 octets; 0 is the station itself) */
const ioaSchema = z.number().int().min(1, 'an IOA is 1-16777215 (0 is reserved for station-wide objects)').max(16_777_215, 'an IOA has 3 octets: at most 16777215');

export const iec104CommandSchema = z
  .object({
    ioa: ioaSchema,
    kind: z.enum(COMMAND_KINDS),
    /** select before operate (the device confirms the select first) */
    sbo: z.boolean().default(false),
    /** wait for the device's ActTerm after the execute's ActCon */
    termination: z.boolean().default(false),
    /** send the time-tagged form (C_SC_TA_1, C_SE_TC_1...) */
    timeTag: z.boolean().default(false),
    /** QU of a single/double/step command (0 none, 1 short pulse, 2 long pulse, 3 persistent) or QL of a set-point */
    qualifier: z.number().int().min(0).max(127).default(0),
  })
  .strict();

export const iec104ChannelSchema = z
  .object({
    channel: channelNameSchema,
    /** the information object read (monitor direction) */
    ioa: ioaSchema.optional(),
    /** what the object is: single/double point, measured value (normalised, scaled, float), counter, step position, bit string */
    kind: z.enum(MONITOR_KINDS).optional(),
    type: z.enum(['number', 'boolean']).default('number'),
    scale: z.number().refine((v) => v !== 0, 'scale must not be 0').default(1),
    offset: z.number().default(0),
    unit: z.string().default(''),
    access: z.enum(['ro', 'rw']).default('ro'),
    description: z.string().optional(),
    states: channelStatesSchema.optional(),
    feedback: channelNameSchema.optional(),
    command: iec104CommandSchema.optional(),
  })
  .strict();

export const iec104ProfileSchema = z
  .object({
    id: idSchema,
    vendor: z.string(),
    model: z.string(),
    protocol: z.literal('iec104'),
    description: z.string().optional(),
    channels: z.array(iec104ChannelSchema).min(1),
  })
  .strict();

export type Iec104Profile = z.infer<typeof iec104ProfileSchema>;
export type Iec104Channel = z.infer<typeof iec104ChannelSchema>;
export type Iec104CommandDef = z.infer<typeof iec104CommandSchema>;

const endpointSchema = z
  .object({
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535).default(2404),
  })
  .strict();

export const iec104ConnectionSchema = z
  .object({
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535).default(2404),
    /** common address of the station (ASDU address), 1-65534 */
    commonAddress: z.number().int().min(1).max(65534),
    /** originator address, 0-255 (0 unless the device wants one) */
    originator: z.number().int().min(0).max(255).default(0),
    /** further links of a redundancy group (another port or RTU front end): one link is active, the others stand by */
    standby: z.array(endpointSchema).max(7).default([]),
    /** APCI parameters (IEC 60870-5-104 defaults k 12, w 8, t0 30 s, t1 15 s, t2 10 s, t3 20 s) */
    k: z.number().int().min(1).max(32767).default(12),
    w: z.number().int().min(1).max(32767).default(8),
    t0Ms: z.number().int().min(100).max(255_000).default(30_000),
    t1Ms: z.number().int().min(100).max(255_000).default(15_000),
    t2Ms: z.number().int().min(50).max(255_000).default(10_000),
    t3Ms: z.number().int().min(100).max(172_800_000).default(20_000),
    /** synchronise the device's clock at every start of data transfer */
    clockSync: z.boolean().default(true),
    /** interrogate the counters at start (and every `counterInterrogationMs` when given) */
    counterInterrogation: z.boolean().default(false),
    /** repeat the general interrogation this often, ms (besides at every start) */
    interrogationMs: z.number().int().min(1000).optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.w > c.k) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['w'], message: `w (${c.w}) must not exceed k (${c.k}): acknowledge before the peer's window is full` });
    if (c.t2Ms >= c.t1Ms) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['t2Ms'], message: `t2 (${c.t2Ms} ms) must be shorter than t1 (${c.t1Ms} ms)` });
    const seen = new Set([`${c.host}:${c.port}`]);
    c.standby.forEach((e, i) => {
      const key = `${e.host}:${e.port}`;
      if (seen.has(key)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['standby', i], message: `${key} is already a link of this group` });
      seen.add(key);
    });
  });

export type Iec104Connection = z.infer<typeof iec104ConnectionSchema>;
export type Iec104Device = DeviceConfig & { protocol: 'iec104'; connection: Iec104Connection };

export function isIec104Device(d: DeviceConfig): d is Iec104Device {
  return d.protocol === 'iec104';
}

export function isIec104Profile(p: { protocol: string }): p is Iec104Profile {
  return p.protocol === 'iec104';
}

function check(p: Iec104Profile): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const monitors = new Map<number, number>();
  const commands = new Map<number, number>();
  p.channels.forEach((c, i) => {
    const at = `channels[${i}]`;
    if (c.ioa === undefined && c.command === undefined) issues.push({ path: `${at}.ioa`, message: 'the information object this channel reads (ioa), or a command' });
    if (c.ioa !== undefined && c.kind === undefined) issues.push({ path: `${at}.kind`, message: `what IOA ${c.ioa} is: one of ${MONITOR_KINDS.join(', ')}` });
    if (c.ioa === undefined && c.kind !== undefined) issues.push({ path: `${at}.ioa`, message: `a ${c.kind} object needs its IOA` });
    if (c.ioa !== undefined) {
      const prev = monitors.get(c.ioa);
      if (prev !== undefined) issues.push({ path: `${at}.ioa`, message: `IOA ${c.ioa} is already read by channels[${prev}]` });
      else monitors.set(c.ioa, i);
    }
    if (c.command) {
      const prev = commands.get(c.command.ioa);
      if (prev !== undefined) issues.push({ path: `${at}.command.ioa`, message: `command IOA ${c.command.ioa} is already commanded by channels[${prev}]` });
      else commands.set(c.command.ioa, i);
      if (c.access !== 'rw') issues.push({ path: `${at}.access`, message: 'a channel with a command is writable: access rw' });
      if (c.command.kind !== 'normalised' && c.command.kind !== 'scaled' && c.command.kind !== 'float' && c.command.qualifier > 31)
        issues.push({ path: `${at}.command.qualifier`, message: `the qualifier of a ${c.command.kind} command (QU) is 0-31, not ${c.command.qualifier}` });
      if (c.command.kind === 'single' && c.type !== 'boolean' && !c.states) issues.push({ path: `${at}.type`, message: 'a single command sets on/off: type boolean, or states for 0 and 1' });
    } else if (c.access === 'rw') issues.push({ path: `${at}.command`, message: 'a writable channel needs its command (IOA and kind)' });
    if (c.type === 'boolean' && c.kind !== undefined && c.kind !== 'single') issues.push({ path: `${at}.type`, message: `a ${c.kind} object is a number, not a boolean` });
    if (c.type === 'boolean' && (c.scale !== 1 || c.offset !== 0)) issues.push({ path: `${at}.scale`, message: 'scale and offset are for numbers, not booleans' });
    if (c.kind === 'double' && c.states) {
      const bad = Object.keys(c.states).filter((k) => !['0', '1', '2', '3'].includes(k));
      if (bad.length > 0) issues.push({ path: `${at}.states`, message: `a double point has the states 0-3, not ${bad.join(', ')}` });
    }
  });
  return issues;
}

function channelOf(c: Iec104Channel): ProfileChannel {
  const out: ProfileChannel = { channel: c.channel, type: c.type, unit: c.unit, access: c.access };
  if (c.description !== undefined) out.description = c.description;
  if (c.states !== undefined) out.states = c.states;
  if (c.feedback !== undefined) out.feedback = c.feedback;
  return out;
}

export const iec104Protocol: ProtocolDefinition<Iec104Profile> = {
  profileProtocol: 'iec104',
  connections: { iec104: iec104ConnectionSchema as unknown as z.ZodType<Record<string, unknown>> },
  profileSchema: iec104ProfileSchema,
  channels: (p) => p.channels.map(channelOf),
  check,
  channelPath: (i) => `channels[${i}]`,
};
