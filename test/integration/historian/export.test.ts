/**
 * CSV export of 1 M rows from a worker: streamed with progress, ISO timestamps, long and wide
 * layouts; cancel stops it and removes the partial file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Historian } from '../../../core/historian';
import type { ExportProgress } from '../../../core/common/historian';

const T0 = Date.UTC(2025, 5, 1);
const PER_POINT = 250_000;
const IDS = ['pv1/P', 'load1/P', 'ess1/Soc', 'ess1/P'];

async function lines(path: string): Promise<{ count: number; first: string[]; last: string }> {
  const rl = createInterface({ input: createReadStream(path) });
  let count = 0;
  const first: string[] = [];
  let last = '';
  for await (const l of rl) {
    if (count < 3) first.push(l);
    last = l;
    count++;
  }
  return { count, first, last };
}

test('export of 1 M rows: streamed with progress, long and wide, and cancel', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'esm-export-'));
  const h = new Historian(dir, { config: { queryWorkers: 1, default: { mode: 'all', retentionDays: 36_500 } } });
  await h.open();
  try {
    for (let i = 0; i < PER_POINT; i += 1000) {
      const batch = [];
      for (let k = i; k < i + 1000; k++) for (let p = 0; p < IDS.length; p++) batch.push({ id: IDS[p]!, value: Math.round((p * 10 + Math.sin(k / 1000)) * 100) / 100, quality: { level: 'good' as const }, ts: T0 + k * 1000 });
      h.record(batch);
    }
    const req = { ids: IDS, from: T0, to: T0 + PER_POINT * 1000, layout: 'long' as const };
    const events: ExportProgress[] = [];
    const file = join(dir, 'long.csv');
    const t0 = performance.now();
    const done = await h.exportCsvToFile(req, file, { onProgress: (p) => events.push(p) });
    const elapsed = performance.now() - t0;
    assert.equal(done.rows, 1_000_000);
    assert.ok(done.done && done.fraction === 1);
    assert.ok(events.length > 10, `${events.length} progress events`);
    for (let i = 1; i < events.length; i++) assert.ok(events[i]!.fraction >= events[i - 1]!.fraction && events[i]!.rows >= events[i - 1]!.rows);
    const l = await lines(file);
    assert.equal(l.count, 1_000_001);
    assert.equal(l.first[0], 'time,point,value,quality');
    assert.equal(l.first[1], '2025-06-01T00:00:00.000Z,pv1/P,0,good');
    assert.equal(l.first[2], '2025-06-01T00:00:00.000Z,load1/P,10,good');
    assert.match(l.last, /^2025-06-03T21:26:39\.000Z,ess1\/P,/);
    console.log(`long export: 1,000,000 rows, ${statSync(file).size} bytes in ${elapsed.toFixed(0)} ms`);

    const wide = join(dir, 'wide.csv');
    const w = await h.exportCsvToFile({ ...req, layout: 'wide', separator: ';' }, wide);
    assert.equal(w.rows, PER_POINT);
    const lw = await lines(wide);
    assert.equal(lw.first[0], 'time;pv1/P;load1/P;ess1/Soc;ess1/P');
    assert.equal(lw.first[1], '2025-06-01T00:00:00.000Z;0;10;20;30');

    // cancel after the first progress event
    const ac = new AbortController();
    const cancelled = join(dir, 'cancelled.csv');
    let seen = 0;
    await assert.rejects(
      h.exportCsvToFile(req, cancelled, {
        signal: ac.signal,
        onProgress: () => {
          if (++seen === 2) ac.abort();
        },
      }),
    );
    assert.ok(seen >= 2 && seen < events.length, `cancel stopped the export (${seen} events)`);
    assert.equal(existsSync(cancelled), false, 'partial file removed');

    // the main thread stays responsive during an export: max event-loop gap
    let maxGap = 0;
    let lastTick = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      maxGap = Math.max(maxGap, now - lastTick);
      lastTick = now;
    }, 5);
    await h.exportCsvToFile(req, join(dir, 'again.csv'));
    clearInterval(timer);
    console.log(`max event-loop gap during export: ${maxGap.toFixed(1)} ms`);
  } finally {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
