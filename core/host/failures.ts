/**
 * Why the core stopped, kept across a restart. The process that dies (an uncaught exception)
 * or its supervisor (a signal, the out-of-memory killer) writes `last-failure.json` in the
 * data folder; the next core takes it at start, raises a system alarm naming the cause and
 * audits it. Nothing here may throw: it runs while the process is failing.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const FAILURE_FILE = 'last-failure.json';

export interface FailureRecord {
  /** what happened: 'uncaughtException', 'unhandledRejection', 'exit', 'signal', … */
  kind: string;
  /** one sentence: the error's name and message, or how the process ended */
  cause: string;
  /** a few stack lines, when there was an error */
  stack?: string;
  /** ms since epoch */
  at: number;
  pid?: number;
}

/** "RangeError: Invalid string length" from anything thrown. */
export function describeError(err: unknown): { cause: string; stack?: string } {
  if (err instanceof Error) {
    const stack = err.stack?.split('\n').slice(1, 6).map((l) => l.trim()).join('\n');
    return { cause: `${err.name}: ${err.message}`, ...(stack ? { stack } : {}) };
  }
  let text: string;
  try {
    text = typeof err === 'string' ? err : JSON.stringify(err) ?? String(err);
  } catch {
    text = String(err);
  }
  return { cause: `non-error value thrown: ${text.slice(0, 300)}` };
}

/** Writes the record synchronously (owner-only); false when it could not. */
export function recordFailure(dataDir: string, rec: FailureRecord): boolean {
  try {
    const file = join(dataDir, FAILURE_FILE);
    const tmp = `${file}.tmp`;
    writeFileSync(tmp, JSON.stringify(rec), { mode: 0o600 });
    renameSync(tmp, file);
    return true;
  } catch (e) {
    console.error('cannot record the failure:', e, rec);
    return false;
  }
}

/** Reads and removes the record left by the previous run, if any. */
export function takeFailureRecord(dataDir: string): FailureRecord | undefined {
  const file = join(dataDir, FAILURE_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  rmSync(file, { force: true });
  try {
    const r = JSON.parse(text) as Partial<FailureRecord>;
    if (typeof r.cause !== 'string') return { kind: 'unknown', cause: 'the previous run left an unreadable failure record', at: Date.now() };
    return { kind: String(r.kind ?? 'unknown'), cause: r.cause, at: Number(r.at) || Date.now(), ...(r.stack ? { stack: String(r.stack) } : {}), ...(r.pid ? { pid: Number(r.pid) } : {}) };
  } catch {
    return { kind: 'unknown', cause: 'the previous run left an unreadable failure record', at: Date.now() };
  }
}

/** How a child process ended, in words. */
export function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  if (signal === 'SIGKILL') return 'the core process was killed (SIGKILL: by an operator, or by the system when memory ran out)';
  if (signal) return `the core process was ended by signal ${signal}`;
  return `the core process exited with code ${code ?? '?'}`;
}
