/** Starts the built app (`dist/electron/launch.js`) as a real child process, as a user would. */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');

export interface AppProcess {
  url: string;
  /** the one-time code for creating the first administrator (printed at first start) */
  setupToken: string | undefined;
  dataDir: string;
  child: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

/**
 * `opts.demoHistory`: let the first start of the demo fill the historian with its 30 days of
 * simulated history (as a user's first start does); off by default so tests start empty and fast.
 */
export async function startAppProcess(args: string[] = [], timeoutMs = 60_000, opts: { demoHistory?: boolean } = {}): Promise<AppProcess> {
  const entry = join(ROOT, 'dist', 'electron', 'launch.js');
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` first`);
  // a fresh data folder unless the caller brings one (a restart test)
  const own = !args.includes('--data-dir');
  const dataDir = own ? mkdtempSync(join(tmpdir(), 'esm-app-')) : (args[args.indexOf('--data-dir') + 1] ?? '');
  const child = spawn(process.execPath, [entry, '--headless', '--port', '0', '--ephemeral-sim-ports', ...(opts.demoHistory ? [] : ['--no-demo-history']), ...(own ? ['--data-dir', dataDir] : []), ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`app did not start within ${timeoutMs} ms:\n${out}`)), timeoutMs);
    const onData = (): void => {
      const m = /ESM_READY (\S+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`app exited with ${code} before it was ready:\n${out}`));
    });
  });
  const cleanup = (): void => {
    if (own) rmSync(dataDir, { recursive: true, force: true });
  };
  return {
    url,
    setupToken: /ESM_SETUP_TOKEN (\S+)/.exec(out)?.[1],
    dataDir,
    child,
    output: () => out,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) {
          cleanup();
          return resolve();
        }
        const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
        child.once('exit', () => {
          clearTimeout(kill);
          cleanup();
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}
