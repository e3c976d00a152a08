import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { ExportProgressEvent } from '../../../../core/common/historian';
import {
  applyProgress,
  exportRequest,
  formatBytes,
  formProblem,
  newExportId,
  previewQueries,
  previewRows,
  qualityText,
  startExport,
  type ExportForm,
} from './historyModel';

const T0 = Date.UTC(2025, 5, 1, 12, 0, 0);
const form = (over: Partial<ExportForm> = {}): ExportForm => ({
  ids: ['ess/Soc', 'pcc-meter/ActivePower'],
  from: T0,
  to: T0 + 3_600_000,
  mode: 'raw',
  intervalMs: 60_000,
  layout: 'wide',
  separator: ',',
  ...over,
});

describe('export request', () => {
  it('is built from the form with a fresh id, interval only when interpolated', () => {
    const a = newExportId(1, () => 0.5);
    assert.match(a, /^exp-1-[0-9a-z]{6}$/);
    assert.notEqual(newExportId(), newExportId());
    assert.deepEqual(exportRequest(form(), 'e1'), { exportId: 'e1', ids: ['ess/Soc', 'pcc-meter/ActivePower'], from: T0, to: T0 + 3_600_000, layout: 'wide', mode: 'raw', separator: ',', mergeMs: 1000 });
    assert.equal(exportRequest(form({ mode: 'interpolated', intervalMs: 10_000 }), 'e2').intervalMs, 10_000);
  });
  it('says what is wrong with the form', () => {
    assert.equal(formProblem(form()), null);
    assert.match(formProblem(form({ ids: [] })) ?? '', /at least one point/);
    assert.match(formProblem(form({ to: T0 })) ?? '', /end after/);
    assert.match(formProblem(form({ mode: 'interpolated', intervalMs: 1000, to: T0 + 365 * 86_400_000 })) ?? '', /rows/);
  });
});

describe('preview', () => {
  it('widens raw windows until the whole period, interpolated needs one query', () => {
    assert.deepEqual(
      previewQueries(form({ to: T0 + 86_400_000 }), 50).map((q) => [q.mode, q.to - q.from]),
      [
        ['raw', 600_000],
        ['raw', 6 * 3_600_000],
        ['raw', 86_400_000],
      ],
    );
    assert.deepEqual(
      previewQueries(form({ to: T0 + 300_000 }), 50).map((q) => q.to - q.from),
      [300_000],
    );
    const [q] = previewQueries(form({ mode: 'interpolated', intervalMs: 60_000 }), 50);
    assert.deepEqual([q?.mode, q?.intervalMs, (q?.to ?? 0) - (q?.from ?? 0)], ['interpolated', 60_000, 49 * 60_000]);
  });
  const pens = [
    { id: 'ess/Soc', t: [T0, T0 + 1000, T0 + 2000], v: [50, 50.5, 51], q: [0, 10, 0] },
    { id: 'pcc-meter/ActivePower', t: [T0 + 1000, T0 + 3000], v: [12.5, null], q: [0, 17] },
  ];
  it('wide: one row per distinct time, empty cells where a point has no sample', () => {
    const p = previewRows(pens, ['ess/Soc', 'pcc-meter/ActivePower'], 'wide', 10);
    assert.deepEqual(p.header, ['time', 'ess/Soc', 'pcc-meter/ActivePower']);
    assert.deepEqual(p.rows, [
      ['2025-06-01T12:00:00.000Z', '50', ''],
      ['2025-06-01T12:00:01.000Z', '50.5', '12.5'],
      ['2025-06-01T12:00:02.000Z', '51', ''],
      ['2025-06-01T12:00:03.000Z', '', ''],
    ]);
    assert.equal(p.more, false);
    assert.equal(previewRows(pens, ['ess/Soc', 'pcc-meter/ActivePower'], 'wide', 2).more, true);
  });
  it('long: time, point, value, quality; rows without a value are skipped', () => {
    const p = previewRows(pens, ['ess/Soc', 'pcc-meter/ActivePower'], 'long', 10);
    assert.deepEqual(p.header, ['time', 'point', 'value', 'quality']);
    assert.deepEqual(p.rows, [
      ['2025-06-01T12:00:00.000Z', 'ess/Soc', '50', 'good'],
      ['2025-06-01T12:00:01.000Z', 'ess/Soc', '50.5', 'uncertain:stale'],
      ['2025-06-01T12:00:01.000Z', 'pcc-meter/ActivePower', '12.5', 'good'],
      ['2025-06-01T12:00:02.000Z', 'ess/Soc', '51', 'good'],
    ]);
    assert.equal(qualityText(17), 'bad:comm-fail');
  });
});

describe('export progress', () => {
  const ev = (e: Partial<ExportProgressEvent>): ExportProgressEvent => ({ exportId: 'e1', forUser: 'olga', rows: 0, totalRows: 100, bytes: 0, fraction: 0, done: false, ...e });
  it('follows its export to the download', () => {
    let s = startExport('e1');
    s = applyProgress(s, ev({ rows: 40, bytes: 1000, fraction: 0.4 }));
    assert.deepEqual([s.status, s.rows, s.fraction], ['running', 40, 0.4]);
    assert.equal(applyProgress(s, ev({ exportId: 'other', rows: 99 })), s, 'other exports are ignored');
    s = applyProgress(s, ev({ rows: 100, bytes: 2500, fraction: 1, done: true, download: '/download/abc', file: '/data/exports/x.csv', filename: 'x.csv' }));
    assert.deepEqual([s.status, s.download, s.file, s.filename], ['done', '/download/abc', '/data/exports/x.csv', 'x.csv']);
    assert.equal(applyProgress(s, ev({ rows: 5 })), s, 'nothing after done');
  });
  it('tells cancellation from failure', () => {
    assert.equal(applyProgress(startExport('e1'), ev({ done: true, error: 'cancelled' })).status, 'cancelled');
    const f = applyProgress(startExport('e1'), ev({ done: true, error: 'disk full' }));
    assert.deepEqual([f.status, f.error], ['failed', 'disk full']);
  });
  it('formats sizes', () => {
    assert.equal(formatBytes(512), '512 B');
    assert.equal(formatBytes(2048), '2.0 kB');
    assert.equal(formatBytes(5 * 1024 * 1024), '5.0 MB');
  });
});
