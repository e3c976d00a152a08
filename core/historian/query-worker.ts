/**
 * Query worker: opens the historian file read-only and answers queries, forecasts and exports
 * (see pool.ts for the protocol). Never writes.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ApiError } from '../common/api/contract';
import { csvPieces } from './export';
import type { HistorianLimits } from './limits';
import { runForecastQuery, runQuery } from './query';
import { openDatabase, Reader } from './store';
import type { WorkerRequest, WorkerResponse } from './pool';

const { dbPath, limits } = workerData as { dbPath: string; limits: HistorianLimits };
const reader = new Reader(openDatabase(dbPath, true));
const port = parentPort;
if (!port) throw new Error('query-worker must run in a worker thread');

const post = (m: WorkerResponse): void => port.postMessage(m);

port.on('message', (m: WorkerRequest) => {
  try {
    if (m.kind === 'query') post({ id: m.id, ok: true, result: runQuery(reader, m.q, limits) });
    else if (m.kind === 'forecast') post({ id: m.id, ok: true, result: runForecastQuery(reader, m.q, limits) });
    else {
      const ctl = new Int32Array(m.shared);
      let last: WorkerResponse | undefined;
      for (const piece of csvPieces(reader, m.req, (p) => (last = { id: m.id, progress: p }))) {
        // back-pressure: wait for a credit (the consumer returns one per piece it took)
        while (Atomics.load(ctl, 1) <= 0 && Atomics.load(ctl, 0) === 0) Atomics.wait(ctl, 1, 0, 100);
        if (Atomics.load(ctl, 0) !== 0) {
          post({ id: m.id, cancelled: true });
          return;
        }
        Atomics.sub(ctl, 1, 1);
        post({ id: m.id, piece, ...(last && 'progress' in last ? { progress: last.progress } : {}) });
      }
      post({ id: m.id, ok: true, result: null, ...(last && 'progress' in last ? { progress: last.progress } : {}) });
    }
  } catch (e) {
    const api = e instanceof ApiError ? { code: e.code, ...(e.details.rule ? { rule: e.details.rule } : {}) } : {};
    post({ id: m.id, ok: false, error: e instanceof Error ? e.message : String(e), ...api });
  }
});
