/**
 * The Modbus TCP scan helper of discovery (core/discovery, handed in by the composition root):
 * on one host:port, which unit ids answer and, where they have it, their SunSpec model chain.
 *
 * - Its own small client on node:net (one connection per host:port, one request at a time):
 *   every wait is bounded by `timeoutMs` and `signal` destroys the socket at once (cancel).
 * - A unit answers when it returns data or a Modbus exception other than 10/11 (a gateway
 *   saying the unit is not there); a timeout is no unit.
 * - SunSpec: "SunS" (0x5375 0x6e53) at holding 40000, 0 or 50000, then the model chain from
 *   base + 2 (id, length, ...) until id 0xFFFF, at most 64 models and within 65535; the common
 *   model (1) gives manufacturer, model, version and serial number.
 */
import { Socket } from 'node:net';
import type { DiscoveryProposal, SunSpecModel } from '../../core/common/comms';

export const SUNSPEC_BASES = [40000, 0, 50000] as const;
const MAX_MODELS = 64;

const MODEL_NAMES: Record<number, string> = {
  1: 'common',
  101: 'inverter (single phase)',
  102: 'inverter (split phase)',
  103: 'inverter (three phase)',
  111: 'inverter float (single phase)',
  112: 'inverter float (split phase)',
  113: 'inverter float (three phase)',
  120: 'nameplate',
  121: 'basic settings',
  122: 'measurements status',
  123: 'immediate controls',
  124: 'storage',
  160: 'MPPT',
  201: 'meter (single phase)',
  202: 'meter (split phase)',
  203: 'meter (wye three phase)',
  204: 'meter (delta three phase)',
  213: 'meter float (wye)',
  701: 'DER AC measurement',
  702: 'DER capacity',
  704: 'DER AC controls',
  713: 'DER storage capacity',
  802: 'battery',
};

export class ModbusException extends Error {
  constructor(readonly code: number) {
    super(`Modbus exception ${code}`);
  }
}

class Aborted extends Error {}

/** One connection of the scan: FC3 reads, one at a time, each bounded. */
class ProbeLink {
  private buf = Buffer.alloc(0);
  private tid = 0;
  private waiting: { tid: number; resolve(b: Buffer): void; reject(e: Error): void } | undefined;
  private closed: Error | undefined;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('error', (e) => this.fail(e));
    socket.on('close', () => this.fail(new Error('connection closed')));
  }

  static open(host: string, port: number, timeoutMs: number, signal: AbortSignal): Promise<ProbeLink | null> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve(null);
      const s = new Socket();
      const done = (link: ProbeLink | null): void => {
        clearTimeout(t);
        signal.removeEventListener('abort', onAbort);
        if (!link) s.destroy();
        resolve(link);
      };
      const onAbort = (): void => done(null);
      const t = setTimeout(() => done(null), timeoutMs);
      signal.addEventListener('abort', onAbort, { once: true });
      s.once('error', () => done(null));
      s.connect({ host, port }, () => {
        s.removeAllListeners('error');
        const link = new ProbeLink(s);
        signal.addEventListener('abort', () => link.close(), { once: true });
        done(link);
      });
    });
  }

  close(): void {
    this.fail(new Aborted('closed'));
    this.socket.destroy();
  }

  /** FC3: holding registers, or a ModbusException, or null on timeout */
  async readHolding(unit: number, address: number, count: number, timeoutMs: number): Promise<number[] | null> {
    if (this.closed) throw this.closed;
    this.tid = (this.tid + 1) & 0xffff;
    const tid = this.tid;
    const req = Buffer.alloc(12);
    req.writeUInt16BE(tid, 0);
    req.writeUInt16BE(0, 2);
    req.writeUInt16BE(6, 4);
    req.writeUInt8(unit, 6);
    req.writeUInt8(3, 7);
    req.writeUInt16BE(address, 8);
    req.writeUInt16BE(count, 10);
    const answer = await new Promise<Buffer | null>((resolve, reject) => {
      const t = setTimeout(() => {
        this.waiting = undefined;
        resolve(null);
      }, timeoutMs);
      this.waiting = {
        tid,
        resolve: (b) => {
          clearTimeout(t);
          resolve(b);
        },
        reject: (e) => {
          clearTimeout(t);
          reject(e);
        },
      };
      this.socket.write(req);
    });
    if (!answer) return null;
    const fc = answer[7] ?? 0;
    if (fc & 0x80) throw new ModbusException(answer[8] ?? 0);
    const n = answer[8] ?? 0;
    const out: number[] = [];
    for (let i = 0; i + 1 < n && 9 + i + 1 < answer.length; i += 2) out.push(answer.readUInt16BE(9 + i));
    if (out.length !== count) throw new Error(`asked for ${count} registers at ${address}, got ${out.length}`);
    return out;
  }

  private onData(d: Buffer): void {
    this.buf = Buffer.concat([this.buf, d]);
    while (this.buf.length >= 8) {
      const len = this.buf.readUInt16BE(4);
      if (this.buf.length < 6 + len) return;
      const adu = this.buf.subarray(0, 6 + len);
      this.buf = this.buf.subarray(6 + len);
      const w = this.waiting;
      if (w && adu.readUInt16BE(0) === w.tid) {
        this.waiting = undefined;
        w.resolve(Buffer.from(adu));
      }
      // an answer to a request that timed out is dropped
    }
  }

  private fail(e: Error): void {
    this.closed ??= e;
    const w = this.waiting;
    this.waiting = undefined;
    w?.reject(e);
  }
}

function text(regs: number[]): string {
  let s = '';
  for (const r of regs) s += String.fromCharCode(r >> 8, r & 0xff);
  return s.replace(/\0+$/g, '').replace(/[^\x20-\x7e]/g, '').trim();
}

/** absent: a timeout, or a gateway's "unit not there" (10, 11) */
async function ask(link: ProbeLink, unit: number, address: number, count: number, timeoutMs: number): Promise<{ regs: number[] } | { exception: number } | null> {
  try {
    const regs = await link.readHolding(unit, address, count, timeoutMs);
    return regs ? { regs } : null;
  } catch (e) {
    if (e instanceof ModbusException) return e.code === 10 || e.code === 11 ? null : { exception: e.code };
    throw e;
  }
}

async function sunspecChain(link: ProbeLink, unit: number, base: number, timeoutMs: number): Promise<NonNullable<DiscoveryProposal['sunspec']>> {
  const found: NonNullable<DiscoveryProposal['sunspec']> = { base, models: [] };
  let at = base + 2;
  for (let i = 0; i < MAX_MODELS && at + 1 <= 0xffff; i++) {
    const head = await ask(link, unit, at, 2, timeoutMs);
    if (!head || !('regs' in head)) break;
    const [id, length] = head.regs as [number, number];
    if (id === 0xffff) break;
    found.models.push({ id, length, address: at, name: MODEL_NAMES[id] ?? 'unknown model' } satisfies SunSpecModel);
    if (id === 1 && length >= 64) {
      const c = await ask(link, unit, at + 2, Math.min(length, 66), timeoutMs);
      if (c && 'regs' in c) {
        const r = c.regs;
        const mn = text(r.slice(0, 16));
        const md = text(r.slice(16, 32));
        const vr = text(r.slice(40, 48));
        const sn = text(r.slice(48, 64));
        if (mn) found.manufacturer = mn;
        if (md) found.model = md;
        if (vr) found.version = vr;
        if (sn) found.serial = sn;
      }
    }
    at += 2 + length;
  }
  return found;
}

/** What answers on one host:port. */
export async function scanModbusTarget(t: {
  host: string;
  port: number;
  unitIds: readonly number[];
  sunspec: boolean;
  timeoutMs: number;
  signal: AbortSignal;
}): Promise<Array<Omit<DiscoveryProposal, 'key' | 'knownDevice'>>> {
  const link = await ProbeLink.open(t.host, t.port, t.timeoutMs, t.signal);
  if (!link) return [];
  const out: Array<Omit<DiscoveryProposal, 'key' | 'knownDevice'>> = [];
  try {
    for (const unit of t.unitIds) {
      if (t.signal.aborted) break;
      let evidence: string | undefined;
      let sunspec: DiscoveryProposal['sunspec'];
      if (t.sunspec) {
        for (const base of SUNSPEC_BASES) {
          const r = await ask(link, unit, base, 2, t.timeoutMs);
          if (!r) continue;
          if ('regs' in r && r.regs[0] === 0x5375 && r.regs[1] === 0x6e53) {
            evidence = `"SunS" at holding ${base}`;
            sunspec = await sunspecChain(link, unit, base, t.timeoutMs);
            break;
          }
          evidence ??= 'regs' in r ? `answered a read of holding ${base}` : `answered holding ${base} with exception ${r.exception}`;
        }
      } else {
        const r = await ask(link, unit, 0, 1, t.timeoutMs);
        if (r) evidence = 'regs' in r ? 'answered a read of holding 0' : `answered holding 0 with exception ${r.exception}`;
      }
      if (evidence) out.push({ host: t.host, port: t.port, unitId: unit, evidence, ...(sunspec ? { sunspec } : {}) });
    }
  } catch (e) {
    if (!(e instanceof Aborted) && out.length === 0) return [];
  } finally {
    link.close();
  }
  return out;
}
