/**
 * The vertical slice over the real API: demo site, plant simulator serving Modbus TCP on
 * loopback, the real Modbus bridges, the CVT and the browser-mode WebSocket.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { DeviceStatus, PointMeta, PointState, PointUpdate, SiteView } from '../../../core/common';
import { WebTransport } from '../../../core/host/web';
import { composeApp, type App } from '../../../electron/compose';
import { bootstrapUsers, signedIn, type Bootstrapped } from '../../support/auth';
import { type ApiCallError, connect, waitFor, type TestClient } from '../../support/ws-client';

let app: App;
let client: TestClient;
let users: Bootstrapped;
const dataDir = mkdtempSync(join(tmpdir(), 'esm-host-'));


function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('core host API (browser mode)', () => {
  before(async () => {
    app = await composeApp({ mode: 'browser', ephemeralSimPorts: true, dataDir, web: { bind: '127.0.0.1', port: 0 } });
    users = await bootstrapUsers(app.host.url ?? '', app.host.setupToken);
    client = await signedIn(app.host.url ?? '', users.operator);
  });
  after(async () => {
    await client?.close();
    await users?.admin.close();
    await app?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers nothing but sign-in before a session exists', async () => {
    const anon = await connect(app.host.url ?? '');
    assert.equal(anon.session, '', 'hello issues no session');
    const status = await anon.call<{ setupRequired: boolean }>('auth.status');
    assert.equal(status.setupRequired, false);
    await assert.rejects(anon.call('site.get'), (e: ApiCallError) => e.body.code === 'unauthenticated');
    await assert.rejects(anon.call('points.read', { ids: ['x/y'] }), (e: ApiCallError) => e.body.code === 'unauthenticated');
    await assert.rejects(anon.listen('points.changed', () => undefined), (e: ApiCallError) => e.body.code === 'unauthenticated');
    await assert.rejects(anon.signIn('operator1', 'wrong-password-123'), (e: ApiCallError) => e.body.code === 'unauthenticated');
    await anon.close();
  });

  it('serves the site, its points and live device status', async () => {
    const site = await client.call<SiteView>('site.get');
    assert.equal(site.simulated, true);
    assert.ok(site.assets.some((a) => a.nature === 'Ess'), 'the demo site has a battery');
    const pcc = site.assets.find((a) => a.id === site.pcc.meter);
    assert.equal(pcc?.nature, 'Meter');
    const points = await client.call<PointMeta[]>('points.list');
    assert.ok(points.length >= 20, `points: ${points.length}`);
    const devices = await waitFor('every device online', async () => {
      const d = await client.call<DeviceStatus[]>('devices.list');
      return d.every((x) => x.state === 'online') ? d : undefined;
    });
    assert.ok(devices.length >= 5);
    const soc = await waitFor('a good SoC', async () => {
      const ess = site.assets.find((a) => a.nature === 'Ess');
      const [s] = await client.call<PointState[]>('points.read', { ids: [`${ess?.id}/Soc`] });
      return s?.quality.level === 'good' ? s : undefined;
    });
    assert.ok(typeof soc.value === 'number' && soc.value > 0 && soc.value <= 100, `SoC ${String(soc.value)}`);
  });

  it('pushes point changes in batches, not one message per point', async () => {
    const batches: PointUpdate[][] = [];
    await client.listen('points.changed', (d) => batches.push(d as PointUpdate[]));
    await client.call('sim.set', { loadStepKw: 7 });
    await waitFor('several batches', () => (batches.length >= 3 ? true : undefined), 10_000);
    const sizes = batches.map((b) => b.length);
    assert.ok(Math.max(...sizes) > 1, `batch sizes ${sizes.join(',')}`);
    await client.call('sim.set', { loadStepKw: 0 });
  });

  it('answers malformed and unknown messages with an error and keeps the connection', async () => {
    const bad = await client.raw('{not json');
    assert.ok(bad.t === 'result' && !bad.ok && bad.error.code === 'bad-request', JSON.stringify(bad));
    const shape = await client.raw(JSON.stringify({ t: 'call', id: 77, method: 'site.get' }), 77);
    assert.ok(shape.t === 'result' && !shape.ok && /session/.test(shape.error.message), JSON.stringify(shape));
    const bin = await client.raw(Buffer.from([1, 2, 3]));
    assert.ok(bin.t === 'result' && !bin.ok && bin.error.code === 'bad-request');
    await assert.rejects(client.call('no.such.method'), (e: ApiCallError) => e.body.code === 'unknown-method');
    await assert.rejects(client.call('points.read', { ids: 'ess1/Soc' }), (e: ApiCallError) => e.body.code === 'bad-request' && e.body.path === 'ids');
    await assert.rejects(client.call('points.read', { ids: ['nope/X'] }), (e: ApiCallError) => e.body.code === 'not-found');
    await assert.rejects(client.call('sim.set', { pvFactor: 7 }), (e: ApiCallError) => e.body.code === 'bad-request' && e.body.path === 'pvFactor');
    await assert.rejects(client.call('site.get', {}, 'forged-token'), (e: ApiCallError) => e.body.code === 'unauthenticated');
    const site = await client.call<SiteView>('site.get');
    assert.ok(site.id, 'still usable after bad input');
  });

  it('refuses WebSocket upgrades from foreign origins and host names', async () => {
    const url = app.host.url ?? '';
    await assert.rejects(connect(url, { Origin: 'http://evil.example' }), /403/);
    await assert.rejects(connect(url, { Host: 'rebind.example:80' }), /403/);
    const ok = await connect(url, { Origin: url.replace(/\/$/, '') });
    await ok.close();
  });

  it('serves static files with a CSP and never outside its folder', async () => {
    const url = app.host.url ?? '';
    const index = await get(url);
    assert.equal(index.status, 200, `the operator UI is served (npm test builds it first): ${index.body.slice(0, 80)}`);
    assert.match(index.body, /<div id="root"|<script/);
    assert.match(String(index.headers['content-security-policy']), /default-src 'self'/);
    assert.match(String(index.headers['content-security-policy']), /connect-src 'self';/);
    const traversal = await get(`${url}..%2f..%2fpackage.json`);
    assert.ok([403, 404].includes(traversal.status), `traversal status ${traversal.status}`);
    assert.doesNotMatch(traversal.body, /"name": "es-manager"/);
  });

  it('refuses to serve a non-loopback address without TLS', () => {
    assert.throws(() => new WebTransport(app.host.dispatcher, { bind: '0.0.0.0', port: 0 }), /without TLS/);
  });
});
