/**
 * The shell's log in the user data folder (<userData>/logs/es-manager.log) with rotation by size:
 * es-manager.log → es-manager.1.log → … → es-manager.<keep>.log, the oldest dropped. Each line
 * is time-stamped; console output of the main process is copied into it. Synchronous appends
 * (small, rare lines) so a crash does not lose the last one.
 */
import { appendFileSync, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { format } from 'node:util';

export class RotatingLog {
  readonly file: string;
  private size: number;

  constructor(
    readonly dir: string,
    readonly maxBytes = 5 << 20,
    readonly keep = 5,
    readonly name = 'es-manager',
    private readonly now: () => number = Date.now,
  ) {
    if (maxBytes < 1024) throw new Error(`the log's size limit must be at least 1024 bytes (got ${maxBytes})`);
    if (!Number.isInteger(keep) || keep < 1 || keep > 100) throw new Error(`the number of old logs to keep must be 1 to 100 (got ${keep})`);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.file = join(dir, `${name}.log`);
    this.size = existsSync(this.file) ? statSync(this.file).size : 0;
  }

  private old(n: number): string {
    return join(this.dir, `${this.name}.${n}.log`);
  }

  write(level: 'info' | 'warn' | 'error', message: string): void {
    const line = `${new Date(this.now()).toISOString()} ${level.toUpperCase()} ${message.replace(/\r?\n(?=.)/g, '\n    ')}\n`;
    const bytes = Buffer.byteLength(line);
    if (this.size > 0 && this.size + bytes > this.maxBytes) this.rotate();
    appendFileSync(this.file, line, { mode: 0o600 });
    this.size += bytes;
  }

  rotate(): void {
    rmSync(this.old(this.keep), { force: true });
    for (let n = this.keep - 1; n >= 1; n--) if (existsSync(this.old(n))) renameSync(this.old(n), this.old(n + 1));
    if (existsSync(this.file)) renameSync(this.file, this.old(1));
    this.size = 0;
  }

  /** Copies console.log/warn/error into the log (still printed); returns the undo. */
  captureConsole(c: Pick<Console, 'log' | 'warn' | 'error'> = console): () => void {
    const orig = { log: c.log, warn: c.warn, error: c.error };
    const wrap = (level: 'info' | 'warn' | 'error', f: (...a: unknown[]) => void) => (...a: unknown[]) => {
      try {
        this.write(level, format(...a));
      } catch {
        // a full disk must not stop the shell
      }
      f.apply(c, a);
    };
    c.log = wrap('info', orig.log);
    c.warn = wrap('warn', orig.warn);
    c.error = wrap('error', orig.error);
    return () => Object.assign(c, orig);
  }
}
