/** The demo history's worker thread (demo-history.ts): runs the plant on a virtual clock and writes the historian. */
import { parentPort, workerData } from 'node:worker_threads';
import { runDemoHistory, type DemoHistoryOptions } from './demo-history';

const port = parentPort;
if (!port) throw new Error('the demo history must run in a worker thread');
runDemoHistory(workerData as DemoHistoryOptions).then(
  (result) => port.postMessage({ ok: true, result }),
  (e: unknown) => port.postMessage({ ok: false, error: e instanceof Error ? e.message : String(e) }),
);
