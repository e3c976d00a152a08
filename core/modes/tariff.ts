/** The site file's import tariff as the tariff-management controller sees it (local time, core/optimiser's tariff lookup). */
import { clockMinutes, type Tariff } from '../common/energy';
import type { TariffNow, TariffSource } from '../cycle/controllers/tariff';
import { localParts } from '../optimiser/localtime';

export function siteTariffSource(tariff: Tariff | undefined, tz: string): TariffSource | undefined {
  if (!tariff) return undefined;
  const prices = [tariff.defaultPricePerKwh, ...tariff.periods.map((p) => p.pricePerKwh)];
  const cheapest = Math.min(...prices);
  const dearest = Math.max(...prices);
  return {
    now(now: number): TariffNow {
      const l = localParts(now, tz);
      const p = tariff.periods.find((x) => x.days.includes(l.weekday) && l.minuteOfDay >= clockMinutes(x.from) && l.minuteOfDay < clockMinutes(x.to));
      return { price: p?.pricePerKwh ?? tariff.defaultPricePerKwh, cheapest, dearest, period: p?.name ?? 'default period' };
    },
  };
}
