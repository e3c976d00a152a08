/**
 * Local days, months and tariff periods on a real historian file: DST days of 23 and 25 hours,
 * a month equal to the sum of its local days, tariff costs across the clock changes and a month
 * end, and the incremental cache (a new day adds to its cached month). The last test runs the
 * same through the KPI worker.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Historian, type Sample } from '../historian/historian';
import { openDatabase, Reader } from '../historian/store';
import { kpiConfigSchema } from '../common/kpi';
import { datesOfMonth, localDayBounds, localToUtc } from '../common/localtime';
import { KpiEngine, type KpiSiteSpec } from './engine';
import { KpiService } from './service';

const TZ = 'Europe/Madrid';
const GOOD = { level: 'good' } as const;
const dir = mkdtempSync(join(tmpdir(), 'esm-kpi-'));
let h: Historian;

const spec: KpiSiteSpec = {
  siteId: 'demo',
  siteName: 'KPI test site',
  timezone: TZ,
  contractedKw: 60,
  pcc: 'pcc/ActivePower',
  voltage: null,
  assets: [{ id: 'ess', name: 'Battery', nature: 'Ess', role: 'ess', p: 'ess/ActivePower', soc: 'ess/Soc', capacityKwh: 100, socMinPct: 10, socMaxPct: 90 }],
  importTariff: { defaultPricePerKwh: 0.1, periods: [{ name: 'peak', days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: '10:00', to: '14:00', pricePerKwh: 0.3 }] },
  exportTariff: null,
  config: kpiConfigSchema.parse({}),
  simulatedPoint: 'site/SimulatedHistory',
};

/** 10 kW import, battery idle, one sample every 5 minutes */
function record(from: number, to: number): void {
  const batch: Sample[] = [];
  for (let t = from; t <= to; t += 300_000) {
    batch.push({ id: 'pcc/ActivePower', value: 10, quality: GOOD, ts: t }, { id: 'ess/ActivePower', value: 0, quality: GOOD, ts: t }, { id: 'ess/Soc', value: 50, quality: GOOD, ts: t });
    if (batch.length > 30_000) {
      h.record(batch.splice(0));
      h.flush();
    }
  }
  h.record(batch);
  h.flush();
}

const NOW = Date.UTC(2026, 10, 1);
before(async () => {
  h = new Historian(join(dir, 'historian'), { config: { queryWorkers: 0, default: { mode: 'all', retentionDays: 4000 } }, now: () => NOW });
  await h.open();
  // from before 1 March to after 2 April, and 23-27 October (local)
  record(localToUtc('2026-02-28', 23 * 60, TZ), localToUtc('2026-04-02', 12 * 60, TZ));
  record(localToUtc('2026-10-23', 0, TZ), localToUtc('2026-10-27', 0, TZ));
});
after(async () => {
  await h.close();
  rmSync(dir, { recursive: true, force: true });
});

const near = (a: number | null | undefined, b: number, what: string, eps = 1e-3): void => assert.ok(a !== null && a !== undefined && Math.abs(a - b) <= eps, `${what}: ${a} is not ${b}`);

test('local days of 23 and 25 hours; a month is the sum of its local days; tariff costs across DST and a month end', () => {
  const e = new KpiEngine(new Reader(openDatabase(h.dbPath, true)), spec, () => NOW);
  // 29 March 2026: clocks go forward (23 h); 25 October: back (25 h)
  const spring = e.summary({ from: '2026-03-29', to: '2026-03-29' });
  assert.equal(spring.hours, 23);
  near(spring.stats.gridImport?.value, 230, 'spring-forward day');
  assert.equal(spring.stats.gridImport?.coverage, 1);
  assert.equal(spring.heat.kwh[0]?.length, 23, 'the heat map has 23 hours that day');
  // 4 h at 0.30 (10:00-14:00 local, after the change) + 19 h at 0.10
  near(spring.stats.energyCost?.value, 4 * 10 * 0.3 + 19 * 10 * 0.1, 'cost of the 23-hour day');
  const autumn = e.summary({ from: '2026-10-25', to: '2026-10-25' });
  assert.equal(autumn.hours, 25);
  near(autumn.stats.gridImport?.value, 250, 'fall-back day');
  near(autumn.stats.energyCost?.value, 12 + 21 * 1, 'cost of the 25-hour day');
  assert.equal(autumn.heat.kwh[0]?.length, 25);
  // March: 743 h
  const march = e.summary({ from: '2026-03-01', to: '2026-03-31' });
  assert.equal(march.hours, 743);
  near(march.stats.gridImport?.value, 7430, 'March');
  near(march.stats.energyCost?.value, 30 * 32 + 31, 'March cost');
  let sum = 0;
  let cost = 0;
  for (const d of datesOfMonth('2026-03')) {
    const s = new KpiEngine(new Reader(openDatabase(h.dbPath, true)), spec, () => NOW).summary({ from: d, to: d });
    sum += s.stats.gridImport?.value ?? NaN;
    cost += s.stats.energyCost?.value ?? NaN;
  }
  near(sum, march.stats.gridImport?.value ?? NaN, 'the month equals the sum of its local days');
  near(cost, march.stats.energyCost?.value ?? NaN, 'and so does its cost');
  assert.equal(march.days.length, 31);
  assert.deepEqual(march.months.map((m) => m.key), ['2026-03']);
  // across the month end
  const edge = e.summary({ from: '2026-03-31', to: '2026-04-01' });
  near(edge.stats.gridImport?.value, 480, 'month end');
  near(edge.stats.energyCost?.value, 64, 'month end cost');
  assert.deepEqual(edge.months.map((m) => [m.key, m.gridImport]), [
    ['2026-03', 240],
    ['2026-04', 240],
  ]);
  // no data before 28 February 23:00 local: 1 h of 28 February covered
  const feb = e.summary({ from: '2026-02-28', to: '2026-02-28' });
  near(feb.stats.gridImport?.coverage, 1 / 24, 'coverage of a day with one hour of data', 1e-3);
  near(feb.stats.gridImport?.value, 10, 'that hour only');
});

test('incremental: a new day is read and added to its cached month; the rest comes from the cache', () => {
  let now = localToUtc('2026-03-20', 12 * 60, TZ);
  const e = new KpiEngine(new Reader(openDatabase(h.dbPath, true)), spec, () => now);
  const first = e.summary({ from: '2026-03-01', to: '2026-03-31' });
  assert.ok(first.computed.daysRead >= 20, `first call reads every day so far (${first.computed.daysRead})`);
  near(first.stats.gridImport?.value, 19 * 240 + 12 * 10, 'March so far: 19 whole days and 12 h');
  now = localToUtc('2026-03-21', 12 * 60, TZ);
  const second = e.summary({ from: '2026-03-01', to: '2026-03-31' });
  // the 20th (now final) and the 21st (today) are read; the 19 cached days are not
  assert.equal(second.computed.daysRead, 3, 'the 20th once for the month, the 21st for the month and again for its row');
  const fresh = new KpiEngine(new Reader(openDatabase(h.dbPath, true)), spec, () => now).summary({ from: '2026-03-01', to: '2026-03-31' });
  assert.deepEqual(second.stats, fresh.stats, 'incremental equals from scratch');
  assert.equal(second.stats.gridImport?.value, 20 * 240 + 120);
  const { from } = localDayBounds('2026-03-21', TZ);
  assert.equal(second.hours, (now - localDayBounds('2026-03-01', TZ).from) / 3_600_000);
  assert.ok(from < now);
});

test('the KPI worker answers the same summary off the main thread, with the previous period', async () => {
  const svc = new KpiService({ dbPath: h.dbPath, spec, now: () => NOW });
  try {
    const s = await svc.summary({ from: '2026-03-01', to: '2026-03-31', compare: true });
    near(s.stats.gridImport?.value, 7430, 'March in the worker');
    assert.equal(s.previous?.from, '2026-01-29');
    assert.equal(s.previous?.to, '2026-02-28');
    near(s.previous?.stats.gridImport?.value, 10, 'the previous period holds one hour of data');
    assert.ok((s.previous?.stats.gridImport?.coverage ?? 1) < 0.01);
    const again = await svc.summary({ from: '2026-03-01', to: '2026-03-31' });
    assert.equal(again.computed.daysRead, 0, 'the second call is served from the worker’s cache');
  } finally {
    await svc.close();
  }
});

test('the contract changed at run time, through the worker: the days after the change are computed again against it, the days before stay', async () => {
  // 10 kW of import all March; the contract 60 kW, lowered to 5 kW from 15 March 12:00 local
  const svc = new KpiService({ dbPath: h.dbPath, spec: { ...spec, contracted: [{ from: 0, kw: 60 }] }, now: () => NOW });
  try {
    const before = await svc.summary({ from: '2026-03-01', to: '2026-03-31' });
    assert.equal(before.kpis.congestionHours?.value, 0, 'never above 60 kW');
    assert.deepEqual(before.contract, { kw: 60, changed: false });
    const again = await svc.summary({ from: '2026-03-01', to: '2026-03-31' });
    assert.equal(again.computed.daysRead, 0, 'March is cached');
    await svc.setContracted([
      { from: 0, kw: 60 },
      { from: localToUtc('2026-03-15', 12 * 60, TZ), kw: 5 },
    ]);
    const after = await svc.summary({ from: '2026-03-01', to: '2026-03-31' });
    // 15 March from 12:00 (12 h) and the 16 days after it, March 29 having 23 h: 12 + 15 × 24 + 23
    near(after.kpis.congestionHours?.value, 12 + 15 * 24 + 23, 'hours above 5 kW since the change');
    assert.deepEqual(after.contract, { kw: 5, changed: true });
    assert.ok(after.computed.daysRead >= 17 && after.computed.daysRead < 31, `only the days from the change on are read again (${after.computed.daysRead})`);
    const early = await svc.summary({ from: '2026-03-01', to: '2026-03-14' });
    assert.equal(early.kpis.congestionHours?.value, 0, 'the days before the change are judged against the contract then');
    assert.deepEqual(early.contract, { kw: 60, changed: false });
  } finally {
    await svc.close();
  }
});
