/**
 * The peers of the Modbus benches: servers in their own processes (ours, modbus-serial's
 * ServerTCP, Debian's pymodbus) serving the same ten holding registers, and a raw loopback
 * client that keeps exactly one request in flight.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as net from 'node:net';
import { join } from 'node:path';
import { modbusProfileSchema, type ModbusProfile } from '../../core/common/site';

/** ten holding registers at 0..9 (a typical coalesced block of a device) */
export const BENCH_PROFILE: ModbusProfile = modbusProfileSchema.parse({
  id: 'bench-device',
  vendor: 'ES Manager',
  model: 'bench',
  protocol: 'modbus',
  registers: Array.from({ length: 10 }, (_, i) => ({ channel: `R${i}`, table: 'holding', address: i, type: 'uint16', unit: '' })),
});
export const BENCH_VALUES: readonly number[] = Array.from({ length: 10 }, (_, i) => 1000 + i);

export interface Peer {
  name: string;
  port: number;
  stop(): void;
}

const ROOT = join(__dirname, '..', '..');

function waitReady(child: ChildProcess, name: string): Promise<number> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`${name} did not start within 20 s: ${err}`)), 20_000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /READY (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code}): ${err}`));
    });
  });
}

/** a Node server of ours or modbus-serial's, in its own process */
export async function nodeServer(kind: 'ours' | 'serial'): Promise<Peer> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'modbus-serve.ts'), kind], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  const port = await waitReady(child, `the ${kind} server`);
  return { name: kind, port, stop: () => child.kill() };
}

/** why pymodbus cannot run here, or undefined when it can */
export function pymodbusMissing(): string | undefined {
  const r = spawnSync('/usr/bin/python3', ['-c', 'import pymodbus'], { encoding: 'utf8' });
  return r.status === 0 ? undefined : 'Debian python3-pymodbus is not installed (/usr/bin/python3 cannot import pymodbus)';
}

/** Debian's pymodbus server (test/fixtures/pymodbus_server.py) with the same registers */
export async function pymodbusServer(): Promise<Peer> {
  const map = { registers: BENCH_VALUES.map((value, address) => ({ table: 'holding', address, type: 'uint16', value })) };
  const child = spawn('/usr/bin/python3', [join(ROOT, 'test', 'fixtures', 'pymodbus_server.py'), '0', JSON.stringify(map)], { stdio: ['pipe', 'pipe', 'pipe'] });
  const port = await waitReady(child, 'pymodbus');
  return { name: 'pymodbus', port, stop: () => child.kill() };
}

/** why mbpoll cannot run here, or undefined when it can */
export function mbpollMissing(): string | undefined {
  return spawnSync('sh', ['-c', 'command -v mbpoll'], { encoding: 'utf8' }).status === 0 ? undefined : 'mbpoll is not on PATH (Debian package mbpoll)';
}

/**
 * Reads `count` holding registers from 0 as fast as the server answers, one request in
 * flight, for `ms`; returns transactions per second.
 */
export function rawClientRate(port: number, ms: number, count = 10): Promise<number> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: '127.0.0.1', port }, () => {
      sock.setNoDelay(true);
      const req = Buffer.from([0, 0, 0, 0, 0, 6, 1, 3, 0, 0, 0, count]);
      const want = 9 + 2 * count;
      let tid = 0;
      let n = 0;
      let have = 0;
      const end = performance.now() + ms;
      const t0 = performance.now();
      const send = (): void => {
        tid = (tid + 1) & 0xffff;
        req.writeUInt16BE(tid, 0);
        sock.write(req);
      };
      sock.on('data', (d: Buffer) => {
        have += d.length;
        while (have >= want) {
          have -= want;
          n++;
          if (performance.now() >= end) {
            const rate = n / ((performance.now() - t0) / 1000);
            sock.destroy();
            resolve(rate);
            return;
          }
          send();
        }
      });
      send();
    });
    sock.once('error', reject);
  });
}
