/**
 * One call from the lowest role may not stop or bloat the core (issue #8, finding 1): the
 * viewer's history.query that used to grow the process to 5 GB and end it with
 * `RangeError: Invalid string length` is refused with a sentence naming the limit; exports
 * are sized and counted per user; a client that never reads its replies is slowed, then
 * closed, with memory bounded. All over the real WebSocket, with the demo site running.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { PointMeta, SiteView } from '../../../core/common';
import { composeApp, type App } from '../../../electron/compose';
import { bootstrapUsers, signedIn, type Bootstrapped } from '../../support/auth';
import { connect, waitFor, type ApiCallError, type TestClient } from '../../support/ws-client';

const MB = 1024 * 1024;

describe('bounded work per call', () => {
  let app: App;
  let users: Bootstrapped;
  let op: TestClient;
  let viewer: TestClient;
  let ids: string[];
  const dataDir = mkdtempSync(join(tmpdir(), 'esm-limits-'));

  before(async () => {
    // no plan service: its solver worker starting during the measurement would count in the RSS the test bounds
    app = await composeApp({ mode: 'browser', ephemeralSimPorts: true, dataDir, web: { bind: '127.0.0.1', port: 0 }, planning: { enabled: false } });
    users = await bootstrapUsers(app.host.url ?? '', app.host.setupToken);
    op = await signedIn(app.host.url ?? '', users.operator);
    viewer = await signedIn(app.host.url ?? '', users.viewer);
    const points = await viewer.call<PointMeta[]>('points.list', {});
    const numeric = points.filter((p) => p.type === 'number').map((p) => p.id);
    ids = Array.from({ length: 64 }, (_, i) => numeric[i % numeric.length] as string);
  });
  after(async () => {
    await op?.close();
    await viewer?.close();
    await users?.admin.close();
    await app?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("refuses the viewer's 64-million-value history.query with the limit, and keeps answering", async () => {
    const rss0 = process.memoryUsage().rss;
    const to = Date.now();
    const q = { ids, from: to - 1_000_000, to, mode: 'interpolated', intervalMs: 1, maxPoints: 64 };
    const err = await viewer.call('history.query', q).then(
      () => assert.fail('the query was answered'),
      (e: ApiCallError) => e,
    );
    assert.equal(err.body.code, 'too-large');
    assert.equal(err.body.message, 'This query would return 64 million values; the limit is 2 million. Shorten the period or widen the interval.');
    assert.equal(err.body.rule, 'limit.history.query-values');
    // the core is alive and answers everyone
    const site = await viewer.call<SiteView>('site.get');
    assert.ok(site.assets.length > 0);
    const read = await op.call<{ id: string }[]>('points.read', { ids: ids.slice(0, 3) });
    assert.equal(read.length, 3);
    // the same query with a sane interval is answered
    const ok = await viewer.call<{ pens: { t: number[] }[] }>('history.query', { ...q, intervalMs: 10_000 });
    assert.equal(ok.pens.length, 64);
    assert.equal(ok.pens[0]?.t.length, 101);
    assert.ok(process.memoryUsage().rss - rss0 < 300 * MB, `RSS grew by ${Math.round((process.memoryUsage().rss - rss0) / MB)} MB`);
  });

  it('refuses other oversized history requests with their limit', async () => {
    const to = Date.now();
    // aggregate buckets count like interpolated cells
    await assert.rejects(viewer.call('history.query', { ids, from: to - 86_400_000, to, mode: 'aggregate', intervalMs: 1000 }), (e: ApiCallError) => {
      assert.equal(e.body.code, 'too-large');
      assert.match(e.body.message, /^This query would return 5\.5 million values; the limit is 2 million\./);
      return true;
    });
    // an export's rows are sized before a worker starts
    await assert.rejects(
      op.call('history.export', { exportId: 'huge', ids: ids.slice(0, 2), from: to - 86_400_000, to, layout: 'long', mode: 'interpolated', intervalMs: 1 }),
      (e: ApiCallError) => {
        assert.equal(e.body.code, 'too-large');
        assert.equal(e.body.message, 'This export would write 173 million rows; the limit is 10 million. Shorten the period, widen the interval or export fewer points.');
        return true;
      },
    );
  });

  it('runs at most two exports per user at once', async () => {
    const to = Date.now();
    const big = { ids: ids.slice(0, 1), from: to - 6_000_000, to, layout: 'wide', mode: 'interpolated', intervalMs: 1 };
    await op.call('history.export', { ...big, exportId: 'e1' });
    await op.call('history.export', { ...big, exportId: 'e2' });
    try {
      await assert.rejects(op.call('history.export', { ...big, exportId: 'e3' }), (e: ApiCallError) => {
        assert.equal(e.body.code, 'busy');
        assert.match(e.body.message, /^You already have 2 exports running; the limit is 2\./);
        return true;
      });
    } finally {
      await op.call('history.exportCancel', { exportId: 'e1' });
      await op.call('history.exportCancel', { exportId: 'e2' });
    }
  });

  it('slows, then closes a client that does not read its replies; memory stays bounded', async () => {
    const stats = app.host.webStats;
    assert.ok(stats);
    const closedBefore = stats.closedForBackPressure;
    const greedy = await connect(app.host.url ?? '');
    await greedy.signIn(users.viewer.username, users.viewer.password);
    let replies = 0;
    greedy.ws.on('message', () => replies++);
    const closed = new Promise<void>((r) => greedy.ws.once('close', () => r()));
    greedy.ws.on('error', () => undefined);
    const rss0 = process.memoryUsage().rss;
    let rssMax = rss0;
    const sampler = setInterval(() => (rssMax = Math.max(rssMax, process.memoryUsage().rss)), 100);
    // stop reading: the replies pile up on the server's side
    (greedy.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const msg = (id: number): string => JSON.stringify({ t: 'call', id, method: 'points.list', arg: {}, session: greedy.session });
    for (let i = 0; i < 20_000; i++) greedy.ws.send(msg(1000 + i));
    try {
      await waitFor('the server to close the unread connection', () => stats.closedForBackPressure > closedBefore, 60_000, 100);
      (greedy.ws as unknown as { _socket: { resume(): void } })._socket.resume();
      await Promise.race([closed, new Promise((r) => setTimeout(r, 5000))]);
    } finally {
      clearInterval(sampler);
      greedy.ws.terminate();
    }
    const grew = Math.round((rssMax - rss0) / MB);
    console.log(`unread client: closed after ${replies} replies read; RSS grew by at most ${grew} MB`);
    assert.ok(replies < 20_000, 'the server did not answer every call into an unread socket');
    assert.ok(grew < 150, `RSS grew by ${grew} MB`);
    // others still get answers
    assert.ok((await op.call<SiteView>('site.get')).assets.length > 0);
  });
});
