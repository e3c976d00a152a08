import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { APP_INDEX_URL, isAppUrl, resolveAppRequest } from './app-protocol';

let dir: string;
let root: string;

describe('app:// protocol (the renderer served from its folder only)', () => {
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'esm-app-proto-'));
    root = join(dir, 'renderer');
    mkdirSync(join(root, 'assets'), { recursive: true });
    writeFileSync(join(root, 'index.html'), '<!doctype html>');
    writeFileSync(join(root, 'assets', 'index-abc.js'), 'export {}');
    writeFileSync(join(root, 'assets', 'tone.wav'), 'RIFF');
    writeFileSync(join(dir, 'secret.html'), 'keys');
    writeFileSync(join(root, 'assets', 'data.db'), 'x');
    symlinkSync(join(dir, 'secret.html'), join(root, 'assets', 'link.html'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('serves the index and assets with their types', () => {
    const idx = resolveAppRequest(APP_INDEX_URL, root);
    assert.deepEqual(idx, { ok: true, path: join(root, 'index.html'), mime: 'text/html; charset=utf-8' });
    assert.equal((resolveAppRequest('app://esm/', root) as { path: string }).path, join(root, 'index.html'));
    const js = resolveAppRequest('app://esm/assets/index-abc.js?v=1#x', root);
    assert.ok(js.ok && js.mime.startsWith('text/javascript'));
    assert.ok(resolveAppRequest('app://esm/assets/tone.wav', root).ok);
  });

  it('never leaves the renderer folder: .., encoded .., symlinks out, other hosts', () => {
    for (const url of ['app://esm/../secret.html', 'app://esm/%2e%2e/secret.html', 'app://esm/assets/..%2F..%2Fsecret.html', 'app://esm/assets/link.html']) {
      const r = resolveAppRequest(url, root);
      assert.equal(r.ok, false, url);
      assert.equal((r as { status: number }).status === 403 || (r as { status: number }).status === 404, true, url);
    }
    assert.deepEqual(resolveAppRequest('app://other/index.html', root), { ok: false, status: 403, reason: 'app://other is not the app origin' });
    assert.equal((resolveAppRequest('file:///etc/passwd', root) as { status: number }).status, 403);
  });

  it('refuses folders, missing files, types it does not serve and bad escapes, saying which', () => {
    assert.deepEqual(resolveAppRequest('app://esm/missing.js', root), { ok: false, status: 404, reason: '/missing.js not found' });
    assert.equal((resolveAppRequest('app://esm/assets/data.db', root) as { reason: string }).reason, '.db: not a type the renderer serves');
    assert.equal((resolveAppRequest('app://esm/%E0%A4%A', root) as { status: number }).status, 400);
    assert.equal((resolveAppRequest('app://esm/a%00.js', root) as { status: number }).status, 400);
  });

  it('knows its own origin', () => {
    assert.equal(isAppUrl('app://esm/index.html#/kpi'), true);
    assert.equal(isAppUrl('app://esm.evil/index.html'), false);
    assert.equal(isAppUrl(''), false);
  });
});
