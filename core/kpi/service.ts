/**
 * The KPI service (main thread side): one long-lived worker (worker.ts) holds the day and month
 * caches and computes every summary, so a year of statistics never blocks the core's event loop.
 */
import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { KpiSummary, KpiSummaryRequest } from '../common/kpi';
import type { ContractedStep } from './contracted';
import type { KpiSiteSpec } from './engine';

export type KpiWorkerRequest =
  | { kind: 'summary'; id: number; req: KpiSummaryRequest; now?: number }
  | { kind: 'invalidate'; id: number; from?: string }
  | { kind: 'contracted'; id: number; steps: ContractedStep[] };
export type KpiWorkerResponse = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

function spawn(data: unknown): Worker {
  const ext = extname(__filename);
  const file = join(__dirname, `worker${ext}`);
  // development / tests: the TypeScript worker through tsx
  if (ext === '.ts') return new Worker(`require('tsx/cjs'); require(${JSON.stringify(file)});`, { eval: true, workerData: data });
  return new Worker(file, { workerData: data });
}

export interface KpiServiceOptions {
  /** the historian's file (opened read-only by the worker) */
  dbPath: string;
  spec: KpiSiteSpec;
  /** the site's clock (a virtual clock in tests and the demo history), default Date.now */
  now?: () => number;
}

export class KpiService {
  private worker: Worker | undefined;
  private seq = 0;
  private pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();

  constructor(private readonly o: KpiServiceOptions) {}

  get spec(): KpiSiteSpec {
    return this.o.spec;
  }

  private ensure(): Worker {
    if (this.worker) return this.worker;
    const w = spawn({ dbPath: this.o.dbPath, spec: this.o.spec, clockOffsetMs: 0 });
    w.on('message', (m: KpiWorkerResponse) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) p.resolve(m.result);
      else p.reject(new Error(m.error));
      if (this.pending.size === 0) w.unref();
    });
    w.on('error', (e) => {
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
      this.worker = undefined;
    });
    w.unref();
    this.worker = w;
    return w;
  }

  private call<T>(make: (id: number) => KpiWorkerRequest): Promise<T> {
    const w = this.ensure();
    const id = ++this.seq;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      w.ref();
      w.postMessage(make(id));
    });
  }

  summary(req: KpiSummaryRequest): Promise<KpiSummary> {
    return this.call((id) => ({ kind: 'summary', id, req, ...(this.o.now ? { now: this.o.now() } : {}) }));
  }

  /** the contracted power changed at run time: the days it changes are computed again */
  setContracted(steps: ContractedStep[]): Promise<void> {
    this.o.spec.contracted = steps;
    if (!this.worker) return Promise.resolve();
    return this.call((id) => ({ kind: 'contracted', id, steps }));
  }

  /** data was written for days from `from` on (e.g. the demo history): recompute them */
  invalidate(from?: string): Promise<void> {
    return this.call((id) => ({ kind: 'invalidate', id, ...(from ? { from } : {}) }));
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    for (const p of this.pending.values()) p.reject(new Error('the KPI service stopped'));
    this.pending.clear();
    await w?.terminate();
  }
}
