/**
 * The simulator's OPC UA devices: each simulated device of protocol `opcua` is served by a
 * node-opcua server (drivers/opcua/server.ts) on its endpoint's port (or a free one), with the
 * plant's values of its asset. Channels the model has (Soc, DcVoltage, ...) are served as they
 * are; the BMS rack supervision channels are derived from them (`derivedBmsValues`): cell
 * voltages from the DC voltage of 216 cells in series and a spread that widens towards empty
 * and full, rack currents from the battery power shared by the two racks. Writable channels
 * without physics (BalancingEnabled) are kept by the server; method calls are logged.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DeviceProfile, SiteConfig } from '../../../core/common/site';
import { isOpcuaDevice, isOpcuaProfile, type OpcuaDevice, type OpcuaProfile } from '../../opcua/profile';
import { OpcuaProfileServer } from '../../opcua/server';

/** cells in series in each rack of the demo battery (216 LiFePO4 cells, 600-780 V) */
export const CELLS_IN_SERIES = 216;

/** The simulated OPC UA devices of a site: those marked `simulated: true`. */
export function simulatedOpcuaDevices(site: SiteConfig): OpcuaDevice[] {
  return site.devices.filter((d): d is OpcuaDevice => isOpcuaDevice(d) && d.simulated === true);
}

/** Channels of a BMS that the plant model derives from the battery's own values. */
export function derivedBmsValues(v: Readonly<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  const dc = v.DcVoltage;
  if (dc !== undefined && dc > 0) {
    const avg = dc / CELLS_IN_SERIES;
    const soc = v.Soc ?? 50;
    const spread = 0.006 + 0.03 * ((soc - 50) / 50) ** 2;
    out.CellVoltageMax = Math.round((avg + spread / 2) * 1000) / 1000;
    out.CellVoltageMin = Math.round((avg - spread / 2) * 1000) / 1000;
    if (v.ActivePower !== undefined) {
      const amps = (v.ActivePower * 1000) / dc / 2;
      out.Rack1Current = Math.round(amps * 1.01 * 10) / 10;
      out.Rack2Current = Math.round(amps * 0.99 * 10) / 10;
    }
  }
  return out;
}

export interface OpcuaServed {
  device: OpcuaDevice;
  profile: OpcuaProfile;
  server: OpcuaProfileServer;
}

export class SimOpcuaServers {
  readonly served: OpcuaServed[] = [];
  private pkiDir: string | undefined;
  private lastWarning = '';

  /** builds (does not start) a server per simulated OPC UA device */
  constructor(site: SiteConfig, profiles: ReadonlyMap<string, DeviceProfile>) {
    for (const device of simulatedOpcuaDevices(site)) {
      const profile = profiles.get(device.profile);
      if (!profile) {
        // a caller that hands the simulator its Modbus profiles only gets the Modbus devices
        console.warn(`simulator: OPC UA device "${device.id}" is not served: its profile "${device.profile}" was not given`);
        continue;
      }
      if (!isOpcuaProfile(profile)) throw new Error(`simulator: device "${device.id}": profile "${profile.id}" is not an OPC UA profile`);
      this.served.push({ device, profile, server: undefined as unknown as OpcuaProfileServer });
    }
  }

  /** starts the servers; rewrites each device's endpoint with the port bound */
  async start(o: { ephemeralPorts: boolean; host?: string; onWrite: (asset: string, channel: string, value: number | boolean) => void }): Promise<void> {
    if (this.served.length === 0) return;
    this.pkiDir = mkdtempSync(join(tmpdir(), 'esm-sim-opcua-'));
    for (const s of this.served) {
      const url = new URL(s.device.connection.endpointUrl.replace(/^opc\.tcp:/, 'http:'));
      const host = o.host ?? url.hostname;
      s.server = new OpcuaProfileServer(s.profile, { pkiDir: join(this.pkiDir, s.device.id), host, port: o.ephemeralPorts ? 0 : Number(url.port || 4840), allowAnonymous: true });
      s.server.onWrite((channel, value) => {
        if (typeof value !== 'string') o.onWrite(s.device.asset, channel, value);
      });
      const port = await s.server.start();
      s.device.connection = { ...s.device.connection, endpointUrl: `opc.tcp://${host}:${port}${url.pathname === '/' ? '' : url.pathname}` };
    }
  }

  /** serves the plant's current values */
  update(values: Readonly<Record<string, Readonly<Record<string, number>>>>): void {
    for (const s of this.served) {
      if (!s.server) continue;
      const v = values[s.device.asset];
      if (!v) continue;
      const all = { ...v, ...derivedBmsValues(v) };
      for (const c of s.profile.channels) {
        if (c.method || c.access === 'rw') continue; // commands and settings the model does not own
        const x = all[c.channel];
        if (x === undefined) continue;
        try {
          s.server.set(c.channel, c.type === 'boolean' ? x !== 0 : x);
        } catch (e) {
          const msg = `simulator: ${s.device.id}/${c.channel}: ${(e as Error).message}`;
          if (msg !== this.lastWarning) console.warn(msg);
          this.lastWarning = msg;
        }
      }
    }
  }

  /** channels of the served profiles the model has no value for */
  missing(values: Readonly<Record<string, Readonly<Record<string, number>>>>): string[] {
    const out: string[] = [];
    for (const s of this.served) {
      const v = values[s.device.asset] ?? {};
      const all = { ...v, ...derivedBmsValues(v) };
      for (const c of s.profile.channels) if (!c.method && c.access !== 'rw' && all[c.channel] === undefined) out.push(`${s.device.asset}/${c.channel}`);
    }
    return out;
  }

  async stop(): Promise<void> {
    await Promise.all(this.served.map((s) => s.server?.stop()));
    if (this.pkiDir) rmSync(this.pkiDir, { recursive: true, force: true });
    this.pkiDir = undefined;
  }
}
