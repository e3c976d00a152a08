/**
 * The simulator's IEC 60870-5-104 devices: each `iec104` device marked `simulated: true` (the
 * demo's grid-connection RTU) is served by a controlled station (drivers/iec104/server.ts) per
 * link of its redundancy group (its port and every standby port), all holding one process
 * image, so that a client may switch from one front end to the other.
 *
 * - Monitor points are the profile's channels with an IOA, sent with their CP56Time2a forms
 *   (M_ME_TF_1, M_DP_TB_1...) spontaneously and in the plain forms in answer to a general
 *   interrogation. Their values come from the plant: the channel of the device's asset with the
 *   same name, or its source in `RTU_SOURCES` (GridActivePower is the PCC meter's ActivePower);
 *   at most once a second of wall time, and only when a value changed.
 * - Channels without physics are held by the RTU: the breaker position (closed at start), the
 *   protection trip (not tripped), the export limit (the site's grid export limit).
 * - Commands: the value goes to the channel itself or to its `feedback` channel (the breaker
 *   command moves the breaker), and to the plant when it has the channel. Closing the breaker
 *   while the protection trip is latched is refused (a negative ActCon), as a real RTU does.
 */
import type { DeviceProfile, SiteConfig } from '../../../core/common/site';
import { isIec104Device, isIec104Profile, type Iec104Channel, type Iec104Device, type Iec104Profile } from '../../../core/common/profiles/iec104';
import { Iec104Server, type MonitorType, type ReceivedCommand, type ServerCommand, type ServerPoint } from '../../iec104/server';

/** RTU channels that show a channel of the plant under another name */
export const RTU_SOURCES: Readonly<Record<string, string>> = {
  GridActivePower: 'ActivePower',
  GridReactivePower: 'ReactivePower',
  GridVoltage: 'VoltageL1',
  GridFrequency: 'Frequency',
  GridImportEnergy: 'ImportEnergy',
  GridExportEnergy: 'ExportEnergy',
};

/** how often the RTUs take the plant's values, wall ms */
export const RTU_PUSH_EVERY_MS = 1000;

const MONITOR_TYPE: Record<NonNullable<Iec104Channel['kind']>, MonitorType> = {
  single: 'M_SP_TB_1',
  double: 'M_DP_TB_1',
  normalised: 'M_ME_TD_1',
  scaled: 'M_ME_TE_1',
  float: 'M_ME_TF_1',
  counter: 'M_IT_TB_1',
  step: 'M_ST_TB_1',
  bitstring: 'M_BO_TB_1',
};

const COMMAND_TYPES: Record<NonNullable<Iec104Channel['command']>['kind'], [string, string]> = {
  single: ['C_SC_NA_1', 'C_SC_TA_1'],
  double: ['C_DC_NA_1', 'C_DC_TA_1'],
  step: ['C_RC_NA_1', 'C_RC_TA_1'],
  normalised: ['C_SE_NA_1', 'C_SE_TA_1'],
  scaled: ['C_SE_NB_1', 'C_SE_TB_1'],
  float: ['C_SE_NC_1', 'C_SE_TC_1'],
};

/** The simulated 104 devices of a site: those marked `simulated: true`. */
export function simulatedIec104Devices(site: SiteConfig): Iec104Device[] {
  return site.devices.filter((d): d is Iec104Device => isIec104Device(d) && d.simulated === true);
}

/** the raw value a monitor object carries for an engineering value, saturated like a device */
export function rawOf(c: Iec104Channel, v: number | boolean): number | boolean {
  if (c.kind === 'single') return typeof v === 'boolean' ? v : v !== 0;
  const n = typeof v === 'boolean' ? (v ? 1 : 0) : v;
  if (c.kind === 'double' || c.kind === 'bitstring') return Math.round(n);
  const raw = (n - c.offset) / c.scale;
  switch (c.kind) {
    case 'normalised':
      return Math.min(Math.max(raw, -1), 32767 / 32768);
    case 'scaled':
      return Math.min(Math.max(Math.round(raw), -32768), 32767);
    case 'counter':
      return Math.min(Math.max(Math.round(raw), -(2 ** 31)), 2 ** 31 - 1);
    case 'step':
      return Math.min(Math.max(Math.round(raw), -64), 63);
    default:
      return raw;
  }
}

interface Rtu {
  device: Iec104Device;
  profile: Iec104Profile;
  servers: Iec104Server[];
  /** engineering values held by the RTU (no physics), by channel */
  held: Map<string, number | boolean>;
}

export class SimIec104Rtus {
  readonly served: Rtu[] = [];
  private lastPush = 0;

  constructor(
    private readonly site: SiteConfig,
    profiles: ReadonlyMap<string, DeviceProfile>,
  ) {
    for (const device of simulatedIec104Devices(site)) {
      const profile = profiles.get(device.profile);
      if (!profile) {
        console.warn(`simulator: IEC 104 device "${device.id}" is not served: its profile "${device.profile}" was not given`);
        continue;
      }
      if (!isIec104Profile(profile)) throw new Error(`simulator: device "${device.id}": profile "${profile.id}" is not an iec104 profile`);
      this.served.push({ device, profile, servers: [], held: new Map() });
    }
  }

  /** channels of the served RTUs that neither the plant nor the RTU itself gives (served as 0) */
  missing(values: Readonly<Record<string, Readonly<Record<string, number>>>>): string[] {
    const out: string[] = [];
    for (const r of this.served)
      for (const c of r.profile.channels)
        if (c.ioa !== undefined && this.plantValue(r, c, values) === undefined && initialHeld(this.site, c) === undefined) out.push(`${r.device.asset}/${c.channel}`);
    return out;
  }

  /** starts a controlled station per link of each RTU; the site copy gets the ports bound */
  async start(o: { ephemeralPorts: boolean; host?: string; values: Readonly<Record<string, Readonly<Record<string, number>>>>; onWrite: (asset: string, channel: string, value: number) => void }): Promise<void> {
    try {
      for (const r of this.served) {
        const conn = r.device.connection;
        for (const c of r.profile.channels) {
          const h = initialHeld(this.site, c);
          if (h !== undefined && this.plantValue(r, c, o.values) === undefined) r.held.set(c.channel, h);
        }
        const links = [{ host: conn.host, port: conn.port }, ...conn.standby];
        for (const [i, l] of links.entries()) {
          const server = this.makeServer(r, o.values, o.onWrite, o.host ?? l.host, o.ephemeralPorts ? 0 : l.port);
          const port = await server.listen();
          r.servers.push(server);
          if (i === 0) conn.port = port;
          else (conn.standby[i - 1] as { port: number }).port = port;
          if (o.host) {
            if (i === 0) conn.host = o.host;
            else (conn.standby[i - 1] as { host: string }).host = o.host;
          }
        }
      }
    } catch (e) {
      await this.stop();
      throw e;
    }
  }

  /** the plant's values (at most once a second), to every server of every RTU */
  update(values: Readonly<Record<string, Readonly<Record<string, number>>>>, force = false): void {
    const now = Date.now();
    if (!force && now - this.lastPush < RTU_PUSH_EVERY_MS) return;
    this.lastPush = now;
    for (const r of this.served)
      for (const c of r.profile.channels) {
        if (c.ioa === undefined) continue;
        const v = this.plantValue(r, c, values) ?? r.held.get(c.channel);
        if (v === undefined) continue;
        const raw = rawOf(c, v);
        for (const s of r.servers) s.update(c.ioa, raw, { time: now });
      }
  }

  async stop(): Promise<void> {
    for (const r of this.served) {
      await Promise.all(r.servers.map((s) => s.close()));
      r.servers.length = 0;
    }
  }

  private plantValue(r: Rtu, c: Iec104Channel, values: Readonly<Record<string, Readonly<Record<string, number>>>>): number | undefined {
    const v = values[r.device.asset];
    return v?.[c.channel] ?? v?.[RTU_SOURCES[c.channel] ?? ''];
  }

  private makeServer(
    r: Rtu,
    values: Readonly<Record<string, Readonly<Record<string, number>>>>,
    onWrite: (asset: string, channel: string, value: number) => void,
    host: string,
    port: number,
  ): Iec104Server {
    const points: ServerPoint[] = [];
    const commands: ServerCommand[] = [];
    const now = Date.now();
    for (const c of r.profile.channels) {
      if (c.ioa !== undefined && c.kind !== undefined) {
        const v = this.plantValue(r, c, values) ?? r.held.get(c.channel) ?? 0;
        points.push({ ioa: c.ioa, type: MONITOR_TYPE[c.kind], value: rawOf(c, v), time: now });
      }
      if (c.command) commands.push({ ioa: c.command.ioa, types: COMMAND_TYPES[c.command.kind], sbo: c.command.sbo, termination: c.command.termination });
    }
    return new Iec104Server({ ca: r.device.connection.commonAddress, host, port, points, commands, onCommand: (cmd) => this.command(r, cmd, onWrite) });
  }

  private command(r: Rtu, cmd: ReceivedCommand, onWrite: (asset: string, channel: string, value: number) => void): true | string {
    const c = r.profile.channels.find((x) => x.command?.ioa === cmd.ioa);
    if (!c?.command) return `IOA ${cmd.ioa} is no command of this RTU`;
    const raw = typeof cmd.value === 'boolean' ? (cmd.value ? 1 : 0) : cmd.value;
    const k = c.command.kind;
    const value: number | boolean = k === 'single' ? raw === 1 : k === 'double' || k === 'step' ? raw : raw * c.scale + c.offset;
    const trip = r.profile.channels.find((x) => x.channel === 'ProtectionTrip');
    if (k === 'double' && raw === 2 && trip && r.held.get(trip.channel) === true) return 'the protection trip is latched: the breaker stays open';
    const target = c.ioa !== undefined ? c : r.profile.channels.find((x) => x.channel === c.feedback);
    try {
      onWrite(r.device.asset, c.channel, typeof value === 'boolean' ? (value ? 1 : 0) : value);
    } catch {
      // a setting the plant does not own: the RTU holds it
    }
    if (target?.ioa !== undefined) {
      r.held.set(target.channel, value);
      const out = rawOf(target, value);
      for (const s of r.servers) s.update(target.ioa, out, { time: Date.now(), force: true });
    }
    return true;
  }
}

/** what the RTU holds at start for a channel without physics */
function initialHeld(site: SiteConfig, c: Iec104Channel): number | boolean | undefined {
  if (c.kind === 'double') return 2; // a breaker or a switch: closed
  if (c.kind === 'single') return false; // a trip, an alarm: not active
  if (c.channel === 'ExportLimit') return site.energy?.grid?.exportLimitKw ?? 0;
  if (c.access === 'rw') return 0;
  return undefined;
}
