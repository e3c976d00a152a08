/**
 * Peak shaving: holds the import at the PCC at or below a limit (the site's peak-shaving limit
 * in force, which is the contracted power unless an operator changed it; or the controller's own `limitKw`) with the battery, and recharges it while the import is below a recharge threshold.
 * Ported from the simulator's local mode (drivers/sim/model/battery.ts, Mode 1) and from
 * OpenEMS `ControllerEssPeakShavingImpl`:
 *
 *   grid without the battery  g = PCC + ESS          (PCC positive = import, ESS positive = discharge)
 *   g > limit                 discharge g − limit     (the PCC lands on the limit)
 *   g < rechargeBelow         charge min(rechargeBelow − g, max(PV surplus −g, rechargeKw))
 *   otherwise                 0 kW
 *
 * It asks in two parts, so that it bounds lower-priority controllers instead of silencing them:
 * a hard `min` of g − limit (no controller below it may push the PCC over the limit — a plan
 * may still charge, but only within the headroom), and a `fallback` with the value above, used
 * when no lower-priority controller asks for a value. SoC limits are not its business: SoC
 * protection (higher priority) and the machine lane's limits bound it.
 */
import type { PeakShavingConfig } from '../../common/cycle';
import { output, r1, type Controller, type ControllerOutput, type CycleContext } from '../controller';

export class PeakShavingController implements Controller {
  readonly type = 'peak-shaving';
  readonly label = 'Peak shaving';
  readonly id: string;

  constructor(private readonly cfg: PeakShavingConfig) {
    this.id = cfg.id ?? this.type;
  }

  run(ctx: CycleContext): ControllerOutput {
    const ess = ctx.assets.ess(this.cfg.ess);
    const target = ess.point('SetActivePower');
    if (!ess.inService) return output([]);
    const meter = this.cfg.meter !== undefined ? ctx.assets.meter(this.cfg.meter) : ctx.assets.pcc();
    const limit = this.cfg.limitKw ?? ctx.parameters.peakShavingLimitKw;
    const rechargeBelow = this.cfg.rechargeBelowKw ?? limit;
    const rechargeKw = this.cfg.rechargeKw ?? 0.2 * limit;

    const pcc = meter.activePower();
    const essKw = ess.activePower();
    if (!pcc.known || !essKw.known) {
      const why = !pcc.known ? pcc.reason : !essKw.known ? essKw.reason : '';
      return output([[target, { fallback: 0, why: `peak shaving holds 0 kW: ${why}` }]]);
    }
    const g = pcc.value + essKw.value;
    const min = g - limit;
    if (min > 0)
      return output([[target, { min, fallback: min, why: `the site draws ${r1(g)} kW without the battery, above the ${r1(limit)} kW limit: discharging ${r1(min)} kW` }]]);
    if (g < rechargeBelow) {
      const surplusPv = Math.max(0, -g);
      const charge = Math.min(rechargeBelow - g, Math.max(surplusPv, rechargeKw), limit - g);
      return output([[target, { min, fallback: -charge, why: `the site draws ${r1(g)} kW, below ${r1(rechargeBelow)} kW: recharging ${r1(charge)} kW within the ${r1(limit)} kW limit` }]]);
    }
    return output([[target, { min, fallback: 0, why: `the site draws ${r1(g)} kW, within the ${r1(limit)} kW limit` }]]);
  }
}
