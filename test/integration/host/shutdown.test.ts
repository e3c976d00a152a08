/**
 * SIGTERM under load (issue #8, finding 7): the built app, its demo plant recording and a
 * client flooding calls, is sent SIGTERM the way a service manager stops it. It must end by
 * itself within a service manager's patience (here 7 s, then SIGKILL, as `docker stop` does
 * after its grace period) and keep the last historian batch: after a restart on the same data
 * folder the last value seen before the signal is in the history.
 */
import { strict as assert } from 'node:assert';
import { rmSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { PointUpdate, SiteView, TrendResult } from '../../../core/common';
import { startAppProcess } from '../../support/app-process';
import { ADMIN, bootstrapUsers } from '../../support/auth';
import { connect } from '../../support/ws-client';

const PATIENCE_MS = 7000;

describe('SIGTERM under load', () => {
  it('stops in bounded time and keeps the last historian batch', async () => {
    const app = await startAppProcess([], 60_000);
    let dataDir = app.dataDir;
    try {
      const users = await bootstrapUsers(app.url, app.setupToken);
      const admin = users.admin;
      const site = await admin.call<SiteView>('site.get');
      const load = site.assets.find((a) => a.nature === 'Load');
      const id = `${load?.id}/ActivePower`;
      let lastSeen = 0;
      await admin.listen('points.changed', (d) => {
        for (const u of d as PointUpdate[]) if (u.id === id && u.q.level === 'good') lastSeen = Math.max(lastSeen, u.ts);
      });
      // load: a viewer keeps 8 calls in flight
      const viewer = await connect(app.url);
      await viewer.signIn(users.viewer.username, users.viewer.password);
      viewer.ws.on('error', () => undefined);
      let loading = true;
      // the test client leaves calls pending when its socket closes: end the loop on close
      let isClosed = false;
      const closed = new Promise<void>((r) => viewer.ws.once('close', () => ((isClosed = true), r())));
      const call = (m: string, a: unknown): Promise<unknown> => Promise.race([viewer.call(m, a).catch(() => undefined), closed]);
      const loop = async (): Promise<void> => {
        while (loading && !isClosed) {
          const to = Date.now();
          await call('history.query', { ids: [id], from: to - 600_000, to, mode: 'interpolated', intervalMs: 100 });
          await call('points.list', {});
        }
      };
      const loops = Array.from({ length: 8 }, loop);
      await new Promise((r) => setTimeout(r, 4000));
      assert.ok(lastSeen > 0, 'the load was seen');
      const seenBeforeSignal = lastSeen;

      const t0 = performance.now();
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => app.child.once('exit', (code, signal) => resolve({ code, signal })));
      const patience = setTimeout(() => app.child.kill('SIGKILL'), PATIENCE_MS);
      app.child.kill('SIGTERM');
      const end = await exited;
      clearTimeout(patience);
      const tookMs = Math.round(performance.now() - t0);
      loading = false;
      viewer.ws.terminate();
      admin.ws.terminate();
      await Promise.allSettled(loops);
      console.log(`SIGTERM under load: the app ended in ${tookMs} ms (code ${end.code}, signal ${end.signal})`);
      assert.equal(end.signal, null, `the app did not end by itself within ${PATIENCE_MS} ms:\n${app.output().slice(-2000)}`);
      assert.equal(end.code, 0, app.output().slice(-2000));

      // the same data folder again: the last value seen before the signal was kept
      const again = await startAppProcess(['--data-dir', dataDir, '--no-sim'], 60_000);
      try {
        const c = await connect(again.url);
        await c.signIn(ADMIN.username, ADMIN.password);
        const r = await c.call<TrendResult>('history.query', { ids: [id], from: seenBeforeSignal - 120_000, to: Date.now(), mode: 'raw' });
        const last = Math.max(...(r.pens[0]?.t ?? [0]));
        assert.ok(last >= seenBeforeSignal, `the history ends at ${new Date(last).toISOString()}, before the last value seen (${new Date(seenBeforeSignal).toISOString()})`);
        await c.close();
      } finally {
        await again.stop();
      }
    } finally {
      if (app.child.exitCode === null && app.child.signalCode === null) await app.stop();
      rmSync(dataDir, { recursive: true, force: true });
      dataDir = '';
    }
  });
});
