/**
 * Runs the plant model and serves every simulated device of a site over real Modbus TCP, one
 * ModbusProfileServer (drivers/modbus/server.ts) per device.
 *
 * Threading: the model and the servers run in the caller's event loop. A step of the demo
 * plant plus the register images of its 7 devices costs a few tens of µs (see README.md,
 * "Cost of a step"), far below the few-ms budget of the process that serves the UI; the
 * Modbus requests are socket I/O. A worker thread would add a message hop per client write
 * for no gain at this size; move it there if a site grows to hundreds of devices.
 */
import type { SimSetReq, SimState } from '../../../core/common/api/contract';
import { isModbusProfile, isModbusTcpDevice, type DeviceProfile, type ModbusProfile, type ModbusTcpDevice, type SiteConfig } from '../../../core/common/site';
import { realScheduler, type Scheduler } from '../../../core/common/clock';
import { ModbusProfileServer } from '../../modbus/server';
import { Plant } from '../model/plant';
import { startSimulatedIeds, type SimulatedIeds } from './iec61850';
import { clampToRegister, plantConfigFromSite } from './mapping';
import { SimOpcuaServers } from './opcua';
import { SimIec104Rtus } from './iec104';
import { startSimChargePoints, type SimChargePoints } from './ocpp';

export interface SimulatorOptions {
  site: SiteConfig;
  /** the site's profiles; the simulator serves the Modbus ones */
  profiles: ReadonlyMap<string, DeviceProfile>;
  /** bind every device to a free port instead of the site file's (tests, parallel runs) */
  ephemeralPorts?: boolean;
  /** address to bind; default each device's connection host (127.0.0.1 in the demo) */
  host?: string;
  /** seed of the plant's noise and EV schedule; default 1 */
  seed?: number;
  /** real time between steps, ms; default 200 */
  stepMs?: number;
  /** simulated clock at start, ms since epoch; default now */
  startTime?: number;
  /** the step timer and the real time it measures; default the real ones (a virtual one runs the plant faster than real time) */
  scheduler?: Scheduler;
  /** passwords of simulated OCPP charge points with a `passwordSecret`, by identity */
  ocppPasswords?: Readonly<Record<string, string>>;
}

export type SimSettable = SimSetReq;

export interface SimWrite {
  asset: string;
  channel: string;
  value: number;
}

export interface SimulatorHandle {
  /** a copy of the site with the ports actually bound */
  site: SiteConfig;
  get(): SimState;
  set(p: SimSettable): SimState;
  onChange(cb: (s: SimState) => void): () => void;
  /** every write a client made into the plant (Modbus, OPC UA, IEC 61850), before the model takes it */
  onWrite(cb: (w: SimWrite) => void): () => void;
  /** resolves when the servers started in the background (OPC UA) listen */
  ready(): Promise<void>;
  /** current physical values, for tests: summary, every asset's channels, step cost */
  plant(): Readonly<Record<string, unknown>>;
  stop(): Promise<void>;
}

interface Served {
  device: ModbusTcpDevice;
  profile: ModbusProfile;
  server: ModbusProfileServer;
}

/** the largest real-time gap one step may cover (after the event loop stalled), ms */
const MAX_CATCH_UP_MS = 2000;
/** how often onChange listeners hear about the clock moving, real ms */
const CHANGE_EVERY_MS = 1000;

/** Which devices the simulator serves: those marked `simulated: true`, or all TCP ones if none is. */
export function simulatedDevices(site: SiteConfig): ModbusTcpDevice[] {
  const tcp = site.devices.filter(isModbusTcpDevice);
  const marked = tcp.filter((d) => d.simulated === true);
  return marked.length > 0 ? marked : tcp;
}

export async function startSimulator(opts: SimulatorOptions): Promise<SimulatorHandle> {
  const site = structuredClone(opts.site);
  const seed = opts.seed ?? 1;
  const stepMs = opts.stepMs ?? 200;
  if (!(stepMs >= 10)) throw new Error(`stepMs must be at least 10 ms, got ${stepMs}`);
  const { config, warnings } = plantConfigFromSite(site, seed);
  for (const w of warnings) console.warn(`simulator: ${w}`);
  const scheduler = opts.scheduler ?? realScheduler;
  const plant = new Plant(config, opts.startTime ?? scheduler.now());
  // every write into the physics, whatever protocol brought it (tests prove who writes: a study never does)
  const writeListeners = new Set<(w: SimWrite) => void>();
  const modelWrite = plant.write.bind(plant);
  plant.write = (asset: string, channel: string, value: number): void => {
    for (const l of writeListeners) l({ asset, channel, value });
    modelWrite(asset, channel, value);
  };
  let speed = site.simulation?.speed ?? 1;

  const served: Served[] = [];
  const toServe = simulatedDevices(site);
  const ports = new Map<number, string>();
  for (const device of toServe) {
    const profile = opts.profiles.get(device.profile);
    if (!profile) throw new Error(`simulator: device "${device.id}": unknown profile "${device.profile}"`);
    if (!isModbusProfile(profile)) throw new Error(`simulator: device "${device.id}": profile "${profile.id}" is not a Modbus profile`);
    if (!opts.ephemeralPorts) {
      const other = ports.get(device.connection.port);
      if (other) throw new Error(`simulator: devices "${other}" and "${device.id}" share port ${device.connection.port}; give each simulated device its own port`);
      ports.set(device.connection.port, device.id);
    }
    const server = new ModbusProfileServer(profile, {
      host: opts.host ?? device.connection.host,
      port: opts.ephemeralPorts ? 0 : device.connection.port,
      unitId: device.connection.unitId,
    });
    served.push({ device, profile, server });
  }
  // simulated OPC UA devices (the BMS rack supervision of the demo): one node-opcua server each
  const opcua = new SimOpcuaServers(site, opts.profiles);
  const missing = new Set<string>();
  const values0 = plant.values();
  for (const m of opcua.missing(values0)) missing.add(m);
  // simulated IEC 104 RTUs (the demo's grid-connection RTU): a controlled station per link
  const rtus = new SimIec104Rtus(site, opts.profiles);
  for (const m of rtus.missing(values0)) missing.add(m);
  for (const s of served)
    for (const r of s.profile.registers)
      if (values0[s.device.asset]?.[r.channel] === undefined) missing.add(`${s.device.asset}/${r.channel}`);
  if (missing.size > 0) console.warn(`simulator: no physics for ${[...missing].join(', ')} (served as 0)`);

  // client writes feed the model; a refused value is put back at the next step
  const unsubs: Array<() => void> = [];
  // the IEC 61850 IEDs (started below, after the Modbus servers)
  let ieds: SimulatedIeds | undefined;
  for (const s of served) {
    unsubs.push(
      s.server.onWrite((channel, value) => {
        try {
          plant.write(s.device.asset, channel, typeof value === 'boolean' ? (value ? 1 : 0) : value);
        } catch (e) {
          console.warn(`simulator: device "${s.device.id}" refused ${channel} = ${String(value)}: ${(e as Error).message}`);
        }
        writeImages(s);
        ieds?.refresh();
      }),
    );
  }

  let lastError = '';
  function writeImages(s: Served): void {
    const v = plant.values()[s.device.asset];
    if (!v) return;
    for (const r of s.profile.registers) {
      const x = v[r.channel];
      if (x === undefined) continue;
      try {
        s.server.set(r.channel, r.type === 'bool' ? x !== 0 : clampToRegister(r, x));
      } catch (e) {
        const msg = `simulator: ${s.device.id}/${r.channel}: ${(e as Error).message}`;
        if (msg !== lastError) console.warn(msg);
        lastError = msg;
      }
    }
  }

  // step cost statistics (model + register images), µs
  let steps = 0;
  let costSumUs = 0;
  let costMaxUs = 0;
  const now = (): number => performance.now();

  // the OCPP charge points (clients of the app's central system), started below
  const ocpp: { chargePoints?: SimChargePoints } = {};

  function advance(dtS: number): void {
    const t0 = now();
    plant.step(dtS);
    for (const s of served) writeImages(s);
    opcua.update(plant.values());
    rtus.update(plant.values());
    ocpp.chargePoints?.tick();
    const us = (now() - t0) * 1000;
    steps++;
    costSumUs += us;
    if (us > costMaxUs) costMaxUs = us;
  }

  // a first step so that the images hold plausible values before any client connects
  advance(1e-3);

  try {
    for (const s of served) {
      const port = await s.server.start();
      s.device.connection.port = port;
      if (opts.host) s.device.connection.host = opts.host;
      s.device.simulated = true;
    }
    await opcua.start({
      ephemeralPorts: opts.ephemeralPorts ?? false,
      ...(opts.host ? { host: opts.host } : {}),
      onWrite: (asset, channel, value) => {
        try {
          plant.write(asset, channel, typeof value === 'boolean' ? (value ? 1 : 0) : value);
        } catch {
          // a setting the model does not own (BalancingEnabled): the OPC UA server keeps it
        }
      },
    });
    opcua.update(plant.values());
    await rtus.start({
      ephemeralPorts: opts.ephemeralPorts ?? false,
      ...(opts.host ? { host: opts.host } : {}),
      values: plant.values(),
      onWrite: (asset, channel, value) => plant.write(asset, channel, value),
    });
  } catch (e) {
    for (const u of unsubs) u();
    await Promise.all(served.map((s) => s.server.stop()));
    await opcua.stop();
    await rtus.stop();
    throw new Error(`simulator: cannot start the device servers: ${(e as Error).message}`);
  }

  // IEC 61850 IEDs through libiec61850's server API when the library is there; otherwise
  // they are absent (the reason printed) and leave the site
  try {
    ieds = await startSimulatedIeds({ site, profiles: opts.profiles, plant, ephemeralPorts: opts.ephemeralPorts ?? false, ...(opts.host ? { host: opts.host } : {}), now: () => scheduler.now() });
  } catch (e) {
    for (const u of unsubs) u();
    await Promise.all(served.map((s) => s.server.stop()));
    await opcua.stop();
    await rtus.stop();
    throw e;
  }
  ieds.step();

  // the charge points connect to ES Manager's central system (retrying until it listens)
  ocpp.chargePoints = await startSimChargePoints({ site, plant, ephemeralPorts: opts.ephemeralPorts ?? false, now: () => scheduler.now(), ...(opts.ocppPasswords ? { passwords: opts.ocppPasswords } : {}) });

  let running = true;
  const listeners = new Set<(s: SimState) => void>();
  const state = (): SimState => ({
    running,
    speed,
    simTime: plant.time,
    pvFactor: plant.env.pvFactor,
    loadStepKw: plant.env.loadStepKw,
    batteryTempOffsetC: plant.env.batteryTempOffsetC,
  });
  const emit = (): void => {
    const s = state();
    for (const cb of listeners) {
      try {
        cb(s);
      } catch (e) {
        console.error('simulator: onChange listener failed:', e);
      }
    }
  };

  let last = scheduler.now();
  let lastEmit = last;
  const cancelTimer = scheduler.setInterval(() => {
    const t = scheduler.now();
    const realMs = Math.min(t - last, MAX_CATCH_UP_MS);
    last = t;
    advance((realMs / 1000) * speed);
    ieds.step();
    if (t - lastEmit >= CHANGE_EVERY_MS) {
      lastEmit = t;
      emit();
    }
  }, stepMs);

  return {
    site,
    get: state,
    ready: () => opcua.servedReady(),
    set(p: SimSettable): SimState {
      const env: Parameters<Plant['setEnv']>[0] = {};
      if (p.pvFactor !== undefined) env.pvFactor = p.pvFactor;
      if (p.loadStepKw !== undefined) env.loadStepKw = p.loadStepKw;
      if (p.batteryTempOffsetC !== undefined) env.batteryTempOffsetC = p.batteryTempOffsetC;
      plant.setEnv(env);
      if (p.speed !== undefined) {
        if (!(p.speed > 0 && p.speed <= 3600)) throw new Error(`speed must be in (0, 3600], got ${p.speed}`);
        speed = p.speed;
      }
      if (p.toWallTime) {
        // the physics keep their state (SoC, temperatures); only the clock goes back to the wall's
        const t = scheduler.now();
        plant.setTime(t);
        last = t;
        speed = 1;
        for (const s of served) writeImages(s);
      }
      emit();
      return state();
    },
    onWrite(cb: (w: SimWrite) => void): () => void {
      writeListeners.add(cb);
      return () => {
        writeListeners.delete(cb);
      };
    },
    onChange(cb: (s: SimState) => void): () => void {
      listeners.add(cb);
      return () => {
        listeners.delete(cb);
      };
    },
    plant(): Readonly<Record<string, unknown>> {
      return {
        ...plant.summary(),
        localHour: plant.localTime.hour,
        assets: plant.values(),
        steps,
        stepMeanUs: steps > 0 ? costSumUs / steps : 0,
        stepMaxUs: costMaxUs,
        iec61850: { served: ieds.served.map((s) => s.device.id), absent: ieds.absent },
        ocpp: ocpp.chargePoints?.chargePoints.map((cp) => ({ identity: cp.identity, connected: cp.connected, booted: cp.isBooted, lastError: cp.lastError ?? null })) ?? [],
      };
    },
    async stop(): Promise<void> {
      if (!running) return;
      running = false;
      cancelTimer();
      for (const u of unsubs) u();
      await Promise.all(served.map((s) => s.server.stop()));
      await opcua.stop();
      await rtus.stop();
      await ieds.stop();
      await ocpp.chargePoints?.stop();
      emit();
      listeners.clear();
    },
  };
}
