/**
 * Scheduled retraining of the load models (energy.02): every `energy.forecast.retrainHours`
 * on the host's Scheduler (never a wall timer), each Load asset's calendar + temperature model
 * is fitted again on the last `historyDays` of its history and of the air temperature (a
 * measured point, or the weather forecasts the historian kept). A model that cannot be made
 * keeps the previous one and says why in `status()`.
 */
import type { Cancel, Scheduler } from '../common/clock';
import { pointId } from '../common/point';
import type { SiteConfig } from '../common/site';
import type { History } from './load';
import { trainLoadModel, type LoadModel } from './loadModel';

export interface TrainingStatus {
  lastRunAt?: number;
  nextRunAt?: number;
  models: Array<{ asset: string; trainedAt?: number; samples?: number; rmseKw?: number; error?: string }>;
}

export interface LoadTrainerOptions {
  site: SiteConfig;
  scheduler: Scheduler;
  /** history of a point at a regular step, ms */
  history: (id: string, from: number, to: number, stepMs: number) => Promise<History>;
  /** air temperature at a regular step, ms (°C) */
  temperature: (from: number, to: number, stepMs: number) => Promise<History>;
  /** first training after start, ms (default 1 min: the historian is open, the app has settled) */
  firstAfterMs?: number;
}

/** Aligns a temperature history to the instants of a load history (null where unknown). */
export function alignTemperature(load: History, temp: History): (number | null)[] {
  const byT = new Map<number, number | null>();
  temp.t.forEach((t, i) => byT.set(t, temp.v[i] ?? null));
  return load.t.map((t) => byT.get(t) ?? null);
}

export class LoadModelTrainer {
  private readonly models = new Map<string, LoadModel>();
  private readonly errors = new Map<string, string>();
  private timers: Cancel[] = [];
  private lastRunAt: number | undefined;
  private nextRunAt: number | undefined;
  private running: Promise<TrainingStatus> | undefined;

  constructor(private readonly o: LoadTrainerOptions) {}

  start(): void {
    const every = (this.o.site.energy?.forecast.retrainHours ?? 24) * 3_600_000;
    const first = this.o.firstAfterMs ?? 60_000;
    this.nextRunAt = this.o.scheduler.now() + first;
    this.timers.push(
      this.o.scheduler.setTimeout(() => {
        void this.retrain();
        this.timers.push(this.o.scheduler.setInterval(() => void this.retrain(), every));
      }, first),
    );
  }

  stop(): void {
    for (const c of this.timers.splice(0)) c();
  }

  model(asset: string): LoadModel | undefined {
    return this.models.get(asset);
  }

  status(): TrainingStatus {
    const loads = this.o.site.assets.filter((a) => a.nature === 'Load');
    return {
      ...(this.lastRunAt !== undefined ? { lastRunAt: this.lastRunAt } : {}),
      ...(this.nextRunAt !== undefined ? { nextRunAt: this.nextRunAt } : {}),
      models: loads.map((a) => {
        const m = this.models.get(a.id);
        const error = this.errors.get(a.id);
        return { asset: a.id, ...(m ? { trainedAt: m.trainedAt, samples: m.samples, rmseKw: m.rmseKw } : {}), ...(error ? { error } : {}) };
      }),
    };
  }

  retrain(): Promise<TrainingStatus> {
    this.running ??= this.run().finally(() => (this.running = undefined));
    return this.running;
  }

  private async run(): Promise<TrainingStatus> {
    const now = this.o.scheduler.now();
    const e = this.o.site.energy;
    const stepMs = (e?.planning.stepMinutes ?? 15) * 60_000;
    const days = e?.forecast.historyDays ?? 28;
    const to = Math.floor(now / stepMs) * stepMs - stepMs;
    const from = to - days * 86_400_000;
    let temp: History | undefined;
    let tempError: string | undefined;
    try {
      temp = await this.o.temperature(from, to, stepMs);
    } catch (err) {
      tempError = `the temperature history cannot be read: ${(err as Error).message}`;
    }
    for (const a of this.o.site.assets.filter((x) => x.nature === 'Load')) {
      try {
        if (!temp) throw new Error(tempError ?? 'no temperature history');
        const load = await this.o.history(pointId(a.id, 'ActivePower'), from, to, stepMs);
        this.models.set(a.id, trainLoadModel(load, alignTemperature(load, temp), this.o.site.site.timezone, now));
        this.errors.delete(a.id);
      } catch (err) {
        // the previous model (if any) stays in use
        this.errors.set(a.id, (err as Error).message);
      }
    }
    this.lastRunAt = now;
    this.nextRunAt = now + (e?.forecast.retrainHours ?? 24) * 3_600_000;
    return this.status();
  }
}
