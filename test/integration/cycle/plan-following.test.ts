/**
 * The loop between plan and cycle on a virtual clock: the real plan service (optimiser worker,
 * historian, alarm engine) feeds the real control cycle's plan-following controller on the
 * demo site, under SoC protection and peak shaving (60 kW contracted). Before the first plan
 * and after a failed solve the site is held by self-consumption, with the reason; with a plan
 * the setpoint is the plan's step, bounded by peak shaving. Only the point source is a table
 * instead of the CVT (the plant is not the subject here; day.test.ts runs it).
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AlarmEngine } from '../../../core/alarms/engine';
import { MemoryAlarmJournal } from '../../../core/alarms/journal';
import { GOOD, type PointState } from '../../../core/common';
import { VirtualScheduler } from '../../../core/common/clock';
import { loadSite } from '../../../core/config/load';
import { ControlCycle, controllersFromConfig, type MergedSetpoint } from '../../../core/cycle';
import { Historian } from '../../../core/historian';
import { Optimiser } from '../../../core/optimiser/optimiser';
import { PlanService, type ForecastInputs, type PlanForecasts } from '../../../core/plan/service';

const ROOT = join(__dirname, '..', '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'esm-planfollow-'));
const optimiser = new Optimiser();
const historian = new Historian(join(dir, 'historian'), { config: { queryWorkers: 0 } });
before(() => historian.open());
after(async () => {
  await optimiser.close();
  await historian.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Forecasts shaped like the demo site's day (input data for the test). */
class DayShapeForecasts implements PlanForecasts {
  loadScale = 1;
  forecast(req: { start: number; steps: number; stepMinutes: number }): Promise<ForecastInputs> {
    const hourOf = (t: number) => (((req.start + t * req.stepMinutes * 60_000) / 3_600_000) % 24 + 24) % 24;
    const loadKw = Array.from({ length: req.steps }, (_, t) => this.loadScale * (hourOf(t) >= 7 && hourOf(t) < 18 ? 50 : 15));
    const pv = Array.from({ length: req.steps }, (_, t) => Math.max(0, 55 * Math.sin(((hourOf(t) - 5.5) / 13) * Math.PI)));
    return Promise.resolve({ loadKw, pvKw: { pv }, source: 'test day shape' });
  }
}

describe('plan following on the demo site (virtual clock, real plan service)', () => {
  it('self-consumption before the first plan, the plan bounded by peak shaving after it, self-consumption again when the next solve fails', async () => {
    const site = loadSite(join(ROOT, 'assets', 'sites', 'demo', 'site.yaml'), [join(ROOT, 'assets', 'profiles')]).site;
    site.energy!.planning.horizonHours = 24;
    const scheduler = new VirtualScheduler(Date.UTC(2026, 5, 1, 10, 0));
    const alarms = new AlarmEngine({ journal: new MemoryAlarmJournal(), now: () => scheduler.now(), config: { definitions: [] }, assets: [] });
    const forecasts = new DayShapeForecasts();
    const plans = new PlanService({ site, scheduler, optimiser, forecasts, state: () => ({ socPct: { ess: 50 } }), historian, alarms, dir: join(dir, 'plans') });

    let points = new Map<string, PointState>();
    const feed = (pccKw: number, essKw: number, soc = 50): void => {
      const ts = scheduler.now();
      points = new Map(Object.entries({ 'pcc-meter/ActivePower': pccKw, 'ess/ActivePower': essKw, 'ess/Soc': soc }).map(([id, value]) => [id, { id, value, quality: GOOD, ts, rts: ts }]));
    };
    let last: MergedSetpoint | undefined;
    const cycle = new ControlCycle({
      site,
      scheduler,
      source: { snapshot: () => points },
      sink: { apply: (s) => (last = s.find((x) => x.target === 'ess/SetActivePower')) },
      controllers: controllersFromConfig(
        [
          { type: 'soc-protection', ess: 'ess' },
          { type: 'peak-shaving', ess: 'ess', rechargeKw: 20 },
          { type: 'plan-following', ess: 'ess' },
        ],
        { plan: () => plans },
      ),
    });
    const step = (): MergedSetpoint => {
      last = undefined;
      scheduler.advance(1000);
      assert.ok(last, 'the cycle produced a battery setpoint');
      return last;
    };
    cycle.start();

    // 1. no plan yet: self-consumption charges the 10 kW PV surplus
    feed(-10, 0);
    let sp = step();
    assert.equal(sp.source, 'plan-following');
    assert.match(sp.why, /^fallback: self-consumption \(no plan yet\): PV surplus of 10 kW/);
    assert.equal(sp.value, -10);

    // 2. a plan: the setpoint is the plan's step, within peak shaving's bound
    const ok = await plans.replan('event', 'start-up');
    assert.ok(ok.ok, ok.error);
    const sources: string[] = [];
    for (const [pcc, ess] of [[-10, 0], [20, 0], [110, 0]] as const) {
      feed(pcc, ess);
      sp = step();
      const planned = plans.setpoint('ess', scheduler.now());
      assert.ok('kw' in planned, 'the plan covers now');
      const floor = pcc + ess - 60; // peak shaving: the PCC stays at or under 60 kW
      const want = Math.max(planned.kw, floor);
      assert.ok(Math.abs(sp.value - want) < 1e-9, `PCC ${pcc} kW, plan ${planned.kw} kW: expected ${want} kW, got ${sp.value} (${sp.source}: ${sp.why})`);
      if (planned.kw >= floor) assert.match(sp.why, /^plan \(issued /);
      else assert.equal(sp.source, 'peak-shaving');
      sources.push(sp.source);
    }
    // the plan stands with a PV surplus (self-consumption would charge) and under the limit; at 110 kW peak shaving bounds it
    assert.deepEqual(sources, ['plan-following', 'plan-following', 'peak-shaving']);

    // 3. the next solve fails (400 kW load cannot be met): back to self-consumption, with the reason
    forecasts.loadScale = 8;
    const failed = await plans.replan('event', 'forecast update');
    assert.equal(failed.ok, false);
    feed(20, 0);
    sp = step();
    assert.match(sp.why, /^fallback: self-consumption \(the event plan failed: no plan meets every constraint.*discharging 20 kW/);
    assert.equal(sp.value, 20);
    cycle.stop();
    plans.stop();
    await plans.idle();
  });
});
