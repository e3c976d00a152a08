/**
 * ECharts draws on a canvas, which cannot read CSS variables: `solidColors(option)` gives the
 * option with every `hmi.x` (var(--hmi-x)) replaced by the active theme's colour. Parts that
 * hold no such string are returned as they are (data arrays are not copied).
 */
import { solid, type ThemeMode } from '../theme';

export function solidColors<T>(option: T, mode?: ThemeMode): T {
  return walk(option, mode) as T;
}

function walk(v: unknown, mode: ThemeMode | undefined): unknown {
  if (typeof v === 'string') return v.startsWith('var(--hmi-') ? solid(v, mode) : v;
  if (Array.isArray(v)) {
    // numeric data: nothing to resolve
    if (v.length > 0 && typeof v[0] === 'number') return v;
    let out: unknown[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const w = walk(v[i], mode);
      if (w !== v[i]) (out ??= v.slice())[i] = w;
    }
    return out ?? v;
  }
  if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    let out: Record<string, unknown> | undefined;
    for (const [k, x] of Object.entries(v)) {
      const w = walk(x, mode);
      if (w !== x) (out ??= { ...(v as Record<string, unknown>) })[k] = w;
    }
    return out ?? v;
  }
  return v;
}
