/**
 * SoC protection: no discharge at or below the minimum state of charge, no charge at or above
 * the maximum, and 0 kW while the state of charge is unknown. It only bounds; listed first, it
 * bounds every other controller (the machine lane's limits apply the same window again, so a
 * site without this controller is still protected — this one makes the reason visible as the
 * setpoint's source).
 */
import type { SocProtectionConfig } from '../../common/cycle';
import { output, type Controller, type ControllerOutput, type CycleContext } from '../controller';

export class SocProtectionController implements Controller {
  readonly type = 'soc-protection';
  readonly label = 'SoC protection';
  readonly id: string;

  constructor(private readonly cfg: SocProtectionConfig) {
    this.id = cfg.id ?? this.type;
  }

  run(ctx: CycleContext): ControllerOutput {
    const ess = ctx.assets.ess(this.cfg.ess);
    const target = ess.point('SetActivePower');
    if (!ess.inService) return output([]);
    const window = ess.socWindow();
    const minPct = this.cfg.minPct ?? ctx.parameters.socMinPct ?? window.minPct;
    const maxPct = this.cfg.maxPct ?? window.maxPct;
    const soc = ess.soc();
    if (!soc.known) return output([[target, { min: 0, max: 0, why: `the state of charge is unknown (${soc.reason}): 0 kW` }]]);
    if (soc.value <= minPct) return output([[target, { max: 0, why: `SoC ${round(soc.value)} % is at or below the ${minPct} % reserve: no discharge` }]]);
    if (soc.value >= maxPct) return output([[target, { min: 0, why: `SoC ${round(soc.value)} % is at or above the ${maxPct} % maximum: no charge` }]]);
    return output([]);
  }
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}
