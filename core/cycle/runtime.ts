/**
 * The control cycle as the host runs it: the site file's `control:` section turned into
 * controllers, a ControlCycle on the host's scheduler, the machine lane as its sink, and the
 * read-only status the API serves (`control.status`: the controllers, their last requests,
 * the setpoints and what the lane did with them — "setpoint source: peak shaving").
 */
import type { AssetStates } from '../assets';
import type { Scheduler } from '../common/clock';
import type { ControlConfig, ControlStatus } from '../common/cycle';
import type { ActiveCommand } from '../common/control';
import type { SiteConfig } from '../common/site';
import type { MachineLane } from '../control/machine';
import type { CycleParameters } from './controller';
import { ControlCycle, type SnapshotSource } from './cycle';
import type { PlanSetpointSource } from './controllers/plan-following';
import { controllersFromConfig } from './factory';
import type { GridSignalSource } from './controllers/grid-signals';
import { OperatingModeController, type ModeSource, type ModeTransition } from './controllers/operating-mode';
import type { TariffSource } from './controllers/tariff';

export interface ControlRuntimeOptions {
  site: SiteConfig;
  source: SnapshotSource;
  scheduler: Scheduler;
  lane: MachineLane;
  states?: AssetStates;
  onControllerError?: (controllerId: string, message: string) => void;
  parameters?: () => Partial<CycleParameters> | undefined;
  /** the site's plan service, for plan following (asked every cycle: the host starts it after the cycle's creation) */
  plan?: () => PlanSetpointSource | undefined;
  /** the operating mode, the tariff and the external grid signals (core/modes), asked every cycle */
  modes?: () => ModeSource | undefined;
  tariff?: () => TariffSource | undefined;
  signals?: () => GridSignalSource | undefined;
}

export class ControlRuntime {
  readonly config: ControlConfig | undefined;
  readonly cycle: ControlCycle | undefined;
  readonly lane: MachineLane;

  constructor(private readonly o: ControlRuntimeOptions) {
    this.lane = o.lane;
    this.config = o.site.control;
    if (this.config?.enabled && this.config.controllers.length > 0)
      this.cycle = new ControlCycle({
        site: o.site,
        scheduler: o.scheduler,
        source: o.source,
        sink: o.lane,
        controllers: controllersFromConfig(this.config.controllers, {
          ...(o.plan ? { plan: o.plan } : {}),
          ...(o.modes ? { modes: o.modes } : {}),
          ...(o.tariff ? { tariff: o.tariff } : {}),
          ...(o.signals ? { signals: o.signals } : {}),
        }),
        periodMs: this.config.periodMs,
        ...(o.states ? { states: o.states } : {}),
        ...(o.onControllerError ? { onControllerError: o.onControllerError } : {}),
        ...(o.parameters ? { parameters: o.parameters } : {}),
      });
  }

  /** whether the running cycle has an operating-mode controller (the site's modes are in force) */
  get hasModes(): boolean {
    return this.cycle !== undefined && (this.config?.controllers ?? []).some((c) => c.type === 'operating-mode');
  }

  /** the operating-mode controller's transition in progress, if any */
  modeTransition(): ModeTransition | undefined {
    return this.modeController?.state().transition;
  }

  private get modeController(): OperatingModeController | undefined {
    return this.cycle?.controllers.find((c): c is OperatingModeController => c instanceof OperatingModeController);
  }

  start(): void {
    this.cycle?.start();
  }

  /** stops the cycle and waits for the lane's writes in flight */
  async stop(): Promise<void> {
    this.cycle?.stop();
    await this.o.lane.idle();
  }

  /**
   * The pipeline's last accepted command per target, with the machine lane's newer writes
   * over it: "who drives this setpoint now" is a controller while the cycle writes it, the
   * operator while the lane holds the point for them.
   */
  activeCommands(base: readonly ActiveCommand[], unitOf: (target: string) => string): ActiveCommand[] {
    const out = new Map(base.map((a) => [a.target, a]));
    const labels = new Map((this.cycle?.controllerViews() ?? []).map((c) => [c.id, c.label]));
    for (const t of this.o.lane.status()) {
      if (t.written === undefined || t.writtenAt === undefined || t.status === 'held') continue;
      const prev = out.get(t.target);
      if (prev && prev.ts > t.writtenAt) continue;
      out.set(t.target, {
        target: t.target,
        value: t.written,
        unit: unitOf(t.target),
        source: 'controller',
        actor: `controller:${t.source}`,
        actorName: labels.get(t.source) ?? t.source,
        ts: t.writtenAt,
        commandId: '',
        reason: t.why,
        confirmed: t.readback === 'ok',
      });
    }
    return [...out.values()];
  }

  status(): ControlStatus {
    const c = this.cycle;
    const lane = new Map(this.o.lane.status().map((s) => [s.target, s]));
    const last = c?.lastResult();
    return {
      enabled: c !== undefined,
      running: c?.running ?? false,
      periodMs: c?.periodMs ?? this.config?.periodMs ?? 1000,
      cycles: c?.count ?? 0,
      lastCycleAt: last?.ts ?? null,
      controllers: c?.controllerViews() ?? [],
      setpoints: (last?.setpoints ?? []).map((s) => {
        const l = lane.get(s.target);
        return {
          target: s.target,
          requested: s.value,
          source: s.source,
          how: s.how,
          why: s.why,
          lane: {
            status: l?.status ?? 'unchanged',
            ...(l?.written !== undefined ? { written: l.written } : {}),
            ...(l?.rule !== undefined ? { rule: l.rule } : {}),
            ...(l?.message !== undefined ? { message: l.message } : {}),
            readback: l?.readback ?? 'none',
          },
        };
      }),
    };
  }
}
