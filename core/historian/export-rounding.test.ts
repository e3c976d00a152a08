import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportRequestSchema } from '../common/historian';
import { Historian } from './historian';

const T0 = Date.UTC(2025, 5, 1);

test('CSV values are rounded to each point\'s resolution (decimals per id); without it, as recorded', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'esm-round-'));
  const h = new Historian(dir, { config: { queryWorkers: 0, default: { mode: 'all', retentionDays: 36_500 } } });
  await h.open();
  try {
    h.record([
      { id: 'ess/Soc', value: 55.123456, quality: { level: 'good' }, ts: T0 },
      { id: 'pcc/P', value: -0.0401, quality: { level: 'good' }, ts: T0 },
      { id: 'pcc/P', value: 17.96, quality: { level: 'good' }, ts: T0 + 1000 },
    ]);
    const read = async (decimals?: (number | null)[]) => {
      let s = '';
      for await (const piece of h.exportCsv({ ids: ['ess/Soc', 'pcc/P'], from: T0, to: T0 + 2000, layout: 'long', ...(decimals ? { decimals } : {}) })) s += piece;
      return s.trim().split('\n').slice(1).map((l) => l.split(',')[2]);
    };
    assert.deepEqual(await read([1, 1]), ['55.1', '0.0', '18.0'], 'rounded, and never "-0.0"');
    assert.deepEqual(await read([null, 2]), ['55.123456', '-0.04', '17.96']);
    assert.deepEqual(await read(), ['55.123456', '-0.0401', '17.96']);
  } finally {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the export request checks decimals: one entry per id, 0..9', () => {
  const base = { ids: ['a/b', 'c/d'], from: 0, to: 1000, layout: 'wide' as const };
  assert.equal(exportRequestSchema.safeParse({ ...base, decimals: [1, null] }).success, true);
  assert.equal(exportRequestSchema.safeParse({ ...base, decimals: [1] }).success, false);
  assert.equal(exportRequestSchema.safeParse({ ...base, decimals: [1, 12] }).success, false);
});

test('wide raw layout: samples less than mergeMs apart share a row, nothing is lost', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'esm-wide-'));
  const h = new Historian(dir, { config: { queryWorkers: 0, default: { mode: 'all', retentionDays: 36_500 } } });
  await h.open();
  try {
    const good = { level: 'good' as const };
    // two devices polled 1 s apart with a 300 ms phase shift; b has two samples 200 ms apart once
    h.record([
      { id: 'a/P', value: 1, quality: good, ts: T0 },
      { id: 'b/P', value: 10, quality: good, ts: T0 + 300 },
      { id: 'b/P', value: 11, quality: good, ts: T0 + 500 },
      { id: 'a/P', value: 2, quality: good, ts: T0 + 1000 },
      { id: 'b/P', value: 12, quality: good, ts: T0 + 1300 },
    ]);
    const read = async (mergeMs?: number) => {
      let s = '';
      for await (const piece of h.exportCsv({ ids: ['a/P', 'b/P'], from: T0, to: T0 + 2000, layout: 'wide', ...(mergeMs !== undefined ? { mergeMs } : {}) })) s += piece;
      return s.trim().split('\n').slice(1);
    };
    assert.deepEqual(await read(), ['2025-06-01T00:00:00.000Z,1,', '2025-06-01T00:00:00.300Z,,10', '2025-06-01T00:00:00.500Z,,11', '2025-06-01T00:00:01.000Z,2,', '2025-06-01T00:00:01.300Z,,12']);
    // b's second sample starts a row (no overwrite); a's next sample joins it (< 1 s after its start)
    const merged = await read(1000);
    assert.deepEqual(merged, ['2025-06-01T00:00:00.000Z,1,10', '2025-06-01T00:00:00.500Z,2,11', '2025-06-01T00:00:01.300Z,,12']);
    const values = merged.flatMap((l) => l.split(',').slice(1).filter((x) => x !== ''));
    assert.deepEqual(values.sort(), ['1', '10', '11', '12', '2'], 'every sample is in the file once');
  } finally {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
