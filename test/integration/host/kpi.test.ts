/**
 * Energy statistics and KPIs behind the real API: the running demo plant is recorded and the
 * KPI worker summarises today from the historian file; bad requests are refused with their place.
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { strFromU8, unzipSync } from 'fflate';
import type { KpiDefinition, KpiSummary } from '../../../core/common/kpi';
import { localParts, nextDate } from '../../../core/common/localtime';
import { composeApp, type App } from '../../../electron/compose';
import { bootstrapUsers, signedIn, type Bootstrapped } from '../../support/auth';
import { type ApiCallError, waitFor, type TestClient } from '../../support/ws-client';

function fetchBytes(url: string): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts) }));
    }).on('error', reject);
  });
}

describe('KPIs through the API', () => {
  let app: App;
  let users: Bootstrapped;
  let viewer: TestClient;
  let op: TestClient;
  const dataDir = mkdtempSync(join(tmpdir(), 'esm-kpi-'));

  before(async () => {
    app = await composeApp({ mode: 'browser', ephemeralSimPorts: true, dataDir, web: { bind: '127.0.0.1', port: 0 } });
    users = await bootstrapUsers(app.host.url ?? '', app.host.setupToken);
    viewer = await signedIn(app.host.url ?? '', users.viewer);
    op = await signedIn(app.host.url ?? '', users.operator);
  });
  after(async () => {
    await viewer?.close();
    await op?.close();
    await users?.admin.close();
    await app?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('summarises today from the recorded plant, every figure with its coverage', async () => {
    const today = localParts(Date.now(), 'Europe/Madrid').date;
    const s = await waitFor(
      'a few seconds of recorded power',
      async () => {
        const r = await viewer.call<KpiSummary>('kpi.summary', { from: today, to: today, compare: true });
        return (r.stats.gridImport?.coverage ?? 0) > 0 && (r.stats.load?.coverage ?? 0) > 0 ? r : undefined;
      },
      30_000,
      1000,
    );
    assert.equal(s.siteName, 'Demo storage site');
    assert.equal(s.days.length, 1);
    // the day has only just started being recorded: coverage is a small share, the value is what was measured
    assert.ok((s.stats.gridImport?.coverage ?? 1) < 1);
    assert.ok((s.stats.load?.value ?? -1) >= 0);
    assert.equal(s.stats.wind?.value, null);
    assert.ok(s.stats.wind?.missing?.length, 'a figure without its input names it');
    assert.ok(s.previous, 'the previous period is there');
    assert.equal(s.previous?.stats.gridImport?.value, null, 'yesterday was not recorded: no value, not zero');
    assert.equal(s.previous?.stats.gridImport?.coverage, 0);
  });

  it('refuses bad periods and unknown assets with their place; lists the definitions', async () => {
    await assert.rejects(viewer.call('kpi.summary', { from: '2026-02-30', to: '2026-03-01' }), (e: ApiCallError) => e.body.code === 'bad-request' && e.body.path === 'from');
    await assert.rejects(viewer.call('kpi.summary', { from: '2026-03-02', to: '2026-03-01' }), (e: ApiCallError) => e.body.code === 'bad-request' && e.body.path === 'to');
    await assert.rejects(viewer.call('kpi.summary', { from: '2026-03-01', to: '2026-03-01', assets: ['ess', 'ghost'] }), (e: ApiCallError) => e.body.code === 'bad-request' && e.body.path === 'assets[1]' && /ghost/.test(e.body.message));
    const defs = await viewer.call<KpiDefinition[]>('kpi.definitions', {});
    const rf = defs.find((d) => d.id === 'rainflowCycles');
    assert.ok(rf && /ASTM E1049/.test(rf.formula) && rf.inputs.length > 0 && rf.requirement === 'energy.06');
  });

  it('reports: PDF with the site name and totals (pdftotext), XLSX with every table, CSV; viewers may not export', async () => {
    const today = localParts(Date.now(), 'Europe/Madrid').date;
    const base = (app.host.url ?? '').replace(/\/$/, '');
    await assert.rejects(viewer.call('kpi.report', { from: today, to: today, format: 'csv' }), (e: ApiCallError) => e.body.code === 'forbidden');
    const s = await op.call<KpiSummary>('kpi.summary', { from: today, to: today });
    const pdf = await op.call<{ filename: string; download: string; bytes: number }>('kpi.report', { from: today, to: today, format: 'pdf' });
    assert.match(pdf.filename, /^demo-.*-report\.pdf$/);
    const got = await fetchBytes(base + pdf.download);
    assert.equal(got.status, 200);
    assert.equal(got.body.subarray(0, 5).toString(), '%PDF-');
    const file = join(dataDir, 'report.pdf');
    writeFileSync(file, got.body);
    const text = execFileSync('pdftotext', ['-layout', file, '-']).toString();
    assert.match(text, /Demo storage site/);
    assert.match(text, /Energy imported/);
    assert.match(text, /Energy statistics/);
    assert.equal((await fetchBytes(base + pdf.download)).status, 404, 'a download is taken once');
    const x = await op.call<{ filename: string; download: string }>('kpi.report', { from: today, to: today, format: 'xlsx' });
    const zip = unzipSync(new Uint8Array((await fetchBytes(base + x.download)).body));
    assert.ok(zip['xl/workbook.xml'] && zip['xl/worksheets/sheet5.xml'], 'five sheets');
    const wb = strFromU8(zip['xl/workbook.xml']!);
    for (const name of ['Energy statistics', 'Key performance indicators', 'Energy per day', 'Energy per month', 'Energy per asset']) assert.ok(wb.includes(`name="${name}"`), name);
    assert.match(strFromU8(zip['xl/worksheets/sheet1.xml']!), /Energy imported/);
    const c = await op.call<{ filename: string; download: string }>('kpi.report', { from: today, to: today, format: 'csv', table: 'days' });
    const csv = (await fetchBytes(base + c.download)).body.toString();
    const [head, row] = csv.split('\r\n');
    assert.equal(head?.split(',')[0], 'date');
    assert.equal(row?.split(',')[0], today);
    assert.ok(s.days.length === 1);
  });

  it('follows the contracted power the operator changes at run time (stored in the app DB), from the instant of the change', async () => {
    const today = localParts(Date.now(), 'Europe/Madrid').date;
    const before = await viewer.call<KpiSummary>('kpi.summary', { from: today, to: today });
    assert.deepEqual(before.contract, { kw: 60, changed: false }, "the site file's contract");
    const r = await op.call<{ ok: boolean }>('site.parameters.set', { siteId: 'demo', parameter: 'contractedPowerKw', value: 45, reason: 'test' });
    assert.equal(r.ok, true);
    const after = await waitFor(
      'the KPIs judge against the new contract',
      async () => {
        const s = await viewer.call<KpiSummary>('kpi.summary', { from: today, to: today });
        return s.contract?.kw === 45 ? s : undefined;
      },
      10_000,
      200,
    );
    assert.equal(after.contract?.changed, true, 'the contract changed inside today');
    const yesterday = await viewer.call<KpiSummary>('kpi.summary', { from: nextDate(today, -1), to: nextDate(today, -1) });
    assert.deepEqual(yesterday.contract, { kw: 60, changed: false }, 'yesterday had the old contract');
  });
});
