/**
 * The Ampere partner cloud's profile and connection schemas (a ProtocolDefinition, see
 * core/common/profile.ts). A profile maps each channel of the asset to where the cloud has it:
 *   realtime  a field of GET /locations/{id}/real-time/info (`location_info.<key>`)
 *   status    a variable of POST /devices/{id}/organizations/{org}/status (`systemStatus.<key>`)
 *   alerts    `count` (active alerts) or `text` (the newest active alert's message)
 *   schedule  (rw) writing the channel sends POST …/schedule: one slot of `slotMinutes` from
 *             the current whole hour, with power = value / scale
 * Engineering value = cloud value × scale (so units and sign conventions are data: the
 * documented API does not say them; see README).
 */
import { z } from 'zod';
import { channelNameSchema, idSchema, type DeviceConfig, type ProfileChannel, type ProtocolDefinition } from '../../core/common/profile';

export const ampereCloudConnectionSchema = z
  .object({
    /** e.g. https://api-partners.ampere-energy.cloud */
    baseUrl: z.string().regex(/^https?:\/\/[^\s]+$/, 'an http:// or https:// address'),
    /** name of the secret (Administration → secrets) holding the partner x-api-key */
    apiKeySecret: idSchema,
    userName: z.string().min(1),
    /** name of the secret holding the user's password */
    passwordSecret: idSchema,
    organizationId: z.string().min(1),
    locationId: z.string().min(1),
    /** the device of the location (status, alerts, schedule); the location's only one when absent */
    deviceId: z.string().min(1).optional(),
    /** attempts per request for 5xx answers, refused connections and timeouts (default 3) */
    attempts: z.number().int().min(1).max(5).default(3),
  })
  .strict();

export type AmpereCloudConnection = z.infer<typeof ampereCloudConnectionSchema>;
export type AmpereCloudDevice = DeviceConfig & { protocol: 'ampere-cloud'; connection: AmpereCloudConnection };

export function isAmpereCloudDevice(d: DeviceConfig): d is AmpereCloudDevice {
  return d.protocol === 'ampere-cloud';
}

export const ampereCloudChannelSchema = z
  .object({
    channel: channelNameSchema,
    source: z.enum(['realtime', 'status', 'alerts', 'schedule']),
    /** the cloud's field (realtime, status), `count` or `text` (alerts); none for schedule */
    key: z.string().regex(/^[A-Za-z0-9_ ]+$/, 'a field name').optional(),
    type: z.enum(['number', 'boolean', 'string']).default('number'),
    scale: z.number().refine((v) => v !== 0 && Number.isFinite(v), 'scale must be a finite number other than 0').default(1),
    unit: z.string().default(''),
    description: z.string().optional(),
    /** schedule channels: the slot length, whole hours (the API takes YYYY-MM-DDTHH:00:00Z) */
    slotMinutes: z.number().int().min(60).max(1440).refine((m) => m % 60 === 0, 'whole hours').optional(),
  })
  .strict();

export const ampereCloudProfileSchema = z
  .object({
    id: idSchema,
    vendor: z.string(),
    model: z.string(),
    protocol: z.literal('ampere-cloud'),
    description: z.string().optional(),
    channels: z.array(ampereCloudChannelSchema).min(1),
  })
  .strict();

export type AmpereCloudProfile = z.infer<typeof ampereCloudProfileSchema>;
export type AmpereCloudChannel = z.infer<typeof ampereCloudChannelSchema>;

export const ampereCloudProtocol: ProtocolDefinition<AmpereCloudProfile> = {
  profileProtocol: 'ampere-cloud',
  connections: { 'ampere-cloud': ampereCloudConnectionSchema },
  profileSchema: ampereCloudProfileSchema,
  channels: (p) =>
    p.channels.map((c): ProfileChannel => {
      const out: ProfileChannel = { channel: c.channel, type: c.source === 'alerts' && c.key === 'text' ? 'string' : c.type, unit: c.unit, access: c.source === 'schedule' ? 'rw' : 'ro' };
      if (c.description !== undefined) out.description = c.description;
      return out;
    }),
  check: (p) => {
    const issues: { path: string; message: string }[] = [];
    p.channels.forEach((c, i) => {
      if (c.source === 'schedule') {
        if (c.key !== undefined) issues.push({ path: `channels[${i}].key`, message: 'a schedule channel has no key: writing it sends a schedule' });
        if (c.type !== 'number') issues.push({ path: `channels[${i}].type`, message: 'a schedule channel is a number (kW)' });
      } else if (c.key === undefined) issues.push({ path: `channels[${i}].key`, message: `a ${c.source} channel needs the cloud's field name in key` });
      if (c.source === 'alerts' && c.key !== undefined && c.key !== 'count' && c.key !== 'text') issues.push({ path: `channels[${i}].key`, message: 'an alerts channel is key: count or key: text' });
      if (c.slotMinutes !== undefined && c.source !== 'schedule') issues.push({ path: `channels[${i}].slotMinutes`, message: 'slotMinutes is for schedule channels' });
    });
    return issues;
  },
  channelPath: (i) => `channels[${i}]`,
};
