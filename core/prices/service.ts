/**
 * Market prices kept fresh (energy.10): every `refreshMinutes` (2-4 h) on the host's
 * Scheduler, the price files of a watched folder (*.csv, *.xml; read again only when changed,
 * later names override earlier ones for the same hours) or one file from a URL are read and
 * checked. A refused file or an unreachable URL raises `prices.failed` (medium) naming the
 * file, line and element, and the last good prices stay in use; new prices call `onUpdate`
 * (the host re-plans on it).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { Cancel, Scheduler } from '../common/clock';
import type { EnergyConfig, MarketPricesConfig } from '../common/energy';
import { mergeCurves, type PriceCurve, type PriceInterval } from './curve';
import { parseCsvPrices } from './csv';
import { parseEntsoe } from './entsoe';
import { planPrices, type PlanPrices } from './prices';

export const PRICES_FAILED_ALARM = 'prices.failed';

export interface PriceAlarms {
  raiseSystemAlarm(id: string, opts?: { message?: string; priority?: 'critical' | 'high' | 'medium' | 'low'; class?: string; text?: string }): void;
  clearSystemAlarm(id: string, opts?: { text?: string }): void;
}

/** Reads a price file by its content: XML (ENTSO-E) when it starts with "<", CSV otherwise. */
export function parsePriceFile(text: string, file: string, area?: string): PriceCurve {
  return text.trimStart().startsWith('<') ? parseEntsoe(text, file, { area }) : parseCsvPrices(text, file);
}

export interface PriceStatus {
  lastRefresh?: number;
  /** end of the last priced interval */
  coveredUntil?: number;
  files: string[];
  problems: string[];
}

export interface MarketPriceOptions {
  energy: EnergyConfig;
  /** the site file's folder: a relative `folder` is read from here */
  baseDir: string;
  scheduler: Scheduler;
  tz: string;
  alarms?: PriceAlarms;
  onUpdate?: (status: PriceStatus) => void;
}

export class MarketPriceService {
  private readonly cfg: MarketPricesConfig;
  private readonly cache = new Map<string, { key: string; curve: PriceCurve | undefined; error?: string }>();
  private merged: PriceInterval[] = [];
  private signature = '';
  private timer: Cancel | undefined;
  private state: PriceStatus = { files: [], problems: [] };
  private running: Promise<PriceStatus> | undefined;

  constructor(private readonly o: MarketPriceOptions) {
    if (!o.energy.prices) throw new Error('the site has no energy.prices section');
    this.cfg = o.energy.prices;
  }

  start(): void {
    void this.refresh();
    this.timer = this.o.scheduler.setInterval(() => void this.refresh(), this.cfg.refreshMinutes * 60_000);
  }

  stop(): void {
    this.timer?.();
    this.timer = undefined;
  }

  status(): PriceStatus {
    return { ...this.state, files: [...this.state.files], problems: [...this.state.problems] };
  }

  intervals(): readonly PriceInterval[] {
    return this.merged;
  }

  /** The plan's prices for a horizon (market where known, tariffs elsewhere). */
  series(start: number, steps: number, stepMinutes: number): PlanPrices {
    return planPrices(this.o.energy, this.merged, start, steps, stepMinutes, this.o.tz);
  }

  /** Reads the folder or the URL now (one refresh at a time). */
  refresh(): Promise<PriceStatus> {
    this.running ??= this.doRefresh().finally(() => (this.running = undefined));
    return this.running;
  }

  private async doRefresh(): Promise<PriceStatus> {
    const problems: string[] = [];
    const curves: PriceCurve[] = [];
    const files: string[] = [];
    if (this.cfg.folder !== undefined) {
      const dir = isAbsolute(this.cfg.folder) ? this.cfg.folder : join(this.o.baseDir, this.cfg.folder);
      let names: string[] = [];
      try {
        names = readdirSync(dir).filter((n) => /\.(csv|xml)$/i.test(n)).sort();
      } catch (e) {
        problems.push(`the price folder ${dir} cannot be read: ${(e as Error).message}`);
      }
      const seen = new Set<string>();
      for (const n of names) {
        const path = join(dir, n);
        seen.add(n);
        try {
          const st = statSync(path);
          const key = `${st.mtimeMs}|${st.size}`;
          let c = this.cache.get(n);
          if (c?.key !== key) {
            try {
              c = { key, curve: parsePriceFile(readFileSync(path, 'utf8'), n, this.cfg.area) };
            } catch (e) {
              c = { key, curve: undefined, error: (e as Error).message };
            }
            this.cache.set(n, c);
          }
          if (c.curve) {
            curves.push(c.curve);
            files.push(n);
          } else if (c.error) problems.push(c.error);
        } catch (e) {
          problems.push(`${n}: ${(e as Error).message}`);
        }
      }
      for (const n of [...this.cache.keys()]) if (!seen.has(n) && !n.startsWith('url:')) this.cache.delete(n);
    }
    if (this.cfg.url !== undefined) {
      const name = `url:${this.cfg.url}`;
      try {
        const res = await fetch(this.cfg.url, { signal: AbortSignal.timeout(this.cfg.timeoutMs) });
        if (!res.ok) throw new Error(`the price service at ${this.cfg.url} answered HTTP ${res.status}`);
        const text = await res.text();
        this.cache.set(name, { key: text, curve: parsePriceFile(text, this.cfg.url, this.cfg.area) });
      } catch (e) {
        const msg = (e as Error).name === 'PriceFileError' ? (e as Error).message : `the price service at ${this.cfg.url} did not answer: ${(e as Error).message}`;
        problems.push(`${msg}${this.cache.get(name)?.curve ? ' (the prices it sent before stay in use)' : ''}`);
      }
      const c = this.cache.get(name)?.curve;
      if (c) {
        curves.push(c);
        files.push(this.cfg.url);
      }
    }
    this.merged = mergeCurves(curves);
    const last = this.merged[this.merged.length - 1];
    this.state = { lastRefresh: this.o.scheduler.now(), ...(last ? { coveredUntil: last.end } : {}), files, problems };
    if (problems.length > 0)
      this.o.alarms?.raiseSystemAlarm(PRICES_FAILED_ALARM, { message: 'Market prices could not be read: the plan uses the last good prices or the tariffs', priority: 'medium', class: 'energy', text: problems.join('; ') });
    else this.o.alarms?.clearSystemAlarm(PRICES_FAILED_ALARM);
    const sig = this.merged.map((i) => `${i.start}:${i.end}:${i.pricePerKwh}`).join(',');
    if (sig !== this.signature) {
      this.signature = sig;
      this.o.onUpdate?.(this.status());
    }
    return this.status();
  }
}
