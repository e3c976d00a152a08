/**
 * The site's operating mode (oper.01, energy.09; issue #11 item 3) on the control cycle: one
 * controller that runs the mode in force — self-consumption, tariff management, peak shaving,
 * plan following — or nothing at all in manual (the operator's setpoints stand).
 *
 * The mode comes from a `ModeSource` (core/modes: the operator's choice through the command
 * pipeline, else the calendar, else the site file's default), asked every cycle.
 *
 * Transitions are bumpless and ramped: when the mode changes, the setpoint starts from what the
 * battery is doing now (the device's setpoint readback, else its measured power) and moves
 * towards the new mode's value at `transitionKwPerS`, never jumping; once it reaches it, the new
 * mode drives alone. In every mode but manual, the PCC import stays under the peak-shaving limit
 * in force (peak shaving's bound: a plan or a tariff may not push it over the contract). Hard
 * bounds (that contract bound, and every controller listed
 * above this one: SoC protection, grid signals, zero export, ramp limit) apply during the
 * transition too. Entering manual writes nothing: the device keeps the last setpoint, which is
 * bumpless by itself.
 */
import type { OperatingModeConfig } from '../../common/cycle';
import { OPERATING_MODE_LABELS, type OperatingMode } from '../../common/modes';
import { output, r1, type Controller, type ControllerOutput, type CycleContext, type SetpointRequest } from '../controller';
import { PeakShavingController } from './peak-shaving';
import { PlanFollowingController, type PlanSetpointSource } from './plan-following';
import { SelfConsumptionController } from './self-consumption';
import { TariffController, type TariffSource } from './tariff';

/** The mode in force now and why (core/modes satisfies it). */
export interface ModeSource {
  active(now: number): { mode: OperatingMode; why: string };
}

export interface ModeTransition {
  from: OperatingMode;
  to: OperatingMode;
  startedAt: number;
  startKw: number;
  kwPerS: number;
}

export interface OperatingModeDeps {
  modes: () => ModeSource | undefined;
  plan?: () => PlanSetpointSource | undefined;
  tariff?: () => TariffSource | undefined;
}

type Cfg = Pick<OperatingModeConfig, 'ess' | 'meter' | 'id' | 'rechargeBelowKw' | 'rechargeKw' | 'tariffChargeKw'> & { defaultMode?: OperatingMode; transitionKwPerS?: number };

export class OperatingModeController implements Controller {
  readonly type = 'operating-mode';
  readonly label = 'Operating mode';
  readonly id: string;
  private readonly selfConsumption: SelfConsumptionController;
  private readonly tariff: TariffController;
  private readonly peakShaving: PeakShavingController;
  private readonly planFollowing: PlanFollowingController;
  private mode: OperatingMode | undefined;
  private moving: ModeTransition | undefined;
  private lastValue: number | undefined;

  constructor(
    private readonly cfg: Cfg,
    private readonly deps: OperatingModeDeps,
  ) {
    this.id = cfg.id ?? this.type;
    const base = { ess: cfg.ess, ...(cfg.meter !== undefined ? { meter: cfg.meter } : {}) };
    this.selfConsumption = new SelfConsumptionController(base);
    this.tariff = new TariffController({ ...base, ...(cfg.tariffChargeKw !== undefined ? { chargeKw: cfg.tariffChargeKw } : {}) }, deps.tariff ?? (() => undefined));
    this.peakShaving = new PeakShavingController({
      type: 'peak-shaving',
      ...base,
      ...(cfg.rechargeBelowKw !== undefined ? { rechargeBelowKw: cfg.rechargeBelowKw } : {}),
      ...(cfg.rechargeKw !== undefined ? { rechargeKw: cfg.rechargeKw } : {}),
    });
    this.planFollowing = new PlanFollowingController({ type: 'plan-following', ...base }, deps.plan ?? (() => undefined));
  }

  /** the mode this controller ran last, and a transition in progress */
  state(): { mode: OperatingMode | undefined; transition: ModeTransition | undefined } {
    return { mode: this.mode, transition: this.moving };
  }

  run(ctx: CycleContext): ControllerOutput {
    const ess = ctx.assets.ess(this.cfg.ess);
    if (!ess.inService) return output([]);
    const target = ess.point('SetActivePower');
    const active = this.deps.modes()?.active(ctx.now) ?? { mode: this.cfg.defaultMode ?? 'self-consumption', why: "the site file's default (no mode service runs)" };
    if (active.mode !== this.mode) {
      const prev = this.mode;
      this.mode = active.mode;
      this.moving = undefined;
      if (prev !== undefined && active.mode !== 'manual') {
        const sp = ess.setpoint();
        const pw = ess.activePower();
        const startKw = sp.known ? sp.value : pw.known ? pw.value : (this.lastValue ?? 0);
        this.moving = { from: prev, to: active.mode, startedAt: ctx.now, startKw, kwPerS: this.cfg.transitionKwPerS ?? 5 };
      }
    }
    const label = OPERATING_MODE_LABELS[active.mode];
    if (active.mode === 'manual') {
      this.lastValue = undefined;
      return output([]);
    }
    const inner = this.request(active.mode, ctx);
    let r = inner;
    const m = this.moving;
    if (m && inner.value !== undefined) {
      const reach = (m.kwPerS * Math.max(0, ctx.now - m.startedAt)) / 1000;
      const delta = inner.value - m.startKw;
      if (Math.abs(delta) <= reach) this.moving = undefined;
      else {
        const value = m.startKw + Math.sign(delta) * reach;
        r = { ...inner, value, why: `switching from ${OPERATING_MODE_LABELS[m.from]} at ${r1(m.kwPerS)} kW/s: ${r1(value)} kW on the way to ${r1(inner.value)} kW (${inner.why})` };
      }
    }
    // the contract holds in every mode: no mode may push the PCC import over the peak-shaving limit
    const ps = active.mode === 'peak-shaving' ? undefined : this.peakShaving.run(ctx).get(target);
    if (ps?.min !== undefined && (r.min === undefined || ps.min > r.min)) {
      const held = r.value !== undefined && r.value < ps.min;
      r = { ...r, min: ps.min, ...(held ? { value: ps.min, why: `${r.why}; held at ${r1(ps.min)} kW: ${ps.why}` } : {}) };
    }
    this.lastValue = r.value ?? r.fallback;
    return output([[target, { ...r, why: `${label} mode (${active.why}): ${r.why}` }]]);
  }

  /** the active mode's request, as a value (a mode drives the battery; its fallback is its value) */
  private request(mode: Exclude<OperatingMode, 'manual'>, ctx: CycleContext): SetpointRequest {
    const asValue = (r: SetpointRequest | undefined): SetpointRequest => {
      if (!r) return { fallback: 0, why: 'no request' };
      if (r.value === undefined && r.fallback !== undefined) {
        const { fallback, ...rest } = r;
        return { ...rest, value: fallback };
      }
      return r;
    };
    const target = ctx.assets.ess(this.cfg.ess).point('SetActivePower');
    switch (mode) {
      case 'self-consumption':
        return this.selfConsumption.request(ctx);
      case 'tariff':
        return asValue(this.tariff.request(ctx));
      case 'peak-shaving':
        return asValue(this.peakShaving.run(ctx).get(target));
      case 'plan-following':
        return this.planFollowing.run(ctx).get(target) ?? { fallback: 0, why: 'no request' };
    }
  }
}
