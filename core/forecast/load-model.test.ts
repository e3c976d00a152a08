/**
 * The load model with calendar and temperature features (ml-regression-multivariate-linear),
 * its scheduled retraining on a virtual clock, and the weather-aware similar-day fallback with
 * its alarm (issue #11 item 5; energy.01 Req3, energy.02). Answers are worked by hand.
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { VirtualScheduler } from '../common/clock';
import { AlarmEngine } from '../alarms/engine';
import { MemoryAlarmJournal } from '../alarms/journal';
import { loadSite } from '../config/load';
import { localMidnight } from '../optimiser/localtime';
import { calendarLoadForecast, type History } from './load';
import { COOLING_BASE_C, HEATING_BASE_C, LoadModelError, predictLoad, trainLoadModel } from './loadModel';
import { similarDay } from './similarDay';
import { FORECAST_FAILED_ALARM, SiteForecasts } from './site';
import { LoadModelTrainer } from './training';

const ROOT = join(__dirname, '..', '..');
const tz = 'Europe/Madrid';
const H = 3_600_000;

/** base shape: working days 30 kW 08-19 and 12 kW otherwise, weekends 8 kW */
function base(ms: number): { kw: number; work: boolean } {
  const d = new Date(ms + 2 * H); // CEST: local = UTC + 2 h in June
  const wd = d.getUTCDay();
  const h = d.getUTCHours();
  const weekend = wd === 0 || wd === 6;
  return { kw: weekend ? 8 : h >= 8 && h < 19 ? 30 : 12, work: !weekend && h >= 8 && h < 19 };
}
/** the site's true response: 2 kW per heating degree, 3 kW per cooling degree, 1.5 more in working hours */
const truth = (ms: number, t: number) => {
  const b = base(ms);
  const cool = Math.max(0, t - COOLING_BASE_C);
  return b.kw + 2 * Math.max(0, HEATING_BASE_C - t) + 3 * cool + (b.work ? 1.5 * cool : 0);
};

function history(days: number, from: number, temp: (day: number, hour: number) => number): { load: History; temp: History } {
  const t: number[] = [];
  const v: number[] = [];
  const tc: number[] = [];
  for (let k = 0; k < days * 24; k++) {
    const ms = from + k * H;
    const c = temp(Math.floor(k / 24), k % 24);
    t.push(ms);
    tc.push(c);
    v.push(truth(ms, c));
  }
  return { load: { t, v }, temp: { t, v: tc } };
}

describe('load model: calendar + temperature', () => {
  const from = localMidnight('2026-06-01', tz); // a Monday
  // three weeks of weather from 8 °C to 34 °C
  const { load, temp } = history(21, from, (d, h) => 8 + d * 1.2 + 6 * Math.sin(((h - 9) / 24) * 2 * Math.PI));

  it('recovers the temperature response and forecasts a hot day that the calendar model cannot', () => {
    const m = trainLoadModel(load, temp.v, tz, from + 21 * 24 * H);
    assert.ok(m.rmseKw < 1e-6, `a perfect fit, rmse ${m.rmseKw}`);
    // heating and cooling terms, as worked: 2, 3, 1.5 kW per degree
    assert.ok(Math.abs((m.weights[48] as number) - 2) < 1e-6);
    assert.ok(Math.abs((m.weights[49] as number) - 3) < 1e-6);
    assert.ok(Math.abs((m.weights[50] as number) - 1.5) < 1e-6);
    // Monday 22 June at 36 °C all day: 12:00 local = 30 + 3 × 14 + 1.5 × 14 = 93 kW; 03:00 = 12 + 42 = 54 kW
    const day = localMidnight('2026-06-22', tz);
    const f = predictLoad(m, day, 24, 60, new Array<number>(24).fill(36), tz);
    assert.ok(Math.abs((f[12] as number) - 93) < 1e-6, `noon ${f[12]}`);
    assert.ok(Math.abs((f[3] as number) - 54) < 1e-6, `03:00 ${f[3]}`);
    // the calendar model (no temperature) averages the past and misses the heat by far
    const cal = calendarLoadForecast(load, day, 24, 60, tz);
    assert.ok(Math.abs((cal[12] as number) - 93) > 20, `calendar model at noon ${cal[12]}`);
  });

  it('refuses to fit a history that leaves hours without data, naming them', () => {
    const weekdaysOnly = { t: load.t.slice(0, 5 * 24), v: load.v.slice(0, 5 * 24) };
    assert.throws(() => trainLoadModel(weekdaysOnly, temp.v.slice(0, 5 * 24), tz, 0), (e: unknown) => e instanceof LoadModelError && /24 hours \(weekend 00:00, weekend 01:00/.test(e.message));
  });
});

describe('scheduled retraining (virtual clock)', () => {
  const site = loadSite(join(ROOT, 'assets', 'sites', 'demo', 'site.yaml'), [join(ROOT, 'assets', 'profiles')]).site;

  it('trains after start and again every retrainHours from the historian, never before', async () => {
    const start = localMidnight('2026-06-22', tz);
    const scheduler = new VirtualScheduler(start);
    const reads: number[] = [];
    const all = history(40, start - 40 * 24 * H, (d, h) => 10 + (d % 9) * 2.5 + 5 * Math.sin((h / 24) * 2 * Math.PI));
    const slice = (h: History, from: number, to: number): History => {
      const i = h.t.findIndex((t) => t >= from);
      const j = h.t.findIndex((t) => t > to);
      return { t: h.t.slice(i, j < 0 ? undefined : j), v: h.v.slice(i, j < 0 ? undefined : j) };
    };
    const trainer = new LoadModelTrainer({
      site: { ...site, energy: { ...site.energy!, planning: { ...site.energy!.planning, stepMinutes: 60 }, forecast: { retrainHours: 6, historyDays: 14 } } },
      scheduler,
      firstAfterMs: 60_000,
      history: (id, from, to) => {
        reads.push(scheduler.now());
        return Promise.resolve(id === 'building/ActivePower' ? slice(all.load, from, to) : { t: [], v: [] });
      },
      temperature: (from, to) => Promise.resolve(slice(all.temp, from, to)),
    });
    trainer.start();
    scheduler.advance(59_000);
    assert.equal(trainer.model('building'), undefined);
    assert.deepEqual(reads, []);
    scheduler.advance(1_000);
    await trainer.retrain(); // the scheduled run in progress
    const first = trainer.model('building');
    assert.equal(first?.trainedAt, start + 60_000);
    assert.equal(first?.samples, 14 * 24 + 1); // 14 days of hours, both ends included
    scheduler.advance(6 * H);
    await trainer.retrain();
    assert.equal(trainer.model('building')?.trainedAt, start + 60_000 + 6 * H);
    assert.deepEqual(reads.slice(0, 2), [start + 60_000, start + 60_000 + 6 * H]);
    assert.equal(trainer.status().nextRunAt, start + 60_000 + 12 * H);
    trainer.stop();
  });
});

describe('similar-day fallback, weather-aware, with the alarm', () => {
  // two weeks from Monday 1 June: every third day from the 2nd is hot (30 °C), the rest mild (18 °C)
  const from = localMidnight('2026-06-01', tz);
  const hot = (d: number) => d % 3 === 1;
  const { load, temp } = history(14, from, (d) => (hot(d) ? 30 : 18));
  const target = localMidnight('2026-06-15', tz); // Monday; yesterday (Sunday 14th, day 13) was hot

  it('picks the working day whose temperatures match, not merely the most recent one', () => {
    const hotDay = similarDay(load, temp.v, { start: target, steps: 24, stepMinutes: 60, tempC: new Array<number>(24).fill(30) }, tz);
    assert.equal(hotDay?.date, '2026-06-11'); // Thursday, day 10: hot; Friday 12th is mild
    assert.equal(hotDay?.values[12], truth(from + 10 * 24 * H + 12 * H, 30)); // 30 + 3 × 8 + 1.5 × 8 = 66 kW
    const mild = similarDay(load, temp.v, { start: target, steps: 24, stepMinutes: 60, tempC: new Array<number>(24).fill(18) }, tz);
    assert.equal(mild?.date, '2026-06-12');
    const noWeather = similarDay(load, undefined, { start: target, steps: 24, stepMinutes: 60 }, tz);
    assert.equal(noWeather?.date, '2026-06-12', 'without temperatures: the most recent day of the same type');
  });

  it('the weather forecast fails: the model cannot run, the similar day by yesterday\'s temperature stands in and forecast.failed is raised', async () => {
    const loaded = loadSite(join(ROOT, 'assets', 'sites', 'demo', 'site.yaml'), [join(ROOT, 'assets', 'profiles')]).site;
    // a weather service that is not there (nothing listens on port 9 of loopback)
    const site = { ...loaded, energy: { ...loaded.energy!, weather: { baseUrl: 'http://127.0.0.1:9', timeoutMs: 2000 } } };
    const scheduler = new VirtualScheduler(target - H);
    const alarms = new AlarmEngine({ journal: new MemoryAlarmJournal(), now: () => scheduler.now(), config: { definitions: [] }, assets: [] });
    const model = trainLoadModel(load, temp.v, tz, target - H);
    const pick = (h: History, f: number, to: number): History => {
      const keep = h.t.map((t, i) => [t, i] as const).filter(([t]) => t >= f && t <= to);
      return { t: keep.map(([t]) => t), v: keep.map(([, i]) => h.v[i] ?? null) };
    };
    const recorded: string[] = [];
    const f = new SiteForecasts({
      site,
      alarms,
      historyDays: 14,
      models: { model: (id) => (id === 'building' ? model : undefined) },
      history: (id, a, b) => Promise.resolve(id === 'building/ActivePower' ? pick(load, a, b) : { t: [], v: [] }),
      temperature: (a, b) => Promise.resolve(pick(temp, a, b)),
      record: (w) => recorded.push(w.series),
      now: () => scheduler.now(),
    });
    const r = await f.forecast({ start: target, steps: 24, stepMinutes: 60 });
    // yesterday was hot: the hot Thursday's load (noon 66 kW), not Friday's (noon 30 + 0 = 30 kW)
    assert.equal(r.loadKw[12], 66);
    assert.match(r.source, /no temperature forecast for the load model of "building"; the similar day 2026-06-11 \(temperature within 0\.0 °C\) is used/);
    const alarm = alarms.list({ view: 'all' }).alarms.find((a) => a.id === FORECAST_FAILED_ALARM);
    assert.equal(alarm?.active, true);
    assert.ok(recorded.includes('forecast/building/load') && recorded.includes('forecast/site/load'), `stored: ${recorded.join(', ')}`);
  });
});
