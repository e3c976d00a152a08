/**
 * The contracted power over time: the site file's value, changed at run time by the operator
 * (`site.parameters.set`, stored in the application database, each change audited as
 * `parameter.result`). The KPIs judge each quarter hour against the contract in force then, so a
 * change from today does not rewrite last month's congestion hours.
 */

/** from this instant on (ms), `kw` is in force; sorted by `from`, the first from 0 */
export interface ContractedStep {
  from: number;
  kw: number;
}

/**
 * The steps from the audited changes (any order): before the first change its `before` value
 * (else the site file's), then each change's `after` value. `nowKw` (the value in force) closes
 * the list when it disagrees with the last audited change (an audit older than retention).
 */
export function contractedSteps(fileKw: number, changes: ReadonlyArray<{ ts: number; before?: unknown; after?: unknown }>, nowKw: number): ContractedStep[] {
  const kwOf = (o: unknown): number | undefined => {
    const v = (o as { contractedPowerKw?: unknown } | null | undefined)?.contractedPowerKw;
    return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined;
  };
  const list = changes
    .map((c) => ({ ts: c.ts, before: kwOf(c.before), after: kwOf(c.after) }))
    .filter((c): c is { ts: number; before: number | undefined; after: number } => c.after !== undefined)
    .sort((a, b) => a.ts - b.ts);
  const steps: ContractedStep[] = [{ from: 0, kw: list[0]?.before ?? (list.length ? fileKw : nowKw) }];
  for (const c of list) {
    const last = steps[steps.length - 1] as ContractedStep;
    if (c.after === last.kw) continue;
    if (c.ts <= last.from) last.kw = c.after;
    else steps.push({ from: c.ts, kw: c.after });
  }
  const last = steps[steps.length - 1] as ContractedStep;
  if (last.kw !== nowKw) steps.push({ from: Math.max(last.from + 1, Date.now()), kw: nowKw });
  return steps;
}

/** the contract in force at `t` */
export function contractedAt(steps: readonly ContractedStep[], t: number, fallback: number): number {
  let kw = fallback;
  for (const s of steps) {
    if (s.from > t) break;
    kw = s.kw;
  }
  return kw;
}

/** the first instant at which two step lists disagree (null: the same everywhere) */
export function firstDifference(a: readonly ContractedStep[], b: readonly ContractedStep[]): number | null {
  const times = [...new Set([...a, ...b].map((s) => s.from))].sort((x, y) => x - y);
  for (const t of times) if (contractedAt(a, t, Number.NaN) !== contractedAt(b, t, Number.NaN)) return t;
  return null;
}
