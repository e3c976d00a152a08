/**
 * The weather client against a local HTTP server answering in Open-Meteo's format (no network
 * here; the bodies follow the API's documented shape: hourly arrays, units, utc_offset_seconds).
 */
import { strict as assert } from 'node:assert';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { VirtualScheduler } from '../common/clock';
import { AlarmEngine } from '../alarms/engine';
import { MemoryAlarmJournal } from '../alarms/journal';
import { loadSite } from '../config/load';
import { FORECAST_FAILED_ALARM, SiteForecasts } from './site';
import { WeatherError, fetchWeather } from './weather';

const START = Date.UTC(2026, 5, 15, 0, 0);

/** 48 hours from 2026-06-14 23:00 UTC: cloud cover 0 % then 100 % from 2026-06-15 12:00, temperature 20 + hour/2. */
function body(over: (b: Record<string, unknown>) => void = () => undefined): Record<string, unknown> {
  const time: string[] = [];
  const cloud: (number | null)[] = [];
  const temp: number[] = [];
  for (let h = 0; h < 48; h++) {
    const ms = START - 3_600_000 + h * 3_600_000;
    time.push(new Date(ms).toISOString().slice(0, 16));
    cloud.push(ms >= START + 12 * 3_600_000 ? 100 : 0);
    temp.push(20 + h / 2);
  }
  const b: Record<string, unknown> = {
    latitude: 36.72,
    longitude: -4.48,
    generationtime_ms: 0.2,
    utc_offset_seconds: 0,
    timezone: 'GMT',
    timezone_abbreviation: 'GMT',
    elevation: 20,
    hourly_units: { time: 'iso8601', temperature_2m: '°C', cloud_cover: '%' },
    hourly: { time, temperature_2m: temp, cloud_cover: cloud },
  };
  over(b);
  return b;
}

let server: Server;
let base = '';
let answer: { status: number; body: unknown } = { status: 200, body: body() };
const seen: URL[] = [];

before(async () => {
  server = createServer((req, res) => {
    seen.push(new URL(req.url ?? '/', 'http://127.0.0.1'));
    res.writeHead(answer.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(answer.body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((r) => server.close(() => r())));

const req = () => ({ baseUrl: base, latitude: 36.7157, longitude: -4.4776, start: START, steps: 96, stepMinutes: 15 });

describe('weather client (Open-Meteo format over local HTTP)', () => {
  it('asks for hourly cloud cover and temperature in UTC and resamples them to the plan steps', async () => {
    answer = { status: 200, body: body() };
    const w = await fetchWeather(req());
    const q = seen[seen.length - 1]!;
    assert.equal(q.pathname, '/v1/forecast');
    assert.equal(q.searchParams.get('timezone'), 'UTC');
    assert.equal(q.searchParams.get('hourly'), 'temperature_2m,cloud_cover');
    assert.equal(q.searchParams.get('latitude'), '36.7157');
    assert.equal(w.cloudCover.length, 96);
    assert.equal(w.cloudCover[0], 0);
    assert.equal(w.cloudCover[48], 1, '12:00 UTC is overcast');
    // 11:30 UTC: halfway between 0 % at 11:00 and 100 % at 12:00
    assert.ok(Math.abs(w.cloudCover[46]! - 0.5) < 1e-9);
    // temperature at 00:15 UTC: hour index 1 (20.5 °C) plus a quarter of the 0.5 °C step
    assert.ok(Math.abs(w.temperatureC[1]! - 20.625) < 1e-9);
  });

  it('refuses a response in another time zone, with a gap, NaN/null or other units, saying what', async () => {
    const cases: Array<[(b: Record<string, unknown>) => void, RegExp]> = [
      [(b) => (b.utc_offset_seconds = 7200), /another time zone \(UTC offset 7200 s/],
      [(b) => ((b.hourly as { cloud_cover: unknown[] }).cloud_cover[5] = null), /cloud cover has no value at 2026-06-15T04:00/],
      [(b) => ((b.hourly_units as Record<string, string>).temperature_2m = '°F'), /temperature comes in "°F"/],
      [(b) => (b.hourly as { time: string[] }).time.splice(10, 1) && (b.hourly as { cloud_cover: unknown[] }).cloud_cover.splice(10, 1) && (b.hourly as { temperature_2m: unknown[] }).temperature_2m.splice(10, 1), /gap or are out of order/],
    ];
    for (const [change, message] of cases) {
      answer = { status: 200, body: body(change) };
      await assert.rejects(fetchWeather(req()), (e: unknown) => e instanceof WeatherError && message.test(e.message), String(message));
    }
    answer = { status: 503, body: { error: true } };
    await assert.rejects(fetchWeather(req()), /answered HTTP 503/);
  });

  it('the site forecast uses the clouds for PV; when the service fails it falls back to clear sky and raises the alarm', async () => {
    const site = loadSite(join(__dirname, '..', '..', 'assets', 'sites', 'demo', 'site.yaml'), [join(__dirname, '..', '..', 'assets', 'profiles')]).site;
    site.energy!.weather = { baseUrl: base, timeoutMs: 2000 };
    const scheduler = new VirtualScheduler(START);
    const alarms = new AlarmEngine({ journal: new MemoryAlarmJournal(), now: () => scheduler.now(), config: { definitions: [] }, assets: [] });
    const f = new SiteForecasts({ site, alarms, history: () => Promise.resolve({ t: [], v: [] }) });
    answer = { status: 200, body: body() };
    const cloudy = await f.forecast({ start: START, steps: 96, stepMinutes: 15 });
    assert.match(cloudy.source, /weather from http:\/\/127\.0\.0\.1/);
    answer = { status: 500, body: {} };
    const clear = await f.forecast({ start: START, steps: 96, stepMinutes: 15 });
    assert.match(clear.source, /fallback: weather forecast failed \(the weather service .* answered HTTP 500\); PV from the clear-sky model/);
    assert.equal(alarms.list({ view: 'all' }).alarms.find((a) => a.id === FORECAST_FAILED_ALARM)?.active, true);
    // morning (clear in both) the same, afternoon (overcast) far less with the clouds
    const sum = (v: number[], from: number, to: number) => v.slice(from, to).reduce((s, x) => s + x, 0);
    assert.ok(Math.abs(sum(cloudy.pvKw.pv!, 28, 40) - sum(clear.pvKw.pv!, 28, 40)) < 1e-6);
    assert.ok(sum(cloudy.pvKw.pv!, 52, 72) < 0.5 * sum(clear.pvKw.pv!, 52, 72));
  });
});
