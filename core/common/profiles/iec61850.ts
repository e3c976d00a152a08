/**
 * IEC 61850 device profiles and connections, as a `ProtocolDefinition` (core/common/profile.ts).
 *
 * A profile maps channels to object references relative to the IED name (the device's
 * `connection.iedName` is put in front of the logical device: `LD0/MMXU1.TotW.mag.f` on IED
 * `ESC1` is `ESC1LD0/MMXU1.TotW.mag.f`). Quality and time come from the `q` and `t` of the
 * data object the reference lies in. A writable channel names how it is written: a control
 * object (SPC/DPC/INC/APC/BSC — direct or select-before-operate as the device's ctlModel says)
 * or a setting (ASG, written with its FC).
 */
import { z } from 'zod';
import { channelNameSchema, channelStatesSchema, idSchema, type ConfigIssue, type DeviceConfig, type ProfileChannel, type ProtocolDefinition } from '../profile';

/** Originator categories (IEC 61850-7-3 orCat) and their codes. */
export const OR_CAT = {
  'not-supported': 0,
  'bay-control': 1,
  'station-control': 2,
  'remote-control': 3,
  'automatic-bay': 4,
  'automatic-station': 5,
  'automatic-remote': 6,
  maintenance: 7,
  process: 8,
} as const;

const REF_PART = '[A-Za-z][A-Za-z0-9_]*';
/** `LD/LN.DO[.SDO|.DA...]`, the LD relative to the IED name */
export const objectRefSchema = z
  .string()
  .regex(new RegExp(`^[A-Za-z0-9_]+/${REF_PART}(\\.${REF_PART})+$`), 'an object reference LD/LN.DO[.DA], e.g. LD0/MMXU1.TotW.mag.f');
/** a data object reference `LD/LN.DO[.SDO]` (a control object) */
const doRefSchema = objectRefSchema;

export const FCS = ['ST', 'MX', 'SP', 'SV', 'CF', 'DC', 'SG', 'SE', 'SR', 'OR', 'BL', 'EX'] as const;
export const fcSchema = z.enum(FCS);

export const TRIGGERS = ['data-change', 'quality-change', 'data-update', 'integrity', 'gi'] as const;

export const iec61850ChannelSchema = z
  .object({
    channel: channelNameSchema,
    /** the data attribute, e.g. LD0/MMXU1.TotW.mag.f; absent for a command-stage channel */
    ref: objectRefSchema.optional(),
    /** functional constraint; derived from the attribute name when absent (mag → MX, stVal → ST, setMag → SP) */
    fc: fcSchema.optional(),
    type: z.enum(['number', 'boolean', 'string']).default('number'),
    /** engineering value = value * scale + offset (numbers) */
    scale: z.number().refine((v) => v !== 0, 'scale must not be 0').default(1),
    offset: z.number().default(0),
    unit: z.string().default(''),
    access: z.enum(['ro', 'rw']).default('ro'),
    description: z.string().optional(),
    states: channelStatesSchema.optional(),
    feedback: channelNameSchema.optional(),
    /** written through this control object (LD/LN.DO): SBO or direct as the device's ctlModel says */
    control: z.object({ object: doRefSchema }).strict().optional(),
    /** written as a setting (ASG/ING/SPG): the attribute and its FC */
    setting: z.object({ ref: objectRefSchema, fc: z.enum(['SP', 'SE', 'SG', 'CF', 'DC']) }).strict().optional(),
    /** this text channel shows the stages of commands to that channel (selected, operated, terminated, refused: ...) */
    commandStageOf: channelNameSchema.optional(),
  })
  .strict();

export const reportSettingsSchema = z
  .object({
    /** the report control block, e.g. LD0/LLN0.BR.brcbMeasurements01 (relative to the IED name) */
    rcb: z.string().regex(new RegExp(`^[A-Za-z0-9_]+/${REF_PART}\\.(BR|RP)\\.${REF_PART}$`), 'an RCB reference LD/LN.BR.name or LD/LN.RP.name'),
    trgOps: z.array(z.enum(TRIGGERS)).min(1).optional(),
    intgPdMs: z.number().int().min(0).optional(),
  })
  .strict();

export const iec61850ProfileSchema = z
  .object({
    id: idSchema,
    vendor: z.string(),
    model: z.string(),
    protocol: z.literal('iec61850'),
    description: z.string().optional(),
    /**
     * `auto`: use the server's report control blocks whose data sets cover channels, poll
     * the rest; `off`: poll everything; or the RCBs to use.
     */
    reports: z.union([z.literal('auto'), z.literal('off'), z.array(reportSettingsSchema).min(1)]).default('auto'),
    /** integrity period asked of RCBs enabled automatically (0 = none) */
    integrityMs: z.number().int().min(0).default(10_000),
    /** buffered RCBs that have ResvTms (edition 2): seconds they stay reserved for this client after a lost link (0 = not asked) */
    reserveS: z.number().int().min(0).max(32_767).default(60),
    channels: z.array(iec61850ChannelSchema).min(1),
  })
  .strict();

export type Iec61850Profile = z.infer<typeof iec61850ProfileSchema>;
export type Iec61850Channel = z.infer<typeof iec61850ChannelSchema>;

export const iec61850ConnectionSchema = z
  .object({
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535).default(102),
    /** put in front of each profile reference's logical device ("" when the LD names are complete) */
    iedName: z.string().regex(/^[A-Za-z0-9_]*$/, 'letters, digits and "_"').default(''),
    connectTimeoutMs: z.number().int().min(100).max(60_000).default(3000),
    /** originator of commands (orIdent, orCat) */
    orIdent: z.string().max(64).default('ES Manager'),
    orCat: z.enum(Object.keys(OR_CAT) as [keyof typeof OR_CAT, ...Array<keyof typeof OR_CAT>]).default('station-control'),
    /** absolute path of libiec61850 (else ESM_LIBIEC61850, else the copy shipped beside the app) */
    library: z.string().min(1).optional(),
    /**
     * TLS (IEC 62351-3, usually port 3782) through libiec61850's TLS configuration. Files are
     * PEM, relative to the app's certificate store `<data folder>/drivers/iec61850/pki/` (or
     * absolute); the key's password is a sealed secret named by `keyPasswordSecret`.
     */
    tls: z
      .object({
        ca: z.string().min(1),
        cert: z.string().min(1).optional(),
        key: z.string().min(1).optional(),
        keyPasswordSecret: z.string().min(1).optional(),
        /** check the server's chain against the CA (default true) */
        chainValidation: z.boolean().default(true),
      })
      .strict()
      .refine((t) => (t.cert === undefined) === (t.key === undefined), { message: 'give both cert and key (client authentication) or neither', path: ['key'] })
      .optional(),
  })
  .strict();

export type Iec61850Connection = z.infer<typeof iec61850ConnectionSchema>;
export type Iec61850Device = DeviceConfig & { protocol: 'iec61850'; connection: Iec61850Connection };

export function isIec61850Device(d: DeviceConfig): d is Iec61850Device {
  return d.protocol === 'iec61850';
}

export function isIec61850Profile(p: { protocol: string }): p is Iec61850Profile {
  return p.protocol === 'iec61850';
}

/** The FC of a channel: given, or derived from the attribute name. */
export function channelFc(c: Pick<Iec61850Channel, 'ref' | 'fc'>): (typeof FCS)[number] | undefined {
  if (c.fc) return c.fc;
  const parts = (c.ref ?? '').split('.');
  for (const p of parts.slice(1)) {
    if (p === 'mag' || p === 'cVal' || p === 'instMag' || p === 'instCVal' || p === 'mxVal' || p === 'actVal' || p === 'frVal') return 'MX';
    if (p === 'stVal' || p === 'general' || p === 'dirGeneral' || p === 'valWTr') return 'ST';
    if (p === 'setMag' || p === 'setVal' || p === 'setCal') return 'SP';
  }
  return undefined;
}

function check(p: Iec61850Profile): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  p.channels.forEach((c, i) => {
    const at = `channels[${i}]`;
    if (c.commandStageOf !== undefined) {
      if (c.ref !== undefined) issues.push({ path: `${at}.ref`, message: 'a command-stage channel has no reference: the driver writes it' });
      if (c.type !== 'string') issues.push({ path: `${at}.type`, message: 'a command-stage channel is of type string' });
      const target = p.channels.find((o) => o.channel === c.commandStageOf);
      if (!target || target.access !== 'rw') issues.push({ path: `${at}.commandStageOf`, message: `"${c.commandStageOf}" is not a writable channel of this profile` });
      return;
    }
    if (c.ref === undefined) {
      issues.push({ path: `${at}.ref`, message: 'the data attribute this channel reads, e.g. LD0/MMXU1.TotW.mag.f' });
      return;
    }
    if (!channelFc(c)) issues.push({ path: `${at}.fc`, message: `give the functional constraint of ${c.ref} (it cannot be derived from the name)` });
    if (c.access === 'rw' && !c.control && !c.setting)
      issues.push({ path: `${at}.access`, message: 'a writable channel says how it is written: control (a control object) or setting (an attribute and its FC)' });
    if (c.access === 'ro' && (c.control || c.setting)) issues.push({ path: `${at}.access`, message: 'a channel with control or setting is writable: access rw' });
    if (c.control && c.setting) issues.push({ path: `${at}.setting`, message: 'either control or setting, not both' });
    if (c.type !== 'number' && (c.scale !== 1 || c.offset !== 0)) issues.push({ path: `${at}.scale`, message: `scale and offset are for numbers, not ${c.type}` });
  });
  return issues;
}

function channelOf(c: Iec61850Channel): ProfileChannel {
  const out: ProfileChannel = { channel: c.channel, type: c.type, unit: c.unit, access: c.commandStageOf ? 'ro' : c.access };
  if (c.description !== undefined) out.description = c.description;
  if (c.states !== undefined) out.states = c.states;
  if (c.feedback !== undefined) out.feedback = c.feedback;
  return out;
}

export const iec61850Protocol: ProtocolDefinition<Iec61850Profile> = {
  profileProtocol: 'iec61850',
  connections: { iec61850: iec61850ConnectionSchema },
  profileSchema: iec61850ProfileSchema,
  channels: (p) => p.channels.map(channelOf),
  check,
  channelPath: (i) => `channels[${i}]`,
};
