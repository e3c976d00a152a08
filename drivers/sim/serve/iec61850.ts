/**
 * The simulator's IEC 61850 IEDs: every `iec61850` device of the site marked `simulated: true`
 * is served through libiec61850's server API (drivers/iec61850/sim-ied.ts) with a model built
 * at run time from its profile, when the library is available (ESM_LIBIEC61850 or the
 * device's `connection.library`). Without it the simulator says why each IED is absent and
 * drops those devices from the site it hands on, so the demo runs exactly as without them.
 *
 * Values: each channel takes the plant's value of the device's asset, or of the first child
 * asset with physics (the ES controller serves its battery); wire = (value - offset) / scale.
 * A channel the plant has no physics for (a DC breaker) is held by the IED itself.
 * Commands and setting writes go to the plant; what the plant does not model is kept by the
 * IED. Interlocking: a switch (SPC/DPC) of an IED is refused, with AddCause "blocked by
 * interlocking", unless its battery inverter is stopped (Stop = 1; without a Stop channel,
 * while it carries more than 1 kW): no switching under load.
 */
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { ProtocolRegistry } from '../../../core/common/profile';
import { buildSiteSchema, defaultProtocols, type DeviceProfile, type SiteConfig } from '../../../core/common/site';
import { isIec61850Device, isIec61850Profile, type Iec61850Device } from '../../iec61850/profile';
import { simModelFromProfile, type SimChannel, type SimIedModel } from '../../iec61850/server-model';
import { SimulatedIed } from '../../iec61850/sim-ied';
import type { Plant } from '../model/plant';

/** The protocols of the sites the simulator serves (Modbus, and IEC 61850 for its IEDs) and their site schema. */
export const simRegistry = new ProtocolRegistry(defaultProtocols);
export const simSiteSchema = buildSiteSchema(simRegistry);

/** the battery power above which a switch of the IED is interlocked, kW */
export const SWITCH_INTERLOCK_KW = 1;
/** how often the IEDs take the plant's values, wall ms */
export const PUSH_EVERY_MS = 1000;

export interface ServedIed {
  device: Iec61850Device;
  ied: SimulatedIed;
  model: SimIedModel;
  /** the plant asset whose values the IED serves */
  physics: string;
  /** values the IED holds itself (no physics), by channel, engineering units */
  local: Map<string, number | boolean>;
  interlocked: Set<string>;
}

export interface SimulatedIeds {
  served: ServedIed[];
  /** IEDs of the site that are not served, with the reason */
  absent: Array<{ deviceId: string; reason: string }>;
  /** pushes the plant's values (after each step; at most once a second) */
  step(): void;
  /** pushes them now (a client wrote to the plant: the interlocks follow at once) */
  refresh(): void;
  stop(): Promise<void>;
}

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** The library for a simulated IED, or why there is none. */
export function iedLibrary(device: Iec61850Device, env = process.env): { path: string } | { reason: string } {
  const path = device.connection.library ?? env.ESM_LIBIEC61850;
  if (!path) return { reason: 'libiec61850 is not available (set ESM_LIBIEC61850 to the path of libiec61850.so, see docs/iec61850.md)' };
  if (!existsSync(path)) return { reason: `libiec61850 is not available: ${path} does not exist` };
  return { path };
}

function physicsAsset(site: SiteConfig, assetId: string, values: Record<string, Record<string, number>>): string {
  if (values[assetId]) return assetId;
  const child = site.assets.find((a) => a.parent === assetId && values[a.id]);
  return child?.id ?? assetId;
}

function wire(c: SimChannel, v: number | boolean): number | boolean {
  if (typeof v === 'boolean' || c.type !== 'number') return v;
  return (v - c.offset) / c.scale;
}

function engineering(c: SimChannel, v: number | boolean): number | boolean {
  if (typeof v === 'boolean' || c.type !== 'number') return v;
  return v * c.scale + c.offset;
}

/** Starts the site's simulated IEDs; never throws for a missing library (the IED is absent, with its reason). */
export async function startSimulatedIeds(opts: {
  site: SiteConfig;
  profiles: ReadonlyMap<string, DeviceProfile>;
  plant: Plant;
  ephemeralPorts: boolean;
  host?: string;
  env?: NodeJS.ProcessEnv;
  /** the IED's clock (wall time), ms */
  now?: () => number;
}): Promise<SimulatedIeds> {
  const now = opts.now ?? Date.now;
  let lastPush = 0;
  const { site, plant } = opts;
  const served: ServedIed[] = [];
  const absent: SimulatedIeds['absent'] = [];
  for (const device of site.devices.filter(isIec61850Device)) {
    if (device.simulated !== true) continue;
    const profile = opts.profiles.get(device.profile);
    if (!profile || !isIec61850Profile(profile)) {
      absent.push({ deviceId: device.id, reason: profile ? `profile "${device.profile}" is not an IEC 61850 profile` : `its profile "${device.profile}" was not given to the simulator` });
      continue;
    }
    const lib = iedLibrary(device, opts.env);
    if ('reason' in lib) {
      absent.push({ deviceId: device.id, reason: lib.reason });
      continue;
    }
    const host = opts.host ?? device.connection.host;
    try {
      const model = simModelFromProfile(profile, device.connection.iedName);
      const port = opts.ephemeralPorts ? await freePort(host) : device.connection.port;
      const ied = await SimulatedIed.start({ libPath: lib.path, model, host, port });
      device.connection.port = port;
      device.connection.host = host;
      const s: ServedIed = { device, ied, model, physics: physicsAsset(site, device.asset, plant.values()), local: new Map(), interlocked: new Set() };
      for (const c of model.channels) {
        const d = model.dataObjects.find((x) => `${x.ld}/${x.ln}.${x.name}` === c.doRef);
        // a double point without physics starts closed (2), a single point off
        if (plant.values()[s.physics]?.[c.channel] === undefined) s.local.set(c.channel, d?.cdc === 'DPS' || d?.cdc === 'DPC' ? 2 : d?.cdc === 'SPS' || d?.cdc === 'SPC' ? false : 0);
      }
      ied.onEvent((e) => {
        if (e.event === 'refused') return;
        const chans = s.model.channels.filter((c) => (e.event === 'operated' ? c.control === e.doRef : c.setting && c.doRef === e.doRef));
        for (const c of chans) {
          const v = engineering(c, e.value);
          try {
            plant.write(s.physics, c.channel, typeof v === 'boolean' ? (v ? 1 : 0) : v);
          } catch {
            s.local.set(c.channel, v); // the plant does not model it: the IED holds it
          }
        }
        push(s);
      });
      served.push(s);
      console.log(`simulator: IEC 61850 IED ${device.connection.iedName || device.id} (device ${device.id}) on ${host}:${port} through libiec61850 ${ied.version}`);
    } catch (e) {
      absent.push({ deviceId: device.id, reason: (e as Error).message });
    }
  }
  for (const a of absent) console.warn(`simulator: the IEC 61850 IED of device "${a.deviceId}" is not served: ${a.reason}`);
  // the devices not served leave the site the app is given: it runs as without them
  const gone = new Set(absent.map((a) => a.deviceId));
  if (gone.size > 0) site.devices = site.devices.filter((d) => !gone.has(d.id));

  function push(s: ServedIed): void {
    const values = plant.values()[s.physics] ?? {};
    const out: Array<{ doRef: string; value: number | boolean }> = [];
    for (const c of s.model.channels) {
      const v = s.local.get(c.channel) ?? values[c.channel];
      if (v === undefined) continue;
      const w = wire(c, v);
      out.push({ doRef: c.doRef, value: w });
      if (c.control && c.control !== c.doRef) out.push({ doRef: c.control, value: w });
    }
    void s.ied.update(out, now()).catch((e: Error) => console.warn(`simulator: IED ${s.device.id}: ${e.message}`));
    // no switching under load: only with the inverter stopped
    const load = values.Stop !== undefined ? values.Stop !== 1 : Math.abs(values.ActivePower ?? 0) > SWITCH_INTERLOCK_KW;
    for (const d of s.model.dataObjects) {
      if (d.cdc !== 'SPC' && d.cdc !== 'DPC') continue;
      const ref = `${d.ld}/${d.ln}.${d.name}`;
      if (load === s.interlocked.has(ref)) continue;
      if (load) s.interlocked.add(ref);
      else s.interlocked.delete(ref);
      void s.ied.interlock(ref, load).catch(() => undefined);
    }
  }

  return {
    served,
    absent,
    step: () => {
      // an IED samples about once a second (its reports follow the changes)
      const t = now();
      if (t - lastPush < PUSH_EVERY_MS) return;
      lastPush = t;
      for (const s of served) push(s);
    },
    refresh: () => {
      for (const s of served) push(s);
    },
    stop: async () => {
      await Promise.all(served.map((s) => s.ied.stop()));
    },
  };
}
