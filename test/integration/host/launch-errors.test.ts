/**
 * Starting the built app the way a technician does, when something is wrong: a port in use,
 * a broken site file. It must stop with an explanation that says what and where.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ROOT } from '../../support/app-process';

const dir = mkdtempSync(join(tmpdir(), 'esm-launch-'));

function launch(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'dist', 'electron', 'launch.js'), '--headless', '--data-dir', join(dir, 'data'), ...args], { cwd: ROOT });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

function occupy(): Promise<{ server: Server; port: number }> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      resolve({ server, port: typeof a === 'object' && a ? a.port : 0 });
    });
  });
}

describe('starting the app when something is wrong', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('names the busy port and the options that avoid it', async () => {
    const { server, port } = await occupy();
    try {
      const r = await launch(['--port', String(port), '--ephemeral-sim-ports']);
      assert.equal(r.code, 1, r.out);
      assert.match(r.out, new RegExp(`127\\.0\\.0\\.1:${port} is already in use`));
      assert.match(r.out, /--port/);
    } finally {
      server.close();
    }
  });

  it('lists every problem of a broken site file with file, line and path', async () => {
    const site = join(dir, 'broken.yaml');
    writeFileSync(
      site,
      [
        'site:',
        '  id: s1',
        '  name: Broken',
        '  gridType: island',
        '  timezone: UTC',
        '  location: { latitude: 95, longitude: 0 }',
        '  pcc: { meter: nowhere, contractedPowerKw: 10 }',
        'assets:',
        '  - { id: m, name: M, kind: smart-meter, nature: Meter }',
        'devices: []',
        '',
      ].join('\n'),
    );
    const r = await launch(['--site', site, '--port', '0']);
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /configuration has \d+ problems/);
    assert.match(r.out, /broken\.yaml:4:\d+: site\.gridType/);
    assert.match(r.out, /broken\.yaml:6:\d+: site\.location\.latitude/);
    assert.doesNotMatch(r.out, /ESM_READY/);
  });

  it('refuses an unknown option and shows the usage', async () => {
    const r = await launch(['--prot', '9000']);
    assert.equal(r.code, 1);
    assert.match(r.out, /unknown option "--prot"/);
    assert.match(r.out, /--port N/);
  });
});
