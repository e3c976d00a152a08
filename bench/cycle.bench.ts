/**
 * Control-cycle benchmark (issue #10): what one pass of the cycle costs (frozen snapshot →
 * controllers → priority merge → machine lane's limits and write), with the demo site's every
 * point in the CVT as in the running host, and what a simulated day costs (the day test:
 * plant physics + CVT + cycle + lane on a virtual clock, 86,400 cycles).
 * Baselines measured in the same run: a frozen copy of the whole CVT (what the cycle's
 * snapshot cost before it became copy-on-read), and the same day without the cycle (plant +
 * CVT alone). Each figure is the median of 3 runs after a warm-up hour.
 */
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

export const suite: BenchSuite = {
  id: 'cycle',
  title: 'Control cycle: one pass, and a simulated day on a virtual clock',
  async run(): Promise<BenchResult[]> {
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
    ];
  },
};
