/**
 * The optimiser's worker thread: builds and solves plans with HiGHS (synchronous WebAssembly)
 * off the core's thread. One request at a time; the host (optimiser.ts) queues them.
 */
import { parentPort } from 'node:worker_threads';
import { ProblemError, type ModelOptions, type PlanProblem } from './problem';
import { SolveError, solvePlan, type SolveSettings } from './solve';

export interface SolveRequest {
  id: number;
  problem: PlanProblem;
  options: ModelOptions;
  settings: SolveSettings;
}

export type SolveResponse =
  | { id: number; ok: true; plan: Awaited<ReturnType<typeof solvePlan>> }
  | { id: number; ok: false; kind: 'problem' | 'solve' | 'internal'; message: string; status?: string; lp?: string };

const port = parentPort;
if (!port) throw new Error('core/optimiser/worker.ts runs as a worker thread');

port.on('message', (req: SolveRequest) => {
  solvePlan(req.problem, req.options, req.settings).then(
    (plan) => port.postMessage({ id: req.id, ok: true, plan } satisfies SolveResponse),
    (e: unknown) => {
      const res: SolveResponse =
        e instanceof SolveError
          ? { id: req.id, ok: false, kind: 'solve', message: e.message, status: e.status, lp: e.lp }
          : e instanceof ProblemError
            ? { id: req.id, ok: false, kind: 'problem', message: e.message }
            : { id: req.id, ok: false, kind: 'internal', message: e instanceof Error ? e.message : String(e) };
      port.postMessage(res);
    },
  );
});
