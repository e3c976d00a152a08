/** Pure helpers over time series held as parallel arrays (historian results, CSV layouts). */

/**
 * The earliest next timestamp across several series, each read from position `idx[p]`
 * (a k-way merge step); Infinity once every series is exhausted.
 */
export function nextTime(series: ReadonlyArray<{ t: ArrayLike<number> } | undefined>, idx: readonly number[]): number {
  let tmin = Infinity;
  for (let p = 0; p < series.length; p++) {
    const s = series[p];
    const i = idx[p] ?? 0;
    if (s && i < s.t.length) {
      const t = s.t[i] as number;
      if (t < tmin) tmin = t;
    }
  }
  return tmin;
}
