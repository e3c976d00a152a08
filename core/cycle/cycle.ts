/**
 * The control cycle: every period (1 s by default) it takes a frozen snapshot of the CVT,
 * runs the controllers in priority order against typed views of that snapshot, merges their
 * requests (merge.ts) and hands the setpoints to the machine lane. One pass is synchronous:
 * a controller never sees a value change under it, and the lane's writes happen after the
 * pass (the lane coalesces them; it never blocks the cycle).
 *
 * The clock and timer come from an injected `Scheduler`: the host passes the real one; a
 * study or a test passes a `VirtualScheduler` and runs a day in a fraction of a second.
 */
import { SiteAssets, allInService, type AssetStates, type PointSource } from '../assets';
import type { Cancel, Scheduler } from '../common/clock';
import type { ControllerStatusView } from '../common/cycle';
import type { SiteConfig } from '../common/site';
import type { Controller, ControllerOutput, CycleContext, CycleParameters } from './controller';
import { mergeRequests, type MergedSetpoint } from './merge';

/**
 * Where the cycle's points come from: the CVT, whose snapshot is frozen (copied on read and
 * before a change, core/cvt/cvt.ts). The cycle releases it at the end of the pass.
 */
export interface SnapshotSource {
  snapshot(): PointSource & { release?(): void };
}

/** Receives every cycle's merged setpoints: the machine lane. */
export interface SetpointSink {
  apply(setpoints: readonly MergedSetpoint[], now: number): void;
}

export interface CycleResult {
  ts: number;
  setpoints: MergedSetpoint[];
  outputs: Array<{ controllerId: string; requests: ControllerOutput; error?: string }>;
}

export interface ControlCycleOptions {
  site: SiteConfig;
  scheduler: Scheduler;
  source: SnapshotSource;
  sink: SetpointSink;
  /** highest priority first */
  controllers: readonly Controller[];
  periodMs?: number;
  states?: AssetStates;
  /** run-time site parameters (core/control/parameters.ts); default the site file's contracted power */
  parameters?: () => Partial<CycleParameters> | undefined;
  /** a controller failed (reported once per distinct error, not every second) */
  onControllerError?: (controllerId: string, message: string) => void;
}

export class ControlCycle {
  readonly periodMs: number;
  private cancel: Cancel | undefined;
  private cycles = 0;
  private last: CycleResult | undefined;
  private readonly lastError = new Map<string, string>();
  /** the typed views, kept across passes and moved to each pass's snapshot (no views built per pass) */
  private assets: SiteAssets | undefined;

  constructor(private readonly o: ControlCycleOptions) {
    this.periodMs = o.periodMs ?? 1000;
    const ids = new Set<string>();
    for (const c of o.controllers) {
      if (ids.has(c.id)) throw new Error(`two controllers share the id "${c.id}"`);
      ids.add(c.id);
    }
  }

  get running(): boolean {
    return this.cancel !== undefined;
  }

  start(): void {
    this.cancel ??= this.o.scheduler.setInterval(() => this.runOnce(), this.periodMs);
  }

  stop(): void {
    this.cancel?.();
    this.cancel = undefined;
  }

  /** One cycle now: snapshot → controllers → merge → sink. Returns what it did. */
  runOnce(): CycleResult {
    const now = this.o.scheduler.now();
    const snap = this.o.source.snapshot();
    try {
      return this.pass(now, snap);
    } finally {
      snap.release?.();
    }
  }

  private pass(now: number, snap: PointSource): CycleResult {
    const p = this.o.parameters?.();
    const contractedPowerKw = p?.contractedPowerKw ?? this.o.site.site.pcc.contractedPowerKw;
    const parameters: CycleParameters = { contractedPowerKw, peakShavingLimitKw: p?.peakShavingLimitKw ?? contractedPowerKw, ...(p?.socMinPct !== undefined ? { socMinPct: p.socMinPct } : {}) };
    const ctx: CycleContext = { now, periodMs: this.periodMs, assets: (this.assets ??= new SiteAssets(this.o.site, snap, this.o.states ?? allInService)).use(snap), parameters };
    const outputs: CycleResult['outputs'] = [];
    for (const c of this.o.controllers) {
      try {
        outputs.push({ controllerId: c.id, requests: c.run(ctx) });
        if (this.lastError.size > 0) this.lastError.delete(c.id);
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        outputs.push({ controllerId: c.id, requests: new Map(), error: message });
        if (this.lastError.get(c.id) !== message) {
          this.lastError.set(c.id, message);
          this.o.onControllerError?.(c.id, message);
        }
      }
    }
    const setpoints = mergeRequests(outputs);
    this.cycles++;
    this.last = { ts: now, setpoints, outputs };
    this.o.sink.apply(setpoints, now);
    return this.last;
  }

  /** the last cycle, for the API */
  lastResult(): CycleResult | undefined {
    return this.last;
  }

  /** the controllers, highest priority first */
  get controllers(): readonly Controller[] {
    return this.o.controllers;
  }

  get count(): number {
    return this.cycles;
  }

  /** the controllers with their last requests, highest priority first */
  controllerViews(): ControllerStatusView[] {
    return this.o.controllers.map((c, i) => {
      const out = this.last?.outputs.find((x) => x.controllerId === c.id);
      return {
        id: c.id,
        type: c.type,
        label: c.label,
        priority: i + 1,
        requests: [...(out?.requests ?? new Map())].map(([target, r]) => ({ target, ...r })),
        ...(out?.error !== undefined ? { error: out.error } : {}),
      };
    });
  }
}
