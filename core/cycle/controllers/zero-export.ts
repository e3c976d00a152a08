/**
 * Zero export (energy.14): the PCC never exports more than `exportLimitKw` (0 by default).
 * Measured at the PCC, without the battery:
 *
 *   grid without the battery  g = PCC + ESS          (PCC positive = import, ESS positive = discharge)
 *   export allowed            PCC ≥ −limit  ⇔  ESS ≤ g + limit
 *
 * so it asks a hard `max` of g + limit on the battery: no lower-priority controller may
 * discharge into the grid, and with a PV surplus above the limit the battery must charge it.
 * When the battery cannot take that much (its allowed charge power now, the BMS's limit), the
 * PV inverters listed in `curtailPv` get an ActivePowerLimit that removes the rest; otherwise
 * their limit is released to their rating. Unknown PCC or battery power: 0 kW at most (no
 * discharge that could export) and the PV limits are left as they are.
 */
import type { ZeroExportConfig } from '../../common/cycle';
import type { PointId } from '../../common/point';
import { output, r1, type Controller, type ControllerOutput, type CycleContext, type SetpointRequest } from '../controller';

export class ZeroExportController implements Controller {
  readonly type = 'zero-export';
  readonly label = 'Zero export';
  readonly id: string;

  constructor(private readonly cfg: Pick<ZeroExportConfig, 'ess' | 'meter' | 'id'> & { exportLimitKw?: number; curtailPv?: readonly string[] }) {
    this.id = cfg.id ?? this.type;
  }

  run(ctx: CycleContext): ControllerOutput {
    const ess = ctx.assets.ess(this.cfg.ess);
    if (!ess.inService) return output([]);
    const target = ess.point('SetActivePower');
    const limit = this.cfg.exportLimitKw ?? 0;
    const meter = this.cfg.meter !== undefined ? ctx.assets.meter(this.cfg.meter) : ctx.assets.pcc();
    const pcc = meter.activePower();
    const essKw = ess.activePower();
    if (!pcc.known || !essKw.known)
      return output([[target, { max: 0, why: `zero export: no discharge while ${!pcc.known ? pcc.reason : !essKw.known ? essKw.reason : ''}` }]]);
    const g = pcc.value + essKw.value;
    const max = g + limit;
    const out: Array<[PointId, SetpointRequest]> = [];
    const what = limit > 0 ? `an export of at most ${r1(limit)} kW` : 'no export';
    if (max >= 0) out.push([target, { max, why: `zero export: the site draws ${r1(g)} kW without the battery; discharging at most ${r1(max)} kW keeps ${what} at the grid connection` }]);
    else out.push([target, { max, why: `zero export: PV surplus of ${r1(-g)} kW; the battery must charge at least ${r1(-max)} kW for ${what}` }]);

    // the share of the surplus the battery cannot take goes to PV curtailment
    const pvs = (this.cfg.curtailPv ?? []).map((id) => ctx.assets.pv(id)).filter((v) => v.inService);
    if (pvs.length > 0) {
      const ch = ess.allowedChargeKw();
      const chKw = ch.known ? ch.value : 0;
      const excess = ch.known ? -max - chKw : 0;
      if (excess > 0) {
        let left = excess;
        for (const pv of pvs) {
          const p = pv.activePower();
          if (!p.known) continue;
          const cut = Math.min(left, Math.max(0, p.value));
          left -= cut;
          const lim = Math.max(0, p.value - cut);
          out.push([pv.point('ActivePowerLimit'), { value: lim, why: `zero export: the battery takes at most ${r1(chKw)} kW of the ${r1(-max)} kW surplus; ${pv.id} limited to ${r1(lim)} kW` }]);
        }
      } else
        for (const pv of pvs) {
          const rated = pv.config.rating?.powerKw;
          if (rated !== undefined) out.push([pv.point('ActivePowerLimit'), { value: rated, why: `zero export: the battery takes the surplus; ${pv.id} not curtailed (${r1(rated)} kW)` }]);
        }
    }
    return output(out);
  }
}
