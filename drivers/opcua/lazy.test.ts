/**
 * node-opcua is loaded on first use, not at start: the composition root (every driver
 * registered) loads without it, a Modbus-only site never starts the OPC UA factory, and the
 * OPC UA factory loads it when a site with an OPC UA device starts it. Each case runs in a
 * fresh process (a module, once loaded, stays loaded).
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const ROOT = join(__dirname, '..', '..');

function run(script: string): { loadedAtStart: boolean; loadedAfter: boolean } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, `the child failed: ${r.stderr}`);
  const last = r.stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(last) as { loadedAtStart: boolean; loadedAfter: boolean };
}

const LOADED = `() => Object.keys(require.cache).some((k) => k.includes('/node_modules/node-opcua'))`;

test('the composition root loads every driver without loading node-opcua; the OPC UA factory loads it when started', () => {
  const dir = mkdtempSync(join(tmpdir(), 'esm-ua-lazy-'));
  try {
    const r = run(`
      const loaded = ${LOADED};
      const { DRIVERS } = require(${JSON.stringify(join(ROOT, 'electron', 'compose.ts'))});
      const atStart = loaded();
      const ua = DRIVERS.find((d) => d.definition.profileProtocol === 'opcua');
      if (!ua) throw new Error('no OPC UA driver in DRIVERS');
      const f = ua.createFactory();
      f.start({ siteId: 's', dataDir: ${JSON.stringify(dir)}, devices: [], now: Date.now })
        .then(() => f.stop())
        .then(() => console.log(JSON.stringify({ loadedAtStart: atStart, loadedAfter: loaded() })));
    `);
    assert.equal(r.loadedAtStart, false, 'node-opcua was loaded by the composition root');
    assert.equal(r.loadedAfter, true, 'the OPC UA factory did not load node-opcua when started');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
