import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { VirtualScheduler } from '../common/clock';
import { AlarmEngine } from '../alarms/engine';
import { MemoryAlarmJournal } from '../alarms/journal';
import { loadSite } from '../config/load';
import { localMidnight } from '../optimiser/localtime';
import { accuracy } from './accuracy';
import { calendarLoadForecast } from './load';
import { haurwitzGhi, learnCorrection, planeOfArray, pvForecastKw } from './pv';
import { FORECAST_FAILED_ALARM, SiteForecasts, fillGaps } from './site';

const ROOT = join(__dirname, '..', '..');
const MALAGA = { lat: 36.7157, lon: -4.4776 };
const tz = 'Europe/Madrid';

describe('PV forecast', () => {
  it('clear-sky irradiance: Haurwitz at the zenith, nothing below the horizon', () => {
    assert.ok(Math.abs(haurwitzGhi(1) - 1098 * Math.exp(-0.057)) < 1e-9);
    assert.equal(haurwitzGhi(-0.1), 0);
    // midnight in Málaga
    assert.equal(planeOfArray(Date.UTC(2026, 5, 21, 22, 0), MALAGA.lat, MALAGA.lon, { tiltDeg: 15, azimuthDeg: 180 }), 0);
  });

  it('a flat array sees the global irradiance; a south-facing tilted array gets more in winter at noon', () => {
    const noonWinter = Date.UTC(2026, 11, 21, 12, 18);
    const flat = planeOfArray(noonWinter, MALAGA.lat, MALAGA.lon, { tiltDeg: 0, azimuthDeg: 180 });
    const tilted = planeOfArray(noonWinter, MALAGA.lat, MALAGA.lon, { tiltDeg: 35, azimuthDeg: 180 });
    const north = planeOfArray(noonWinter, MALAGA.lat, MALAGA.lon, { tiltDeg: 35, azimuthDeg: 0 });
    assert.ok(tilted > flat * 1.3, `tilted ${tilted} vs flat ${flat}`);
    assert.ok(north < flat * 0.6, `north-facing ${north} vs flat ${flat}`);
  });

  it('the demo array: production by day only, clipped at the 60 kW inverter, clouds reduce it', () => {
    const start = localMidnight('2026-06-21', tz);
    const a = { peakKwp: 75, tiltDeg: 15, azimuthDeg: 180, performanceRatio: 0.85, acLimitKw: 60 };
    const clear = pvForecastKw(a, MALAGA.lat, MALAGA.lon, start, 24, 60);
    assert.equal(clear[3], 0);
    assert.equal(clear[23], 0);
    assert.equal(Math.max(...clear), 60);
    const cloudy = pvForecastKw(a, MALAGA.lat, MALAGA.lon, start, 24, 60, new Array<number>(24).fill(1));
    assert.ok(cloudy.reduce((s, v) => s + v, 0) < 0.4 * clear.reduce((s, v) => s + v, 0));
  });

  it('the correction learned from history is the median ratio of measured to modelled production', () => {
    const model = [0, 10, 20, 10, 0, 0, 10, 20, 10, 0, 0, 10, 20, 10, 0];
    const measured = model.map((v, i) => (i < 5 ? v * 0.8 : i < 10 ? v * 0.7 : v * 0.9));
    assert.ok(Math.abs(learnCorrection(measured, model, 5, 20) - 0.8) < 1e-9);
    assert.equal(learnCorrection(measured.slice(0, 5), model.slice(0, 5), 5, 20), 1, 'one day is not enough');
  });
});

describe('load forecast and accuracy', () => {
  it('calendar model: the same local time on days of the same type', () => {
    // two weeks of hourly history: working days 50 kW from 08:00 to 18:00 local, 10 kW otherwise; weekends 5 kW
    const from = localMidnight('2026-06-01', tz);
    const t: number[] = [];
    const v: number[] = [];
    for (let h = 0; h < 14 * 24; h++) {
      const ms = from + h * 3_600_000;
      const day = Math.floor(h / 24) % 7; // 0 = Monday
      const hour = h % 24;
      t.push(ms);
      v.push(day >= 5 ? 5 : hour >= 8 && hour < 18 ? 50 : 10);
    }
    const monday = calendarLoadForecast({ t, v }, localMidnight('2026-06-15', tz), 24, 60, tz);
    assert.deepEqual(monday, Array.from({ length: 24 }, (_, h) => (h >= 8 && h < 18 ? 50 : 10)));
    const saturday = calendarLoadForecast({ t, v }, localMidnight('2026-06-20', tz), 24, 60, tz);
    assert.deepEqual(saturday, new Array<number>(24).fill(5));
  });

  it('gaps are filled linearly, the ends with the nearest value', () => {
    assert.deepEqual(fillGaps([null, 2, null, 4, null]), [2, 2, 3, 4, 4]);
    assert.deepEqual(fillGaps([null, null]), [null, null]);
  });

  it('MAE, nRMSE and skill against persistence, worked by hand', () => {
    // actual 0, 10, 20, 10; forecast 0, 8, 22, 10; persistence 10, 0, 10, 20
    const a = accuracy([0, 10, 20, 10], [0, 8, 22, 10], [10, 0, 10, 20]);
    assert.equal(a.n, 4);
    assert.equal(a.mae, 1); // (0 + 2 + 2 + 0) / 4
    assert.ok(Math.abs(a.nrmse - Math.sqrt(2) / 20) < 1e-12); // rmse √(8/4) over range 20
    assert.ok(Math.abs(a.skill - (1 - Math.sqrt(2) / 10)) < 1e-12); // persistence rmse √(400/4) = 10
  });
});

describe('site forecasts', () => {
  const site = loadSite(join(ROOT, 'assets', 'sites', 'demo', 'site.yaml'), [join(ROOT, 'assets', 'profiles')]).site;
  const scheduler = new VirtualScheduler(Date.UTC(2026, 5, 15));
  const alarms = new AlarmEngine({ journal: new MemoryAlarmJournal(), now: () => scheduler.now(), config: { definitions: [] }, assets: [] });

  it('a new installation (no history yet) plans with half the rated load, said without an alarm', async () => {
    const f = new SiteForecasts({ site, alarms, history: () => Promise.resolve({ t: [], v: [] }) });
    const r = await f.forecast({ start: localMidnight('2026-06-15', tz), steps: 96, stepMinutes: 15 });
    assert.deepEqual(r.loadKw, new Array<number>(96).fill(35));
    assert.match(r.source, /load "building": no history yet, half its rating \(35 kW\) assumed/);
    assert.equal(alarms.list({ view: 'all' }).alarms.find((a) => a.id === FORECAST_FAILED_ALARM), undefined);
    assert.equal(r.pvKw.pv?.length, 96);
  });

  it('a history that cannot be read: the fallback is used and the forecast alarm is raised', async () => {
    const f = new SiteForecasts({ site, alarms, history: () => Promise.reject(new Error('historian is not open')) });
    const r = await f.forecast({ start: localMidnight('2026-06-15', tz), steps: 96, stepMinutes: 15 });
    assert.deepEqual(r.loadKw, new Array<number>(96).fill(35));
    assert.match(r.source, /fallback: load history of "building" unreadable: historian is not open/);
    const alarm = alarms.list({ view: 'all' }).alarms.find((a) => a.id === FORECAST_FAILED_ALARM);
    assert.equal(alarm?.active, true);
    assert.equal(alarm?.priority, 'medium');
  });

  it('with history the calendar model is used and the alarm clears', async () => {
    const f = new SiteForecasts({
      site,
      alarms,
      history: (id, from, to, stepMs) => {
        const t: number[] = [];
        const v: number[] = [];
        for (let ms = from; ms <= to; ms += stepMs) {
          t.push(ms);
          v.push(id === 'building/ActivePower' ? 42 : 0);
        }
        return Promise.resolve({ t, v });
      },
    });
    const r = await f.forecast({ start: localMidnight('2026-06-15', tz), steps: 96, stepMinutes: 15 });
    assert.deepEqual(r.loadKw, new Array<number>(96).fill(42));
    assert.equal(alarms.list({ view: 'all' }).alarms.find((a) => a.id === FORECAST_FAILED_ALARM)?.active, false);
  });
});
