/**
 * The Ampere partner cloud bridge: a household's smart storage (T-Pro) whose data and
 * schedules go through the vendor's cloud appears as an asset like any other.
 *
 * On the shared ConnectionSupervisor: the "link" is a signed-in client (POST /login); a poll
 * reads the location's real-time info, the device's status variables when the profile maps
 * any, and its alerts; writing a schedule channel sends one slot from the current whole hour
 * through POST …/schedule (the command pipeline has already checked permissions, limits and
 * audited it). A refusal by the cloud (4xx, success: false) keeps the link; an unreachable or
 * failing cloud (after the client's own retries) drops it, so the supervisor marks every point
 * bad/comm-fail with its last value and signs in again with back-off. An expired token is
 * renewed by the client without dropping anything.
 */
import type { Bridge, BridgeContext, BridgeFactory, Driver, PointSample } from '../../core/common/bridge';
import type { PointValue } from '../../core/common/point';
import type { ProtocolDefinition } from '../../core/common/profile';
import { bridgeNow, SupervisedBridge } from '../common/supervised-bridge';
import { DEVICE_BAD, GOOD, errorText } from '../common/supervisor';
import { AmpereCloudClient, CloudRefusal, CloudContractError, type CloudAlert } from './client';
import { ampereCloudProtocol, isAmpereCloudDevice, type AmpereCloudChannel, type AmpereCloudDevice, type AmpereCloudProfile } from './profile';

export class AmpereCloudBridge extends SupervisedBridge<AmpereCloudClient> implements Bridge {
  readonly deviceId: string;
  private readonly device: AmpereCloudDevice;
  private readonly profile: AmpereCloudProfile;
  private readonly byChannel = new Map<string, AmpereCloudChannel>();
  private readonly pointIds: string[];
  private readonly now: () => number;
  private client: AmpereCloudClient | undefined;
  private cloudDeviceId: string | undefined;
  /** the power of the last schedule the cloud accepted, per channel (its readback) */
  private readonly scheduled = new Map<string, number>();

  constructor(private readonly ctx: BridgeContext) {
    super();
    const { device, profile } = ctx;
    if (!isAmpereCloudDevice(device)) throw new Error(`device ${device.id}: protocol ${device.protocol} is not ampere-cloud`);
    if (profile.protocol !== 'ampere-cloud') throw new Error(`device ${device.id}: profile ${profile.id} is not an ampere-cloud profile`);
    this.deviceId = device.id;
    this.device = device;
    this.profile = profile as AmpereCloudProfile;
    this.now = bridgeNow(ctx);
    for (const c of this.profile.channels) this.byChannel.set(c.channel, c);
    this.pointIds = this.profile.channels.map((c) => `${device.asset}/${c.channel}`);
    const c = device.connection;
    // the client retries inside one request: the supervisor's guard covers every attempt
    const attemptMs = device.timeoutMs;
    this.supervise(ctx, {
      device: { id: device.id, pollMs: device.pollMs, timeoutMs: attemptMs * c.attempts + 250 * 2 ** c.attempts },
      identity: {
        id: device.id,
        name: device.name,
        protocol: device.protocol,
        address: `${c.baseUrl} location ${c.locationId}`,
        asset: device.asset,
        profile: profile.id,
        simulated: device.simulated ?? false,
        pollMs: device.pollMs,
      },
      pointIds: this.pointIds,
      logName: 'AmpereCloudBridge',
      protocol: {
        open: () => this.open(),
        close: () => {
          this.client = undefined;
        },
        onClose: () => undefined, // HTTP has no link to lose: a failed request drops it
        poll: () => this.poll(),
        keepsLink: (e) => e instanceof CloudRefusal && e.status !== 401 && e.status !== 403,
        isTimeout: (e) => /no answer within/.test(errorText(e)),
      },
    });
  }

  async write(channel: string, value: number | boolean): Promise<void> {
    const c = this.byChannel.get(channel);
    if (!c) throw new Error(`channel ${channel}: not in profile ${this.profile.id} of device ${this.deviceId}`);
    if (c.source !== 'schedule') throw new Error(`channel ${channel}: not writable (device ${this.deviceId}); only schedule channels are`);
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`channel ${channel}: a schedule power is a number of kW, got ${String(value)}`);
    const hour = Math.floor(this.now() / 3_600_000) * 3_600_000;
    const slot = { initTime: hour, endTime: hour + (c.slotMinutes ?? 60) * 60_000, power: value / c.scale };
    try {
      await this.exchange(async (client) => client.sendSchedule(await this.deviceOf(client), this.device.connection.organizationId, [slot]));
      this.scheduled.set(channel, value);
    } catch (e) {
      throw new Error(`channel ${channel}: the schedule of ${value} kW for ${new Date(slot.initTime).toISOString().slice(0, 16)}Z was not accepted (device ${this.deviceId}): ${errorText(e)}`);
    }
  }

  /** schedule channels read back the power the cloud last accepted; the others their last value */
  read(channel: string): Promise<PointValue> {
    const c = this.byChannel.get(channel);
    if (!c) return Promise.reject(new Error(`channel ${channel}: not in profile ${this.profile.id} of device ${this.deviceId}`));
    if (c.source === 'schedule') return Promise.resolve(this.scheduled.get(channel) ?? null);
    return Promise.resolve(this.sup.lastValue(`${this.device.asset}/${channel}`) ?? null);
  }

  private exchange<T>(fn: (client: AmpereCloudClient) => Promise<T>): Promise<T> {
    return this.sup.request(async (client) => {
      const in0 = client.bytesIn;
      const out0 = client.bytesOut;
      try {
        return await fn(client);
      } finally {
        this.sup.countBytes(client.bytesOut - out0, client.bytesIn - in0);
      }
    }, this.device.timeoutMs * this.device.connection.attempts + 250 * 2 ** this.device.connection.attempts);
  }

  private open(): { ready: Promise<AmpereCloudClient>; abort(): void } {
    let aborted = false;
    const ready = async (): Promise<AmpereCloudClient> => {
      const c = this.device.connection;
      const apiKey = await this.ctx.secrets?.get(c.apiKeySecret);
      if (apiKey === undefined) throw new Error(`the secret "${c.apiKeySecret}" (the partner API key) is not stored`);
      const password = await this.ctx.secrets?.get(c.passwordSecret);
      if (password === undefined) throw new Error(`the secret "${c.passwordSecret}" (the password of ${c.userName}) is not stored`);
      const client = new AmpereCloudClient({ baseUrl: c.baseUrl, apiKey, userName: c.userName, password, timeoutMs: this.device.timeoutMs, attempts: c.attempts });
      await client.login();
      if (aborted) throw new Error('stopped while signing in');
      this.client = client;
      return client;
    };
    return {
      ready: ready(),
      abort: () => {
        aborted = true;
      },
    };
  }

  /** the cloud's device id: configured, or the location's only device */
  private async deviceOf(client: AmpereCloudClient): Promise<string> {
    if (this.cloudDeviceId) return this.cloudDeviceId;
    const c = this.device.connection;
    if (c.deviceId) return (this.cloudDeviceId = c.deviceId);
    const loc = await client.settings(c.locationId, c.organizationId);
    if (loc.devices.length !== 1) {
      throw new CloudContractError(
        `location ${c.locationId} has ${loc.devices.length} devices (${loc.devices.map((d) => d.deviceId).join(', ') || 'none'}): name one in the connection's deviceId`,
      );
    }
    return (this.cloudDeviceId = loc.devices[0]!.deviceId);
  }

  private async poll(): Promise<{ samples: PointSample[]; problem?: string }> {
    const c = this.device.connection;
    const chans = this.profile.channels;
    const wants = (s: AmpereCloudChannel['source']): boolean => chans.some((x) => x.source === s);
    const { rt, status, alerts } = await this.exchange(async (client) => {
      const rt = wants('realtime') ? await client.realTime(c.locationId) : undefined;
      const dev = wants('status') || wants('alerts') ? await this.deviceOf(client) : undefined;
      const vars = chans.filter((x) => x.source === 'status').map((x) => x.key as string);
      const status = dev !== undefined && vars.length > 0 ? await client.deviceStatus(dev, c.organizationId, vars) : undefined;
      const alerts = dev !== undefined && wants('alerts') ? await client.deviceAlerts(dev, c.organizationId) : undefined;
      return { rt, status, alerts };
    });
    const ts = this.now();
    const problems: string[] = [];
    const samples = chans.map((ch, i): PointSample => {
      const id = this.pointIds[i] as string;
      if (ch.source === 'schedule') {
        const v = this.scheduled.get(ch.channel);
        return { id, value: v ?? null, quality: GOOD, ts };
      }
      const raw = ch.source === 'realtime' ? rt?.[ch.key as string] : ch.source === 'status' ? status?.[ch.key as string] : alertValue(alerts ?? [], ch.key as 'count' | 'text');
      const v = decode(ch, raw);
      if (v === undefined) {
        problems.push(`${ch.channel}: the cloud sent ${raw === undefined ? 'no' : `an unusable (${JSON.stringify(raw)})`} ${ch.source === 'realtime' ? 'location_info' : ch.source === 'status' ? 'systemStatus' : 'alerts'} value for ${ch.key}`);
        return { id, value: this.sup.lastValue(id), quality: DEVICE_BAD, ts };
      }
      return { id, value: v, quality: GOOD, ts };
    });
    return problems.length > 0 ? { samples, problem: problems.join('; ') } : { samples };
  }
}

function alertValue(alerts: readonly CloudAlert[], key: 'count' | 'text'): number | string {
  const active = alerts.filter((a) => a.active);
  if (key === 'count') return active.length;
  const newest = [...active].sort((a, b) => (b.date ?? '').localeCompare(a.date ?? ''))[0];
  return newest ? `${newest.code ? `${newest.code}: ` : ''}${newest.message}` : '';
}

function decode(c: AmpereCloudChannel, raw: unknown): PointValue | undefined {
  if (c.source === 'alerts' && c.key === 'text') return typeof raw === 'string' ? raw : undefined;
  if (c.type === 'boolean') return typeof raw === 'boolean' ? raw : raw === 0 || raw === 1 ? raw === 1 : undefined;
  if (c.type === 'string') return typeof raw === 'string' ? raw : undefined;
  if (typeof raw !== 'number' || !Number.isFinite(raw)) return undefined;
  return Math.round(raw * c.scale * 1e9) / 1e9;
}

export const ampereCloudBridgeFactory: BridgeFactory = {
  protocols: ['ampere-cloud'],
  create: (ctx) => new AmpereCloudBridge(ctx),
};

/** The Ampere partner cloud for the composition root: `DRIVERS` in electron/compose.ts. */
export const ampereCloudDriver: Driver = {
  definition: ampereCloudProtocol as ProtocolDefinition<never>,
  createFactory: () => ampereCloudBridgeFactory,
};
