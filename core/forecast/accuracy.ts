/**
 * Forecast accuracy (energy.01-02): mean absolute error, RMSE normalised by the range of the
 * actual values, and skill against persistence (the value one day earlier): 1 - RMSE / RMSE
 * of persistence; above 0 means better than persistence.
 */
export interface Accuracy {
  n: number;
  mae: number;
  nrmse: number;
  /** skill score against persistence; NaN when persistence cannot be computed */
  skill: number;
}

export function accuracy(actual: readonly (number | null)[], forecast: readonly (number | null)[], persistence?: readonly (number | null)[]): Accuracy {
  let n = 0;
  let abs = 0;
  let sq = 0;
  let sqP = 0;
  let nP = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const f = forecast[i];
    if (a === null || a === undefined || f === null || f === undefined || !Number.isFinite(a) || !Number.isFinite(f)) continue;
    n++;
    abs += Math.abs(f - a);
    sq += (f - a) ** 2;
    min = Math.min(min, a);
    max = Math.max(max, a);
    const p = persistence?.[i];
    if (p !== null && p !== undefined && Number.isFinite(p)) {
      sqP += (p - a) ** 2;
      nP++;
    }
  }
  if (n === 0) return { n: 0, mae: Number.NaN, nrmse: Number.NaN, skill: Number.NaN };
  const rmse = Math.sqrt(sq / n);
  const range = max - min;
  return {
    n,
    mae: abs / n,
    nrmse: range > 0 ? rmse / range : Number.NaN,
    skill: nP === n && sqP > 0 ? 1 - rmse / Math.sqrt(sqP / nP) : Number.NaN,
  };
}
