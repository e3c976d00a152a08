/** Checks of a site-parameter entry before it is sent (pure; the core checks the same). */
import { SITE_PARAMETER_UNITS, type SiteParameter } from '../../../../core/common/control';

export function parameterInputProblem(id: SiteParameter, text: string, o: { contractedKw: number; range: { min: number; max: number }; socMaxPct?: number }): string | null {
  const u = SITE_PARAMETER_UNITS[id];
  const t = text.trim().replace(',', '.');
  if (t === '') return `Enter a value in ${u}.`;
  if (!/^-?\d+(\.\d+)?$/.test(t)) return `Enter a number in ${u}, e.g. 8 or 7.5.`;
  const v = Number(t);
  if (v < o.range.min) return `At least ${o.range.min} ${u}.`;
  if (v > o.range.max) return `At most ${o.range.max} ${u}.`;
  if (id === 'peakShavingLimitKw' && v > o.contractedKw) return `At most the contracted power (${o.contractedKw} kW): above it the PCC would import more than the contract allows.`;
  if (id === 'socMinPct' && o.socMaxPct !== undefined && v >= o.socMaxPct) return `Below the batteries’ maximum SoC (${o.socMaxPct} %): otherwise no SoC window is left.`;
  return null;
}
