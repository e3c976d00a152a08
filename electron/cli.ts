/** Command-line options shared by the launcher and the Electron main process. */
export interface CliOptions {
  headless: boolean;
  browser: boolean;
  port: number;
  bind: string;
  site?: string;
  dataDir?: string;
  noSim: boolean;
  simSpeed?: number;
  ephemeralSimPorts: boolean;
  /** do not fill a fresh demo site's historian with simulated history (tests that want an empty one) */
  noDemoHistory: boolean;
  /** browser mode: run the core in this process, without a supervisor that restarts it */
  noSupervisor: boolean;
  /** desktop: windows in kiosk mode (full screen, no menu, no window controls) */
  kiosk: boolean;
  help: boolean;
}

export const USAGE = `usage: npm start -- [options]
  --headless              serve browser mode without opening any window; print the address
  --browser               browser mode even when Electron is installed
  --port N                browser-mode port (default 8765; 0 = any free port)
  --bind ADDR             address to serve on (default 127.0.0.1; others need TLS)
  --site FILE             site file (YAML or JSON); default: the embedded demo site
  --data-dir DIR          database, alarm journal and keys (default ~/.es-manager/<site>)
  --no-sim                do not start the plant simulator
  --speed N               simulator speed (1 = real time, 60 = a minute per second)
  --ephemeral-sim-ports   simulated devices on free ports instead of the site file's
  --no-demo-history       first start of the demo: do not fill the historian with simulated history
  --no-supervisor         browser mode: run the core in this process (no restart after a crash)
  --kiosk                 full screen without menu or window controls (desktop, and Chromium in browser mode)
  --help                  this text`;

/** strict: refuse unknown options (the launcher); Electron's main passes Chromium switches too. */
export function parseCli(argv: readonly string[], strict = true): CliOptions {
  const o: CliOptions = { headless: false, browser: false, port: 8765, bind: '127.0.0.1', noSim: false, ephemeralSimPorts: false, noDemoHistory: false, noSupervisor: false, kiosk: false, help: false };
  const need = (i: number, flag: string): string => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new Error(`${flag} needs a value`);
    return v;
  };
  const num = (v: string, flag: string, min: number, max: number): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < min || n > max) throw new Error(`${flag}: "${v}" is not a number from ${min} to ${max}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    switch (a) {
      case '--headless':
        o.headless = true;
        break;
      case '--browser':
        o.browser = true;
        break;
      case '--no-sim':
        o.noSim = true;
        break;
      case '--ephemeral-sim-ports':
        o.ephemeralSimPorts = true;
        break;
      case '--no-demo-history':
        o.noDemoHistory = true;
        break;
      case '--no-supervisor':
        o.noSupervisor = true;
        break;
      case '--kiosk':
        o.kiosk = true;
        break;
      case '--help':
      case '-h':
        o.help = true;
        break;
      case '--port':
        o.port = num(need(i, a), a, 0, 65535);
        i++;
        break;
      case '--bind':
        o.bind = need(i, a);
        i++;
        break;
      case '--site':
        o.site = need(i, a);
        i++;
        break;
      case '--data-dir':
        o.dataDir = need(i, a);
        i++;
        break;
      case '--speed':
        o.simSpeed = num(need(i, a), a, 0.1, 3600);
        i++;
        break;
      default:
        if (strict) throw new Error(`unknown option "${a}"\n${USAGE}`);
    }
  }
  return o;
}
