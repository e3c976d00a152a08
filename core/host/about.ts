/**
 * The About page's facts: the application's version, the runtime (Node, and Electron and
 * Chromium in the desktop app) and every bundled library with its version and licence, read
 * from the installed packages' own package.json (so the list is what actually ships).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { AboutInfo } from '../common/api/contract';

interface Pkg {
  name?: string;
  version?: string;
  license?: string | { type?: string };
  licenses?: Array<{ type?: string }>;
  homepage?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

function readPkg(file: string): Pkg | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Pkg;
  } catch {
    return null;
  }
}

/** The folder of the application's package.json (es-manager), above `start`. */
function appRootOf(start: string): string | null {
  let dir = start;
  for (let i = 0; i < 6; i++) {
    if (readPkg(join(dir, 'package.json'))?.name === 'es-manager') return dir;
    dir = dirname(dir);
  }
  return null;
}

function licenceOf(p: Pkg): string {
  if (typeof p.license === 'string') return p.license;
  if (p.license?.type) return p.license.type;
  const l = p.licenses?.map((x) => x.type).filter(Boolean);
  return l?.length ? l.join(' OR ') : 'not stated';
}

export function aboutInfo(mode: 'electron' | 'browser', start = __dirname): AboutInfo {
  const root = appRootOf(start);
  const app = root ? readPkg(join(root, 'package.json')) : null;
  const deps = Object.keys({ ...(app?.dependencies ?? {}), ...(app?.optionalDependencies ?? {}) }).sort();
  const libraries = deps.flatMap((name) => {
    const file = root ? join(root, 'node_modules', name, 'package.json') : '';
    if (!file || !existsSync(file)) return [];
    const p = readPkg(file);
    return p ? [{ name, version: p.version ?? '?', licence: licenceOf(p), ...(p.homepage ? { homepage: p.homepage } : {}) }] : [];
  });
  const v = process.versions as NodeJS.ProcessVersions & { electron?: string; chrome?: string };
  return {
    name: 'ES Manager',
    version: app?.version ?? '0.0.0',
    licence: app ? licenceOf(app) : 'not stated',
    mode,
    runtime: { node: v.node, ...(v.electron ? { electron: v.electron } : {}), ...(v.chrome ? { chrome: v.chrome } : {}), platform: `${process.platform} ${process.arch}` },
    libraries,
  };
}
