/**
 * Runs studies in worker threads (worker.ts), one at a time per runner: progress, cancel,
 * and a result or a sentence. The core's thread only forwards messages.
 */
import { randomUUID } from 'node:crypto';
import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { StudyResults, StudyRunState, StudySpec } from '../common/study';
import type { StudyWorkerData, StudyWorkerMessage } from './worker';

function spawn(data: StudyWorkerData): Worker {
  const ext = extname(__filename);
  const file = join(__dirname, `worker${ext}`);
  if (ext === '.ts') return new Worker(`require('tsx/cjs'); require(${JSON.stringify(file)});`, { eval: true, workerData: data });
  return new Worker(file, { workerData: data });
}

export interface StudyRun {
  runId: string;
  studyId: string;
  /** resolves with the results, or null when cancelled; rejects with the failure */
  done: Promise<StudyResults | null>;
  cancel(): void;
}

export class StudyRunner {
  private current: StudyRun | undefined;
  private state: StudyRunState | undefined;

  constructor(private readonly onState: (s: StudyRunState) => void = () => {}) {}

  get running(): StudyRun | undefined {
    return this.current;
  }

  status(): StudyRunState | undefined {
    return this.state;
  }

  start(studyId: string, spec: StudySpec): StudyRun {
    if (this.current) throw new Error(`a study is already running (${this.current.studyId}); cancel it or wait for it to finish`);
    const runId = randomUUID();
    const cancel = new SharedArrayBuffer(4);
    const flag = new Int32Array(cancel);
    const w = spawn({ spec, cancel });
    const set = (s: StudyRunState): void => {
      this.state = s;
      this.onState(s);
    };
    set({ state: 'running', studyId, runId, done: 0, total: 1, phase: 'starting' });
    const done = new Promise<StudyResults | null>((resolve, reject) => {
      let settled = false;
      const finish = (f: () => void): void => {
        if (settled) return;
        settled = true;
        this.current = undefined;
        f();
        void w.terminate();
      };
      w.on('message', (m: StudyWorkerMessage) => {
        if (m.kind === 'progress') set({ state: 'running', studyId, runId, done: m.done, total: m.total, phase: m.phase });
        else if (m.kind === 'done')
          finish(() => {
            set({ state: 'finished', studyId, runId, wallMs: m.results.wallMs });
            resolve(m.results);
          });
        else if (m.kind === 'cancelled')
          finish(() => {
            set({ state: 'cancelled', studyId, runId });
            resolve(null);
          });
        else
          finish(() => {
            set({ state: 'failed', studyId, runId, error: m.error });
            reject(new Error(m.error));
          });
      });
      w.on('error', (e) =>
        finish(() => {
          set({ state: 'failed', studyId, runId, error: `the study worker failed: ${e.message}` });
          reject(e);
        }),
      );
      w.on('exit', () =>
        finish(() => {
          set({ state: 'failed', studyId, runId, error: 'the study worker stopped' });
          reject(new Error('the study worker stopped'));
        }),
      );
    });
    const run: StudyRun = { runId, studyId, done, cancel: () => Atomics.store(flag, 0, 1) };
    this.current = run;
    return run;
  }

  /** asks the running study to stop; it stops at the next simulated day */
  cancel(runId?: string): boolean {
    if (!this.current || (runId !== undefined && this.current.runId !== runId)) return false;
    this.current.cancel();
    return true;
  }

  async stop(): Promise<void> {
    const r = this.current;
    if (!r) return;
    r.cancel();
    await r.done.catch(() => null);
  }
}
