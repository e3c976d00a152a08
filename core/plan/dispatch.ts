/**
 * Dispatch of the plan (energy.12 Req1; issue #11 item 4): every `everyMinutes` (15, aligned to
 * the clock) the next hour of the plan goes to the storage controllers and the chargers through
 * the command pipeline, as the system principal `system:plan-dispatch` — permission, asset
 * state, limits (a person's lane: refused, not clamped), audit, write, readback:
 *
 *   each planned battery   Ess SetActivePower   = the plan's power of the step now (kW)
 *   each planned charger   Evse ChargePowerLimit = the plan's charging power of the step now (kW)
 *
 * The record keeps the whole next hour per target (the values the following dispatches will
 * write), for the screens. The demo's devices take one setpoint, not a schedule, so each quarter
 * hour writes its step; a device with schedule registers would take the hour at once.
 *
 * The value dispatched is the control cycle's merged setpoint for the target (`cycleValue`: the
 * plan's step as the cycle holds it, bounded by SoC protection, grid signals, ramps and peak
 * shaving), never a raw step the cycle bounds: the cycle writes its value every second, so a raw
 * step would be overwritten inside the pipeline's read-back window (a false
 * `plan.dispatch-failed`), refused at the very bound the cycle holds (the contract), or held by
 * the device until the cycle's next keep-alive. When the cycle's value is the plan's step (within
 * 0.5 kW) it goes through the pipeline with read-back; when a controller above bounds it, the
 * target is recorded as `held` with the cycle's value, reason and the machine lane's read-back
 * (no second write, no alarm). The record keeps both (`planned` and `value`).
 *
 * Only while plan following is the operating mode in force (another mode drives the battery
 * otherwise: the dispatch is recorded as skipped, with why). An asset in maintenance or out of
 * service drops out (skipped, no alarm). A refused or failed write raises the high-priority
 * alarm `plan.dispatch-failed` naming each target, its stage and rule — never a silent gap —
 * and the next good dispatch clears it.
 */
import type { AssetState } from '../common/asset-state';
import type { Cancel, Scheduler } from '../common/clock';
import type { DispatchRecord, DispatchTargetResult, OperatingMode } from '../common/modes';
import { channelPoint } from '../common/natures';
import type { PlanMode, PlanRecord } from '../common/plan';
import type { CommandRequest, CommandResult } from '../common/security';
import type { PlanAlarms } from './service';

export const DISPATCH_ALARM = 'plan.dispatch-failed';

/** the cycle's value within this of the plan's step is the plan's step (the pipeline's read-back tolerance) */
const HELD_TOLERANCE_KW = 0.5;

export interface DispatchOptions {
  siteId: string;
  scheduler: Scheduler;
  plans: () => { latestPlan(): PlanRecord | undefined; mode(now?: number): PlanMode } | undefined;
  /** the command pipeline as the dispatch's system principal */
  execute: (cmd: CommandRequest) => Promise<CommandResult>;
  /** whether the site has this point (a target the site does not have is not written) */
  hasPoint: (id: string) => boolean;
  states: (assetId: string) => AssetState;
  /** the operating mode in force (undefined: the site has no modes; then the plan is always dispatched) */
  mode?: () => OperatingMode | undefined;
  alarms?: PlanAlarms;
  everyMinutes?: number;
  /**
   * The control cycle's merged setpoint for a target from its first pass at or after `at` (what
   * the cycle writes to the device), with its reason; undefined when the cycle does not drive it.
   */
  cycleValue?: (target: string, at: number) => Promise<{ value: number; why: string; readback?: string } | undefined>;
  onDispatch?: (r: DispatchRecord) => void;
}

export class PlanDispatcher {
  private timer: Cancel | undefined;
  private last: DispatchRecord | undefined;
  private running: Promise<DispatchRecord> | undefined;
  private failing = false;
  private stopped = false;

  constructor(private readonly o: DispatchOptions) {}

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    this.timer?.();
    this.timer = undefined;
  }

  lastDispatch(): DispatchRecord | undefined {
    return this.last;
  }

  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    const period = (this.o.everyMinutes ?? 15) * 60_000;
    const now = this.o.scheduler.now();
    const due = Math.floor(now / period) * period + period;
    this.timer = this.o.scheduler.setTimeout(() => {
      void this.dispatchNow();
      this.schedule();
    }, due - now);
  }

  /** Dispatches the step now and records the next hour; one at a time (a second call waits for the first). */
  dispatchNow(): Promise<DispatchRecord> {
    const run = (this.running ?? Promise.resolve()).then(() => this.dispatch());
    const mine = run.finally(() => {
      if (this.running === mine) this.running = undefined;
    });
    this.running = mine;
    return mine;
  }

  private async dispatch(): Promise<DispatchRecord> {
    const at = this.o.scheduler.now();
    const skip = (why: string, p?: PlanRecord): DispatchRecord => this.finish({ at, start: at, stepMinutes: p?.stepMinutes ?? 15, ok: true, skipped: why, targets: [], ...(p ? { planIssuedAt: p.issuedAt } : {}) });
    const mode = this.o.mode?.();
    if (mode !== undefined && mode !== 'plan-following') return skip(`the operating mode is ${mode}, not plan following: nothing dispatched`);
    const svc = this.o.plans();
    if (!svc) return skip('no plan service runs on this site');
    const m = svc.mode(at);
    const p = svc.latestPlan();
    if (m.mode === 'fallback' || !p?.series) return skip(`no plan to dispatch (${m.mode === 'fallback' ? m.reason : 'the plan has no series'}); the controllers hold the site with self-consumption`, p);
    const stepMs = p.stepMinutes * 60_000;
    const t0 = Math.floor((at - p.start) / stepMs);
    const hour = Math.max(1, Math.ceil(60 / p.stepMinutes));
    const next = (v: readonly number[]) => v.slice(t0, t0 + hour);
    const wanted: Array<{ assetId: string; target: string; steps: number[] }> = [];
    for (const s of p.series.storage) wanted.push({ assetId: s.id, target: channelPoint('Ess', s.id, 'SetActivePower'), steps: next(s.powerKw) });
    for (const e of p.series.ev) wanted.push({ assetId: e.id, target: channelPoint('Evse', e.id, 'ChargePowerLimit'), steps: next(e.powerKw).map((x) => Math.max(0, x)) });
    const targets: DispatchTargetResult[] = [];
    for (const w of wanted) {
      const planned = round2(w.steps[0] ?? 0);
      const base = { target: w.target, steps: w.steps.map(round2), value: planned, planned };
      if (!this.o.hasPoint(w.target)) continue;
      const state = this.o.states(w.assetId);
      if (state !== 'in-service') {
        targets.push({ ...base, outcome: 'skipped', message: `${w.assetId} is ${state.replace(/-/g, ' ')}: dropped out of the dispatch` });
        continue;
      }
      // what the cycle writes from now on: the plan's step within the bounds of the controllers above it
      const cyc = await this.o.cycleValue?.(w.target, at).catch(() => undefined);
      const value = cyc !== undefined && Number.isFinite(cyc.value) ? round2(cyc.value) : planned;
      if (cyc !== undefined && Math.abs(value - planned) > HELD_TOLERANCE_KW) {
        // a controller above the plan bounds it: the cycle writes and reads back its own value every
        // second; a second write of it through a person's lane would race the cycle (or be refused
        // at the very bound the cycle holds, e.g. the contract), so the dispatch records the hold
        targets.push({ ...base, value, outcome: 'held', message: `the control cycle holds ${value} kW instead of the plan's ${planned} kW and writes it itself: ${cyc.why}`, ...(cyc.readback !== undefined ? { readback: cyc.readback } : {}) });
        continue;
      }
      const r = await this.o.execute({ siteId: this.o.siteId, target: w.target, value, unit: 'kW', comment: `plan issued ${new Date(p.issuedAt).toISOString()}, step ${new Date(p.start + t0 * stepMs).toISOString()}` });
      if (r.ok) targets.push({ ...base, value, outcome: 'done', readback: r.readback });
      else targets.push({ ...base, value, outcome: r.stage === 'write' || r.stage === 'readback' || r.stage === 'audit' ? 'failed' : 'refused', rule: r.rule, message: r.message });
    }
    return this.finish({ at, planIssuedAt: p.issuedAt, start: p.start + t0 * stepMs, stepMinutes: p.stepMinutes, ok: targets.every((t) => t.outcome === 'done' || t.outcome === 'skipped' || t.outcome === 'held'), targets });
  }

  private finish(r: DispatchRecord): DispatchRecord {
    this.last = r;
    const bad = r.targets.filter((t) => t.outcome === 'refused' || t.outcome === 'failed');
    if (bad.length > 0) {
      this.failing = true;
      this.o.alarms?.raiseSystemAlarm(DISPATCH_ALARM, {
        message: `The plan could not be dispatched to ${bad.length === 1 ? bad[0]?.target : `${bad.length} devices`}`,
        priority: 'high',
        class: 'energy',
        text: bad.map((t) => `${t.target} := ${t.value} kW ${t.outcome} (${t.rule ?? ''}): ${t.message ?? ''}`).join('\n'),
      });
    } else if (this.failing && r.targets.length > 0) {
      this.failing = false;
      this.o.alarms?.clearSystemAlarm(DISPATCH_ALARM, { text: `dispatch at ${new Date(r.at).toISOString()} done` });
    }
    try {
      this.o.onDispatch?.(r);
    } catch (e) {
      console.error(`dispatch: a listener failed: ${(e as Error).message}`);
    }
    return r;
  }
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
