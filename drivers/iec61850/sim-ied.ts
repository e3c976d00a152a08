/**
 * A simulated IED served through libiec61850's server API (server-worker.ts), as the plant
 * simulator uses it: start it with a model built from an IEC 61850 profile
 * (server-model.ts), push values with their time, hear the commands and setting writes the
 * clients make, and block a control object (interlocking) to see a refusal with its AddCause.
 */
import type { Worker } from 'node:worker_threads';
import { spawnWorker } from './binding';
import type { SimIedModel } from './server-model';
import type { ServerEvent, ServerOp } from './server-worker';

export type { ServerEvent } from './server-worker';

export class SimulatedIed {
  private readonly worker: Worker;
  private seq = 0;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private readonly listeners = new Set<(e: ServerEvent) => void>();
  private dead: Error | undefined;
  version = '';

  private constructor(
    readonly host: string,
    readonly port: number,
  ) {
    this.worker = spawnWorker('server-worker');
    this.worker.unref();
    this.worker.on('message', (m: ServerEvent | { id: number; ok: boolean; result?: unknown; error?: string }) => {
      if ('event' in m) {
        for (const l of this.listeners) l(m);
        return;
      }
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (m.ok) p?.resolve(m.result);
      else p?.reject(new Error(m.error));
    });
    const fail = (e: Error): void => {
      this.dead = e;
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    this.worker.on('error', (e) => fail(new Error(`the simulated IED's worker failed: ${e.message}`)));
    this.worker.on('exit', (code) => fail(new Error(`the simulated IED's worker stopped (exit code ${code})`)));
  }

  /** Loads the library, builds the model and listens on host:port. Rejects with a sentence. */
  static async start(opts: { libPath: string; model: SimIedModel; host: string; port: number }): Promise<SimulatedIed> {
    const ied = new SimulatedIed(opts.host, opts.port);
    try {
      const r = (await ied.call({ op: 'start', libPath: opts.libPath, model: opts.model, port: opts.port, host: opts.host })) as { version: string };
      ied.version = r.version;
      return ied;
    } catch (e) {
      await ied.worker.terminate();
      throw new Error(`the simulated IED ${opts.model.iedName} could not start with ${opts.libPath}: ${(e as Error).message}`);
    }
  }

  private call(op: ServerOp): Promise<unknown> {
    if (this.dead) return Promise.reject(this.dead);
    const id = ++this.seq;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...op, id });
    });
  }

  /** New values (wire units) of data objects (`LD/LN.DO`), stamped `ms` with the simulator's time quality. */
  async update(values: Array<{ doRef: string; value: number | boolean; invalid?: boolean }>, ms: number): Promise<void> {
    await this.call({ op: 'update', values, ms });
  }

  /** Blocks (or frees) a control object: an operate is refused with AddCause "blocked by interlocking". */
  async interlock(doRef: string, blocked: boolean): Promise<void> {
    await this.call({ op: 'interlock', doRef, blocked });
  }

  onEvent(l: (e: ServerEvent) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  async stop(): Promise<void> {
    if (this.dead) return;
    await this.call({ op: 'stop' }).catch(() => undefined);
    this.dead = new Error('the simulated IED was stopped');
    await this.worker.terminate();
  }
}
