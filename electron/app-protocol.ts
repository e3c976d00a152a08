/**
 * The renderer is served from a custom, privileged `app://esm/` protocol instead of `file://`
 * (Electron security guide, "avoid the file protocol"): the page has a real origin, `file://`
 * gets no extra privileges (the grantFileProtocolExtraPrivileges fuse is off), and only files
 * under the built renderer folder can be read. Pure resolution here (unit-tested without
 * Electron); main.ts registers the scheme and answers with what this module decides.
 */
import { realpathSync, statSync } from 'node:fs';
import { extname, join, relative, resolve, sep } from 'node:path';

export const APP_SCHEME = 'app';
export const APP_HOST = 'esm';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_INDEX_URL = `${APP_ORIGIN}/index.html`;

/** The privileges the scheme is registered with (before the app is ready). */
export const APP_SCHEME_PRIVILEGES = { standard: true, secure: true, supportFetchAPI: true, stream: true, codeCache: true } as const;

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.wav': 'audio/wav',
  '.mp3': 'audio/mpeg',
  '.ogg': 'audio/ogg',
  '.txt': 'text/plain; charset=utf-8',
};

export type AppResolution = { ok: true; path: string; mime: string } | { ok: false; status: 400 | 403 | 404; reason: string };

/** True when a URL is a page or resource of our own app origin. */
export function isAppUrl(url: string | undefined): boolean {
  if (!url) return false;
  try {
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST;
  } catch {
    return false;
  }
}

/**
 * The file an `app://esm/...` request reads, inside `root` (the built renderer folder), or why
 * not: another host, a path leaving the folder (`..`, encoded or not, or a symlink pointing
 * out), a folder, a missing file or a type the renderer never serves.
 */
export function resolveAppRequest(url: string, root: string): AppResolution {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { ok: false, status: 400, reason: `not a URL: ${url}` };
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST) return { ok: false, status: 403, reason: `${u.protocol}//${u.host} is not the app origin` };
  let rel: string;
  try {
    rel = decodeURIComponent(u.pathname);
  } catch {
    return { ok: false, status: 400, reason: `bad escape in ${u.pathname}` };
  }
  if (rel.includes('\0')) return { ok: false, status: 400, reason: 'NUL in the path' };
  if (rel === '/' || rel === '') rel = '/index.html';
  const base = resolve(root);
  const file = resolve(join(base, rel));
  if (!inside(base, file)) return { ok: false, status: 403, reason: `${rel} is outside the renderer folder` };
  const mime = MIME[extname(file).toLowerCase()];
  if (!mime) return { ok: false, status: 403, reason: `${extname(file) || 'no extension'}: not a type the renderer serves` };
  let real: string;
  try {
    real = realpathSync(file);
    if (!statSync(real).isFile()) return { ok: false, status: 404, reason: `${rel} is not a file` };
  } catch {
    return { ok: false, status: 404, reason: `${rel} not found` };
  }
  if (!inside(realpathSync(base), real)) return { ok: false, status: 403, reason: `${rel} links outside the renderer folder` };
  return { ok: true, path: real, mime };
}

function inside(base: string, file: string): boolean {
  const r = relative(base, file);
  return r !== '' && !r.startsWith('..') && !r.startsWith(sep) && !/^[A-Za-z]:/.test(r);
}
