/**
 * The plan service on a virtual clock with the real optimiser (worker), a real historian and
 * a real alarm engine: day-ahead at local midnight on clock-change days, intraday hourly, plans
 * stored with their issue time and LP file, failure -> high-priority alarm and fallback.
 */
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { VirtualScheduler } from '../common/clock';
import type { SiteConfig } from '../common/site';
import { AlarmEngine } from '../alarms/engine';
import { MemoryAlarmJournal } from '../alarms/journal';
import { loadSite } from '../config/load';
import { Historian } from '../historian';
import { Optimiser } from '../optimiser/optimiser';
import { PLAN_FAILED_ALARM, PlanService, type ForecastInputs, type PlanForecasts } from './service';

const ROOT = join(__dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'esm-plan-'));
const optimiser = new Optimiser();
const historian = new Historian(join(dir, 'historian'), { config: { queryWorkers: 0 } });
before(() => historian.open());
after(async () => {
  await optimiser.close();
  await historian.close();
  rmSync(dir, { recursive: true, force: true });
});

function demoSite(horizonHours: number): SiteConfig {
  const site = loadSite(join(ROOT, 'assets', 'sites', 'demo', 'site.yaml'), [join(ROOT, 'assets', 'profiles')]).site;
  site.energy!.planning.horizonHours = horizonHours;
  return site;
}

/** Forecasts shaped like the demo site's day, by time of day (input data for the test, not a stand-in for a service). */
class DayShapeForecasts implements PlanForecasts {
  loadScale = 1;
  calls: Array<{ start: number; steps: number }> = [];
  forecast(req: { start: number; steps: number; stepMinutes: number }): Promise<ForecastInputs> {
    this.calls.push({ start: req.start, steps: req.steps });
    const hourOf = (t: number) => (((req.start + t * req.stepMinutes * 60_000) / 3_600_000) % 24 + 24) % 24;
    const loadKw = Array.from({ length: req.steps }, (_, t) => this.loadScale * (hourOf(t) >= 7 && hourOf(t) < 18 ? 50 : 15));
    const pv = Array.from({ length: req.steps }, (_, t) => Math.max(0, 55 * Math.sin(((hourOf(t) - 5.5) / 13) * Math.PI)));
    return Promise.resolve({ loadKw, pvKw: { pv }, source: 'test day shape' });
  }
}

function rig(name: string, startUtc: number, horizonHours = 24) {
  const scheduler = new VirtualScheduler(startUtc);
  const alarms = new AlarmEngine({ journal: new MemoryAlarmJournal(), now: () => scheduler.now(), config: { definitions: [] }, assets: [] });
  const forecasts = new DayShapeForecasts();
  let soc = 50;
  const service = new PlanService({
    site: demoSite(horizonHours),
    scheduler,
    optimiser,
    forecasts,
    state: () => ({ socPct: { ess: soc } }),
    historian,
    alarms,
    dir: join(dir, name),
  });
  return { scheduler, alarms, forecasts, service, setSoc: (v: number) => (soc = v) };
}

const planAlarm = (a: AlarmEngine) => a.list({ view: 'all' }).alarms.find((x) => x.id === PLAN_FAILED_ALARM);

describe('plan service', () => {
  it('day-ahead at local midnight plans the 92 quarter hours of the spring-forward day; intraday at 01:00 plans the rest', async () => {
    // 2026-03-28 23:30 in Madrid (CET) = 22:30 UTC
    const r = rig('spring', Date.UTC(2026, 2, 28, 22, 30));
    r.service.start();
    assert.deepEqual(r.service.mode(), { mode: 'fallback', reason: 'no plan yet' });
    r.scheduler.advance(30 * 60_000);
    await r.service.idle();
    const plan = r.service.latestPlan();
    assert.ok(plan?.ok, r.service.list()[0]?.error);
    assert.equal(plan.kind, 'day-ahead');
    assert.equal(plan.start, Date.UTC(2026, 2, 28, 23, 0));
    assert.equal(plan.steps, 92);
    assert.equal(plan.series!.storage[0]!.socPct.length, 92);
    // stored beside each other, with the issue time
    assert.ok(existsSync(join(dir, 'spring', plan.file)));
    assert.ok(existsSync(join(dir, 'spring', plan.lpFile!)));
    assert.match(readFileSync(join(dir, 'spring', plan.lpFile!), 'utf8'), /^Minimize$/m);
    const soc = await historian.queryForecast({ series: ['plan/ess/soc'], from: plan.start, to: plan.start + 92 * 900_000, issue: { issuedAt: plan.issuedAt } });
    assert.equal(soc[0]?.v.length, 92);
    assert.deepEqual(soc[0]?.v, plan.series!.storage[0]!.socPct);
    // the plan is followed: the setpoint now is the plan's first step
    assert.equal(r.service.mode().mode, 'plan');
    const sp = r.service.setpoint('ess');
    assert.ok('kw' in sp);
    assert.equal(sp.kw, plan.series!.storage[0]!.powerKw[0]);

    r.scheduler.advance(60 * 60_000);
    await r.service.idle();
    const intraday = r.service.latestPlan()!;
    assert.equal(intraday.kind, 'intraday');
    assert.equal(intraday.start, Date.UTC(2026, 2, 29, 0, 0));
    assert.equal(intraday.steps, 88, 'to the end of the day-ahead horizon');
    assert.equal(r.service.list().length, 2);
    r.service.stop();
  });

  it('the fall-back day has 100 quarter hours', async () => {
    const r = rig('autumn', Date.UTC(2026, 9, 24, 21, 59));
    r.service.start();
    r.scheduler.advance(60_000);
    await r.service.idle();
    const plan = r.service.latestPlan()!;
    assert.ok(plan.ok, plan.error);
    assert.equal(plan.steps, 100);
    r.service.stop();
  });

  it('a failed solve raises the high-priority alarm and the site falls back; the next good plan clears it', async () => {
    const r = rig('failure', Date.UTC(2026, 5, 1, 10, 0));
    // a load of 400 kW cannot be met: 170 kW import + 100 kW battery + PV
    r.forecasts.loadScale = 8;
    const failed = await r.service.replan('event', 'forecast update');
    assert.equal(failed.ok, false);
    assert.match(failed.error ?? '', /no plan meets every constraint: at .* the site needs/);
    assert.ok(failed.lpFile && existsSync(join(dir, 'failure', failed.lpFile)), 'the failed model is kept for support');
    const alarm = planAlarm(r.alarms);
    assert.equal(alarm?.priority, 'high');
    assert.equal(alarm?.state, 'unack-active');
    const mode = r.service.mode();
    assert.equal(mode.mode, 'fallback');
    assert.match(mode.mode === 'fallback' ? mode.reason : '', /the event plan failed: no plan meets every constraint/);
    const sp = r.service.setpoint('ess');
    assert.ok('fallback' in sp, 'no plan setpoint while planning fails');

    r.forecasts.loadScale = 1;
    const ok = await r.service.replan('event', 'operator request', 'alice', 'self-consumption');
    assert.ok(ok.ok, ok.error);
    assert.equal(ok.objective, 'self-consumption');
    assert.equal(ok.requestedBy, 'alice');
    assert.equal(r.service.mode().mode, 'plan');
    assert.notEqual(planAlarm(r.alarms)?.state, 'unack-active');
    assert.equal(planAlarm(r.alarms)?.active, false);
  });

  it('a SoC outside its window or unknown is refused as a plan failure, not a crash', async () => {
    const r = rig('nosoc', Date.UTC(2026, 5, 1, 10, 0));
    r.setSoc(Number.NaN);
    const rec = await r.service.replan('event', 'test');
    assert.equal(rec.ok, false);
    assert.match(rec.error ?? '', /present SoC of battery "ess" is unknown/);
    assert.equal(planAlarm(r.alarms)?.priority, 'high');
  });

  it('plans survive a restart: the list and the latest plan are read back from the plan folder', async () => {
    const r = rig('restart', Date.UTC(2026, 5, 1, 10, 0));
    const first = await r.service.replan('event', 'before restart');
    assert.ok(first.ok);
    const again = new PlanService({ site: demoSite(24), scheduler: r.scheduler, optimiser, forecasts: r.forecasts, state: () => ({ socPct: { ess: 50 } }), dir: join(dir, 'restart') });
    assert.equal(again.list()[0]?.issuedAt, first.issuedAt);
    assert.deepEqual(again.get(first.issuedAt)?.series?.storage[0]?.socPct, first.series?.storage[0]?.socPct);
    assert.equal(again.mode().mode, 'plan');
  });
});
