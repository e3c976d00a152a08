/**
 * A whole study: the inputs once, every strategy at the study's battery size, then the sizing
 * sweep (battery kWh × inverter kW, the sweep's strategy at each size) with the payback time
 * of each size, the way the Ampere deliverable sized its pilot buildings' storage: investment
 * over the yearly saving against the same site without a battery.
 */
import { createHash } from 'node:crypto';
import { STUDY_FORMAT, type StudyResults, type StudySpec, type StudySweepRow } from '../common/study';
import { runStrategy, type RunHooks } from './engine';
import { buildInputs } from './inputs';

export interface StudyProgress {
  done: number;
  total: number;
  phase: string;
}

export interface StudyHooks {
  progress?: (p: StudyProgress) => void;
  cancelled?: () => boolean;
}

export function specHash(spec: StudySpec): string {
  return createHash('sha256').update(JSON.stringify(spec)).digest('hex').slice(0, 16);
}

export function paybackYears(investment: number, annualSaving: number): number | null {
  return annualSaving > 0 ? investment / annualSaving : null;
}

export async function runStudy(spec: StudySpec, hooks: StudyHooks = {}): Promise<StudyResults> {
  const startedAt = Date.now();
  const t0 = performance.now();
  const inputs = buildInputs(spec);
  const sweep = spec.sweep;
  const cells = sweep ? sweep.batteryKwh.length * sweep.inverterKw.length : 0;
  const total = inputs.steps * (spec.strategies.length + cells);
  let base = 0;
  const hook = (phase: string): RunHooks => ({
    progress: (k) => hooks.progress?.({ done: base + k, total, phase }),
    ...(hooks.cancelled ? { cancelled: hooks.cancelled } : {}),
  });
  const size = { batteryKwh: spec.site.batteryKwh, inverterKw: spec.site.inverterKw };
  const strategies = [];
  for (const st of spec.strategies) {
    strategies.push(await runStrategy(spec, st, inputs, size, hook(`strategy "${st.name}"`)));
    base += inputs.steps;
  }
  const results: StudyResults = { format: STUDY_FORMAT, specHash: specHash(spec), startedAt, finishedAt: 0, wallMs: 0, steps: inputs.steps, strategies };
  if (sweep) {
    const st = spec.strategies.find((s) => s.id === sweep.strategyId);
    if (!st) throw new Error(`the sizing sweep names strategy "${sweep.strategyId}", which the study does not have`);
    const rows: StudySweepRow[] = [];
    for (const kwh of sweep.batteryKwh)
      for (const kw of sweep.inverterKw) {
        const r = await runStrategy(spec, st, inputs, { batteryKwh: kwh, inverterKw: kw }, { ...hook(`sizing ${kwh} kWh × ${kw} kW`), series: false });
        base += inputs.steps;
        const investment = kwh * sweep.costPerKwh + kw * sweep.costPerKw + sweep.fixedCost;
        rows.push({ batteryKwh: kwh, inverterKw: kw, annualSaving: r.totals.annualSaving, investment, paybackYears: paybackYears(investment, r.totals.annualSaving), equivalentFullCycles: r.totals.equivalentFullCycles, cycleDamagePct: r.totals.cycleDamagePct });
      }
    results.sweep = { strategyId: sweep.strategyId, rows };
  }
  results.finishedAt = Date.now();
  results.wallMs = performance.now() - t0;
  hooks.progress?.({ done: total, total, phase: 'done' });
  return results;
}
