/**
 * Prices of a time-of-use tariff (core/common/energy.ts) over an interval of local wall time.
 * Periods are local times of the site's time zone; outside every period the default price
 * applies, so a tariff has no gaps, and overlapping periods are refused when the site file
 * loads (with their location). Pure.
 */
import { clockMinutes, type Tariff, type Weekday } from '../common/energy';

/**
 * The mean price over `lengthMin` minutes starting at local minute `startMin` of a day that
 * is `weekday` (a quarter hour straddling a period boundary pays pro rata).
 */
export function priceOver(t: Tariff, weekday: Weekday, startMin: number, lengthMin: number): number {
  const a = startMin;
  const b = startMin + lengthMin;
  let covered = 0;
  let sum = 0;
  for (const p of t.periods) {
    if (!p.days.includes(weekday)) continue;
    const o = Math.min(b, clockMinutes(p.to)) - Math.max(a, clockMinutes(p.from));
    if (o <= 0) continue;
    covered += o;
    sum += o * p.pricePerKwh;
  }
  return (sum + Math.max(0, lengthMin - covered) * t.defaultPricePerKwh) / lengthMin;
}
