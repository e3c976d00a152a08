/**
 * SIGKILL during heavy ingest: the file stays intact (integrity_check), what was committed
 * is there, at most the batch in flight is lost, rollups match the raw data, and the next
 * start continues where the data ends.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Historian } from '../../../core/historian';
import { POINTS, T0, valueOf } from './crash-child';

const CHILD = join(__dirname, 'crash-child.ts');

function runChild(dir: string, start: number, killAfterCommits: number | null, steps?: number): Promise<{ committed: number; killed: boolean }> {
  return new Promise((resolve, reject) => {
    const args = ['--import', 'tsx', CHILD, dir, String(start), ...(steps ? [String(steps)] : [])];
    const child = spawn(process.execPath, args, { cwd: join(__dirname, '../../..'), stdio: ['ignore', 'pipe', 'inherit'] });
    let committed = -1;
    let commits = 0;
    let buf = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const m = /^committed (\d+)/.exec(line);
        if (m) {
          committed = Number(m[1]);
          commits++;
          // kill in the middle of a batch: a random delay after the n-th commit
          if (killAfterCommits !== null && commits === killAfterCommits) setTimeout(() => child.kill('SIGKILL'), Math.random() * 30);
        }
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (killAfterCommits === null && code !== 0) reject(new Error(`child exited with ${code}`));
      else resolve({ committed, killed: signal === 'SIGKILL' });
    });
  });
}

async function verify(dir: string, minStep: number): Promise<number> {
  const db = new Database(join(dir, 'historian.db'));
  assert.equal((db.pragma('integrity_check') as { integrity_check: string }[])[0]!.integrity_check, 'ok');
  db.close();
  const h = new Historian(dir, { config: { queryWorkers: 1 } });
  await h.open();
  let last = -1;
  for (const p of [0, 57, POINTS - 1]) {
    const r = (await h.query({ ids: [`dev${p}/P`], from: T0, to: T0 + 1e9, mode: 'raw' })).pens[0]!;
    // a gap-free prefix with the right values
    r.t.forEach((t, i) => assert.equal(t, T0 + i * 1000));
    r.v.forEach((v, i) => assert.equal(v, valueOf(p, i)));
    assert.ok(r.t.length - 1 >= minStep, `point ${p}: ${r.t.length - 1} < committed ${minStep}`);
    last = r.t.length - 1;
    // rollups agree with the raw data
    const agg = (await h.query({ ids: [`dev${p}/P`], from: T0, to: T0 + 1e9, mode: 'aggregate', intervalMs: 60_000 })).pens[0]!;
    const total = agg.agg!.count.reduce((a, b) => a + b, 0);
    assert.equal(total, r.t.length, 'rollup counts = raw samples');
    const sum = agg.agg!.mean.reduce<number>((a, m, i) => a + (m as number) * agg.agg!.count[i]!, 0);
    const rawSum = (r.v as number[]).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - rawSum) < 1e-6 * Math.abs(rawSum) + 1e-6, `sums ${sum} vs ${rawSum}`);
  }
  await h.close();
  return last;
}

test('SIGKILL during heavy ingest loses at most the batch in flight; the next start continues', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'esm-crash-'));
  try {
    let start = 0;
    for (let round = 0; round < 3; round++) {
      const { committed, killed } = await runChild(dir, start, 8 + round * 3);
      assert.ok(killed, 'child was killed');
      assert.ok(committed >= start, 'child committed something');
      const last = await verify(dir, committed);
      // at most the batch in flight (50 steps) beyond the last acknowledged commit
      assert.ok(last <= committed + 50, `last ${last} vs committed ${committed}`);
      start = last + 1;
    }
    // a clean run continues the series from where it ended
    await runChild(dir, start, null, 120);
    const last = await verify(dir, start + 119);
    assert.equal(last, start + 119);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
