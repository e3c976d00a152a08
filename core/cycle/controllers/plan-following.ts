/**
 * Plan following: asks the battery power of the active plan's current step (issue #11 item 3).
 * Listed below SoC protection and peak shaving, so they bound it: the plan may say charge
 * 5 kW, but not past the contracted power at the PCC.
 *
 * When there is no plan to follow (none yet, the last solve failed, the plan does not cover
 * now, the battery is not in it, no plan service runs on the site) it yields to its
 * rule-based fallback, the self-consumption controller, never to nothing; its sentence says
 * which: "plan (issued …): …" or "fallback: self-consumption (<reason>): …".
 *
 * The plan is read through `PlanSetpointSource`, a narrow interface the plan service
 * (core/plan/service.ts, `setpoint()`) satisfies: the cycle does not import core/plan.
 */
import type { PlanFollowingConfig } from '../../common/cycle';
import { output, r1, type Controller, type ControllerOutput, type CycleContext } from '../controller';
import { SelfConsumptionController } from './self-consumption';

/** The plan's battery setpoint for the step holding `now`, or why there is none. */
export interface PlanSetpointSource {
  setpoint(essId: string, now: number): { kw: number; socPct: number; issuedAt: number } | { fallback: string };
}

export class PlanFollowingController implements Controller {
  readonly type = 'plan-following';
  readonly label = 'Plan following';
  readonly id: string;
  private readonly fallback: SelfConsumptionController;

  /** `plan` is asked every cycle: the host's plan service may start after the cycle, or not at all */
  constructor(
    private readonly cfg: PlanFollowingConfig,
    private readonly plan: () => PlanSetpointSource | undefined,
  ) {
    this.id = cfg.id ?? this.type;
    this.fallback = new SelfConsumptionController({ ess: cfg.ess, ...(cfg.meter !== undefined ? { meter: cfg.meter } : {}) });
  }

  run(ctx: CycleContext): ControllerOutput {
    const ess = ctx.assets.ess(this.cfg.ess);
    if (!ess.inService) return output([]);
    const target = ess.point('SetActivePower');
    const source = this.plan();
    const sp = source ? source.setpoint(this.cfg.ess, ctx.now) : { fallback: 'no plan service runs on this site (no energy section, or planning is off)' };
    if ('kw' in sp && Number.isFinite(sp.kw)) {
      const kw = sp.kw === 0 ? 0 : sp.kw;
      const what = kw > 0 ? `discharge ${r1(kw)} kW` : kw < 0 ? `charge ${r1(-kw)} kW` : 'hold 0 kW';
      return output([[target, { value: kw, why: `plan (issued ${new Date(sp.issuedAt).toISOString().slice(0, 16).replace('T', ' ')} UTC): ${what} in this step` }]]);
    }
    const reason = 'fallback' in sp ? sp.fallback : 'the plan has no power for this step';
    const r = this.fallback.request(ctx);
    return output([[target, { ...r, why: `fallback: self-consumption (${reason}): ${r.why}` }]]);
  }
}
