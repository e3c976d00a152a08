/**
 * The study's worker thread: runs a study (plant model, controllers, optimiser) off the core's
 * thread. Progress is posted about once per simulated day; the parent cancels through a shared
 * flag the run reads between days (a worker busy in a day-ahead solve stops at the next day).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { studySpecSchema, type StudyResults } from '../common/study';
import { StudyCancelled } from './engine';
import { runStudy } from './run';

export interface StudyWorkerData {
  spec: unknown;
  /** Int32Array over a SharedArrayBuffer: [0] = 1 asks the run to stop */
  cancel: SharedArrayBuffer;
}

export type StudyWorkerMessage =
  | { kind: 'progress'; done: number; total: number; phase: string }
  | { kind: 'done'; results: StudyResults }
  | { kind: 'cancelled' }
  | { kind: 'failed'; error: string };

const data = workerData as StudyWorkerData;
const flag = new Int32Array(data.cancel);
const post = (m: StudyWorkerMessage): void => parentPort?.postMessage(m);
let last = 0;

void (async () => {
  try {
    const spec = studySpecSchema.parse(data.spec);
    const results = await runStudy(spec, {
      cancelled: () => Atomics.load(flag, 0) === 1,
      progress: (p) => {
        const now = Date.now();
        // at most ~10 messages a second
        if (now - last < 100 && p.done < p.total) return;
        last = now;
        post({ kind: 'progress', ...p });
      },
    });
    post({ kind: 'done', results });
  } catch (e) {
    if (e instanceof StudyCancelled) post({ kind: 'cancelled' });
    else post({ kind: 'failed', error: e instanceof Error ? e.message : String(e) });
  }
})();
