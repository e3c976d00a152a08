/**
 * Discovery (infra.01 self-discovery, issue #12 item 5): scans an IPv4 range × ports × unit ids
 * for Modbus TCP devices and, where they have it, their SunSpec model chain, and keeps what it
 * found as proposals a technician accepts into the site (core/devices: `DeviceCsv.accept`).
 *
 * The protocol work is the driver's (`ModbusScanner`, drivers/modbus/scan.ts, handed in by the
 * composition root: the core never imports a driver); this service bounds it:
 * - at most 256 hosts × 8 ports × 32 unit ids per scan (the argument schema), `concurrency`
 *   targets (host:port) at a time (1-16), a per-connection and per-request timeout;
 * - one scan at a time per host (a second start while one runs is `busy`), the last
 *   `MAX_KEPT` scans kept for their proposals;
 * - cancellable: `cancel` aborts every connection in flight and starts no more.
 */
import { randomUUID } from 'node:crypto';
import { ApiError } from '../common/api/contract';
import { ipv4ToNumber, numberToIpv4, MAX_SCAN_HOSTS, type DiscoveryProposal, type DiscoveryRequest, type DiscoveryStatus } from '../common/comms';

/** What the driver finds on one host:port (one entry per unit id that answered). */
export type ModbusScanner = (target: {
  host: string;
  port: number;
  unitIds: readonly number[];
  sunspec: boolean;
  timeoutMs: number;
  signal: AbortSignal;
}) => Promise<Array<Omit<DiscoveryProposal, 'key' | 'knownDevice'>>>;

export interface DiscoveryOptions {
  scanner: ModbusScanner;
  /** the site's devices at an address (host:port/unit → device id), to mark proposals already known */
  known(): ReadonlyMap<string, string>;
  now?: () => number;
}

const MAX_KEPT = 8;

interface Scan {
  status: DiscoveryStatus;
  abort: AbortController;
  done: Promise<void>;
}

export class DiscoveryService {
  private readonly scans = new Map<string, Scan>();
  private readonly now: () => number;

  constructor(private readonly o: DiscoveryOptions) {
    this.now = o.now ?? Date.now;
  }

  start(req: DiscoveryRequest): DiscoveryStatus {
    const from = ipv4ToNumber(req.fromHost);
    const to = ipv4ToNumber(req.toHost);
    if (to < from) throw new ApiError('bad-request', `the range ends (${req.toHost}) before it starts (${req.fromHost})`, { path: 'toHost' });
    const hosts = to - from + 1;
    if (hosts > MAX_SCAN_HOSTS) throw new ApiError('bad-request', `the range holds ${hosts} addresses: scan at most ${MAX_SCAN_HOSTS} at a time`, { path: 'toHost' });
    for (const s of this.scans.values())
      if (s.status.state === 'running') throw new ApiError('busy', `scan ${s.status.id} is still running: wait for it or cancel it`);
    const ports = [...new Set(req.ports ?? [502])];
    const unitIds = [...new Set(req.unitIds ?? [1])];
    const targets: Array<{ host: string; port: number }> = [];
    for (let h = from; h <= to; h++) for (const port of ports) targets.push({ host: numberToIpv4(h), port });
    const status: DiscoveryStatus = { id: randomUUID(), state: 'running', done: 0, total: targets.length, proposals: [], startedAt: this.now() };
    const abort = new AbortController();
    const scan: Scan = { status, abort, done: Promise.resolve() };
    scan.done = this.run(scan, targets, unitIds, req);
    this.scans.set(status.id, scan);
    while (this.scans.size > MAX_KEPT) {
      const oldest = [...this.scans.values()].find((s) => s.status.state !== 'running');
      if (!oldest) break;
      this.scans.delete(oldest.status.id);
    }
    return this.copy(status);
  }

  status(id: string): DiscoveryStatus {
    return this.copy(this.get(id).status);
  }

  cancel(id: string): DiscoveryStatus {
    const s = this.get(id);
    if (s.status.state === 'running') {
      s.abort.abort();
      s.status.state = 'cancelled';
      s.status.endedAt = this.now();
      s.status.message = `cancelled after ${s.status.done} of ${s.status.total} probes`;
    }
    return this.copy(s.status);
  }

  /** resolves when the scan ended (tests) */
  async settled(id: string): Promise<DiscoveryStatus> {
    await this.get(id).done;
    return this.status(id);
  }

  /** cancels whatever runs (host stop) */
  async stop(): Promise<void> {
    const running = [...this.scans.values()].filter((s) => s.status.state === 'running');
    for (const s of running) this.cancel(s.status.id);
    await Promise.all(running.map((s) => s.done));
  }

  private get(id: string): Scan {
    const s = this.scans.get(id);
    if (!s) throw new ApiError('not-found', `no scan "${id}" (only the last ${MAX_KEPT} scans are kept)`, { path: 'id' });
    return s;
  }

  private copy(s: DiscoveryStatus): DiscoveryStatus {
    return { ...s, proposals: s.proposals.map((p) => ({ ...p })) };
  }

  private async run(scan: Scan, targets: Array<{ host: string; port: number }>, unitIds: number[], req: DiscoveryRequest): Promise<void> {
    const { status, abort } = scan;
    const known = this.o.known();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (!abort.signal.aborted) {
        const t = targets[next++];
        if (!t) return;
        try {
          const found = await this.o.scanner({ ...t, unitIds, sunspec: req.sunspec ?? true, timeoutMs: req.timeoutMs ?? 1000, signal: abort.signal });
          if (abort.signal.aborted) return;
          for (const f of found) {
            const key = `${f.host}:${f.port}/${f.unitId}`;
            const knownDevice = known.get(key);
            status.proposals.push({ key, ...f, ...(knownDevice ? { knownDevice } : {}) });
          }
        } catch {
          // a host that fails in an unexpected way is a host without a device: the scan goes on
        }
        status.done++;
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(req.concurrency ?? 8, targets.length) }, worker));
      if (status.state === 'running') {
        status.state = 'done';
        status.endedAt = this.now();
        status.message = `${status.proposals.length} device${status.proposals.length === 1 ? '' : 's'} found on ${targets.length} host:port pairs`;
      }
    } catch (e) {
      status.state = 'failed';
      status.endedAt = this.now();
      status.message = e instanceof Error ? e.message : String(e);
    }
    status.proposals.sort((a, b) => ipv4ToNumber(a.host) - ipv4ToNumber(b.host) || a.port - b.port || a.unitId - b.unitId);
  }
}
