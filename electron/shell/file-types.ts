/**
 * The file types the desktop app opens (electron-builder.yml fileAssociations lists the same;
 * test/integration/desktop/packaging.test.ts checks they agree): a double-clicked file reaches
 * the app as a command-line argument, in the first instance or forwarded to it.
 */
import { extname } from 'node:path';

export interface FileType {
  ext: string;
  kind: 'site' | 'study';
}

export const FILE_TYPES: readonly FileType[] = [
  { ext: 'esmsite', kind: 'site' },
  { ext: 'esmstudy', kind: 'study' },
];

export interface FileToOpen {
  kind: FileType['kind'];
  path: string;
}

/** The first site or study file named on a command line (Chromium switches and options skipped). */
export function fileToOpen(argv: readonly string[]): FileToOpen | null {
  for (const a of argv) {
    if (a.startsWith('-')) continue;
    const ext = extname(a).slice(1).toLowerCase();
    const t = FILE_TYPES.find((f) => f.ext === ext);
    if (t) return { kind: t.kind, path: a };
  }
  return null;
}
