/**
 * The Modbus driver against mbpoll (issue #17 item 7): transactions per second reading the
 * same ten holding registers from the same server (ours, drivers/modbus ModbusProfileServer,
 * in its own process), one request in flight, in the same run.
 *
 *  - the driver: `ModbusBridge`'s own poll, as its timer runs it (the supervisor's request
 *    queue and socket guard, the TCP client, the decode of ten points handed to a sink);
 *  - mbpoll (Debian, libmodbus): one process reads the registers of unit ids 1..247 in turn on
 *    one connection (`-a 1:247 -1`);
 *  - for reference, modbus-serial alone (the bridge's TCP client before) and a raw loopback
 *    client with no framing logic (bench/support/modbus-peers.ts).
 * Every client makes 247 transactions on a fresh connection, and every rate is measured by
 * the server (bench/support/modbus-serve.ts `timed`): 246 requests over the time from its
 * first request to its last, so mbpoll's process start and every client's connect stay out,
 * on the same terms for all. The best of 15 connections counts: on a shared machine the others
 * measure the wait for a core. Target: ≥ 0.8x mbpoll.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import ModbusRTU from 'modbus-serial';
import type { PointSample } from '../core/common/bridge';
import { deviceSchema } from '../core/common/site';
import { ModbusBridge as SourceBridge } from '../drivers/modbus/bridge';
import { BENCH_PROFILE, mbpollMissing, rawClientRate } from './support/modbus-peers';
import { missingBaseline, type BenchResult, type BenchSuite, type Peer as DebianPeer } from './lib';

const MBPOLL: DebianPeer = { name: 'mbpoll (Debian, libmodbus)', command: 'mbpoll', versionArgs: ['-V'], debian: ['mbpoll'] };
/** transactions per connection (mbpoll's 247 unit ids) */
const N = 247;
/** connections per client: the best counts */
const RUNS = 15;

/**
 * The driver as the application runs it: the build (dist/, tsc) when it is up to date with the
 * sources, else the sources under tsx (whose module getters and function names cost a little).
 */
function builtDriver(): { ModbusBridge: typeof SourceBridge; which: string } {
  const root = join(__dirname, '..');
  const built = join(root, 'dist', 'drivers', 'modbus', 'bridge.js');
  const sources = ['bridge.ts', 'tcp-client.ts'].map((f) => join(root, 'drivers', 'modbus', f)).concat(join(root, 'drivers', 'common', 'supervisor.ts'));
  if (existsSync(built) && sources.every((f) => statSync(f).mtimeMs <= statSync(built).mtimeMs))
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return { ModbusBridge: (require(built) as { ModbusBridge: typeof SourceBridge }).ModbusBridge, which: 'the build in dist/' };
  return { ModbusBridge: SourceBridge, which: 'the sources under tsx (dist/ is missing or older: npm run build:core)' };
}

/** our server in its own process, timing each connection */
class TimedServer {
  port = 0;
  private readonly lines: string[] = [];
  private waiter: (() => void) | undefined;
  private readonly child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'support', 'modbus-serve.ts'), 'ours', 'timed'], { cwd: join(__dirname, '..'), stdio: ['pipe', 'pipe', 'pipe'] });

  async start(): Promise<void> {
    let buf = '';
    let err = '';
    this.child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const ready = new Promise<void>((resolve, reject) => {
      this.child.once('exit', (code) => reject(new Error(`the timed server exited (${code}): ${err}`)));
      this.child.stdout.on('data', (d: Buffer) => {
        buf += d.toString();
        let i: number;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i).trim();
          buf = buf.slice(i + 1);
          const m = /^READY (\d+)/.exec(line);
          if (m) {
            this.port = Number(m[1]);
            resolve();
          } else if (line.startsWith('CONN ')) {
            this.lines.push(line);
            this.waiter?.();
          }
        }
      });
    });
    await ready;
  }

  /** the next connection's rate as the server saw it: transactions/s */
  async nextRate(min = N): Promise<number> {
    const deadline = Date.now() + 10_000;
    while (this.lines.length === 0) {
      if (Date.now() > deadline) throw new Error('the timed server reported no connection');
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
        setTimeout(resolve, 200);
      });
    }
    const [, n, us] = this.lines.shift()!.split(' ');
    const requests = Number(n);
    if (requests < min) throw new Error(`a client made ${requests} requests, expected at least ${min}`);
    return (requests - 1) / (Number(us) / 1e6);
  }

  stop(): void {
    this.child.kill();
  }
}

function mbpoll(port: number): void {
  const r = spawnSync('mbpoll', ['-m', 'tcp', '-p', String(port), '-a', `1:${N}`, '-r', '1', '-c', '10', '-t', '4', '-1', '-q', '127.0.0.1'], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`mbpoll failed (${r.status}): ${r.stderr || r.error?.message}`);
  const answered = r.stdout.split('\n').filter((l) => /^\[10\]:\s+1009/.test(l)).length;
  if (answered !== N) throw new Error(`mbpoll read the registers of ${answered} units, not ${N}`);
}

/** the driver's own poll (as its timer runs it), back to back, on a fresh connection */
async function driver(port: number, ModbusBridge: typeof SourceBridge): Promise<void> {
  let published = 0;
  const device = deviceSchema.parse({ id: 'bench', name: 'bench', protocol: 'modbus-tcp', connection: { host: '127.0.0.1', port, unitId: 1 }, profile: BENCH_PROFILE.id, asset: 'b', pollMs: 3_600_000, timeoutMs: 1000 });
  const bridge = new ModbusBridge({ device, profile: BENCH_PROFILE, sink: { publish: (s: readonly PointSample[]) => void (published += s.length) } });
  await bridge.start(); // connects and polls once
  if (bridge.status().state !== 'online') throw new Error(`the driver did not connect: ${bridge.status().lastError ?? ''}`);
  const sup = (bridge as unknown as { sup: { poll(): Promise<void> } }).sup;
  try {
    for (let i = 1; i < N; i++) await sup.poll();
    if (published !== N * BENCH_PROFILE.registers.length) throw new Error(`the driver published ${published} samples for ${N} polls`);
  } finally {
    await bridge.stop();
  }
}

async function serial(port: number): Promise<void> {
  const c = new ModbusRTU();
  await c.connectTCP('127.0.0.1', { port });
  c.setID(1);
  c.setTimeout(1000);
  try {
    for (let i = 0; i < N; i++) {
      const r = await c.readHoldingRegisters(0, 10);
      if (r.data[9] !== 1009) throw new Error('modbus-serial read a wrong value');
    }
  } finally {
    await new Promise<void>((resolve) => c.close(() => resolve()));
  }
}

/** the best of RUNS connections of one client */
async function best(server: TimedServer, client: () => Promise<void> | void, min = N): Promise<{ best: number; all: number[] }> {
  const all: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    await client();
    all.push(await server.nextRate(min));
  }
  return { best: Math.max(...all), all };
}

export const suite: BenchSuite = {
  id: 'modbus-driver',
  title: 'Modbus driver against mbpoll: transactions/s, same server and registers, one request in flight',
  peers: [MBPOLL],
  async run(): Promise<BenchResult[]> {
    const server = new TimedServer();
    await server.start();
    try {
      const port = server.port;
      const { ModbusBridge, which } = builtDriver();
      // warm-up (JIT): not counted
      await best(server, () => driver(port, ModbusBridge));
      await best(server, () => serial(port));
      const drv = await best(server, () => driver(port, ModbusBridge));
      const ser = await best(server, () => serial(port));
      // the raw client stops after a time, not a count: 30 ms (a few hundred transactions when it gets a core)
      const raw = await best(server, async () => void (await rawClientRate(port, 30)), 2);
      const missing = mbpollMissing();
      const mb = missing ? undefined : await best(server, () => mbpoll(port));
      const load = `load ${loadavg()[0]?.toFixed(1)} on ${cpus().length} cores`;
      const row = { name: 'ModbusBridge poll (supervisor queue + guard, lean TCP client, decode), read 10 holding registers', value: drv.best, unit: 'transactions/s', better: 'higher-is-better' as const, target: '≥ 0.8x mbpoll' };
      const out: BenchResult[] = [];
      if (!mb) out.push(missingBaseline({ ...row, baselineName: 'mbpoll (libmodbus)' }, missing ?? 'mbpoll did not run'));
      else out.push({ ...row, baselineName: 'mbpoll (libmodbus), same server and registers', baselineValue: mb.best, met: drv.best >= 0.8 * mb.best, note: `${load}; best of ${RUNS} connections of ${N} transactions, timed by the server; the driver from ${which}` });
      out.push({ name: 'ModbusBridge poll', value: drv.best, unit: 'transactions/s', baselineName: "modbus-serial alone (readHoldingRegisters), the bridge's TCP client before", baselineValue: ser.best, better: 'higher-is-better', note: load });
      out.push({ name: 'ModbusBridge poll', value: drv.best, unit: 'transactions/s', baselineName: 'raw loopback client, no framing logic (what Node itself costs)', baselineValue: raw.best, better: 'higher-is-better', note: load });
      return out;
    } finally {
      server.stop();
    }
  },
};
