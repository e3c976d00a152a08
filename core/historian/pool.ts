/**
 * Worker pool for queries (round robin over N long-lived workers) and exports (one worker per
 * export, so a long export never delays a trend). Export pieces flow with back-pressure:
 * a SharedArrayBuffer holds [cancelled, credits]; the worker blocks (Atomics.wait, in its own
 * thread) until the consumer has taken the previous pieces.
 */
import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { ApiError, type ApiErrorCode } from '../common/api/contract';
import { DEFAULT_HISTORIAN_LIMITS, type HistorianLimits } from './limits';
import type { ExportProgress, ExportRequest, ForecastQuery, ForecastSeries, TrendQuery, TrendResult } from '../common/historian';

export type WorkerRequest =
  | { kind: 'query'; id: number; q: TrendQuery }
  | { kind: 'forecast'; id: number; q: ForecastQuery }
  | { kind: 'export'; id: number; req: ExportRequest; shared: SharedArrayBuffer };

export type WorkerResponse =
  | { id: number; ok: true; result: unknown; progress?: ExportProgress }
  | { id: number; ok: false; error: string; code?: ApiErrorCode; rule?: string }
  | { id: number; piece: string; progress?: ExportProgress }
  | { id: number; progress: ExportProgress }
  | { id: number; cancelled: true };

const CREDITS = 4;

function spawn(dbPath: string, limits: HistorianLimits): Worker {
  const ext = extname(__filename);
  const file = join(__dirname, `query-worker${ext}`);
  if (ext === '.ts') {
    // development / tests: load the TypeScript worker through tsx
    return new Worker(`require('tsx/cjs'); require(${JSON.stringify(file)});`, { eval: true, workerData: { dbPath, limits } });
  }
  return new Worker(file, { workerData: { dbPath, limits } });
}

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
}

export class QueryPool {
  private workers: Worker[] = [];
  private pending = new Map<number, Pending>();
  private next = 0;
  private seq = 0;
  private exports = new Set<Worker>();

  constructor(
    private readonly dbPath: string,
    size: number,
    private readonly limits: HistorianLimits = DEFAULT_HISTORIAN_LIMITS,
  ) {
    for (let i = 0; i < size; i++) {
      const w = spawn(dbPath, limits);
      w.on('message', (m: WorkerResponse) => this.onMessage(m));
      w.on('error', (e) => this.failAll(e));
      w.unref();
      this.workers.push(w);
    }
  }

  private onMessage(m: WorkerResponse): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if ('ok' in m) {
      if (m.ok) p.resolve(m.result);
      // a refusal the worker explains (a limit) reaches the caller as that ApiError
      else p.reject(m.code ? new ApiError(m.code, m.error, m.rule ? { rule: m.rule } : {}) : new Error(m.error));
    }
  }

  private failAll(e: Error): void {
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  private call<T>(make: (id: number) => WorkerRequest): Promise<T> {
    const w = this.workers[this.next++ % this.workers.length];
    if (!w) return Promise.reject(new Error('historian query pool is closed'));
    const id = ++this.seq;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      w.ref();
      w.postMessage(make(id));
    }).finally(() => {
      if (this.pending.size === 0) for (const x of this.workers) x.unref();
    });
  }

  query(q: TrendQuery): Promise<TrendResult> {
    return this.call((id) => ({ kind: 'query', id, q }));
  }

  forecast(q: ForecastQuery): Promise<ForecastSeries[]> {
    return this.call((id) => ({ kind: 'forecast', id, q }));
  }

  /** CSV pieces of an export, produced in a dedicated worker. */
  async *exportCsv(req: ExportRequest, opts: { signal?: AbortSignal; onProgress?: (p: ExportProgress) => void } = {}): AsyncGenerator<string> {
    const shared = new SharedArrayBuffer(8);
    const ctl = new Int32Array(shared);
    Atomics.store(ctl, 1, CREDITS);
    const w = spawn(this.dbPath, this.limits);
    this.exports.add(w);
    const queue: WorkerResponse[] = [];
    let wake: (() => void) | undefined;
    let failure: Error | undefined;
    w.on('message', (m: WorkerResponse) => {
      queue.push(m);
      wake?.();
    });
    w.on('error', (e) => {
      failure = e;
      wake?.();
    });
    const cancel = (): void => {
      Atomics.store(ctl, 0, 1);
      Atomics.notify(ctl, 1);
      wake?.();
    };
    opts.signal?.addEventListener('abort', cancel, { once: true });
    try {
      w.postMessage({ kind: 'export', id: 1, req, shared } satisfies WorkerRequest);
      for (;;) {
        if (opts.signal?.aborted) throw opts.signal.reason instanceof Error ? opts.signal.reason : new Error('export cancelled');
        if (failure) throw failure;
        const m = queue.shift();
        if (!m) {
          await new Promise<void>((r) => (wake = r));
          wake = undefined;
          continue;
        }
        if ('progress' in m && m.progress) opts.onProgress?.(m.progress);
        if ('piece' in m) {
          Atomics.add(ctl, 1, 1);
          Atomics.notify(ctl, 1);
          yield m.piece;
        } else if ('cancelled' in m) throw new Error('export cancelled');
        else if ('ok' in m) {
          if (!m.ok) throw new Error(m.error);
          return;
        }
      }
    } finally {
      cancel();
      opts.signal?.removeEventListener('abort', cancel);
      this.exports.delete(w);
      await w.terminate();
    }
  }

  async close(): Promise<void> {
    const all = [...this.workers, ...this.exports];
    this.workers = [];
    this.failAll(new Error('historian closed'));
    await Promise.all(all.map((w) => w.terminate()));
  }
}
