/**
 * The composition root: the one place that joins core/ and drivers/ (docs/decisions/0001).
 * Used by the Electron main process and by the browser-mode launcher alike.
 */
import type { PdfPrinter } from '../core/kpi/pdf';
import { DeviceImporter } from '../core/config/device-import';
import { DeviceCsv } from '../core/devices';
import { scanModbusTarget } from '../drivers/modbus/scan';
import { sclConverter } from '../drivers/iec61850/scl-service';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { defaultProfileDirs, loadSite, type LoadedSite } from '../core/config/load';
import { Host, type HostOptions } from '../core/host/host';
import type { Driver } from '../core/common/bridge';
import type { KeyProvider } from '../core/security';
import { ampereCloudDriver } from '../drivers/ampere-cloud/bridge';
import { ocppDriver } from '../drivers/ocpp/bridge';
import { iec61850Driver } from '../drivers/iec61850/bridge';
import { iec104Driver } from '../drivers/iec104/bridge';
import { modbusDriver } from '../drivers/modbus/bridge';
import { opcuaDriver } from '../drivers/opcua/bridge';
import { startSimulator, type SimulatorHandle } from '../drivers/sim/serve';
import { generateDemoHistory, needsDemoHistory } from './demo-history';

/**
 * The protocols this application speaks. Adding one is a driver (drivers/<protocol>/: its
 * ProtocolDefinition and bridge factory) plus one line here; core/ does not change.
 */
export const DRIVERS: readonly Driver[] = [
  modbusDriver, // Modbus TCP and RTU
  iec61850Driver, // IEC 61850 MMS client (libiec61850, provided by the user: docs/iec61850.md)
  opcuaDriver, // OPC UA client (node-opcua): subscriptions, security, certificates, browse
  ampereCloudDriver, // the Ampere partner cloud (T-Pro households): real-time info, alerts, schedules
  iec104Driver, // IEC 60870-5-104 client: redundancy groups, GI, clock sync, commands direct and SBO
  ocppDriver, // OCPP 1.6J central system (ocpp-rpc): one WebSocket server for the site's charge points
];

export interface ComposeOptions {
  mode: 'electron' | 'browser';
  /** site file; the embedded demo site when absent */
  sitePath?: string;
  /** do not start the plant simulator even if the site enables it */
  noSim?: boolean;
  /** simulator speed override (1 = real time) */
  simSpeed?: number;
  /** bind the simulator's devices to ephemeral ports instead of the site file's */
  ephemeralSimPorts?: boolean;
  /** folder for the database, alarm journal and keys; default $ESM_DATA_DIR or ~/.es-manager/<site id> */
  dataDir?: string;
  /** where the data key comes from (the desktop shell passes Electron's safeStorage) */
  keyProvider?: KeyProvider;
  /** prints the KPI report (Electron's printToPDF in the shell; headless Chromium otherwise) */
  pdfPrinter?: PdfPrinter;
  /** serve browser mode on this address and port (port 0 = any free port) */
  web?: { bind: string; port: number };
  flushMs?: number;
  /** exports are deleted this long after they were written (default 1 h) */
  exportTtlMs?: number;
  /** the protocols; default DRIVERS (tests add their own) */
  drivers?: readonly Driver[];
  /** the plan service (on by default for a site with an energy section) */
  planning?: HostOptions['planning'];
  /**
   * the first start of a simulated site with `simulation.historyDays` fills the historian with
   * that much simulated history (demo-history.ts). The launcher and the desktop shell pass true
   * (unless --no-demo-history); default false, so a test composing the app gets an empty historian
   */
  demoHistory?: boolean;
}

export interface App {
  host: Host;
  dataDir: string;
  sim: SimulatorHandle | undefined;
  loaded: LoadedSite;
  appRoot: string;
  stop(): Promise<void>;
}

/** The folder holding assets/ (the repo root, or the packaged app's root). */
export function findAppRoot(start = __dirname): string {
  let dir = resolve(start);
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'assets', 'sites')) && existsSync(join(dir, 'package.json'))) return dir;
    dir = dirname(dir);
  }
  throw new Error(`cannot find the application root (a folder with assets/sites) above ${start}`);
}

export function appVersion(appRoot: string): string {
  try {
    return (JSON.parse(readFileSync(join(appRoot, 'package.json'), 'utf8')) as { version?: string }).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

export async function composeApp(opts: ComposeOptions): Promise<App> {
  const appRoot = findAppRoot();
  const sitePath = opts.sitePath ?? join(appRoot, 'assets', 'sites', 'demo', 'site.yaml');
  const drivers = opts.drivers ?? DRIVERS;
  let loaded = loadSite(sitePath, defaultProfileDirs(appRoot), drivers.map((d) => d.definition));
  for (const w of loaded.warnings ?? []) console.warn(`site file warning: ${w}`);
  let sim: SimulatorHandle | undefined;
  if (loaded.site.simulation?.enabled && !opts.noSim) {
    const site = opts.simSpeed !== undefined ? { ...loaded.site, simulation: { ...loaded.site.simulation, speed: opts.simSpeed } } : loaded.site;
    sim = await startSimulator({ site, profiles: loaded.profiles, ephemeralPorts: opts.ephemeralSimPorts ?? false });
    loaded = { ...loaded, site: sim.site };
  }
  const dataDir = resolve(opts.dataDir ?? process.env.ESM_DATA_DIR ?? join(homedir(), '.es-manager', loaded.site.site.id));
  if (opts.demoHistory === true && needsDemoHistory(loaded.site, dataDir, sim !== undefined)) {
    const days = loaded.site.simulation?.historyDays ?? 0;
    console.log(`demo history: first start, simulating the last ${days} days of the plant (marked as simulated)…`);
    try {
      const r = await generateDemoHistory({ site: loaded.site, points: loaded.points, dataDir, days, end: Date.now() });
      console.log(`demo history: ${r.steps} control steps, ${r.samples} samples in ${(r.wallMs / 1000).toFixed(1)} s (${(r.cpuMs / 1000).toFixed(1)} s CPU)${r.truncated ? '; stopped at its time limit' : ''}`);
    } catch (e) {
      // the app starts without it: an empty history is what a real site has
      console.error(`demo history: not generated: ${(e as Error).message}`);
    }
  }
  const hostOpts: HostOptions = {
    loaded,
    dataDir,
    bridgeFactories: drivers.map((d) => d.createFactory()),
    mode: opts.mode,
    version: appVersion(appRoot),
    ...(sim ? { simulator: sim } : {}),
    ...(opts.flushMs !== undefined ? { flushMs: opts.flushMs } : {}),
    ...(opts.planning ? { planning: opts.planning } : {}),
    ...(opts.exportTtlMs !== undefined ? { exportTtlMs: opts.exportTtlMs } : {}),
    // SCL files into the site file (devices.import.*): checked with the same loader as at start
    deviceImport: new DeviceImporter({ siteFile: sitePath, profileDirs: defaultProfileDirs(appRoot), protocols: drivers.map((d) => d.definition), converters: { scl: sclConverter } }),
    // CSV bulk registration and export (devices.csv.*) and Modbus discovery (discovery.*): the communications page
    deviceCsv: new DeviceCsv({ siteFile: sitePath, profileDirs: defaultProfileDirs(appRoot), protocols: drivers.map((d) => d.definition) }),
    modbusScanner: scanModbusTarget,
    ...(opts.keyProvider ? { keyProvider: opts.keyProvider } : {}),
    ...(opts.pdfPrinter ? { pdfPrinter: opts.pdfPrinter } : {}),
    ...(opts.web ? { web: { ...opts.web, staticDir: join(appRoot, 'dist', 'renderer') } } : {}),
  };
  const host = new Host(hostOpts);
  try {
    await host.start();
  } catch (e) {
    await host.stop().catch(() => undefined);
    await sim?.stop();
    throw e;
  }
  return {
    host,
    dataDir,
    sim,
    loaded,
    appRoot,
    async stop() {
      await host.stop();
      await sim?.stop();
    },
  };
}
