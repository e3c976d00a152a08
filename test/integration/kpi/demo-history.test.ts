/**
 * Demo history (issue #14 item 6), through the composed app and its API: the first start of the
 * demo site fills the historian with 30 days of the plant model run on a virtual clock with the
 * site's controllers in the loop, marked as simulated (the site's span, the KPI days, a point);
 * the KPIs of those days agree with the simulated meter's own energy counter; a restart does not
 * make it again; a real site or a data folder that already has a historian never gets any.
 */
import { strict as assert } from 'node:assert';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { SiteView, TrendResult } from '../../../core/common';
import type { KpiSummary } from '../../../core/common/kpi';
import { datesBetween, localParts, nextDate } from '../../../core/common/localtime';
import { DEMO_HISTORY_FILE, SIMULATED_POINT } from '../../../core/kpi/spec';
import { defaultProfileDirs, loadSite } from '../../../core/config/load';
import { composeApp, type App } from '../../../electron/compose';
import { needsDemoHistory } from '../../../electron/demo-history';
import { bootstrapUsers, signedIn, type Bootstrapped } from '../../support/auth';
import type { TestClient } from '../../support/ws-client';

const DAY = 86_400_000;

describe('demo history at the first start of the demo site', () => {
  let app: App;
  let users: Bootstrapped;
  let viewer: TestClient;
  const dataDir = mkdtempSync(join(tmpdir(), 'esm-demo-history-'));
  let t0 = 0;
  let t1 = 0;

  before(async () => {
    t0 = Date.now();
    app = await composeApp({ mode: 'browser', ephemeralSimPorts: true, dataDir, web: { bind: '127.0.0.1', port: 0 }, planning: { enabled: false }, demoHistory: true });
    t1 = Date.now();
    users = await bootstrapUsers(app.host.url ?? '', app.host.setupToken);
    viewer = await signedIn(app.host.url ?? '', users.viewer);
  });
  after(async () => {
    await viewer?.close();
    await users?.admin.close();
    await app?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('says which 30 days are simulated, ending where the live data starts', async () => {
    const site = await viewer.call<SiteView>('site.get', {});
    const h = site.simulatedHistory;
    assert.ok(h, 'the site view carries the simulated span');
    assert.equal(h.days, 30);
    assert.equal(h.truncated, false);
    assert.equal(h.to - h.from, 30 * DAY);
    assert.ok(h.to >= t0 && h.to <= t1, 'the history ends at the first start, before the live data');
    // only the owner may read the data folder's files, the history's included
    assert.equal(statSync(join(dataDir, DEMO_HISTORY_FILE)).mode & 0o077, 0);
    assert.equal(statSync(join(dataDir, 'historian', 'historian.db')).mode & 0o077, 0);
  });

  it('marks the data itself: the simulated-history point is 1 over the span and absent after it', async () => {
    const { simulatedHistory: h } = await viewer.call<SiteView>('site.get', {});
    assert.ok(h);
    // not a point of the site (the API refuses to query it): the historian itself
    const r = await app.host.svc.historian.query({ ids: [SIMULATED_POINT], from: h.from, to: h.to + 60_000, mode: 'raw' });
    const pen = r.pens[0];
    assert.ok(pen && pen.t.length > 0, 'the marker was recorded');
    assert.ok(pen.v.every((v) => v === 1));
    assert.ok((pen.t[0] as number) >= h.from && (pen.t[pen.t.length - 1] as number) <= h.to);
  });

  it('gives the dashboard 30 days of statistics, every day marked simulated, that match the meter', async () => {
    const { simulatedHistory: h } = await viewer.call<SiteView>('site.get', {});
    assert.ok(h);
    // the whole local days inside the simulated span
    const first = nextDate(localParts(h.from, 'Europe/Madrid').date, 1);
    const last = nextDate(localParts(h.to, 'Europe/Madrid').date, -1);
    const s = await viewer.call<KpiSummary>('kpi.summary', { from: first, to: last });
    assert.equal(s.days.length, datesBetween(first, last).length);
    assert.ok(s.days.length >= 28);
    assert.deepEqual(s.simulatedDays, s.days.map((d) => d.key), 'every day of the period is marked as simulated');
    assert.ok(s.days.every((d) => d.simulated));
    for (const k of ['gridImport', 'pv', 'load', 'ev', 'essCharge', 'essDischarge']) {
      const f = s.stats[k];
      assert.ok(f && f.value !== null && f.value > 0, `${k} has a value (${JSON.stringify(f)})`);
      assert.ok(f.coverage > 0.99, `${k} covers the period (${f.coverage})`);
    }
    // the balancing report per phase, from the simulated meters' L1..L3 (served over Modbus live, recorded here)
    for (const k of ['suppliedL1', 'suppliedL2', 'suppliedL3', 'consumedL1', 'consumedL2', 'consumedL3', 'phaseBalance']) {
      const f = s.stats[k];
      assert.ok(f && f.value !== null && f.value > 0 && f.coverage > 0.99, `${k}: ${JSON.stringify(f)}`);
    }
    const phases = ['L1', 'L2', 'L3'].reduce((a, L) => a + (s.stats[`supplied${L}`]?.value ?? 0), 0);
    assert.ok(Math.abs(phases - (s.stats.supplied?.value ?? 0)) < 0.01 * phases, `the phases add up to the total supplied (${phases} kWh)`);
    assert.ok((s.stats.consumedL1?.value ?? 0) > (s.stats.consumedL3?.value ?? 0), 'the building loads L1 more than L3');
    // the controllers were in the loop: the battery cut the site's highest quarter-hour import
    assert.ok((s.kpis.peakReduction?.value ?? 0) > 1, `peak reduction ${JSON.stringify(s.kpis.peakReduction)}`);
    // the balance at the PCC holds: import − export = load + EV − PV − discharge + charge (the
    // plant's own equation), over the quarter hours the KPIs integrate
    const v = (k: string) => s.stats[k]?.value ?? Number.NaN;
    const net = v('gridImport') - v('gridExport');
    const site = v('load') + v('ev') - v('pv') - v('essDischarge') + v('essCharge');
    assert.ok(Math.abs(net - site) < 0.01 * v('gridImport'), `PCC balance: ${net} against ${site} kWh`);
    // against the simulated meter's own rising import counter over the same instants (the KPIs
    // net per quarter hour, the counter per simulated minute: they differ by the energy that
    // changes direction inside a quarter hour, a fraction of a per cent here)
    const ids = ['pcc-meter/ImportEnergy'];
    const bounds = [Date.parse(`${first}T00:00:00+01:00`), Date.parse(`${nextDate(last, 1)}T00:00:00+01:00`)];
    const c = await viewer.call<TrendResult>('history.query', { ids, from: bounds[0]! - 60_000, to: bounds[1]! + 60_000, mode: 'interpolated', intervalMs: 60_000 });
    const pen = c.pens[0];
    assert.ok(pen);
    const at = (t: number): number => {
      const i = pen.t.findIndex((x) => x >= t);
      return pen.v[i] as number;
    };
    const counter = at(bounds[1]!) - at(bounds[0]!);
    assert.ok(counter > 0);
    assert.ok(Math.abs(v('gridImport') - counter) / counter < 0.02, `KPI import ${v('gridImport')} kWh against the meter counter ${counter} kWh`);
  });

  it('is not made again at the next start', async () => {
    const marker = readFileSync(join(dataDir, DEMO_HISTORY_FILE), 'utf8');
    await viewer.close();
    await users.admin.close();
    await app.stop();
    app = await composeApp({ mode: 'browser', ephemeralSimPorts: true, dataDir, web: { bind: '127.0.0.1', port: 0 }, planning: { enabled: false }, demoHistory: true });
    assert.equal(readFileSync(join(dataDir, DEMO_HISTORY_FILE), 'utf8'), marker, 'the history was not generated again');
    users = { ...users, admin: await signedIn(app.host.url ?? '', users.admins) };
    viewer = await signedIn(app.host.url ?? '', users.viewer);
    const { simulatedHistory: h } = await viewer.call<SiteView>('site.get', {});
    assert.deepEqual(h, JSON.parse(marker));
  });
});

describe('who never gets demo history', () => {
  const root = join(__dirname, '..', '..', '..');
  it('a real site, a simulated site without historyDays, and a data folder that has a historian', async () => {
    const demo = loadSite(join(root, 'assets', 'sites', 'demo', 'site.yaml'), defaultProfileDirs(root)).site;
    const dir = mkdtempSync(join(tmpdir(), 'esm-no-history-'));
    try {
      assert.equal(needsDemoHistory(demo, dir, true), true, 'the demo at its first start');
      assert.equal(needsDemoHistory(demo, dir, false), false, 'no simulator serves it (--no-sim): its devices are real');
      const { simulation: _s, ...real } = demo;
      assert.equal(needsDemoHistory(real, dir, true), false, 'a site without a simulation section');
      assert.equal(needsDemoHistory({ ...demo, simulation: { enabled: true, speed: 1, initialSocPct: 50 } }, dir, true), false, 'a simulated site that does not ask for history');
      mkdirSync(join(dir, 'historian'));
      writeFileSync(join(dir, 'historian', 'historian.db'), '');
      assert.equal(needsDemoHistory(demo, dir, true), false, 'a data folder that has recorded anything');
      assert.ok(existsSync(join(dir, 'historian', 'historian.db')));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
