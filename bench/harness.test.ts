/**
 * The bench harness never drops a missing baseline: it prints it as MISSING with the reason and
 * fails the run unless told to allow it; and every suite's peers are installed by bench/setup.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runSuites } from './harness';
import { formatResult, missingBaseline, peerMissing, ratioOf, type BenchSuite } from './lib';

const row = { name: 'x', value: 10, unit: 'ms', baselineName: 'peer', better: 'lower-is-better' as const };

test('a missing baseline is printed as MISSING with its reason and fails the run', async () => {
  const suite: BenchSuite = { id: 's', title: 'S', run: async () => [missingBaseline(row, 'peer is not installed here')] };
  const lines: string[] = [];
  const errs: string[] = [];
  const r = await runSuites([suite], { allowMissing: false, print: (l) => lines.push(l), printErr: (l) => errs.push(l) });
  assert.equal(r.code, 3);
  assert.match(lines.join('\n'), /baseline peer: MISSING \(peer is not installed here\)/);
  assert.match(errs.join('\n'), /1 baseline\(s\) MISSING/);
  assert.ok(Number.isNaN(ratioOf(r.rows[0]!)));
  const allowed = await runSuites([suite], { allowMissing: true, print: () => undefined, printErr: () => undefined });
  assert.equal(allowed.code, 0);
  assert.equal(allowed.rows.length, 1, 'the row is kept, not dropped');
});

test('a suite that throws fails the run; the others still run', async () => {
  const bad: BenchSuite = { id: 'bad', title: 'Bad', run: async () => Promise.reject(new Error('boom')) };
  const good: BenchSuite = { id: 'good', title: 'Good', run: async () => [{ ...row, baselineValue: 20 }] };
  const r = await runSuites([bad, good], { allowMissing: true, print: () => undefined, printErr: () => undefined });
  assert.equal(r.code, 1);
  assert.deepEqual(r.failed, ['bad']);
  assert.equal(r.rows[0]?.ratio, 2);
  assert.match(formatResult(r.rows[0]!), /ratio 2\.00x/);
});

test('peerMissing names the package to install', () => {
  const why = peerMissing({ name: 'Nothing', command: 'esm-no-such-program', versionArgs: ['--version'], debian: ['esm-nothing'] });
  assert.match(why ?? '', /Nothing \(esm-no-such-program\) is not installed here: run bench\/setup, or apt-get install esm-nothing/);
  assert.equal(peerMissing({ name: 'node', command: process.execPath, versionArgs: ['--version'], debian: ['nodejs'] }), undefined);
});

test('bench/setup installs every peer a suite names', async () => {
  const setup = readFileSync(join(__dirname, 'setup'), 'utf8');
  const block = setup.slice(setup.indexOf('PKGS=(') + 'PKGS=('.length, setup.indexOf('\n)', setup.indexOf('PKGS=(')));
  const listed = new Set(block.split('\n').flatMap((l) => (l.split('#')[0] ?? '').trim().split(/\s+/).filter(Boolean)));
  const files = readdirSync(__dirname).filter((f) => f.endsWith('.bench.ts'));
  let peers = 0;
  for (const f of files) {
    const { suite } = (await import(join(__dirname, f))) as { suite: BenchSuite };
    for (const p of suite.peers ?? []) {
      for (const pkg of p.debian) assert.ok(listed.has(pkg), `bench/${f} needs ${pkg} (${p.name}) but bench/setup does not install it`);
      peers++;
    }
  }
  assert.ok(peers >= 3, 'the historian and latency suites name their peers');
});
