/**
 * The historian's disk dies while the demo site runs (issue #10, item 5): its folder is a
 * small tmpfs that is filled to the last byte. Points keep updating, a system alarm names
 * the cause, nothing crashes; when space is back the buffered samples are written and the
 * alarm clears. Needs root (mount); this machine's tests run as root.
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AlarmView } from '../../../core/common/alarms';
import type { PointState, TrendResult } from '../../../core/common';
import { HISTORIAN_WRITE_ALARM } from '../../../core/host/services';
import { composeApp, type App } from '../../../electron/compose';
import { waitFor } from '../../support/ws-client';

/** Writes zeros until the file system is full; returns the bytes written. */
function fill(file: string): number {
  const fd = openSync(file, 'w');
  const block = Buffer.alloc(64 * 1024);
  let n = 0;
  try {
    for (;;) n += writeSync(fd, block);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
  } finally {
    closeSync(fd);
  }
  // the last partial block
  const fd2 = openSync(file, 'a');
  try {
    for (;;) n += writeSync(fd2, Buffer.alloc(512));
  } catch {
    /* full */
  } finally {
    closeSync(fd2);
  }
  return n;
}

describe("the historian's disk fills up while the plant runs", () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'esm-diskfull-'));
  const histDir = join(dataDir, 'historian');
  let app: App;
  let mounted = false;

  before(async () => {
    mkdirSync(histDir, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m,mode=0700', 'tmpfs', histDir]);
    mounted = true;
    app = await composeApp({ mode: 'browser', ephemeralSimPorts: true, dataDir });
  });
  after(async () => {
    await app?.stop();
    if (mounted) execFileSync('umount', [histDir]);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps the points updating, raises an alarm with the cause, and recovers', async () => {
    const h = app.host.svc.historian;
    const alarms = app.host.svc.alarms;
    const watched = app.host.cvt.metas().filter((m) => m.type === 'number').slice(0, 10).map((m) => m.id);
    await waitFor('a few flushes of history', () => h.stats().flushes >= 3, 20_000, 100);
    const filler = join(histDir, 'filler');
    const bytes = fill(filler);
    const filledAt = Date.now();

    const alarm = await waitFor(
      'the historian write alarm',
      () => alarms.list({}).alarms.find((a: AlarmView) => a.id === HISTORIAN_WRITE_ALARM && a.state.endsWith('active')),
      60_000,
      100,
    );
    const alarmAt = Date.now();
    assert.match(String(alarm.value), /database or disk is full|SQLITE_FULL/, `the alarm names the cause: ${String(alarm.value)}`);
    assert.ok(h.stats().failedFlushes > 0);
    // the points keep updating while the historian cannot write
    const rts = (ids: string[]): number[] => ids.map((id) => (app.host.cvt.get(id) as PointState).rts);
    const before = rts(watched);
    await new Promise((r) => setTimeout(r, 4000));
    const after = rts(watched);
    assert.ok(after.every((t, i) => t > (before[i] ?? 0)), 'every watched point was received again');
    assert.ok(watched.every((id) => app.host.cvt.get(id)?.quality.level === 'good'), 'and is of good quality');
    // the API answers; a trend query still reads what was recorded
    const r = await h.query({ ids: watched.slice(0, 1), from: filledAt - 60_000, to: Date.now(), mode: 'raw' });
    assert.equal(r.pens.length, 1);

    // space is back: the buffered samples are written and the alarm clears
    const freedAt = Date.now();
    assert.ok(h.lastWriteError, 'the disk was still full until now');
    rmSync(filler);
    await waitFor(
      'the alarm to clear',
      () => !alarms.list({}).alarms.some((a: AlarmView) => a.id === HISTORIAN_WRITE_ALARM && a.state.endsWith('active')),
      30_000,
      100,
    );
    assert.equal(h.lastWriteError, undefined);
    // the building load is noisy: its swinging-door policy keeps samples every few seconds
    const load = app.loaded.site.assets.find((a) => a.nature === 'Load');
    const stored: TrendResult = await h.query({ ids: [`${load?.id}/ActivePower`], from: alarmAt, to: freedAt, mode: 'raw' });
    assert.ok(
      (stored.pens[0]?.t.length ?? 0) > 0,
      'samples taken while the disk was full were kept in the buffer and written afterwards',
    );
    console.log(`disk full: filled ${Math.round(bytes / 1024)} kB; ${h.stats().failedFlushes} failed flushes, ${h.stats().dropped} samples dropped`);
  });
});
