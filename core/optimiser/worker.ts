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

if (!parentPort) throw new Error('core/optimiser/worker.ts runs as a worker thread');
const port = parentPort;

// warm-up: the first solve compiles and tiers up HiGHS' WebAssembly (seconds of CPU on a busy
// machine); do it now with a tiny MIP so the first real plan does not pay for it
const warmUp = solvePlan({
  start: 0,
  stepMinutes: 60,
  steps: 4,
  objective: 'cost',
  loadKw: [5, 10, 5, 10],
  importPrice: [0.1, 0.3, 0.1, 0.3],
  exportPrice: [0, 0, 0, 0],
  contractOverrunPerKwh: 1,
  demandChargePerKw: 0.1,
  storage: [{ id: 'b', capacityKwh: 10, socInitPct: 50, socMinPct: 10, socMaxPct: 90, chargeEfficiency: 0.95, dischargeEfficiency: 0.95, maxChargeKw: 5, maxDischargeKw: 5, terminalValuePerKwh: 0, degradationCostPerKwh: 0, deepDischargeCostPerKwh: 0 }],
  pv: [],
  ev: [{ id: 'e', maxKw: 7, minKw: 2, needs: [{ fromStep: 0, departStep: 3, energyKwh: 9, socPct: 50 }] }],
  gensets: [{ id: 'g', minKw: 2, maxKw: 8, startCost: 1, costPerKwh: 0.2, initiallyOn: false, minRunMinutes: 60 }],
  controllableLoads: [],
  deviationCostPerKwh: 0,
  degradationWeight: 1,
}).catch(() => undefined);

port.on('message', (req: SolveRequest) => {
  void warmUp.then(() => handle(req));
});

function handle(req: SolveRequest): void {
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
}
