import type { PointMeta } from '../../../../core/common/point';

export interface PointFilter {
  /** whitespace-separated terms; every term must occur in the id, description or unit */
  text: string;
  /** '' = all assets */
  assetId: string;
}

/** Filter the point list for the Points page; case-insensitive. Pure; unit-tested. */
export function filterPoints(list: readonly PointMeta[], f: PointFilter): readonly PointMeta[] {
  const terms = f.text.toLowerCase().split(/\s+/).filter(Boolean);
  if (terms.length === 0 && !f.assetId) return list;
  const out: PointMeta[] = [];
  for (const m of list) {
    if (f.assetId && m.assetId !== f.assetId) continue;
    if (terms.length > 0) {
      const hay = `${m.id}\u0000${m.description ?? ''}\u0000${m.unit}`.toLowerCase();
      let ok = true;
      for (const t of terms) {
        if (!hay.includes(t)) {
          ok = false;
          break;
        }
      }
      if (!ok) continue;
    }
    out.push(m);
  }
  return out;
}

/** Distinct asset ids in list order. */
export function assetIdsOf(list: readonly PointMeta[]): string[] {
  const seen = new Set<string>();
  for (const m of list) seen.add(m.assetId);
  return [...seen];
}
