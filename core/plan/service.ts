/**
 * The plan service (FLEXERGY energy.04, energy.12; issue #11 item 2): when to plan, what to
 * plan with, where plans go, and what happens when planning fails.
 *
 * - Day-ahead at `energy.planning.dayAheadAt` local time: plans the local day that starts at
 *   or after that moment (92, 96 or 100 quarter hours) plus `horizonHours - 24` h.
 * - Intraday every `intradayEveryMinutes` (aligned to the clock): from the present step to the
 *   end of the latest day-ahead horizon (at least `horizonHours` when there is none).
 * - On events (`replan`): forecast update, asset out of service, an operator's request.
 * - Every plan is stored with its issue time: series in the historian (kind 'plan'), and a JSON
 *   file with its LP file beside it under `<dir>/<local date>/`.
 * - A failed solve (infeasible, time limit, bad forecast) raises the high-priority system alarm
 *   `plan.failed` and the site falls back to the rule-based controller (`mode()` says so,
 *   `setpoint()` returns no plan value) until a plan succeeds.
 */
import { mkdirSync, readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { clockMinutes, type ObjectiveName } from '../common/energy';
import type { ForecastWrite } from '../common/historian';
import type { PlanKind, PlanMode, PlanRecord, PlanSummary } from '../common/plan';
import type { Cancel, Scheduler } from '../common/clock';
import type { SiteConfig } from '../common/site';
import { localMidnight, localParts, localToUtc, nextDate, stepsInLocalDay } from '../optimiser/localtime';
import { ProblemError } from '../optimiser/problem';
import { problemFromSite, type PlanInputs } from '../optimiser/site-problem';
import type { SolvedPlan, SolveSettings } from '../optimiser/solve';
import type { ModelOptions, PlanProblem } from '../optimiser/problem';

export type { PlanKind, PlanMode, PlanRecord, PlanSummary } from '../common/plan';

export const PLAN_FAILED_ALARM = 'plan.failed';
export const PLAN_STORAGE_ALARM = 'plan.storage';

export interface ForecastInputs {
  loadKw: number[];
  pvKw: Record<string, number[]>;
  controllableLoadKw?: Record<string, number[]>;
  importPrice?: number[];
  exportPrice?: number[];
  /** where the forecast came from, in words (e.g. "weather API", "similar day 2026-05-25 (fallback)") */
  source: string;
}

export interface PlanForecasts {
  forecast(req: { start: number; steps: number; stepMinutes: number }): Promise<ForecastInputs>;
}

/** What the plan needs to know about the site now (from core/assets views). */
export type PlanState = Pick<PlanInputs, 'socPct' | 'bmsLimits' | 'excluded' | 'gensetOn' | 'peakSoFarKw'>;

export interface PlanSolver {
  solve(problem: PlanProblem, options?: ModelOptions, settings?: SolveSettings): Promise<SolvedPlan>;
}

export interface PlanAlarms {
  raiseSystemAlarm(id: string, opts?: { message?: string; priority?: 'critical' | 'high' | 'medium' | 'low'; class?: string; text?: string }): void;
  clearSystemAlarm(id: string, opts?: { text?: string }): void;
}

export interface PlanServiceOptions {
  site: SiteConfig;
  scheduler: Scheduler;
  optimiser: PlanSolver;
  forecasts: PlanForecasts;
  state: () => PlanState;
  /** plan series with their issue time (core/historian) */
  historian?: { writeForecast(w: ForecastWrite): void };
  alarms?: PlanAlarms;
  /** where plan files (JSON + LP) go */
  dir: string;
  /** external grid signals over the plan's steps (core/modes/signals.ts): respected by every plan */
  signals?: () => PlanSignals | undefined;
  /** told after every plan attempt (events to screens) */
  onChange?: (summary: PlanSummary) => void;
}

/** per step: a TSO battery setpoint and PCC caps, where the system operator gave them */
export interface PlanSignals {
  window(start: number, steps: number, stepMinutes: number): { setpointKw: Array<number | undefined>; importMaxKw: Array<number | undefined>; exportMaxKw: Array<number | undefined> } | undefined;
}

/**
 * Applies external grid signals to a plan problem: a PCC cap lowers the import/export limit
 * of its steps; a TSO battery setpoint is the batteries' target in its steps (their net power
 * held at it as far as the SoC window allows, `storageTargetKw`), and each battery is capped to
 * that direction and size — the plan then expects what the grid-signals controller will hold in
 * real time, so the SoC after those steps is planned right. Returns what it applied, in words,
 * or undefined when nothing applied.
 */
export function applySignals(problem: PlanProblem, w: ReturnType<PlanSignals['window']>): string | undefined {
  if (!w) return undefined;
  const T = problem.steps;
  const per = (base: number | number[] | undefined, caps: Array<number | undefined>) =>
    Array.from({ length: T }, (_, t) => Math.min(base === undefined ? Infinity : Array.isArray(base) ? (base[t] ?? Infinity) : base, caps[t] ?? Infinity));
  const said: string[] = [];
  const capped = (caps: Array<number | undefined>) => caps.filter((x) => x !== undefined).length;
  if (capped(w.importMaxKw) > 0) {
    problem.importLimitKw = per(problem.importLimitKw, w.importMaxKw);
    said.push(`import capped in ${capped(w.importMaxKw)} steps`);
  }
  if (capped(w.exportMaxKw) > 0) {
    problem.exportLimitKw = per(problem.exportLimitKw, w.exportMaxKw);
    said.push(`export capped in ${capped(w.exportMaxKw)} steps`);
  }
  if (capped(w.setpointKw) > 0) {
    for (const b of problem.storage) {
      const ch = Array.from({ length: T }, (_, t) => (Array.isArray(b.maxChargeKw) ? (b.maxChargeKw[t] ?? 0) : b.maxChargeKw));
      const dis = Array.from({ length: T }, (_, t) => (Array.isArray(b.maxDischargeKw) ? (b.maxDischargeKw[t] ?? 0) : b.maxDischargeKw));
      w.setpointKw.forEach((sp, t) => {
        if (sp === undefined) return;
        ch[t] = sp < 0 ? Math.min(ch[t] ?? 0, -sp) : 0;
        dis[t] = sp > 0 ? Math.min(dis[t] ?? 0, sp) : 0;
      });
      b.maxChargeKw = ch;
      b.maxDischargeKw = dis;
    }
    problem.storageTargetKw = Array.from({ length: T }, (_, t) => w.setpointKw[t]);
    said.push(`TSO battery setpoints in ${capped(w.setpointKw)} steps (held as targets)`);
  }
  return said.length ? said.join(', ') : undefined;
}

export class PlanService {
  private readonly stepMinutes: number;
  private readonly horizonHours: number;
  private readonly tz: string;
  private latest: PlanRecord | undefined;
  private lastDayAheadEnd: number | undefined;
  private failure: string | undefined = 'no plan yet';
  private readonly summaries: PlanSummary[] = [];
  private timers: Cancel[] = [];
  private running: Promise<PlanRecord> | undefined;
  private queued: { kind: PlanKind; reason: string; by: string; objective?: ObjectiveName } | undefined;
  private objective: ObjectiveName;
  private stopped = false;

  constructor(private readonly o: PlanServiceOptions) {
    const e = o.site.energy;
    if (!e) throw new ProblemError(`site "${o.site.site.id}" has no energy section: nothing to plan with`);
    this.stepMinutes = e.planning.stepMinutes;
    this.horizonHours = e.planning.horizonHours;
    this.tz = o.site.site.timezone;
    this.objective = e.planning.objective;
    mkdirSync(o.dir, { recursive: true, mode: 0o700 });
    this.loadIndex();
    if (this.latest) this.failure = undefined;
  }

  /** Starts the day-ahead and intraday schedules. */
  start(): void {
    this.scheduleDayAhead();
    this.scheduleIntraday();
  }

  stop(): void {
    this.stopped = true;
    for (const c of this.timers.splice(0)) c();
  }

  /** the objective the next plans use (the site file's, or the operator's choice) */
  get currentObjective(): ObjectiveName {
    return this.objective;
  }

  mode(now = this.o.scheduler.now()): PlanMode {
    const p = this.latest;
    if (this.failure !== undefined) return { mode: 'fallback', reason: this.failure };
    if (!p || !p.ok) return { mode: 'fallback', reason: 'no plan yet' };
    const end = p.start + p.steps * p.stepMinutes * 60_000;
    if (now < p.start || now >= end) return { mode: 'fallback', reason: `the latest plan (issued ${new Date(p.issuedAt).toISOString()}) does not cover now` };
    return { mode: 'plan', issuedAt: p.issuedAt };
  }

  /** The planned battery power now, kW (positive = discharge), or why the rule-based controller holds the site. */
  setpoint(essId: string, now = this.o.scheduler.now()): { kw: number; socPct: number; issuedAt: number } | { fallback: string } {
    const m = this.mode(now);
    if (m.mode === 'fallback') return { fallback: m.reason };
    const p = this.latest as PlanRecord;
    const s = p.series?.storage.find((b) => b.id === essId);
    if (!s) return { fallback: `battery "${essId}" is not in the plan` };
    const t = Math.floor((now - p.start) / (p.stepMinutes * 60_000));
    return { kw: s.powerKw[t] ?? 0, socPct: s.socPct[t] ?? Number.NaN, issuedAt: p.issuedAt };
  }

  /** resolves when no plan is being made (tests, shutdown) */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  latestPlan(): PlanRecord | undefined {
    return this.latest;
  }

  list(limit = 50): PlanSummary[] {
    return this.summaries.slice(-limit).reverse();
  }

  /** A stored plan by issue time (from its file). */
  get(issuedAt: number): PlanRecord | undefined {
    if (this.latest?.issuedAt === issuedAt) return this.latest;
    const s = this.summaries.find((x) => x.issuedAt === issuedAt);
    if (!s) return undefined;
    return JSON.parse(readFileSync(join(this.o.dir, s.file), 'utf8')) as PlanRecord;
  }

  /** Path of a plan's LP file (for download), if it has one. */
  lpPath(issuedAt: number): string | undefined {
    const s = this.summaries.find((x) => x.issuedAt === issuedAt);
    return s?.lpFile ? join(this.o.dir, s.lpFile) : undefined;
  }

  /**
   * Plans now. A request while a solve runs is queued (one at a time, the latest request wins)
   * and runs right after. Never rejects: a failure is a PlanRecord with ok = false.
   */
  replan(kind: PlanKind, reason: string, by = 'system', objective?: ObjectiveName): Promise<PlanRecord> {
    if (objective) this.objective = objective;
    if (this.running) {
      this.queued = { kind, reason, by, ...(objective ? { objective } : {}) };
      return this.running.then(() => (this.running ? this.running : this.replan(kind, reason, by)));
    }
    const run = this.plan(kind, reason, by).finally(() => {
      this.running = undefined;
      const q = this.queued;
      this.queued = undefined;
      if (q && !this.stopped) void this.replan(q.kind, q.reason, q.by, q.objective);
    });
    this.running = run;
    return run;
  }

  // ------------------------------------------------------------------ schedules

  private scheduleDayAhead(): void {
    if (this.stopped) return;
    const now = this.o.scheduler.now();
    const at = clockMinutes(this.o.site.energy!.planning.dayAheadAt);
    let date = localParts(now, this.tz).date;
    let due = localToUtc(date, at, this.tz);
    if (due <= now) {
      date = nextDate(date);
      due = localToUtc(date, at, this.tz);
    }
    this.timers.push(
      this.o.scheduler.setTimeout(() => {
        void this.replan('day-ahead', 'daily schedule');
        this.scheduleDayAhead();
      }, due - now),
    );
  }

  private scheduleIntraday(): void {
    const every = this.o.site.energy!.planning.intradayEveryMinutes;
    if (this.stopped || every <= 0) return;
    const now = this.o.scheduler.now();
    const period = every * 60_000;
    // aligned to the clock (the hour for hourly plans); a day-ahead at the same moment wins
    let due = Math.floor(now / period) * period + period;
    if (due <= now) due += period;
    this.timers.push(
      this.o.scheduler.setTimeout(() => {
        const at = this.o.scheduler.now();
        const dayAheadDue = localToUtc(localParts(at, this.tz).date, clockMinutes(this.o.site.energy!.planning.dayAheadAt), this.tz);
        if (dayAheadDue !== at) void this.replan('intraday', 'hourly schedule');
        this.scheduleIntraday();
      }, due - now),
    );
  }

  /** The window a plan of this kind covers, issued now. */
  window(kind: PlanKind, now = this.o.scheduler.now()): { start: number; steps: number } {
    const stepMs = this.stepMinutes * 60_000;
    if (kind === 'day-ahead') {
      // the local day starting at or after now (at 00:00, today)
      const today = localParts(now, this.tz).date;
      const date = localMidnight(today, this.tz) >= now ? today : nextDate(today);
      const start = localMidnight(date, this.tz);
      return { start, steps: stepsInLocalDay(date, this.tz, this.stepMinutes) + ((this.horizonHours - 24) * 60) / this.stepMinutes };
    }
    const start = Math.floor(now / stepMs) * stepMs;
    const end = this.lastDayAheadEnd !== undefined && this.lastDayAheadEnd > start + 4 * stepMs ? this.lastDayAheadEnd : start + this.horizonHours * 3_600_000;
    return { start, steps: Math.round((end - start) / stepMs) };
  }

  // ------------------------------------------------------------------ one plan

  private async plan(kind: PlanKind, reason: string, by: string): Promise<PlanRecord> {
    const issuedAt = this.o.scheduler.now();
    const { start, steps } = this.window(kind, issuedAt);
    const date = localParts(issuedAt, this.tz).date;
    const base = `${date}/${new Date(issuedAt).toISOString().replace(/[:.]/g, '-')}-${kind}`;
    const record: PlanRecord = { issuedAt, kind, reason, requestedBy: by, ok: false, start, stepMinutes: this.stepMinutes, steps, objective: this.objective, file: `${base}.json` };
    mkdirSync(join(this.o.dir, date), { recursive: true, mode: 0o700 });
    try {
      const f = await this.o.forecasts.forecast({ start, steps, stepMinutes: this.stepMinutes });
      record.forecastSource = f.source;
      const state = this.o.state();
      const problem = problemFromSite(this.o.site, {
        start,
        steps,
        objective: this.objective,
        loadKw: f.loadKw,
        pvKw: f.pvKw,
        ...(f.controllableLoadKw ? { controllableLoadKw: f.controllableLoadKw } : {}),
        ...(f.importPrice ? { importPrice: f.importPrice } : {}),
        ...(f.exportPrice ? { exportPrice: f.exportPrice } : {}),
        ...state,
      });
      const applied = applySignals(problem, this.o.signals?.()?.window(start, steps, this.stepMinutes));
      if (applied) record.externalSignals = applied;
      const e = this.o.site.energy!.planning;
      const plan = await this.o.optimiser.solve(problem, {}, { timeLimitS: e.timeLimitS, mipGap: e.mipGap });
      Object.assign(record, {
        ok: true,
        objectiveValue: plan.objectiveValue,
        terms: plan.terms,
        series: plan.series,
        storageExclusivity: plan.storageExclusivity,
        integerVariables: plan.integerVariables,
        variables: plan.variables,
        constraints: plan.constraints,
        solveMs: Math.round(plan.solveMs),
        lpFile: `${base}.lp`,
      });
      writeFileSync(join(this.o.dir, `${base}.lp`), plan.lp, { mode: 0o600 });
      try {
        this.writeSeries(record);
        this.o.alarms?.clearSystemAlarm(PLAN_STORAGE_ALARM);
      } catch (err) {
        // the plan stands; only its copy in the historian is missing
        record.storageError = err instanceof Error ? err.message : String(err);
        this.o.alarms?.raiseSystemAlarm(PLAN_STORAGE_ALARM, { message: 'A plan could not be stored in the historian', priority: 'medium', class: 'energy', text: record.storageError });
      }
      this.latest = record;
      if (kind === 'day-ahead') this.lastDayAheadEnd = start + steps * this.stepMinutes * 60_000;
      if (this.failure !== undefined) {
        this.failure = undefined;
        this.o.alarms?.clearSystemAlarm(PLAN_FAILED_ALARM, { text: `plan issued ${new Date(issuedAt).toISOString()} solved` });
      }
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      const lp = (e as { lp?: unknown }).lp;
      record.error = message;
      if (typeof lp === 'string') {
        writeFileSync(join(this.o.dir, `${base}.lp`), lp, { mode: 0o600 });
        record.lpFile = `${base}.lp`;
      }
      this.failure = `the ${kind} plan failed: ${message}`;
      this.o.alarms?.raiseSystemAlarm(PLAN_FAILED_ALARM, {
        message: 'Planning failed: the site runs on the rule-based controller',
        priority: 'high',
        class: 'energy',
        text: `${kind} plan (${reason}): ${message}`,
      });
    }
    writeFileSync(join(this.o.dir, record.file), JSON.stringify(record), { mode: 0o600 });
    const summary = summaryOf(record);
    this.summaries.push(summary);
    if (this.summaries.length > 1000) this.summaries.splice(0, this.summaries.length - 1000);
    this.o.onChange?.(summary);
    return record;
  }

  private writeSeries(r: PlanRecord): void {
    const h = this.o.historian;
    const s = r.series;
    if (!h || !s) return;
    const stepMs = r.stepMinutes * 60_000;
    const put = (series: string, values: readonly number[]) =>
      h.writeForecast({ series, kind: 'plan', issuedAt: r.issuedAt, points: values.map((value, t) => ({ ts: r.start + t * stepMs, value })) });
    put('plan/grid/import', s.gridImportKw);
    put('plan/grid/export', s.gridExportKw);
    put('plan/load', s.loadKw);
    put('plan/price/import', s.importPrice);
    put('plan/price/export', s.exportPrice);
    for (const b of s.storage) {
      put(`plan/${b.id}/power`, b.powerKw);
      put(`plan/${b.id}/soc`, b.socPct);
    }
    for (const v of s.pv) {
      put(`plan/${v.id}/power`, v.plannedKw);
      put(`plan/${v.id}/available`, v.availableKw);
    }
    for (const v of s.ev) put(`plan/${v.id}/power`, v.powerKw);
    for (const g of s.gensets) put(`plan/${g.id}/power`, g.powerKw);
    for (const l of s.controllableLoads) put(`plan/${l.id}/curtailed`, l.curtailedKw);
  }

  /** Rebuilds the list of plans from the plan folder (after a restart). */
  private loadIndex(): void {
    if (!existsSync(this.o.dir)) return;
    const files: string[] = [];
    for (const d of readdirSync(this.o.dir).sort()) {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(d)) continue;
      for (const f of readdirSync(join(this.o.dir, d)).sort()) if (f.endsWith('.json')) files.push(`${d}/${f}`);
    }
    for (const f of files.slice(-1000)) {
      try {
        const r = JSON.parse(readFileSync(join(this.o.dir, f), 'utf8')) as PlanRecord;
        this.summaries.push(summaryOf(r));
        if (r.ok) this.latest = r;
      } catch {
        // a damaged file is skipped: the plan list shows what can be read
      }
    }
    this.summaries.sort((a, b) => a.issuedAt - b.issuedAt);
  }
}

function summaryOf(r: PlanRecord): PlanSummary {
  const { terms: _t, series: _s, storageExclusivity: _e, integerVariables: _i, variables: _v, constraints: _c, ...summary } = r;
  return summary;
}
