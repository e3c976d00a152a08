/**
 * Ramp limit: the battery setpoint moves at most `kwPerS` per second from the one the device
 * reports now (its SetActivePower readback; the measured power when there is none). It only
 * bounds, so it works under every mode and controller listed after it. List it after SoC
 * protection and grid signals: a bound above it (0 kW on unknown SoC, a TSO activation) is a
 * higher priority and is not ramped (the merge cuts a lower bound at a higher edge). Its request
 * is passive: alone (manual mode, nobody asking a value) it does not make the cycle write.
 */
import type { RampLimitConfig } from '../../common/cycle';
import { output, r1, type Controller, type ControllerOutput, type CycleContext } from '../controller';

export class RampLimitController implements Controller {
  readonly type = 'ramp-limit';
  readonly label = 'Ramp limit';
  readonly id: string;

  constructor(private readonly cfg: Pick<RampLimitConfig, 'ess' | 'id' | 'kwPerS'>) {
    this.id = cfg.id ?? this.type;
  }

  run(ctx: CycleContext): ControllerOutput {
    const ess = ctx.assets.ess(this.cfg.ess);
    if (!ess.inService) return output([]);
    const rate = this.cfg.kwPerS ?? ess.config.limits?.rampKwPerS;
    if (rate === undefined) return output([]);
    const sp = ess.setpoint();
    const now = sp.known ? sp : ess.activePower();
    if (!now.known) return output([]);
    const step = (rate * ctx.periodMs) / 1000;
    const from = sp.known ? 'setpoint' : 'measured power';
    return output([
      [ess.point('SetActivePower'), { min: now.value - step, max: now.value + step, why: `ramp limit: at most ${r1(rate)} kW/s from the present ${from} of ${r1(now.value)} kW`, passive: true }],
    ]);
  }
}
