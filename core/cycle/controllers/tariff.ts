/**
 * Tariff management (oper.01): the battery follows the time-of-use tariff.
 *
 *   cheapest period   charge from the grid at `chargeKw` (default the allowed charge power),
 *                     within the headroom under the peak-shaving limit at the PCC
 *   dearest period    discharge to cover the site's import (never into the grid)
 *   otherwise         charge the PV surplus only; no discharge
 *
 * with g = PCC + ESS the site's draw without the battery. The price comes from a
 * `TariffSource` (core/modes reads the site file's tariff in local time), so the controller
 * knows no calendar and no time zone itself.
 */
import { output, r1, type Controller, type ControllerOutput, type CycleContext, type SetpointRequest } from '../controller';

export interface TariffNow {
  /** import price now, per kWh */
  price: number;
  /** the tariff's lowest and highest import price (over its periods and default) */
  cheapest: number;
  dearest: number;
  /** the period's name, "P1 midday", or "default" */
  period: string;
  currency?: string;
}

export interface TariffSource {
  now(now: number): TariffNow | undefined;
}

export interface TariffControllerConfig {
  id?: string;
  ess: string;
  meter?: string;
  chargeKw?: number;
}

export class TariffController implements Controller {
  readonly type = 'tariff';
  readonly label = 'Tariff management';
  readonly id: string;

  constructor(
    private readonly cfg: TariffControllerConfig,
    private readonly tariff: () => TariffSource | undefined,
  ) {
    this.id = cfg.id ?? this.type;
  }

  run(ctx: CycleContext): ControllerOutput {
    const ess = ctx.assets.ess(this.cfg.ess);
    if (!ess.inService) return output([]);
    return output([[ess.point('SetActivePower'), this.request(ctx)]]);
  }

  request(ctx: CycleContext): SetpointRequest {
    const ess = ctx.assets.ess(this.cfg.ess);
    const meter = this.cfg.meter !== undefined ? ctx.assets.meter(this.cfg.meter) : ctx.assets.pcc();
    const t = this.tariff()?.now(ctx.now);
    if (!t) return { fallback: 0, why: 'tariff management holds 0 kW: the site file has no import tariff' };
    const pcc = meter.activePower();
    const essKw = ess.activePower();
    if (!pcc.known || !essKw.known) return { fallback: 0, why: `tariff management holds 0 kW: ${!pcc.known ? pcc.reason : !essKw.known ? essKw.reason : ''}` };
    const g = pcc.value + essKw.value;
    const ch = ess.allowedChargeKw();
    const dis = ess.allowedDischargeKw();
    const maxCh = ch.known ? ch.value : 0;
    const maxDis = dis.known ? dis.value : 0;
    const price = `${t.period}, ${t.price.toFixed(3)}/kWh`;
    const zero = (v: number) => (v === 0 ? 0 : v);
    if (t.price <= t.cheapest && t.cheapest < t.dearest) {
      const limit = ctx.parameters.peakShavingLimitKw;
      const charge = Math.max(0, Math.min(this.cfg.chargeKw ?? maxCh, maxCh, limit - g));
      return { value: zero(-charge), why: `cheapest tariff period (${price}): charging ${r1(charge)} kW from the grid within the ${r1(limit)} kW limit` };
    }
    if (t.price >= t.dearest && t.cheapest < t.dearest) {
      const d = Math.max(0, Math.min(g, maxDis));
      return { value: zero(d), why: `dearest tariff period (${price}): discharging ${r1(d)} kW to cover the import` };
    }
    const c = Math.max(0, Math.min(-g, maxCh));
    return { value: zero(-c), why: c > 0 ? `tariff period ${price}: charging the PV surplus of ${r1(c)} kW, no discharge` : `tariff period ${price}: no PV surplus, holding 0 kW for the dearest period` };
  }
}
