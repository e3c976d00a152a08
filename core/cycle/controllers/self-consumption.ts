/**
 * Self-consumption: the rule-based controller that holds the site when there is no plan to
 * follow (and a mode of its own, oper.01). Measured at the PCC, without the battery:
 *
 *   grid without the battery  g = PCC + ESS          (PCC positive = import, ESS positive = discharge)
 *   g < 0 (PV surplus)        charge −g               (the surplus goes into the battery, not the grid)
 *   g > 0 (import)            discharge g             (the battery covers the import)
 *
 * within the power the battery allows now (`allowedChargeKw` / `allowedDischargeKw`: the
 * configured limit or rating and the BMS's present limit). It asks a `value`, so higher
 * controllers (SoC protection, peak shaving) bound it; 0 kW as a fallback while the PCC or the
 * battery power is unknown.
 */
import type { SelfConsumptionConfig } from '../../common/cycle';
import { output, r1, type Controller, type ControllerOutput, type CycleContext, type SetpointRequest } from '../controller';

export class SelfConsumptionController implements Controller {
  readonly type = 'self-consumption';
  readonly label = 'Self-consumption';
  readonly id: string;

  constructor(private readonly cfg: Pick<SelfConsumptionConfig, 'ess' | 'meter' | 'id'>) {
    this.id = cfg.id ?? this.type;
  }

  run(ctx: CycleContext): ControllerOutput {
    const ess = ctx.assets.ess(this.cfg.ess);
    if (!ess.inService) return output([]);
    return output([[ess.point('SetActivePower'), this.request(ctx)]]);
  }

  /** the request for the battery's setpoint this cycle (also used by plan following as its fallback) */
  request(ctx: CycleContext): SetpointRequest {
    const ess = ctx.assets.ess(this.cfg.ess);
    const meter = this.cfg.meter !== undefined ? ctx.assets.meter(this.cfg.meter) : ctx.assets.pcc();
    const pcc = meter.activePower();
    const essKw = ess.activePower();
    if (!pcc.known || !essKw.known) return { fallback: 0, why: `self-consumption holds 0 kW: ${!pcc.known ? pcc.reason : !essKw.known ? essKw.reason : ''}` };
    const g = pcc.value + essKw.value;
    const ch = ess.allowedChargeKw();
    const dis = ess.allowedDischargeKw();
    const lo = ch.known ? -ch.value : Number.NEGATIVE_INFINITY;
    const hi = dis.known ? dis.value : Number.POSITIVE_INFINITY;
    const v = Math.min(hi, Math.max(lo, g));
    const value = v === 0 ? 0 : v;
    if (g < 0) return { value, why: `PV surplus of ${r1(-g)} kW at the grid connection: charging ${r1(-value)} kW` };
    if (g > 0) return { value, why: `the site imports ${r1(g)} kW without the battery: discharging ${r1(value)} kW to cover it` };
    return { value: 0, why: 'no import and no PV surplus at the grid connection: 0 kW' };
  }
}
