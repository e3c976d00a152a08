/**
 * The optimiser as the core sees it: `solve(problem)` returns a promise and never blocks the
 * core's thread. Solves run one at a time in a worker thread (worker.ts); a solve that
 * overruns its time limit by far is stopped by terminating the worker, which is respawned for
 * the next solve.
 */
import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ModelOptions, PlanProblem } from './problem';
import type { SolvedPlan, SolveSettings } from './solve';
import type { SolveRequest, SolveResponse } from './worker';

export class OptimiserError extends Error {
  constructor(
    message: string,
    /** 'problem': the inputs were refused; 'solve': no plan (infeasible, time limit); 'internal': the worker failed */
    readonly kind: 'problem' | 'solve' | 'internal',
    /** the LP of a failed solve, for support */
    readonly lp?: string,
  ) {
    super(message);
    this.name = 'OptimiserError';
  }
}

function spawn(): Worker {
  const ext = extname(__filename);
  const file = join(__dirname, `worker${ext}`);
  if (ext === '.ts') return new Worker(`require('tsx/cjs'); require(${JSON.stringify(file)});`, { eval: true });
  return new Worker(file);
}

interface Job {
  req: SolveRequest;
  resolve(p: SolvedPlan): void;
  reject(e: Error): void;
}

export class Optimiser {
  private worker: Worker | undefined;
  private queue: Job[] = [];
  private current: (Job & { timer: NodeJS.Timeout }) | undefined;
  private seq = 0;
  private closed = false;

  constructor(private readonly defaults: SolveSettings = {}) {}

  /** Solves a plan in the worker. Rejects with OptimiserError. */
  solve(problem: PlanProblem, options: ModelOptions = {}, settings: SolveSettings = {}): Promise<SolvedPlan> {
    if (this.closed) return Promise.reject(new OptimiserError('the optimiser is stopped', 'internal'));
    return new Promise<SolvedPlan>((resolve, reject) => {
      this.queue.push({ req: { id: ++this.seq, problem, options, settings: { ...this.defaults, ...settings } }, resolve, reject });
      this.pump();
    });
  }

  /** Solves waiting for their turn (the one running excluded). */
  get pending(): number {
    return this.queue.length;
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const w = spawn();
    w.on('message', (m: SolveResponse) => this.onMessage(m));
    w.on('error', (e) => this.onWorkerLost(`the optimiser worker failed: ${e.message}`));
    w.on('exit', () => {
      if (this.worker === w) this.onWorkerLost('the optimiser worker stopped');
    });
    w.unref();
    this.worker = w;
    return w;
  }

  private pump(): void {
    if (this.current || this.closed) return;
    const job = this.queue.shift();
    if (!job) return;
    const limitS = job.req.settings.timeLimitS ?? 30;
    // HiGHS honours its time limit; this watchdog covers a worker that hangs anyway
    const timer = setTimeout(() => {
      const w = this.worker;
      this.onWorkerLost(`the solve did not return within ${Math.round(limitS * 2 + 10)} s and was stopped`);
      void w?.terminate();
    }, (limitS * 2 + 10) * 1000);
    timer.unref();
    this.current = { ...job, timer };
    const w = this.ensureWorker();
    // a solve in progress keeps the process alive; an idle worker does not
    w.ref();
    w.postMessage(job.req);
  }

  private onMessage(m: SolveResponse): void {
    const job = this.current;
    if (!job || job.req.id !== m.id) return;
    clearTimeout(job.timer);
    this.current = undefined;
    if (m.ok) job.resolve(m.plan);
    else job.reject(new OptimiserError(m.message, m.kind, m.lp));
    if (this.queue.length === 0) this.worker?.unref();
    this.pump();
  }

  private onWorkerLost(message: string): void {
    this.worker = undefined;
    const job = this.current;
    this.current = undefined;
    if (job) {
      clearTimeout(job.timer);
      job.reject(new OptimiserError(message, 'internal'));
    }
    this.pump();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const j of this.queue.splice(0)) j.reject(new OptimiserError('the optimiser is stopped', 'internal'));
    const w = this.worker;
    this.worker = undefined;
    if (this.current) {
      clearTimeout(this.current.timer);
      this.current.reject(new OptimiserError('the optimiser is stopped', 'internal'));
      this.current = undefined;
    }
    if (w) await w.terminate();
  }
}
