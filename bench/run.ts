/**
 * `npm run bench [-- suite-id ...]`: runs the benchmark suites (all by default) and prints
 * each figure next to its same-run baseline. Results also go to bench/results/<date>.json.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatResult, ratioOf, type BenchResult, type BenchSuite } from './lib';

async function loadSuites(): Promise<BenchSuite[]> {
  const files = readdirSync(__dirname).filter((f) => f.endsWith('.bench.ts')).sort();
  const suites: BenchSuite[] = [];
  for (const f of files) {
    const mod = (await import(join(__dirname, f))) as { suite?: BenchSuite };
    if (!mod.suite) throw new Error(`bench/${f} exports no "suite"`);
    suites.push(mod.suite);
  }
  return suites;
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const suites = (await loadSuites()).filter((s) => wanted.length === 0 || wanted.includes(s.id));
  if (suites.length === 0) throw new Error(`no benchmark suite matches ${wanted.join(', ')}`);
  const all: Array<BenchResult & { suite: string; ratio: number }> = [];
  for (const s of suites) {
    console.log(`\n## ${s.title} (${s.id})`);
    const results = await s.run();
    for (const r of results) {
      console.log(`- ${formatResult(r)}`);
      all.push({ ...r, suite: s.id, ratio: ratioOf(r) });
    }
  }
  const dir = join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(all, null, 2));
  console.log(`\nresults written to ${file}`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack : e);
  process.exit(1);
});
