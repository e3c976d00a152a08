/**
 * The simulator's Modbus server (issue #17 item 9): transactions per second it answers to one
 * client with one request in flight (read 10 holding registers, the raw loopback client of
 * bench/support/modbus-peers.ts), each server in its own process. Baselines in the same run,
 * same client and registers: modbus-serial's ServerTCP (what the profile server was built on,
 * one timer per request) and Debian's pymodbus server. Target: at least 5,000/s.
 * Median of 3 runs of 2 s each.
 */
import { cpus, loadavg } from 'node:os';
import { nodeServer, pymodbusMissing, pymodbusServer, rawClientRate, type Peer } from './support/modbus-peers';
import { missingBaseline, percentile, type BenchResult, type BenchSuite, type Peer as DebianPeer } from './lib';

const PYMODBUS: DebianPeer = { name: 'pymodbus 3.0 (Debian)', command: '/usr/bin/python3', versionArgs: ['-c', 'import pymodbus'], debian: ['python3-pymodbus'] };

async function rate(start: () => Promise<Peer>): Promise<number> {
  const peer = await start();
  try {
    await rawClientRate(peer.port, 300); // warm-up (JIT, connection)
    const runs: number[] = [];
    for (let i = 0; i < 3; i++) runs.push(await rawClientRate(peer.port, 2000));
    return percentile(runs, 50);
  } finally {
    peer.stop();
  }
}

export const suite: BenchSuite = {
  id: 'modbus-server',
  title: 'Simulator Modbus server: transactions/s, one request in flight',
  peers: [PYMODBUS],
  async run(): Promise<BenchResult[]> {
    const ours = await rate(() => nodeServer('ours'));
    const serial = await rate(() => nodeServer('serial'));
    const load = `load ${loadavg()[0]?.toFixed(1)} on ${cpus().length} cores`;
    const out: BenchResult[] = [
      {
        name: 'ModbusProfileServer (own Modbus TCP framing)',
        value: ours,
        unit: 'transactions/s',
        baselineName: "modbus-serial's ServerTCP (the server before)",
        baselineValue: serial,
        better: 'higher-is-better',
        target: '≥ 5,000/s',
        met: ours >= 5000,
        note: load,
      },
    ];
    const missing = pymodbusMissing();
    if (missing) out.push(missingBaseline({ name: 'ModbusProfileServer', value: ours, unit: 'transactions/s', baselineName: 'pymodbus 3.0 server (Debian)', better: 'higher-is-better' }, missing));
    else {
      const py = await rate(() => pymodbusServer());
      out.push({ name: 'ModbusProfileServer', value: ours, unit: 'transactions/s', baselineName: 'pymodbus 3.0 server (Debian)', baselineValue: py, better: 'higher-is-better', note: load });
    }
    return out;
  },
};
