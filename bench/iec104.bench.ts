/**
 * IEC 104 (issue #12): spontaneous updates per second decoded by the app's 104 client, against
 * the raw socket read rate of the same stream in the same run.
 *
 * A blaster on loopback answers STARTDT and then writes N pre-encoded I-frames (M_ME_TF_1, one
 * float with CP56Time2a each, spontaneous, N(S) counting up) as fast as the socket takes them,
 * ignoring the window (the client's S-frames are read and dropped). Measured on the client:
 *   - ours: Iec104Link + Iec104Client (APDU split, decode, sequence checks, w-window
 *     acknowledgements) with an onData handler that takes each value, until the N-th;
 *   - baseline: a plain net.Socket that only counts the octets until the whole stream arrived.
 * Figure: updates/s of wall time from the first octet to the last update; and CPU ms per
 * 100,000 updates (process CPU; the blaster runs in the same process for both, so both figures
 * include its writes) for both.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { encodeApdu, ApduReader, decodeApdu, TYPE_ID, type Apdu } from '../drivers/iec104/codec';
import { Iec104Client } from '../drivers/iec104/client';
import { Iec104Link } from '../drivers/iec104/link';
import type { BenchResult, BenchSuite } from './lib';

const N = Number(process.env.ESM_BENCH_104_N ?? 200_000);

function stream(n: number): Buffer {
  const t = Date.UTC(2026, 11, 2, 3, 0, 0, 0);
  const parts: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const a: Apdu = { kind: 'I', ns: i % 32768, nr: 0, asdu: { type: TYPE_ID.M_ME_TF_1!, sq: false, cot: 3, negative: false, test: false, oa: 0, ca: 1, objects: [{ ioa: 1000 + (i % 50), value: i * 0.5, qds: { iv: false, nt: false, sb: false, bl: false, ov: false }, time: { ms: t + i, iv: false, su: false } }] } };
    parts.push(encodeApdu(a));
  }
  return Buffer.concat(parts);
}

/** a server that sends `data` once the client asked for STARTDT (or at once for the raw reader) */
async function blaster(data: Buffer, waitStart: boolean): Promise<{ server: Server; port: number }> {
  const server = createServer((s: Socket) => {
    s.on('error', () => undefined);
    if (!waitStart) {
      s.end(data);
      return;
    }
    const r = new ApduReader();
    s.on('data', (d) => {
      for (const f of r.push(d)) {
        const a = decodeApdu(f);
        if (a.kind === 'U' && a.fn === 'STARTDT act') {
          s.write(encodeApdu({ kind: 'U', fn: 'STARTDT con' }));
          s.write(data);
        }
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as { port: number }).port };
}

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

async function raw(data: Buffer): Promise<{ perS: number; cpuPer100k: number }> {
  const { server, port } = await blaster(data, false);
  const c0 = cpuMs();
  let first = 0;
  let got = 0;
  await new Promise<void>((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port });
    s.on('data', (d: Buffer) => {
      if (got === 0) first = performance.now();
      got += d.length;
      if (got >= data.length) {
        s.destroy();
        resolve();
      }
    });
    s.on('error', reject);
  });
  const ms = performance.now() - first;
  const cpu = cpuMs() - c0;
  await new Promise<void>((r) => server.close(() => r()));
  return { perS: (N / ms) * 1000, cpuPer100k: (cpu / N) * 100_000 };
}

async function ours(data: Buffer): Promise<{ perS: number; cpuPer100k: number }> {
  const { server, port } = await blaster(data, true);
  const link = await Iec104Link.connect('127.0.0.1', port, { params: { t1Ms: 60_000, t3Ms: 60_000 } }).ready;
  const client = new Iec104Client(link, { ca: 1, timeoutMs: 5000 });
  let n = 0;
  let first = 0;
  let sum = 0;
  const c0 = cpuMs();
  const done = new Promise<void>((resolve, reject) => {
    link.onClose((e) => (n < N ? reject(e) : resolve()));
    client.onData((a) => {
      if (n === 0) first = performance.now();
      for (const o of a.objects) {
        sum += o.value as number;
        n++;
      }
      if (n >= N) resolve();
    });
  });
  await link.startDt();
  await done;
  const ms = performance.now() - first;
  const cpu = cpuMs() - c0;
  link.close();
  await new Promise<void>((r) => server.close(() => r()));
  if (!(sum > 0)) throw new Error('no value was decoded');
  return { perS: (N / ms) * 1000, cpuPer100k: (cpu / N) * 100_000 };
}

export const suite: BenchSuite = {
  id: 'iec104',
  title: 'IEC 104: spontaneous updates decoded against the raw socket read rate',
  async run(): Promise<BenchResult[]> {
    const data = stream(N);
    // warm-up of both paths, then the measured runs
    await raw(data);
    await ours(data);
    const b = await raw(data);
    const o = await ours(data);
    return [
      {
        name: `104 client: spontaneous M_ME_TF_1 updates decoded per s (${N.toLocaleString('en')} updates, loopback)`,
        value: Math.round(o.perS),
        unit: 'updates/s',
        baselineName: 'raw socket reading the same octets',
        baselineValue: Math.round(b.perS),
        better: 'higher-is-better',
      },
      {
        name: '104 client: CPU per 100,000 updates',
        value: Math.round(o.cpuPer100k * 10) / 10,
        unit: 'ms',
        baselineName: 'raw socket reading the same octets',
        baselineValue: Math.round(b.cpuPer100k * 10) / 10,
        better: 'lower-is-better',
      },
    ];
  },
};
