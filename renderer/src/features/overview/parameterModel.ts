/** Checks of a site-parameter entry before it is sent (pure; the core checks the same). */
import type { SiteParameter } from '../../../../core/common/control';

export function parameterInputProblem(id: SiteParameter, text: string, o: { contractedKw: number; range: { min: number; max: number } }): string | null {
  const t = text.trim().replace(',', '.');
  if (t === '') return 'Enter a value in kW.';
  if (!/^-?\d+(\.\d+)?$/.test(t)) return 'Enter a number in kW, e.g. 8 or 7.5.';
  const v = Number(t);
  if (v < o.range.min) return `At least ${o.range.min} kW.`;
  if (v > o.range.max) return `At most ${o.range.max} kW.`;
  if (id === 'peakShavingLimitKw' && v > o.contractedKw) return `At most the contracted power (${o.contractedKw} kW): above it the PCC would import more than the contract allows.`;
  return null;
}
