/**
 * Benchmark harness. Every figure is printed next to a baseline measured in the same run,
 * as a ratio, so results compare across machines. No test asserts on time: benchmarks only
 * measure and print.
 */
export interface BenchResult {
  /** what was measured, e.g. "historian ingest (policies on)" */
  name: string;
  value: number;
  unit: string;
  /** the reference measured in the same run, e.g. "naive SQLite row-per-sample" */
  baselineName: string;
  baselineValue: number;
  /**
   * how to read the ratio: 'higher-is-better' -> ratio = value / baseline,
   * 'lower-is-better' -> ratio = baseline / value; > 1 means ES Manager is better.
   */
  better: 'higher-is-better' | 'lower-is-better';
  /** an absolute target from the issue, if any, e.g. "< 100 ms" */
  target?: string;
  note?: string;
}

export interface BenchSuite {
  id: string;
  title: string;
  run(): Promise<BenchResult[]>;
}

export function ratioOf(r: BenchResult): number {
  if (r.baselineValue === 0 || r.value === 0) return Number.NaN;
  return r.better === 'higher-is-better' ? r.value / r.baselineValue : r.baselineValue / r.value;
}

function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const a = Math.abs(n);
  if (a >= 1000) return n.toLocaleString('en-US', { maximumFractionDigits: 0 });
  if (a >= 10) return n.toFixed(1);
  if (a >= 1) return n.toFixed(2);
  return n.toPrecision(3);
}

export function formatResult(r: BenchResult): string {
  const ratio = ratioOf(r);
  const parts = [
    `${r.name}: ${fmt(r.value)} ${r.unit}`,
    `baseline ${r.baselineName}: ${fmt(r.baselineValue)} ${r.unit}`,
    `ratio ${Number.isFinite(ratio) ? ratio.toFixed(2) : 'n/a'}x (${r.better})`,
  ];
  if (r.target) parts.push(`target ${r.target}`);
  if (r.note) parts.push(r.note);
  return parts.join(' | ');
}

/** Percentile of an unsorted sample (nearest rank). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}
