/**
 * What can be verified of the desktop packages without the Electron binary (issue #16 item 1):
 * electron-builder.yml validates against electron-builder's own schema and is complete (Linux
 * AppImage and .deb, Windows NSIS, app id, icon, file associations, asar, fuses, the optional
 * libiec61850 as an extra resource, no update feed), and the packaged file list — the `files`
 * patterns applied to the built tree as electron-builder applies them — holds everything the
 * main process loads (its whole require graph from dist/electron/main.js) and no sources,
 * tests or source maps. Needs `npm run build` first (npm test builds before testing).
 */
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { DebugLogger } from 'builder-util';
import { validateConfiguration } from 'app-builder-lib/out/util/config/config';
import type { Configuration } from 'app-builder-lib';
import { parse } from 'yaml';
import { FILE_TYPES } from '../../../electron/shell/file-types';
import { NAVIGATE } from '../../../electron/shell/menu';
import { ROUTES } from '../../../renderer/src/shell/route';

const ROOT = resolve(__dirname, '..', '..', '..');
const config = parse(readFileSync(join(ROOT, 'electron-builder.yml'), 'utf8')) as Configuration & Record<string, unknown>;
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; optionalDependencies?: Record<string, string> };

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
}

/** A glob as electron-builder's patterns use it: `**` any folders, `*` within a name. */
function minimatch(path: string, glob: string): boolean {
  const re = glob
    .split(/(\*\*\/|\*\*|\*)/)
    .map((part) => (part === '**/' ? '(?:.*/)?' : part === '**' ? '.*' : part === '*' ? '[^/]*' : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${re}$`).test(path);
}

/** electron-builder's `files` semantics: a file is in when a pattern takes it and no later `!pattern` drops it. */
export function packagedFiles(patterns: readonly string[], candidates: readonly string[]): string[] {
  return candidates.filter((f) => {
    let inside = false;
    for (const p of patterns) {
      if (p.startsWith('!')) {
        if (minimatch(f, p.slice(1))) inside = false;
      } else if (minimatch(f, p)) inside = true;
    }
    return inside;
  });
}

/** Relative `require('./x')` targets of a compiled CommonJS file, resolved to repo paths. */
function relativeRequires(file: string): string[] {
  const src = readFileSync(join(ROOT, file), 'utf8');
  const out: string[] = [];
  for (const m of src.matchAll(/require\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)/g)) {
    const base = join(dirname(join(ROOT, file)), m[1] as string);
    const hit = [base, `${base}.js`, join(base, 'index.js')].find((p) => existsSync(p) && statSync(p).isFile());
    assert.ok(hit, `${file} requires ${m[1]}, which the build does not have`);
    out.push(relative(ROOT, hit));
  }
  return out;
}

describe('desktop packaging (electron-builder.yml, without the Electron binary)', () => {
  it("validates against electron-builder's schema, and a misspelt option is refused (the check can fail)", async () => {
    await validateConfiguration(config, new DebugLogger(false));
    await assert.rejects(validateConfiguration({ ...config, nsis: { ...(config.nsis as object), oneClik: false } } as Configuration, new DebugLogger(false)), /configuration\.nsis/);
  });

  it('is complete: targets, app id, icon, asar, extra resources, no update feed', () => {
    assert.equal(config.appId, 'eu.flexergy.esmanager');
    assert.deepEqual((config.linux as { target: string[] }).target, ['AppImage', 'deb']);
    assert.deepEqual((config.win as { target: string[] }).target, ['nsis']);
    assert.equal(config.asar, true);
    assert.equal(config.publish, null, 'no update feed: nothing phones home');
    assert.ok(existsSync(join(ROOT, String(config.icon))), `the icon ${String(config.icon)} exists`);
    const png = readFileSync(join(ROOT, String(config.icon)));
    assert.equal(png.subarray(1, 4).toString(), 'PNG');
    assert.ok(png.readUInt32BE(16) >= 512 && png.readUInt32BE(20) >= 512, 'the icon is at least 512×512 (electron-builder derives .ico and the Linux sizes from it)');
    const extra = config.extraResources as Array<{ from: string; to: string }>;
    assert.ok(extra.some((e) => e.from === 'vendor/libiec61850' && e.to === 'libiec61850'), 'the optional libiec61850 goes to resources/libiec61850');
    assert.equal((config.extraMetadata as { main: string }).main, 'dist/electron/main.js');
  });

  it('associates the site and study file types the shell opens', () => {
    const assoc = config.fileAssociations as Array<{ ext: string; mimeType: string; name: string }>;
    assert.deepEqual(assoc.map((a) => a.ext).sort(), FILE_TYPES.map((f) => f.ext).sort());
    for (const a of assoc) assert.ok(a.name && a.mimeType.startsWith('application/'), `${a.ext} has a name and a MIME type`);
  });

  it('flips the fuses: no RunAsNode, NODE_OPTIONS or --inspect; asar only, with integrity; cookies encrypted', () => {
    assert.deepEqual(config.electronFuses, {
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      enableCookieEncryption: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('rebuilds native modules for Electron at packaging only, and unpacks them from the asar', () => {
    assert.equal(config.npmRebuild, true);
    assert.equal(config.buildDependenciesFromSource, false);
    const unpack = config.asarUnpack as string[];
    for (const native of ['better-sqlite3', 'koffi']) {
      assert.ok(pkg.dependencies[native], `${native} is a dependency`);
      assert.ok(unpack.some((p) => minimatch(`node_modules/${native}/build/Release/x.node`, p)), `${native} is unpacked`);
    }
    // the Electron the config names is the one package.json asks for
    const want = pkg.optionalDependencies?.electron ?? '';
    const [maj] = String(config.electronVersion).split('.');
    assert.match(want, new RegExp(`^\\^${maj}\\.`), `electronVersion ${String(config.electronVersion)} within ${want}`);
    // and under plain Node the modules in node_modules are Node's own builds (npm test runs on them)
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Database = require('better-sqlite3') as new (f: string) => { close(): void };
    new Database(':memory:').close();
  });

  it('packages everything the main process loads and no sources, tests or maps', () => {
    assert.ok(existsSync(join(ROOT, 'dist', 'electron', 'main.js')), 'dist/ is built (npm run build)');
    const candidates = [...walk(join(ROOT, 'dist')), ...walk(join(ROOT, 'assets')), join(ROOT, 'package.json'), ...walk(join(ROOT, 'electron')), ...walk(join(ROOT, 'test', 'support'))].map((f) => relative(ROOT, f));
    const files = new Set(packagedFiles(config.files as string[], candidates));
    for (const f of ['dist/electron/main.js', 'dist/electron/preload.js', 'dist/renderer/index.html', 'assets/sites/demo/site.yaml', 'assets/icons/icon.png', 'package.json']) assert.ok(files.has(f), `${f} is packaged`);
    assert.ok([...files].some((f) => /^dist\/renderer\/assets\/.+\.js$/.test(f)), 'the renderer bundle is packaged');
    // the main process's whole require graph is inside
    const seen = new Set<string>();
    const queue = ['dist/electron/main.js', 'dist/electron/preload.js'];
    while (queue.length) {
      const f = queue.pop() as string;
      if (seen.has(f)) continue;
      seen.add(f);
      assert.ok(files.has(f), `${f} (loaded by the main process) is packaged`);
      queue.push(...relativeRequires(f));
    }
    assert.ok(seen.size > 50, `the require graph was walked (${seen.size} files)`);
    const bad = [...files].filter((f) => /\.(map|ts|tsx)$/.test(f) || /\.test\.js$/.test(f) || f.startsWith('electron/') || f.startsWith('test/') || f === 'dist/electron/launch.js');
    assert.deepEqual(bad, []);
  });

  it("the application menu's screens are screens of the renderer", () => {
    for (const n of NAVIGATE) assert.ok((ROUTES as readonly string[]).includes(n.route), `${n.route} is a screen`);
  });

  it('the pattern matcher drops what a later !pattern excludes (it can fail)', () => {
    assert.deepEqual(packagedFiles(['dist/**', '!**/*.map'], ['dist/a.js', 'dist/a.js.map', 'src/a.ts']), ['dist/a.js']);
  });
});
