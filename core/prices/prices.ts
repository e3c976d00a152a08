/**
 * The optimiser's price series from the market curve and the site's tariffs (energy.10):
 * where the market has a price, import = market × importFactor + importAdder (time-of-use
 * network charges), export = market × exportFactor; elsewhere the tariffs' energy prices.
 */
import type { EnergyConfig } from '../common/energy';
import { tariffPrice } from '../optimiser/site-problem';
import { stepPrices, type PriceInterval } from './curve';

export interface PlanPrices {
  importPrice: number[];
  exportPrice: number[];
  /** steps priced by the market */
  marketSteps: number;
  /** in words, for the plan's record */
  source: string;
}

export function planPrices(energy: EnergyConfig, intervals: readonly PriceInterval[], start: number, steps: number, stepMinutes: number, tz: string): PlanPrices {
  const m = energy.prices;
  const market = m ? stepPrices(intervals, start, steps, stepMinutes) : new Array<number | null>(steps).fill(null);
  const stepMs = stepMinutes * 60_000;
  let marketSteps = 0;
  const importPrice: number[] = [];
  const exportPrice: number[] = [];
  for (let k = 0; k < steps; k++) {
    const ms = start + k * stepMs;
    const p = market[k];
    if (p !== null && p !== undefined && m) {
      marketSteps++;
      importPrice.push(p * m.importFactor + (m.importAdder ? tariffPrice(m.importAdder, ms, tz) : 0));
      exportPrice.push(p * m.exportFactor);
    } else {
      importPrice.push(tariffPrice(energy.grid.importTariff, ms, tz));
      exportPrice.push(energy.grid.exportTariff ? tariffPrice(energy.grid.exportTariff, ms, tz) : 0);
    }
  }
  const source = !m
    ? 'prices from the tariffs'
    : marketSteps === steps
      ? 'market prices'
      : marketSteps === 0
        ? 'no market prices for this horizon: prices from the tariffs'
        : `market prices for ${marketSteps} of ${steps} steps, the tariffs for the rest`;
  return { importPrice, exportPrice, marketSteps, source };
}
