/**
 * Control-cycle benchmark (issue #10): what one pass of the cycle costs (frozen snapshot →
 * controllers → priority merge → machine lane's limits and write), with the demo site's every
 * point in the CVT as in the running host, and what a simulated day costs (the day test:
 * plant physics + CVT + cycle + lane on a virtual clock, 86,400 cycles).
 * Baselines measured in the same run: a frozen copy of the whole CVT (what the cycle's
 * snapshot cost before it became copy-on-read), and the same day without the cycle (plant +
 * CVT alone). Each figure is the median of 3 runs after a warm-up hour. And the day as the test
 * runs it (test/integration/cycle/day.test.ts): in a fresh process, cold (no warm-up), plant +
 * CVT alone first and then the day with the cycle, each in CPU time and wall time.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { CurrentValueTable } from '../core/cvt/cvt';
import type { PointState } from '../core/common';
import { DAY_S, PEAK_SHAVING, demo, runDay } from '../test/support/sim-day';
import { percentile, type BenchResult, type BenchSuite } from './lib';

/** the old snapshot: a frozen copy of every point */
function fullCopy(cvt: CurrentValueTable): ReadonlyMap<string, Readonly<PointState>> {
  const m = new Map<string, Readonly<PointState>>();
  for (const meta of cvt.metas()) {
    const st = cvt.get(meta.id);
    if (st) m.set(meta.id, Object.freeze({ ...st }));
  }
  return m;
}

function fullCopyUs(): number {
  const cvt = new CurrentValueTable(demo.points);
  const ts = Date.now();
  cvt.publish(demo.points.map((m) => ({ id: m.id, value: 1, quality: { level: 'good' as const }, ts })));
  const n = 20_000;
  let keep = 0;
  for (let i = 0; i < 2000; i++) keep += fullCopy(cvt).size;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) keep += fullCopy(cvt).size;
  const us = ((performance.now() - t0) * 1000) / n;
  if (keep === 0) throw new Error('nothing copied');
  return us;
}

interface ColdRun {
  baseCpuMs: number;
  baseWallMs: number;
  dayCpuMs: number;
  dayWallMs: number;
}

/** the day test's two runs in a fresh process (cold JIT), as `node --import tsx --test` runs them */
function coldRun(): ColdRun {
  const simDay = join(__dirname, '..', 'test', 'support', 'sim-day.ts');
  const script = `const { PEAK_SHAVING, runDay } = require(${JSON.stringify(simDay)});
(async () => {
  const b = await runDay({ controllers: null });
  const d = await runDay({ controllers: PEAK_SHAVING });
  process.stdout.write(JSON.stringify({ baseCpuMs: b.cpuMs, baseWallMs: b.wallMs, dayCpuMs: d.cpuMs, dayWallMs: d.wallMs }));
})();`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`the cold day run failed: ${r.stderr || r.error?.message}`);
  return JSON.parse(r.stdout) as ColdRun;
}

export const suite: BenchSuite = {
  id: 'cycle',
  title: 'Control cycle: one pass, and a simulated day on a virtual clock',
  async run(): Promise<BenchResult[]> {
    // cold first, while nothing of this process has warmed the machine's caches for it
    const cold = [coldRun(), coldRun(), coldRun()];
    // warm-up: an hour of each, so the JIT has seen every path
    await runDay({ controllers: PEAK_SHAVING, seconds: 3600, allPoints: true, record: false, timeCycle: true });
    await runDay({ controllers: null, seconds: 3600, record: false });
    await runDay({ controllers: PEAK_SHAVING, seconds: 3600, record: false });

    const passUs: number[] = [];
    const copyUs: number[] = [];
    const dayCpu: number[] = [];
    const baseCpu: number[] = [];
    for (let i = 0; i < 3; i++) {
      const full = await runDay({ controllers: PEAK_SHAVING, allPoints: true, record: false, timeCycle: true });
      passUs.push(((full.cycleMs ?? Number.NaN) * 1000) / full.cycles);
      copyUs.push(fullCopyUs());
      // the day test as it runs (the CVT holds the cycle's points, every second recorded)
      baseCpu.push((await runDay({ controllers: null })).cpuMs);
      dayCpu.push((await runDay({ controllers: PEAK_SHAVING })).cpuMs);
    }
    return [
      {
        name: `one control cycle (snapshot → SoC protection + peak shaving → merge → machine lane), ${demo.points.length} points in the CVT`,
        value: percentile(passUs, 50),
        unit: 'µs',
        baselineName: 'a frozen copy of the whole CVT (the snapshot before copy-on-read)',
        baselineValue: percentile(copyUs, 50),
        better: 'lower-is-better',
        note: `wall time inside the pass, median of 3 days of ${DAY_S} cycles`,
      },
      {
        name: 'a simulated day with the cycle (plant + CVT + cycle + machine lane, 86,400 s), CPU',
        value: percentile(dayCpu, 50),
        unit: 'ms',
        baselineName: 'the same day without the cycle (plant + CVT alone)',
        baselineValue: percentile(baseCpu, 50),
        better: 'lower-is-better',
        target: 'well under 1 s (issue #10)',
        note: 'the ratio is the share of the day that is not the cycle',
      },
      {
        name: 'the day test as it runs: a simulated day with the cycle in a fresh process (cold JIT, after plant + CVT alone), CPU',
        value: percentile(cold.map((c) => c.dayCpuMs), 50),
        unit: 'ms',
        baselineName: 'plant + CVT alone, cold, in the same process just before',
        baselineValue: percentile(cold.map((c) => c.baseCpuMs), 50),
        better: 'lower-is-better',
        target: 'well under 1 s of wall time (issue #10): below 0.6 s',
        met: percentile(cold.map((c) => c.dayWallMs), 50) < 600,
        note: `median of 3 fresh processes; wall time ${cold.map((c) => Math.round(c.dayWallMs)).join(' / ')} ms (plant + CVT alone ${cold.map((c) => Math.round(c.baseWallMs)).join(' / ')} ms)`,
      },
    ];
  },
};
