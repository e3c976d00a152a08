/**
 * Keeping the core alive. In browser mode the launcher is a small supervisor: it runs the core
 * in a child process and restarts it with back-off when it dies; in the desktop shell the main
 * process restarts the core in place (main.ts). Either way the cause is written to the data
 * folder (core/host/failures.ts) and the next core raises it as a system alarm.
 */
import { fork, type ChildProcess } from 'node:child_process';
import type { Host } from '../core/host/host';
import { describeError, describeExit, recordFailure } from '../core/host/failures';

/** Set in the environment of the core child process. */
export const CORE_CHILD_ENV = 'ESM_CORE_CHILD';

/** What the core child tells its supervisor over the IPC channel. */
export type ChildMessage = { t: 'ready'; url: string; dataDir: string };

export interface FailureContext {
  dataDir?: string;
  host?: Host;
}

/**
 * Process-level handlers: an exception nobody caught is recorded (with its cause) and ends
 * the process with code 70, for the supervisor to restart a clean core; a rejected promise
 * nobody awaited becomes a system alarm and the core keeps running.
 */
export function installFailureHandlers(ctx: () => FailureContext, onFatal: (code: number) => void = (c) => process.exit(c)): () => void {
  const uncaught = (err: unknown): void => {
    const d = describeError(err);
    console.error(`core: uncaught exception: ${d.cause}${d.stack ? `\n${d.stack}` : ''}`);
    const { dataDir } = ctx();
    if (dataDir) recordFailure(dataDir, { kind: 'uncaughtException', ...d, at: Date.now(), pid: process.pid });
    onFatal(70);
  };
  const rejected = (reason: unknown): void => {
    const { host, dataDir } = ctx();
    if (host) {
      host.reportFailure('a promise nobody awaited', reason);
      return;
    }
    // before the host runs there is nobody to alarm: record it and end like an exception
    const d = describeError(reason);
    console.error(`core: unhandled rejection before start: ${d.cause}`);
    if (dataDir) recordFailure(dataDir, { kind: 'unhandledRejection', ...d, at: Date.now(), pid: process.pid });
    onFatal(70);
  };
  process.on('uncaughtException', uncaught);
  process.on('unhandledRejection', rejected);
  return () => {
    process.off('uncaughtException', uncaught);
    process.off('unhandledRejection', rejected);
  };
}

export interface SupervisorOptions {
  /** the module to run as the core (this launcher, with CORE_CHILD_ENV set) */
  entry: string;
  args: readonly string[];
  /** first restart delay, doubled per quick failure up to maxBackoffMs (default 1 s, 30 s) */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** a core that ran this long before dying restarts after backoffMs again (default 60 s) */
  healthyAfterMs?: number;
  /** called once with the first core's address */
  onFirstReady?: (m: ChildMessage) => void;
  log?: (line: string) => void;
}

/**
 * Runs the core in a child process and restarts it after a crash, with back-off. A core
 * that fails before it was ever ready (a port in use, a broken site file) is not restarted:
 * the supervisor ends with its exit code, so the explanation is the last thing printed.
 */
export function superviseCore(o: SupervisorOptions): { stop(signal: NodeJS.Signals): Promise<number> } {
  const log = o.log ?? ((l: string) => console.log(l));
  const base = o.backoffMs ?? 1000;
  const maxBackoff = o.maxBackoffMs ?? 30_000;
  const healthyAfter = o.healthyAfterMs ?? 60_000;
  let child: ChildProcess | undefined;
  let everReady = false;
  let dataDir: string | undefined;
  let delay = base;
  let stopping = false;
  let restartTimer: NodeJS.Timeout | undefined;
  let exited: Promise<number> = Promise.resolve(0);

  const start = (): void => {
    const startedAt = Date.now();
    const c = fork(o.entry, [...o.args], { env: { ...process.env, [CORE_CHILD_ENV]: '1' }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child = c;
    c.on('message', (m: ChildMessage) => {
      if (m?.t !== 'ready') return;
      dataDir = m.dataDir;
      if (!everReady) {
        everReady = true;
        o.onFirstReady?.(m);
      }
    });
    exited = new Promise<number>((resolve) => {
      c.once('exit', (code, signal) => {
        child = undefined;
        if (stopping) return resolve(code ?? (signal ? 1 : 0));
        if (!everReady) {
          // a start failure: explained by the core itself; restarting would only repeat it
          log(`ES Manager: the core did not start (${describeExit(code, signal)})`);
          process.exit(code ?? 1);
        }
        const why = describeExit(code, signal);
        // an uncaught exception left its own record (code 70); otherwise the supervisor says how it ended
        if (code !== 70 && dataDir) recordFailure(dataDir, { kind: signal ? 'signal' : 'exit', cause: why, at: Date.now(), ...(c.pid ? { pid: c.pid } : {}) });
        if (Date.now() - startedAt >= healthyAfter) delay = base;
        log(`ES Manager: ${why}; restarting the core in ${delay} ms`);
        restartTimer = setTimeout(() => {
          restartTimer = undefined;
          if (!stopping) start();
        }, delay);
        delay = Math.min(maxBackoff, delay * 2);
        resolve(code ?? 1);
      });
    });
  };
  start();

  return {
    /** forwards the signal; the core has its own bounded shutdown, killed after 10 s anyway */
    async stop(signal) {
      stopping = true;
      if (restartTimer) clearTimeout(restartTimer);
      const c = child;
      if (!c) return 0;
      const kill = setTimeout(() => c.kill('SIGKILL'), 10_000);
      c.kill(signal);
      const code = await exited;
      clearTimeout(kill);
      return code;
    },
  };
}
