/**
 * The "line" protocol's profile and connection schemas (a ProtocolDefinition, see
 * core/common/profile.ts). Declared here, beside its driver: core/ does not know it.
 */
import { z } from 'zod';
import { channelNameSchema, channelStatesSchema, idSchema, type DeviceConfig, type ProfileChannel, type ProtocolDefinition } from '../../core/common/profile';

export const lineConnectionSchema = z
  .object({
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535),
    /** name of a secret (Administration → secrets) sent as `AUTH <secret>` after connecting */
    passwordSecret: idSchema.optional(),
  })
  .strict();

export type LineConnection = z.infer<typeof lineConnectionSchema>;
export type LineDevice = DeviceConfig & { protocol: 'line-tcp'; connection: LineConnection };

export function isLineDevice(d: DeviceConfig): d is LineDevice {
  return d.protocol === 'line-tcp';
}

export const lineChannelSchema = z
  .object({
    channel: channelNameSchema,
    /** the device's name for the value: letters, digits, `_`, `.` */
    key: z.string().regex(/^[A-Za-z0-9_.]+$/, 'a key: letters, digits, "_" or "."'),
    type: z.enum(['number', 'boolean']).default('number'),
    /** engineering value = raw * scale */
    scale: z.number().refine((v) => v !== 0, 'scale must not be 0').default(1),
    unit: z.string().default(''),
    access: z.enum(['ro', 'rw']).default('ro'),
    description: z.string().optional(),
    states: channelStatesSchema.optional(),
    feedback: channelNameSchema.optional(),
  })
  .strict();

export const lineProfileSchema = z
  .object({
    id: idSchema,
    vendor: z.string(),
    model: z.string(),
    protocol: z.literal('line'),
    description: z.string().optional(),
    channels: z.array(lineChannelSchema).min(1),
  })
  .strict();

export type LineProfile = z.infer<typeof lineProfileSchema>;
export type LineChannel = z.infer<typeof lineChannelSchema>;

export const lineProtocol: ProtocolDefinition<LineProfile> = {
  profileProtocol: 'line',
  connections: { 'line-tcp': lineConnectionSchema },
  profileSchema: lineProfileSchema,
  channels: (p) =>
    p.channels.map((c): ProfileChannel => {
      const out: ProfileChannel = { channel: c.channel, type: c.type, unit: c.unit, access: c.access };
      if (c.description !== undefined) out.description = c.description;
      if (c.states !== undefined) out.states = c.states;
      if (c.feedback !== undefined) out.feedback = c.feedback;
      return out;
    }),
  check: (p) => {
    const seen = new Map<string, number>();
    const issues: { path: string; message: string }[] = [];
    p.channels.forEach((c, i) => {
      const prev = seen.get(c.key);
      if (prev !== undefined) issues.push({ path: `channels[${i}].key`, message: `key "${c.key}" is already read by channels[${prev}]` });
      seen.set(c.key, i);
    });
    return issues;
  },
  channelPath: (i) => `channels[${i}]`,
};
