/**
 * The KPI worker: opens the historian file read-only and answers period summaries from its
 * day and month caches (engine.ts), off the core's main thread. Never writes.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase, Reader } from '../historian/store';
import { KpiEngine, type KpiSiteSpec } from './engine';
import type { KpiWorkerRequest, KpiWorkerResponse } from './service';

const { dbPath, spec, clockOffsetMs } = workerData as { dbPath: string; spec: KpiSiteSpec; clockOffsetMs: number };
const port = parentPort;
if (!port) throw new Error('the KPI worker must run in a worker thread');
let offset = clockOffsetMs;
const engine = new KpiEngine(new Reader(openDatabase(dbPath, true)), spec, () => Date.now() + offset);

port.on('message', (m: KpiWorkerRequest) => {
  const post = (r: KpiWorkerResponse): void => port.postMessage(r);
  try {
    if (m.kind === 'summary') {
      if (m.now !== undefined) offset = m.now - Date.now();
      post({ id: m.id, ok: true, result: engine.summary(m.req) });
    } else if (m.kind === 'contracted') {
      engine.setContracted(m.steps);
      post({ id: m.id, ok: true, result: null });
    } else {
      engine.invalidate(m.from);
      post({ id: m.id, ok: true, result: null });
    }
  } catch (e) {
    post({ id: m.id, ok: false, error: e instanceof Error ? e.message : String(e) });
  }
});
