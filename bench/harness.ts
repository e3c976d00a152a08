/**
 * Runs benchmark suites and decides the exit status: a suite that throws -> 1; a baseline that
 * could not be measured (MISSING) -> 3 unless missing baselines are allowed; otherwise 0.
 */
import { formatResult, formatTable, peerMissing, ratioOf, type BenchResult, type BenchSuite } from './lib';

export interface RunOutcome {
  code: number;
  rows: Array<BenchResult & { suite: string; ratio: number }>;
  failed: string[];
}

export async function runSuites(suites: readonly BenchSuite[], opts: { allowMissing: boolean; print?: (line: string) => void; printErr?: (line: string) => void }): Promise<RunOutcome> {
  const out = opts.print ?? ((l: string) => console.log(l));
  const err = opts.printErr ?? ((l: string) => console.error(l));
  const rows: RunOutcome['rows'] = [];
  const failed: string[] = [];
  for (const s of suites) {
    out(`\n## ${s.title} (${s.id})`);
    for (const p of s.peers ?? []) {
      const why = peerMissing(p);
      if (why !== undefined) out(`  ! ${why}`);
    }
    try {
      const results = await s.run();
      for (const r of results) {
        out(`- ${formatResult(r)}`);
        rows.push({ ...r, suite: s.id, ratio: ratioOf(r) });
      }
    } catch (e) {
      failed.push(s.id);
      err(`  ! suite ${s.id} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    }
  }
  out('\n## All figures\n');
  out(formatTable(rows));
  const missing = rows.filter((r) => r.missing !== undefined);
  if (failed.length > 0) {
    err(`\n${failed.length} suite(s) failed: ${failed.join(', ')}`);
    return { code: 1, rows, failed };
  }
  if (missing.length > 0) {
    err(`\n${missing.length} baseline(s) MISSING:`);
    for (const r of missing) err(`  - ${r.suite}: ${r.baselineName}: ${r.missing}`);
    if (!opts.allowMissing) {
      err('Install them with bench/setup, or run with --allow-missing to accept a partial comparison.');
      return { code: 3, rows, failed };
    }
  }
  return { code: 0, rows, failed };
}
