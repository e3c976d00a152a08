/**
 * `npm start`: opens the Electron window where Electron is installed; otherwise serves
 * browser mode on 127.0.0.1 and opens Debian's Chromium in --app mode if it is there.
 * `--headless` serves browser mode without any window and prints the address.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { USAGE, parseCli } from './cli';
import { composeApp } from './compose';
import { CORE_CHILD_ENV, installFailureHandlers, superviseCore, type ChildMessage, type FailureContext } from './supervise';

/** The Electron binary, if the optional dependency installed one. */
function electronBinary(): string | undefined {
  try {
    // in plain Node, the electron package exports the path of its binary
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const p = require('electron') as unknown;
    return typeof p === 'string' && existsSync(p) ? p : undefined;
  } catch {
    return undefined;
  }
}

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

function openChromium(url: string, kiosk = false): void {
  const browser = CHROMIUM.find((p) => existsSync(p));
  if (!browser) {
    console.log('no Chromium found: open the address above in a browser');
    return;
  }
  const profile = join(tmpdir(), 'es-manager-chromium');
  mkdirSync(profile, { recursive: true });
  const args = [`--app=${url}`, `--user-data-dir=${profile}`, '--no-first-run', '--disable-background-networking'];
  if (kiosk) args.push('--kiosk');
  if (process.getuid?.() === 0) args.push('--no-sandbox');
  spawn(browser, args, { stdio: 'ignore', detached: true }).unref();
  console.log(`opened ${browser} in app mode`);
}

async function main(): Promise<void> {
  const opts = parseCli(process.argv.slice(2));
  if (opts.help) {
    console.log(USAGE);
    return;
  }
  const electron = !opts.headless && !opts.browser ? electronBinary() : undefined;
  if (electron) {
    console.log('ES Manager: starting the desktop shell (Electron)');
    const child = spawn(electron, [join(__dirname, 'main.js'), ...process.argv.slice(2)], { stdio: 'inherit' });
    child.on('exit', (code) => process.exit(code ?? 0));
    return;
  }
  // data files are the owner's only (sqlite files, exports, backups, keys)
  process.umask(0o077);
  if (process.env[CORE_CHILD_ENV] === '1' || opts.noSupervisor) {
    await runCore(opts);
    return;
  }
  // browser mode: this process supervises the core, which runs in a child process
  const sup = superviseCore({
    entry: __filename,
    args: process.argv.slice(2),
    onFirstReady: (m) => {
      if (!opts.headless) openChromium(m.url, opts.kiosk);
    },
  });
  let stopping = false;
  const shutdown = (sig: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    void sup.stop(sig).then((code) => process.exit(code));
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

/** The core itself (the supervised child, or the only process with --no-supervisor). */
async function runCore(opts: ReturnType<typeof parseCli>): Promise<void> {
  const failure: FailureContext = {};
  if (opts.dataDir !== undefined) failure.dataDir = opts.dataDir;
  installFailureHandlers(() => failure);
  const app = await composeApp({
    mode: 'browser',
    web: { bind: opts.bind, port: opts.port },
    noSim: opts.noSim,
    ephemeralSimPorts: opts.ephemeralSimPorts,
    demoHistory: !opts.noDemoHistory,
    ...(opts.site !== undefined ? { sitePath: opts.site } : {}),
    ...(opts.simSpeed !== undefined ? { simSpeed: opts.simSpeed } : {}),
    ...(opts.dataDir !== undefined ? { dataDir: opts.dataDir } : {}),
  });
  failure.dataDir = app.dataDir;
  failure.host = app.host;
  const url = app.host.url ?? '';
  console.log(`ES Manager (browser mode) on site "${app.loaded.site.site.name}": ${url}`);
  if (app.sim) {
    const ports = app.sim.site.devices.filter((d) => d.protocol === 'modbus-tcp').map((d) => `${d.id}=${String(d.connection.port)}`).join(' ');
    console.log(`plant simulator: Modbus TCP on 127.0.0.1 (${ports})`);
    const ua = app.sim.site.devices.filter((d) => d.protocol === 'opcua').map((d) => `${d.id}=${String(d.connection.endpointUrl)}`);
    if (ua.length) console.log(`plant simulator: OPC UA (${ua.join(' ')})`);
  }
  console.log(`data folder: ${app.dataDir}`);
  if (app.host.previousFailure) console.log(`restarted after a failure: ${app.host.previousFailure.cause}`);
  const setup = app.host.setupToken;
  if (setup) {
    console.log(`first start: open the address above and create the administrator with the setup code ${setup}`);
    console.log(`ESM_SETUP_TOKEN ${setup}`);
  }
  // a machine-readable line for tests and scripts
  console.log(`ESM_READY ${url}`);
  process.send?.({ t: 'ready', url, dataDir: app.dataDir } satisfies ChildMessage);
  if (!process.send && !opts.headless) openChromium(url, opts.kiosk);
  let stopping = false;
  const shutdown = (sig: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`${sig}: stopping`);
    // bounded: the host gives every stage a deadline; this is the last resort
    const hard = setTimeout(() => {
      console.error(`${sig}: the core did not stop within ${SHUTDOWN_MS} ms; exiting`);
      process.exit(1);
    }, SHUTDOWN_MS);
    hard.unref();
    app.stop().then(
      () => process.exit(0),
      (e: unknown) => {
        console.error(e);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  // the supervisor went away (killed): do not live on as an orphan
  process.on('disconnect', () => shutdown('supervisor gone'));
}

/** The longest a SIGTERM shutdown may take before the process exits anyway. */
const SHUTDOWN_MS = 6000;

/** What to do about a failure at start, in the operator's words. */
export function explainStartError(e: unknown): string {
  const err = e as NodeJS.ErrnoException & { port?: number; address?: string };
  const inUse = /address already in use (\S+)/.exec(String(err?.message ?? ''));
  if (err?.code === 'EADDRINUSE' || inUse) {
    const where = err.port !== undefined ? `${err.address ?? '127.0.0.1'}:${err.port}` : (inUse?.[1] ?? 'a port it needs');
    return (
      `cannot start: ${where} is already in use — is ES Manager (or its simulator) already running?\n` +
      `  another port for the operator UI:    npm start -- --port 8766\n` +
      `  simulated devices on free ports:     npm start -- --ephemeral-sim-ports`
    );
  }
  return e instanceof Error ? e.message : String(e);
}

main().catch((e: unknown) => {
  console.error(explainStartError(e));
  process.exit(1);
});
