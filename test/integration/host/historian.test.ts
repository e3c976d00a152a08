/**
 * The historian behind the real API: the simulated plant is recorded as it runs, a trend
 * query returns it, and a CSV export reports progress to its owner only and downloads once.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ExportProgressEvent, SiteView, TrendResult } from '../../../core/common';
import { composeApp, type App } from '../../../electron/compose';
import { bootstrapUsers, signedIn, type Bootstrapped } from '../../support/auth';
import { type ApiCallError, waitFor, type TestClient } from '../../support/ws-client';

function fetchText(url: string): Promise<{ status: number; body: string; type: string }> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, type: String(res.headers['content-type']) }));
    }).on('error', reject);
  });
}

describe('historian through the API', () => {
  let app: App;
  let users: Bootstrapped;
  let op: TestClient;
  let viewer: TestClient;
  let site: SiteView;
  const dataDir = mkdtempSync(join(tmpdir(), 'esm-hist-'));

  before(async () => {
    app = await composeApp({ mode: 'browser', ephemeralSimPorts: true, dataDir, web: { bind: '127.0.0.1', port: 0 } });
    users = await bootstrapUsers(app.host.url ?? '', app.host.setupToken);
    op = await signedIn(app.host.url ?? '', users.operator);
    viewer = await signedIn(app.host.url ?? '', users.viewer);
    site = await op.call<SiteView>('site.get');
  });
  after(async () => {
    await op?.close();
    await viewer?.close();
    await users?.admin.close();
    await app?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('records the running plant and answers a trend query', async () => {
    const ess = site.assets.find((a) => a.nature === 'Ess');
    const load = site.assets.find((a) => a.nature === 'Load');
    // the building load is noisy: swinging door keeps several samples in a few seconds;
    // an idle battery's SoC does not move, so its deadband keeps the first sample only
    const ids = [`${ess?.id}/Soc`, `${load?.id}/ActivePower`];
    const started = Date.now();
    const res = await waitFor(
      'a few seconds of history',
      async () => {
        app.host.svc.historian.flush();
        const r = await op.call<TrendResult>('history.query', { ids, from: started - 60_000, to: Date.now() + 1000, mode: 'raw' });
        return (r.pens[0]?.t.length ?? 0) >= 1 && (r.pens[1]?.t.length ?? 0) >= 3 ? r : undefined;
      },
      20_000,
      500,
    );
    assert.equal(res.pens.length, 2);
    const soc = res.pens[0];
    assert.ok(soc && soc.v.every((v) => v === null || (typeof v === 'number' && v > 0 && v <= 100)), 'SoC values are percentages');
    await assert.rejects(op.call('history.query', { ids: ['ghost/X'], from: 0, to: 1, mode: 'raw' }), (e: ApiCallError) => e.body.code === 'not-found');
    await assert.rejects(op.call('history.query', { ids, from: 10, to: 5, mode: 'raw' }), (e: ApiCallError) => e.body.code === 'bad-request');
  });

  it('exports CSV with progress for its owner only, downloadable once', async () => {
    const ess = site.assets.find((a) => a.nature === 'Ess');
    const mine: ExportProgressEvent[] = [];
    const others: ExportProgressEvent[] = [];
    await op.listen('history.exportProgress', (e) => mine.push(e as ExportProgressEvent));
    await users.admin.listen('history.exportProgress', (e) => others.push(e as ExportProgressEvent));
    await assert.rejects(viewer.call('history.export', { exportId: 'v1', ids: [`${ess?.id}/Soc`], from: 0, to: Date.now(), layout: 'long' }), (e: ApiCallError) => e.body.code === 'forbidden');
    app.host.svc.historian.flush();
    await op.call('history.export', { exportId: 'x1', ids: [`${ess?.id}/Soc`, `${ess?.id}/ActivePower`], from: Date.now() - 3600_000, to: Date.now(), layout: 'long' });
    const done = await waitFor('the export to finish', () => mine.find((e) => e.done));
    assert.equal(done.error, undefined);
    assert.ok(done.rows > 0 && done.download?.startsWith('/download/'), JSON.stringify(done));
    assert.equal(others.length, 0, 'another user sees nothing of this export');
    const url = (app.host.url ?? '').replace(/\/$/, '') + done.download;
    const first = await fetchText(url);
    assert.equal(first.status, 200);
    assert.match(first.type, /text\/csv/);
    const lines = first.body.trim().split('\n');
    assert.equal(lines.length - 1, done.rows, 'every row reported is in the file');
    assert.match(lines[1] ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/, 'ISO timestamps');
    const second = await fetchText(url);
    assert.equal(second.status, 404, 'a download link works once');
  });
});
