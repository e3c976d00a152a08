/**
 * The site's forecasts for the plan service: PV per array from the sun's position corrected
 * by history, load per non-controllable Load asset from calendar features of its history.
 * Assets are found by nature in the site file; their history is read through `history`
 * (the historian's interpolated query in the app). Gaps are filled; a load with no usable
 * history falls back to the most recent day of the same type that has data, then to half its
 * rating, and raises the `forecast.failed` alarm, so nothing unchecked reaches the solver.
 */
import { pointId } from '../common/point';
import type { SiteConfig } from '../common/site';
import type { ForecastWrite } from '../common/historian';
import { calendarLoadForecast, type History } from './load';
import { predictLoad, type LoadModel } from './loadModel';
import { learnCorrection, pvForecastKw } from './pv';
import { similarDay } from './similarDay';
import { alignTemperature } from './training';
import { fetchWeather, type WeatherForecast } from './weather';

export const FORECAST_FAILED_ALARM = 'forecast.failed';

export interface ForecastAlarms {
  raiseSystemAlarm(id: string, opts?: { message?: string; priority?: 'critical' | 'high' | 'medium' | 'low'; class?: string; text?: string }): void;
  clearSystemAlarm(id: string, opts?: { text?: string }): void;
}

export interface SiteForecastOptions {
  site: SiteConfig;
  /** history of a point at a regular step (interpolated), ms */
  history: (id: string, from: number, to: number, stepMs: number) => Promise<History>;
  alarms?: ForecastAlarms;
  /** days of history the load model and the PV correction learn from */
  historyDays?: number;
  /** the load models (calendar + temperature), retrained on a schedule (training.ts) */
  models?: { model(asset: string): LoadModel | undefined };
  /** air temperature history at a regular step (°C): for the similar-day fallback */
  temperature?: (from: number, to: number, stepMs: number) => Promise<History>;
  /** stores every forecast made, with its issue time (the historian's forecast store) */
  record?: (w: ForecastWrite) => void;
  now?: () => number;
  /** the plan's prices (market prices with the tariffs, core/prices); the tariffs when absent */
  prices?: { series(start: number, steps: number, stepMinutes: number): { importPrice: number[]; exportPrice: number[]; source: string } };
}

/** Fills interior gaps linearly and the ends with the nearest value; all-null stays null. */
export function fillGaps(v: readonly (number | null)[]): (number | null)[] {
  const out = [...v];
  const known = out.map((x, i) => (x !== null && Number.isFinite(x) ? i : -1)).filter((i) => i >= 0);
  if (known.length === 0) return out;
  for (let i = 0; i < out.length; i++) {
    if (out[i] !== null && Number.isFinite(out[i] as number)) continue;
    const next = known.find((k) => k > i);
    const prev = [...known].reverse().find((k) => k < i);
    if (prev === undefined) out[i] = out[next as number] as number;
    else if (next === undefined) out[i] = out[prev] as number;
    else out[i] = (out[prev] as number) + (((out[next] as number) - (out[prev] as number)) * (i - prev)) / (next - prev);
  }
  return out;
}

/** The value one day earlier at each step (temperature persistence), null where unknown. */
function persistence(h: History, start: number, steps: number, stepMs: number): number[] {
  const byT = new Map<number, number | null>();
  h.t.forEach((t, i) => byT.set(t, h.v[i] ?? null));
  return Array.from({ length: steps }, (_, k) => byT.get(start + k * stepMs - 86_400_000) ?? Number.NaN);
}

export class SiteForecasts {
  constructor(private readonly o: SiteForecastOptions) {}

  private store(series: string, start: number, stepMs: number, values: readonly number[]): void {
    if (!this.o.record) return;
    try {
      this.o.record({ series, kind: 'forecast', issuedAt: this.o.now?.() ?? Date.now(), points: values.map((value, t) => ({ ts: start + t * stepMs, value })) });
    } catch {
      // a forecast that cannot be stored still serves the plan (the historian alarms on its own)
    }
  }

  async forecast(req: { start: number; steps: number; stepMinutes: number }): Promise<{
    loadKw: number[];
    pvKw: Record<string, number[]>;
    controllableLoadKw: Record<string, number[]>;
    importPrice?: number[];
    exportPrice?: number[];
    source: string;
  }> {
    const { site } = this.o;
    const days = this.o.historyDays ?? 28;
    const stepMs = req.stepMinutes * 60_000;
    const from = req.start - days * 86_400_000;
    const notes: string[] = [];
    const problems: string[] = [];
    const tz = site.site.timezone;
    const { latitude, longitude } = site.site.location;

    // weather: cloud cover for PV; a failure falls back to the clear-sky model (alarm)
    let weather: WeatherForecast | undefined;
    const w = site.energy?.weather;
    if (w) {
      try {
        weather = await fetchWeather({ baseUrl: w.baseUrl, timeoutMs: w.timeoutMs, latitude, longitude, start: req.start, steps: req.steps, stepMinutes: req.stepMinutes });
        notes.push(`weather from ${w.baseUrl}`);
      } catch (e) {
        problems.push(`weather forecast failed (${(e as Error).message}); PV from the clear-sky model`);
      }
    }

    const pvKw: Record<string, number[]> = {};
    for (const p of site.energy?.pv ?? []) {
      const asset = site.assets.find((a) => a.id === p.asset);
      const rating = asset?.rating?.powerKw;
      const array = { peakKwp: p.peakKwp ?? (rating ?? 0) * 1.2, tiltDeg: p.tiltDeg, azimuthDeg: p.azimuthDeg, performanceRatio: p.performanceRatio, acLimitKw: rating };
      let correction = 1;
      try {
        const hist = await this.o.history(pointId(p.asset, 'ActivePower'), from, req.start - stepMs, stepMs);
        if (hist.t.length > 0) {
          const model = pvForecastKw(array, latitude, longitude, hist.t[0] as number, hist.t.length, req.stepMinutes);
          correction = learnCorrection(hist.v, model, Math.round(86_400_000 / stepMs), array.acLimitKw ?? array.peakKwp);
        }
      } catch (e) {
        problems.push(`PV history of "${p.asset}" unreadable (${(e as Error).message}); uncorrected clear-sky model used`);
      }
      pvKw[p.asset] = pvForecastKw(array, latitude, longitude, req.start, req.steps, req.stepMinutes, weather?.cloudCover, correction);
      notes.push(`PV "${p.asset}": ${weather ? 'cloud-corrected' : 'clear'} sky × ${correction.toFixed(2)}`);
    }

    const controllable = new Set((site.energy?.controllableLoads ?? []).map((l) => l.asset));
    const loadKw = new Array<number>(req.steps).fill(0);
    const controllableLoadKw: Record<string, number[]> = {};
    let temps: History | undefined;
    const temperatureHistory = async (): Promise<History | undefined> => {
      if (temps || !this.o.temperature) return temps;
      try {
        temps = await this.o.temperature(from, req.start - stepMs, stepMs);
      } catch {
        // compared by day type and recency only
      }
      return temps;
    };
    for (const a of site.assets.filter((x) => x.nature === 'Load')) {
      let values: number[] | undefined;
      let hist: History = { t: [], v: [] };
      let readable = true;
      let failed: string | undefined;
      try {
        hist = await this.o.history(pointId(a.id, 'ActivePower'), from, req.start - stepMs, stepMs);
      } catch (e) {
        readable = false;
        problems.push(`load history of "${a.id}" unreadable: ${(e as Error).message}`);
      }
      const empty = !hist.v.some((x) => x !== null && Number.isFinite(x));
      const rating = a.rating?.powerKw;
      const model = this.o.models?.model(a.id);
      if (model) {
        // the calendar + temperature model needs the temperature forecast
        if (!weather) failed = `no temperature forecast for the load model of "${a.id}"`;
        else {
          const p = predictLoad(model, req.start, req.steps, req.stepMinutes, weather.temperatureC, tz);
          const bad = p.findIndex((x) => !Number.isFinite(x) || x < -0.05 * (rating ?? 1) || (rating !== undefined && x > 1.5 * rating));
          if (bad >= 0) failed = `the load model of "${a.id}" predicts ${p[bad]?.toFixed(1)} kW at ${new Date(req.start + bad * stepMs).toISOString()}, outside 0-${rating !== undefined ? 1.5 * rating : '…'} kW`;
          else {
            values = p.map((x) => Math.max(0, x));
            notes.push(`load "${a.id}": calendar + temperature model (trained ${new Date(model.trainedAt).toISOString()} on ${model.samples} samples, ±${model.rmseKw.toFixed(1)} kW)`);
          }
        }
      } else if (readable && !empty) {
        const f = fillGaps(calendarLoadForecast(hist, req.start, req.steps, req.stepMinutes, tz));
        if (f.length === req.steps && f.every((x) => x !== null && Number.isFinite(x))) {
          values = (f as number[]).map((x) => Math.max(0, x));
          notes.push(`load "${a.id}": calendar model on ${days} days of history`);
        } else failed = `the calendar model of "${a.id}" has no history for some steps`;
      }
      if (!values && failed && readable && !empty) {
        // the most similar day of the history, by day type and temperature (energy.01 Req3)
        const th = await temperatureHistory();
        const histTemps = th ? alignTemperature(hist, th) : undefined;
        // the target's temperatures: the forecast, else yesterday's (persistence)
        const targetTemps = weather?.temperatureC ?? (th ? persistence(th, req.start, req.steps, stepMs) : undefined);
        const sd = similarDay(hist, histTemps, { start: req.start, steps: req.steps, stepMinutes: req.stepMinutes, tempC: targetTemps }, tz);
        if (sd) {
          values = sd.values.map((x) => Math.max(0, x));
          problems.push(`${failed}; the similar day ${sd.date}${sd.tempDiffC !== undefined ? ` (temperature within ${sd.tempDiffC.toFixed(1)} °C)` : ' (same day type, most recent)'} is used`);
        } else problems.push(`${failed}; no similar day in the history`);
      }
      if (!values) {
        const flat = (rating ?? 0) * 0.5;
        values = new Array<number>(req.steps).fill(flat);
        // a new installation has no history yet: no model to fail, so no alarm, but said
        if (empty && readable) notes.push(`load "${a.id}": no history yet, half its rating (${flat} kW) assumed`);
        else if (readable) problems.push(`load "${a.id}" has no usable history: half its rating (${flat} kW) assumed`);
      }
      if (controllable.has(a.id)) controllableLoadKw[a.id] = values;
      else values.forEach((v, i) => (loadKw[i] = (loadKw[i] ?? 0) + v));
      this.store(`forecast/${a.id}/load`, req.start, stepMs, values);
    }
    this.store('forecast/site/load', req.start, stepMs, loadKw);
    for (const [id, v] of Object.entries(pvKw)) this.store(`forecast/${id}/power`, req.start, stepMs, v);
    if (weather) {
      this.store('forecast/weather/temperature', req.start, stepMs, weather.temperatureC);
      this.store('forecast/weather/cloud', req.start, stepMs, weather.cloudCover);
    }

    if (problems.length > 0)
      this.o.alarms?.raiseSystemAlarm(FORECAST_FAILED_ALARM, { message: 'A forecast failed: the plan uses a fallback', priority: 'medium', class: 'energy', text: problems.join('; ') });
    else this.o.alarms?.clearSystemAlarm(FORECAST_FAILED_ALARM);
    const prices = this.o.prices?.series(req.start, req.steps, req.stepMinutes);
    if (prices) notes.push(prices.source);
    return {
      loadKw,
      pvKw,
      controllableLoadKw,
      ...(prices ? { importPrice: prices.importPrice, exportPrice: prices.exportPrice } : {}),
      source: [...notes, ...problems.map((p) => `fallback: ${p}`)].join('; '),
    };
  }
}
