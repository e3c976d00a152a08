/**
 * The simulator's OPC UA devices: each simulated device of protocol `opcua` is served by a
 * node-opcua server (drivers/opcua/server.ts) on its endpoint's port (or a free one), with the
 * plant's values of its asset. Channels the model has (Soc, DcVoltage, ...) are served as they
 * are; the BMS rack supervision channels are derived from them (`derivedBmsValues`): cell
 * voltages from the DC voltage of 216 cells in series and a spread that widens towards empty
 * and full, rack currents from the battery power shared by the two racks. Writable channels
 * without physics (BalancingEnabled) are kept by the server; method calls are logged.
 *
 * Starting a node-opcua server costs about a second of CPU (it loads the standard nodeset
 * synchronously), several on a loaded machine: the servers run in a worker thread
 * (opcua-worker.ts), on ports chosen before (the site copy names them at once), so the
 * simulator and the app are ready without waiting and their thread is never stalled; the OPC
 * UA bridge connects when its server answers (its points are bad/comm-fail until then).
 * `servedReady()` resolves when every server listens (tests).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { DeviceProfile, SiteConfig } from '../../../core/common/site';
import { isOpcuaDevice, isOpcuaProfile, type OpcuaDevice, type OpcuaProfile } from '../../opcua/profile';
import type { OpcuaWorkerData } from './opcua-worker';

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
}

export class SimOpcuaServers {
  readonly served: OpcuaServed[] = [];
  private pkiDir: string | undefined;
  private lastWarning = '';
  private starting: Promise<void> = Promise.resolve();
  private worker: Worker | undefined;
  private readonly ready = new Set<string>();
  private lastValues: Readonly<Record<string, Readonly<Record<string, number>>>> | undefined;

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
      this.served.push({ device, profile });
    }
  }

  /** picks the ports, rewrites each device's endpoint with its port and starts the servers in a worker thread */
  async start(o: { ephemeralPorts: boolean; host?: string; onWrite: (asset: string, channel: string, value: number | boolean) => void }): Promise<void> {
    if (this.served.length === 0) return;
    this.pkiDir = mkdtempSync(join(tmpdir(), 'esm-sim-opcua-'));
    const devices: OpcuaWorkerData['devices'] = [];
    for (const s of this.served) {
      const url = new URL(s.device.connection.endpointUrl.replace(/^opc\.tcp:/, 'http:'));
      const host = o.host ?? url.hostname;
      const port = o.ephemeralPorts ? await freePort(host) : Number(url.port || 4840);
      s.device.connection = { ...s.device.connection, endpointUrl: `opc.tcp://${host}:${port}${url.pathname === '/' ? '' : url.pathname}` };
      devices.push({ id: s.device.id, profile: s.profile, host, port });
    }
    const worker = spawnWorker({ pkiDir: this.pkiDir, devices });
    this.worker = worker;
    const pending = new Set(devices.map((d) => d.id));
    this.starting = new Promise<void>((resolve) => {
      const done = (id: string): void => {
        pending.delete(id);
        if (pending.size === 0) resolve();
      };
      worker.on('message', (m: { type: string; device: string; channel?: string; value?: number | boolean; error?: string }) => {
        if (m.type === 'ready') {
          this.ready.add(m.device);
          if (this.lastValues) this.update(this.lastValues);
          done(m.device);
        } else if (m.type === 'failed') {
          console.error(`simulator: the OPC UA server of device "${m.device}" did not start: ${m.error}`);
          done(m.device);
        } else if (m.type === 'write' && m.channel !== undefined && m.value !== undefined) {
          const s = this.served.find((x) => x.device.id === m.device);
          if (s) o.onWrite(s.device.asset, m.channel, m.value);
        }
      });
      worker.on('error', (e) => {
        console.error(`simulator: the OPC UA worker failed: ${e.message}`);
        resolve();
      });
      worker.on('exit', () => resolve());
    });
  }

  /** resolves when every server listens (or failed to start, said on the console) */
  servedReady(): Promise<void> {
    return this.starting;
  }

  /** serves the plant's current values */
  update(values: Readonly<Record<string, Readonly<Record<string, number>>>>): void {
    this.lastValues = values;
    if (!this.worker) return;
    for (const s of this.served) {
      if (!this.ready.has(s.device.id)) continue;
      const v = values[s.device.asset];
      if (!v) continue;
      const all = { ...v, ...derivedBmsValues(v) };
      const out: Record<string, number | boolean> = {};
      for (const c of s.profile.channels) {
        if (c.method || c.access === 'rw') continue; // commands and settings the model does not own
        const x = all[c.channel];
        if (x === undefined) continue;
        out[c.channel] = c.type === 'boolean' ? x !== 0 : x;
      }
      this.worker.postMessage({ type: 'set', device: s.device.id, values: out });
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
    const w = this.worker;
    this.worker = undefined;
    if (w) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => void w.terminate().then(() => resolve()), 3000);
        w.on('message', (m: { type: string }) => {
          if (m.type === 'stopped') {
            clearTimeout(t);
            void w.terminate().then(() => resolve());
          }
        });
        w.on('exit', () => {
          clearTimeout(t);
          resolve();
        });
        w.postMessage({ type: 'stop' });
      });
    }
    if (this.pkiDir) rmSync(this.pkiDir, { recursive: true, force: true });
    this.pkiDir = undefined;
  }
}

function spawnWorker(data: OpcuaWorkerData): Worker {
  const ext = extname(__filename);
  const file = join(__dirname, `opcua-worker${ext}`);
  // development / tests: the TypeScript worker through tsx
  if (ext === '.ts') return new Worker(`require('tsx/cjs'); require(${JSON.stringify(file)});`, { eval: true, workerData: data });
  return new Worker(file, { workerData: data });
}

/** a free TCP port on the host (the OPC UA server binds it a moment later) */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const a = srv.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      srv.close(() => resolve(port));
    });
  });
}
