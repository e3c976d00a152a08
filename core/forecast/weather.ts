/**
 * Weather forecast from an Open-Meteo-compatible HTTP API (energy.01): hourly cloud cover and
 * temperature at the site, resampled to the plan's steps. The base URL is a setting
 * (`energy.weather.baseUrl`), so a self-hosted Open-Meteo or a proxy can serve it.
 *
 * Nothing unchecked reaches the solver: a response in another time zone, with gaps, NaN or
 * null, in other units, or not covering the window is refused with a sentence saying what.
 */
export interface WeatherRequest {
  baseUrl: string;
  latitude: number;
  longitude: number;
  start: number;
  steps: number;
  stepMinutes: number;
  timeoutMs?: number;
}

export interface WeatherForecast {
  /** cloud cover per step, 0..1 */
  cloudCover: number[];
  /** air temperature per step, °C */
  temperatureC: number[];
}

export class WeatherError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WeatherError';
  }
}

interface OpenMeteoResponse {
  utc_offset_seconds?: unknown;
  hourly_units?: Record<string, unknown>;
  hourly?: { time?: unknown; cloud_cover?: unknown; temperature_2m?: unknown };
}

const HOUR = 3_600_000;
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export function weatherUrl(r: WeatherRequest): string {
  const end = r.start + r.steps * r.stepMinutes * 60_000;
  const u = new URL('v1/forecast', r.baseUrl.endsWith('/') ? r.baseUrl : `${r.baseUrl}/`);
  u.searchParams.set('latitude', String(r.latitude));
  u.searchParams.set('longitude', String(r.longitude));
  u.searchParams.set('hourly', 'temperature_2m,cloud_cover');
  u.searchParams.set('timezone', 'UTC');
  u.searchParams.set('start_date', day(r.start - HOUR));
  u.searchParams.set('end_date', day(end + HOUR));
  return u.toString();
}

/** Checks and resamples an Open-Meteo hourly response to the plan's steps (linear between hours). */
export function parseWeather(body: unknown, r: Omit<WeatherRequest, 'baseUrl'>): WeatherForecast {
  const b = body as OpenMeteoResponse;
  if (!b || typeof b !== 'object' || !b.hourly) throw new WeatherError('the weather service answered without hourly data');
  if (b.utc_offset_seconds !== 0) throw new WeatherError(`the weather service answered in another time zone (UTC offset ${String(b.utc_offset_seconds)} s; UTC was asked)`);
  const units = b.hourly_units ?? {};
  if (units.cloud_cover !== undefined && units.cloud_cover !== '%') throw new WeatherError(`cloud cover comes in "${String(units.cloud_cover)}", not %`);
  if (units.temperature_2m !== undefined && units.temperature_2m !== '°C') throw new WeatherError(`temperature comes in "${String(units.temperature_2m)}", not °C`);
  const { time, cloud_cover: cc, temperature_2m: temp } = b.hourly;
  if (!Array.isArray(time) || !Array.isArray(cc) || !Array.isArray(temp) || time.length !== cc.length || time.length !== temp.length)
    throw new WeatherError('the weather response has no hourly time, cloud_cover and temperature_2m of the same length');
  const t = time.map((s, i) => {
    const ms = typeof s === 'string' ? Date.parse(/Z|[+-]\d\d:?\d\d$/.test(s) ? s : `${s}Z`) : Number.NaN;
    if (!Number.isFinite(ms)) throw new WeatherError(`hourly time ${i} ("${String(s)}") is not a time`);
    return ms;
  });
  for (let i = 1; i < t.length; i++) if ((t[i] as number) - (t[i - 1] as number) !== HOUR) throw new WeatherError(`the hourly times have a gap or are out of order at ${new Date(t[i - 1] as number).toISOString()}`);
  const stepMs = r.stepMinutes * 60_000;
  const end = r.start + (r.steps - 1) * stepMs;
  if (t.length === 0 || (t[0] as number) > r.start || (t[t.length - 1] as number) < end)
    throw new WeatherError(`the weather forecast does not cover the plan (${new Date(r.start).toISOString()} to ${new Date(end).toISOString()})`);
  const check = (name: string, v: unknown[], lo: number, hi: number): number[] =>
    v.map((x, i) => {
      if (typeof x !== 'number' || !Number.isFinite(x)) throw new WeatherError(`${name} has no value at ${new Date(t[i] as number).toISOString()} (${String(x)})`);
      if (x < lo || x > hi) throw new WeatherError(`${name} ${x} at ${new Date(t[i] as number).toISOString()} is outside ${lo}..${hi}`);
      return x;
    });
  const cloud = check('cloud cover', cc, 0, 100);
  const tc = check('temperature', temp, -60, 60);
  const at = (series: number[], ms: number) => {
    const k = Math.min(series.length - 2, Math.max(0, Math.floor((ms - (t[0] as number)) / HOUR)));
    const f = (ms - (t[k] as number)) / HOUR;
    return (series[k] as number) + ((series[k + 1] ?? (series[k] as number)) - (series[k] as number)) * Math.min(1, Math.max(0, f));
  };
  return {
    cloudCover: Array.from({ length: r.steps }, (_, i) => at(cloud, r.start + i * stepMs) / 100),
    temperatureC: Array.from({ length: r.steps }, (_, i) => at(tc, r.start + i * stepMs)),
  };
}

/** Fetches and checks the forecast. Rejects with WeatherError saying what went wrong. */
export async function fetchWeather(r: WeatherRequest): Promise<WeatherForecast> {
  const url = weatherUrl(r);
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(r.timeoutMs ?? 10_000) });
  } catch (e) {
    throw new WeatherError(`the weather service at ${r.baseUrl} did not answer: ${(e as Error).message}`);
  }
  if (!res.ok) throw new WeatherError(`the weather service at ${r.baseUrl} answered HTTP ${res.status}`);
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    throw new WeatherError('the weather service answered something that is not JSON');
  }
  return parseWeather(body, r);
}
