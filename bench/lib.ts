/**
 * Benchmark harness. Every figure is printed next to a baseline measured in the same run,
 * as a ratio, so results compare across machines. No test asserts on time: benchmarks only
 * measure and print.
 */
import { spawnSync } from 'node:child_process';
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
  /** whether the target is met, where the suite can tell */
  met?: boolean;
  note?: string;
  /**
   * set when the baseline could not be measured in this run (its peer is not installed, it
   * failed to start...): the sentence says why. The row is printed as MISSING, never dropped,
   * and `npm run bench` exits non-zero unless told to allow it (`--allow-missing`).
   */
  missing?: string;
}

/** A third-party program a suite measures against (a baseline), installed from Debian. */
export interface Peer {
  /** what it is, e.g. "InfluxDB 1.6" */
  name: string;
  /** the command whose presence proves it is installed */
  command: string;
  /** arguments that make the command print its version and exit 0 */
  versionArgs: string[];
  /** the Debian package(s) that provide it (bench/setup installs them) */
  debian: string[];
}

/** undefined when the peer runs here, otherwise a sentence saying why not and how to fix it. */
export function peerMissing(peer: Peer): string | undefined {
  const r = spawnSync(peer.command, peer.versionArgs, { encoding: 'utf8', timeout: 10_000 });
  if (r.error || r.status !== 0) {
    return `${peer.name} (${peer.command}) is not installed here: run bench/setup, or apt-get install ${peer.debian.join(' ')}`;
  }
  return undefined;
}

/** The row for a baseline that could not be measured: its own figure stays, the ratio is n/a. */
export function missingBaseline(r: Omit<BenchResult, 'baselineValue' | 'missing'>, why: string): BenchResult {
  return { ...r, baselineValue: Number.NaN, missing: why };
}

export interface BenchSuite {
  id: string;
  title: string;
  /** the third-party baselines it needs; listed by `npm run bench -- --peers` and bench/setup */
  peers?: Peer[];
  run(): Promise<BenchResult[]>;
}

export function ratioOf(r: BenchResult): number {
  if (r.missing !== undefined || !Number.isFinite(r.baselineValue) || !Number.isFinite(r.value)) return Number.NaN;
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

export { fmt as formatNumber };

export function formatResult(r: BenchResult): string {
  const ratio = ratioOf(r);
  const parts = [
    `${r.name}: ${fmt(r.value)} ${r.unit}`,
    r.missing !== undefined
      ? `baseline ${r.baselineName}: MISSING (${r.missing})`
      : `baseline ${r.baselineName}: ${fmt(r.baselineValue)} ${r.unit}`,
    `ratio ${Number.isFinite(ratio) ? ratio.toFixed(2) : 'n/a'}x (${r.better})`,
  ];
  if (r.target) parts.push(`target ${r.target}${r.met === undefined ? '' : r.met ? ' (met)' : ' (NOT met)'}`);
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

/** One table of every row of a run: figure, baseline, ratio, target. */
export function formatTable(rows: ReadonlyArray<BenchResult & { suite: string }>): string {
  const head = ['suite', 'figure', 'value', 'baseline', 'baseline value', 'ratio', 'target'];
  const body = rows.map((r) => {
    const ratio = ratioOf(r);
    return [
      r.suite,
      r.name,
      `${fmt(r.value)} ${r.unit}`,
      r.baselineName,
      r.missing !== undefined ? 'MISSING' : `${fmt(r.baselineValue)} ${r.unit}`,
      Number.isFinite(ratio) ? `${ratio.toFixed(2)}x` : 'n/a',
      r.target ? `${r.target}${r.met === undefined ? '' : r.met ? ' ✓' : ' ✗'}` : '',
    ];
  });
  const width = head.map((h, i) => Math.min(i === 1 || i === 3 ? 70 : 40, Math.max(h.length, ...body.map((b) => (b[i] ?? '').length))));
  const cut = (t: string, w: number): string => (t.length > w ? `${t.slice(0, w - 1)}…` : t.padEnd(w));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => cut(c, width[i] ?? 10)).join(' | ')} |`;
  return [line(head), `|${width.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}
