/**
 * Runs the plant simulator standalone, for technicians testing with mbpoll or a SCADA:
 *
 *   node dist/drivers/sim/serve/main.js --site assets/sites/demo/site.yaml [--speed 60]
 *
 * Options:
 *   --site FILE       site file (YAML or JSON); default: the embedded demo site
 *   --profiles DIR    extra profile folder (repeatable); assets/profiles and the site's
 *                     profiles/ folder are always read
 *   --speed N         simulated seconds per real second (1..3600); default the site's
 *   --seed N          seed of the noise and EV schedule; default 1
 *   --host ADDR       bind address; default each device's host (127.0.0.1)
 *   --ephemeral       bind free ports instead of the site's
 *   --status-s N      print a status line every N real seconds (0 = never); default 10
 *
 * Then, e.g.:  mbpoll -m tcp -p 15021 -t 3 -r 1 -c 3 127.0.0.1   (PCS input registers 0..2)
 * (mbpoll numbers registers from 1: protocol address 0 is -r 1.)
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { resolveAlarmSetpointRefs } from '../../../core/common/alarms';
import { checkSiteReferences, modbusProfileSchema, opcuaProfileSchema, zodIssues, type DeviceProfile, type SiteConfig } from '../../../core/common/site';
import { simRegistry, simSiteSchema } from './iec61850';
import { isIec104Device } from '../../../core/common/profiles/iec104';
import { startSimulator } from './simulator';

interface Args {
  site?: string;
  profiles: string[];
  speed?: number;
  seed?: number;
  host?: string;
  ephemeral: boolean;
  statusS: number;
}

function usage(msg?: string): never {
  if (msg) console.error(`error: ${msg}`);
  console.error('usage: main.js [--site FILE] [--speed N] [--seed N] [--host ADDR] [--ephemeral] [--profiles DIR] [--status-s N]');
  process.exit(2);
}

function parseArgs(argv: string[]): Args {
  const a: Args = { profiles: [], ephemeral: false, statusS: 10 };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const next = (): string => {
      const v = argv[++i];
      if (v === undefined) usage(`${k} needs a value`);
      return v;
    };
    const num = (): number => {
      const v = Number(next());
      if (!Number.isFinite(v)) usage(`${k} needs a number`);
      return v;
    };
    if (k === '--site') a.site = next();
    else if (k === '--profiles') a.profiles.push(next());
    else if (k === '--speed') a.speed = num();
    else if (k === '--seed') a.seed = num();
    else if (k === '--host') a.host = next();
    else if (k === '--ephemeral') a.ephemeral = true;
    else if (k === '--status-s') a.statusS = num();
    else if (k === '--help' || k === '-h') usage();
    else usage(`unknown option ${k}`);
  }
  if (a.speed !== undefined && !(a.speed > 0 && a.speed <= 3600)) usage('--speed must be in (0, 3600]');
  return a;
}

/** the folder holding assets/profiles, searched upwards from here (works from src and dist) */
function appRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'assets', 'profiles'))) return dir;
    dir = dirname(dir);
  }
  return process.cwd();
}

function readData(file: string): unknown {
  const text = readFileSync(file, 'utf8');
  return /\.json$/i.test(file) ? JSON.parse(text) : parse(text);
}

function loadProfiles(dirs: string[]): Map<string, DeviceProfile> {
  const out = new Map<string, DeviceProfile>();
  for (const dir of dirs) {
    if (!existsSync(dir) || !statSync(dir).isDirectory()) continue;
    for (const name of readdirSync(dir).sort()) {
      if (!/\.(ya?ml|json)$/i.test(name)) continue;
      const file = join(dir, name);
      const data: unknown = readData(file);
      // the simulator serves Modbus and OPC UA profiles, IEC 61850 ones for its IEDs and IEC 104 ones for its RTUs; other protocols' profiles are their drivers' business
      const protocol = (data as { protocol?: unknown } | null)?.protocol;
      if (protocol === 'iec61850' || protocol === 'iec104') {
        const r = simRegistry.parseProfile(data);
        if (!r.ok) throw new Error(`${file}:\n${r.issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}`);
        out.set(r.profile.id, r.profile);
        continue;
      }
      if (protocol !== 'modbus' && protocol !== 'opcua') continue;
      const r = (protocol === 'modbus' ? modbusProfileSchema : opcuaProfileSchema).safeParse(data);
      if (!r.success) throw new Error(`${file}:\n${zodIssues(r.error).map((i) => `  ${i.path}: ${i.message}`).join('\n')}`);
      out.set(r.data.id, r.data);
    }
  }
  return out;
}

function loadSite(file: string, profileDirs: string[]): { site: SiteConfig; profiles: Map<string, DeviceProfile> } {
  const raw = readData(file);
  // alarm setpoints that follow site parameters, resolved as the app's loader does
  const refs = resolveAlarmSetpointRefs(raw);
  if (refs.length) throw new Error(`${file}:\n${refs.map((i) => `  ${i.path}: ${i.message}`).join('\n')}`);
  const r = simSiteSchema.safeParse(raw);
  if (!r.success) throw new Error(`${file}:\n${zodIssues(r.error).map((i) => `  ${i.path}: ${i.message}`).join('\n')}`);
  const profiles = loadProfiles([...profileDirs, join(dirname(file), 'profiles')]);
  const issues = checkSiteReferences(r.data, new Set(profiles.keys()));
  if (issues.length) throw new Error(`${file}:\n${issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}`);
  return { site: r.data, profiles };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const root = appRoot();
  const file = resolve(args.site ?? join(root, 'assets', 'sites', 'demo', 'site.yaml'));
  const { site: loaded, profiles } = loadSite(file, [join(root, 'assets', 'profiles'), ...args.profiles.map((p) => resolve(p))]);
  const site: SiteConfig =
    args.speed !== undefined ? { ...loaded, simulation: { enabled: true, initialSocPct: 50, ...loaded.simulation, speed: args.speed } } : loaded;
  const sim = await startSimulator({
    site,
    profiles,
    ephemeralPorts: args.ephemeral,
    ...(args.host !== undefined ? { host: args.host } : {}),
    ...(args.seed !== undefined ? { seed: args.seed } : {}),
  });

  console.log(`ES Manager plant simulator: ${sim.site.site.name} (${file}), speed ${sim.get().speed}x`);
  console.log('device            asset          profile              address');
  for (const d of sim.site.devices) {
    if (!d.simulated) continue;
    if (d.protocol === 'modbus-tcp') console.log(`${d.id.padEnd(17)} ${d.asset.padEnd(14)} ${d.profile.padEnd(20)} ${d.connection.host}:${d.connection.port} unit ${d.connection.unitId}`);
    if (isIec104Device(d)) {
      const links = [d.connection, ...d.connection.standby].map((l) => `${l.host}:${l.port}`).join(' | ');
      console.log(`${d.id.padEnd(17)} ${d.asset.padEnd(14)} ${d.profile.padEnd(20)} IEC 104 ${links} CA ${d.connection.commonAddress}`);
    }
  }
  console.log('register maps: assets/profiles/README.md; Ctrl+C stops.');

  const f = (v: unknown): string => (typeof v === 'number' ? v.toFixed(1).padStart(6) : '     ?');
  const status = (): void => {
    const p = sim.plant();
    const t = new Date(sim.get().simTime).toISOString().replace('T', ' ').slice(0, 19);
    console.log(
      `${t}Z  PV ${f(p.pvKw)} kW  load ${f(p.loadKw)} kW  EV ${f(p.evKw)} kW  battery ${f(p.essKw)} kW  SoC ${f(p.socPct)} %  grid ${f(p.gridKw)} kW  step ${f(p.stepMeanUs)} µs`,
    );
  };
  status();
  const timer = args.statusS > 0 ? setInterval(status, args.statusS * 1000) : undefined;

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    if (timer) clearInterval(timer);
    sim.stop().then(
      () => process.exit(0),
      (e: unknown) => {
        console.error(e);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
