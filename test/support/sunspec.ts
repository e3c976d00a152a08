/**
 * A SunSpec device served by Debian's pymodbus (test/fixtures/pymodbus_server.py), an
 * independent Modbus stack: "SunS" at 40000, the common model (1) with manufacturer, model,
 * version and serial, an inverter (103), storage (124) and the end marker.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';

const PYTHON = '/usr/bin/python3';
const FIXTURE = join(__dirname, '..', 'fixtures', 'pymodbus_server.py');

export function sunspecMap(): { registers: Array<{ table: 'holding'; address: number; type: 'uint16'; value: number }> } {
  const regs: number[] = [0x5375, 0x6e53];
  const str = (s: string, words: number): number[] => {
    const out: number[] = [];
    for (let i = 0; i < words; i++) out.push(((s.charCodeAt(2 * i) || 0) << 8) | (s.charCodeAt(2 * i + 1) || 0));
    return out;
  };
  // common model: Mn(16) Md(16) Opt(8) Vr(8) SN(16) DA(1) Pad(1)
  regs.push(1, 66, ...str('Fronius', 16), ...str('Symo 10.0-3-M', 16), ...str('', 8), ...str('3.14.1', 8), ...str('SN-0042', 16), 1, 0);
  regs.push(103, 50, ...new Array<number>(50).fill(0));
  regs.push(124, 24, ...new Array<number>(24).fill(0));
  regs.push(0xffff, 0);
  return { registers: regs.map((value, i) => ({ table: 'holding' as const, address: 40000 + i, type: 'uint16' as const, value })) };
}

export interface SunSpecServer {
  port: number;
  stop(): Promise<void>;
}

/** Starts pymodbus serving the SunSpec map on an ephemeral loopback port. */
export async function startSunSpecServer(): Promise<SunSpecServer> {
  let stderr = '';
  const proc: ChildProcessWithoutNullStreams = spawn(PYTHON, [FIXTURE, '0', JSON.stringify(sunspecMap())], { stdio: ['pipe', 'pipe', 'pipe'] });
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`pymodbus server not READY within 20 s; stderr:\n${stderr}`)), 20_000);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`pymodbus server exited (${code}) before READY; stderr:\n${stderr}`));
    });
    proc.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /READY (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
  });
  return {
    port,
    stop: async () => {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.stdin.end();
      proc.kill('SIGTERM');
      await exited;
    },
  };
}
