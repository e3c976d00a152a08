/**
 * The data folder holds accounts, the audit log, plant history and the data key: it is the
 * owner's only. At start the folder is created 0700; a folder or file open to group or others
 * is fixed (0700 / 0600) with a logged sentence, so an installation made with a lax umask is
 * repaired rather than left readable. Exports expire: they are deleted after their time to
 * live, at start and on a schedule (issue #8, finding 7).
 */
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Exports are kept this long after they were written (the one-time download lasts 10 min). */
export const EXPORT_TTL_MS = 60 * 60_000;

function mode(m: number): string {
  return (m & 0o777).toString(8).padStart(4, '0');
}

/**
 * Creates the folder 0700 or tightens it and everything in it (depth ≤ 4, symbolic links left
 * alone). Returns the sentences it logged.
 */
export function secureDataDir(dir: string, log: (line: string) => void = (l) => console.warn(l)): string[] {
  const said: string[] = [];
  const say = (l: string): void => {
    said.push(l);
    log(l);
  };
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
    return said;
  }
  const top = statSync(dir);
  if (!top.isDirectory()) throw new Error(`the data folder ${dir} is not a folder`);
  if (typeof process.getuid === 'function' && top.uid !== process.getuid() && process.getuid() !== 0)
    throw new Error(`the data folder ${dir} belongs to another user (uid ${top.uid}); use a folder of your own (--data-dir)`);
  if (top.mode & 0o077) {
    chmodSync(dir, 0o700);
    say(`the data folder ${dir} was open to other users (mode ${mode(top.mode)}); it is now 0700 (owner only)`);
  }
  let fixed = 0;
  const walk = (d: string, depth: number): void => {
    if (depth > 4) return;
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      let st;
      try {
        st = lstatSync(p);
      } catch {
        continue;
      }
      if (st.isSymbolicLink()) continue;
      if (st.isDirectory()) {
        if (st.mode & 0o077) {
          chmodSync(p, 0o700);
          fixed++;
        }
        walk(p, depth + 1);
      } else if (st.isFile() && st.mode & 0o077) {
        chmodSync(p, 0o600);
        fixed++;
      }
    }
  };
  walk(dir, 1);
  if (fixed > 0) say(`${fixed} file${fixed === 1 ? '' : 's'} or folder${fixed === 1 ? '' : 's'} in the data folder ${dir} were open to other users; they are now owner only (0600 / 0700)`);
  return said;
}

/** Deletes exports older than `ttlMs`; returns how many. */
export function expireExports(dir: string, ttlMs: number, now = Date.now()): number {
  if (!existsSync(dir)) return 0;
  let n = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    try {
      const st = lstatSync(p);
      if (st.isFile() && now - st.mtimeMs >= ttlMs) {
        rmSync(p, { force: true });
        n++;
      }
    } catch {
      /* gone meanwhile */
    }
  }
  return n;
}
