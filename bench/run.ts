/**
 * `npm run bench [-- suite-id ...] [--allow-missing] [--peers]`: runs the benchmark suites (all
 * by default) and prints each figure next to its same-run baseline, then one table of every
 * figure. Results also go to bench/results/<date>.json.
 *
 * A baseline that could not be measured (its peer is not installed, or it failed) is printed as
 * MISSING with the reason, and the run exits with status 3 unless `--allow-missing` (or
 * ESM_BENCH_ALLOW_MISSING=1) is given. A suite that throws is reported and the run exits 1.
 * `--peers` lists the third-party programs each suite measures against (bench/setup installs
 * them) and whether they are installed here.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runSuites } from './harness';
import { peerMissing, type BenchSuite } from './lib';

export async function loadSuites(): Promise<BenchSuite[]> {
  const files = readdirSync(__dirname).filter((f) => f.endsWith('.bench.ts')).sort();
  const suites: BenchSuite[] = [];
  for (const f of files) {
    const mod = (await import(join(__dirname, f))) as { suite?: BenchSuite };
    if (!mod.suite) throw new Error(`bench/${f} exports no "suite"`);
    suites.push(mod.suite);
  }
  return suites;
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const allowMissing = args.includes('--allow-missing') || process.env.ESM_BENCH_ALLOW_MISSING === '1';
  const wanted = args.filter((a) => !a.startsWith('-'));
  const suites = (await loadSuites()).filter((s) => wanted.length === 0 || wanted.includes(s.id));
  if (suites.length === 0) throw new Error(`no benchmark suite matches ${wanted.join(', ')}`);

  if (args.includes('--peers')) {
    for (const s of suites) {
      for (const p of s.peers ?? []) console.log(`${s.id}\t${p.name}\t${p.debian.join(' ')}\t${peerMissing(p) === undefined ? 'installed' : 'MISSING'}`);
    }
    return 0;
  }
  const { code, rows } = await runSuites(suites, { allowMissing });
  const dir = join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(rows, null, 2));
  console.log(`\nresults written to ${file}`);
  return code;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? e.stack : e);
    process.exit(1);
  },
);
