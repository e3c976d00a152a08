/**
 * Alarm suppression (ISA-18.2 §12): by the state of the asset (an asset, or its parent
 * group, in maintenance or out of service suppresses its alarms) and designed suppression
 * (a definition's `suppressWhen` expression). Shelving and out-of-service are operator
 * actions in the engine; this module decides why an alarm is suppressed.
 */
import type { AssetMode } from '../common/alarms';
import type { Instance } from './instance';

export const SUPPRESS_BY_ASSET = 'asset';

/** the operational mode set on an asset, with who and why */
export interface AssetModeEntry {
  mode: AssetMode;
  reason: string;
  by: string;
  at: number;
}

/** Why the alarm is suppressed now, or undefined: its asset's mode first, then its design. */
export function suppressionReason(i: Instance, assetModes: ReadonlyMap<string, AssetModeEntry>): string | undefined {
  for (const a of [i.asset, i.group]) {
    if (!a) continue;
    const m = assetModes.get(a);
    if (m && m.mode !== 'in-service') return `${SUPPRESS_BY_ASSET} ${a} ${m.mode}${m.reason ? `: ${m.reason}` : ''}`;
  }
  if (i.designSuppressed && i.suppressExpr) return `designed suppression: ${i.suppressExpr.source}`;
  return undefined;
}
