/**
 * External grid signals (energy.11; issue #11 item 6): what the system operator asks, received
 * from a file or a driver (core/modes/signals.ts reads and checks them), over every mode:
 *
 *  - PCC limits:  import ≤ importMaxKw  ⇔  ESS ≥ g − importMaxKw   (a hard `min`)
 *                 export ≤ exportMaxKw  ⇔  ESS ≤ g + exportMaxKw   (a hard `max`)
 *    with g = PCC + ESS, the site's draw without the battery;
 *  - P(f): the curve's power at the PCC meter's frequency, when it is not 0 kW (outside the
 *    dead band), as the battery's `value`: a frequency response wins over the mode;
 *  - a TSO setpoint for now, as the battery's `value` (P(f) first when both ask).
 * List it right after SoC protection: the SoC window still bounds it.
 */
import type { GridSignalsConfig } from '../../common/cycle';
import { pfAt, type GridSignalsNow } from '../../common/modes';
import { output, r1, type Controller, type ControllerOutput, type CycleContext, type SetpointRequest } from '../controller';

/** The signals in force now (core/modes satisfies it; undefined = none received). */
export interface GridSignalSource {
  current(now: number): GridSignalsNow | undefined;
}

export class GridSignalsController implements Controller {
  readonly type = 'grid-signals';
  readonly label = 'Grid signals';
  readonly id: string;

  constructor(
    private readonly cfg: Pick<GridSignalsConfig, 'ess' | 'meter' | 'id'>,
    private readonly signals: () => GridSignalSource | undefined,
  ) {
    this.id = cfg.id ?? this.type;
  }

  run(ctx: CycleContext): ControllerOutput {
    const ess = ctx.assets.ess(this.cfg.ess);
    if (!ess.inService) return output([]);
    const s = this.signals()?.current(ctx.now);
    if (!s) return output([]);
    const meter = this.cfg.meter !== undefined ? ctx.assets.meter(this.cfg.meter) : ctx.assets.pcc();
    const r: SetpointRequest = { why: '' };
    const why: string[] = [];
    if (s.importMaxKw !== undefined || s.exportMaxKw !== undefined) {
      const pcc = meter.activePower();
      const essKw = ess.activePower();
      if (pcc.known && essKw.known) {
        const g = pcc.value + essKw.value;
        if (s.importMaxKw !== undefined) {
          r.min = g - s.importMaxKw;
          why.push(`import limit ${r1(s.importMaxKw)} kW`);
        }
        if (s.exportMaxKw !== undefined) {
          r.max = g + s.exportMaxKw;
          why.push(`export limit ${r1(s.exportMaxKw)} kW`);
        }
      } else why.push(`limits not applied: ${!pcc.known ? pcc.reason : !essKw.known ? essKw.reason : ''}`);
    }
    let valueWhy: string | undefined;
    if (s.pf) {
      const f = meter.frequency();
      if (f.known) {
        const kw = pfAt(s.pf, f.value);
        if (kw !== 0) {
          r.value = kw;
          valueWhy = `P(f) at ${f.value.toFixed(3)} Hz asks ${r1(kw)} kW`;
        }
      }
    }
    if (r.value === undefined && s.setpointKw !== undefined) {
      r.value = s.setpointKw;
      valueWhy = `TSO setpoint ${r1(s.setpointKw)} kW`;
    }
    if (valueWhy) why.unshift(valueWhy);
    if (r.min === undefined && r.max === undefined && r.value === undefined) return output([]);
    r.why = `grid signals (${s.source}): ${why.join('; ')}`;
    return output([[ess.point('SetActivePower'), r]]);
  }
}
