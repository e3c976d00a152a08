/**
 * libiec61850 for the tests: the library and the example servers come from the developer's
 * own build (drivers/iec61850/README.md), named by environment variables. Without them the
 * tests that need the library are skipped with the reason printed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { join } from 'node:path';

export const LIB = process.env.ESM_LIBIEC61850;
export const EXAMPLES = process.env.ESM_LIBIEC61850_EXAMPLES;

/** Why library tests cannot run here, or undefined when they can. */
export function missing(...servers: string[]): string | undefined {
  if (!LIB) return 'ESM_LIBIEC61850 is not set (path to libiec61850.so): see drivers/iec61850/README.md';
  if (!existsSync(LIB)) return `ESM_LIBIEC61850=${LIB} does not exist`;
  if (servers.length && !EXAMPLES) return 'ESM_LIBIEC61850_EXAMPLES is not set (folder with the example server binaries): see drivers/iec61850/README.md';
  for (const s of servers) if (!existsSync(join(EXAMPLES ?? '', s))) return `${s} is not in ESM_LIBIEC61850_EXAMPLES=${EXAMPLES}`;
  return undefined;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect(port, '127.0.0.1');
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

export interface ExampleServer {
  port: number;
  proc: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** Starts one of libiec61850's example servers on a free port and waits until it listens. */
export async function startExample(name: string): Promise<ExampleServer> {
  const port = await freePort();
  const proc = spawn(join(EXAMPLES ?? '', name), [String(port)], { cwd: EXAMPLES, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
  proc.stderr?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
  const deadline = Date.now() + 10_000;
  while (!(await portOpen(port))) {
    if (proc.exitCode !== null) throw new Error(`${name} exited (${proc.exitCode}): ${out}`);
    if (Date.now() > deadline) throw new Error(`${name} did not listen on ${port}: ${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    proc,
    output: () => out,
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill('SIGINT');
        setTimeout(() => proc.kill('SIGKILL'), 3000).unref();
      }),
  };
}

export async function until<T>(what: string, f: () => T | undefined | Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
