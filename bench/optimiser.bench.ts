/**
 * Optimiser benchmark (issue #11): solve time of the demo site's day-ahead problem at 96
 * (15 min) and 288 (5 min) steps, with and without EV and genset binaries. The problem is
 * built from the demo site file (battery 100 kW / 120 kWh, PV 60 kW, two 22 kW chargers with
 * a 4.2 kW minimum and their sessions, tariffs, contracted power, demand charge) plus a 40 kW
 * genset (microgrid variant: minimum 12 kW, start cost), with PV from the clear-sky forecast and
 * an office load shape. Baseline: the same problem's LP relaxation solved in the same run (what
 * the binaries cost). Solve time includes building the model and the LP text (in-process,
 * as in the worker); each figure is the median of 3 solves after one warm-up solve, with the
 * CPU time beside the wall time (the machine may be shared).
 */
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { loadSite } from '../core/config/load';
import { pvForecastKw } from '../core/forecast/pv';
import { localMidnight, stepsInLocalDay } from '../core/optimiser/localtime';
import { problemFromSite } from '../core/optimiser/site-problem';
import { solvePlan } from '../core/optimiser/solve';
import type { PlanProblem } from '../core/optimiser/problem';
import { percentile, type BenchResult, type BenchSuite } from './lib';

const ROOT = join(__dirname, '..');

function demoProblem(stepMinutes: number): PlanProblem {
  const site = loadSite(join(ROOT, 'assets', 'sites', 'demo', 'site.yaml'), [join(ROOT, 'assets', 'profiles')]).site;
  site.energy!.planning.stepMinutes = stepMinutes;
  const tz = site.site.timezone;
  const date = '2026-06-01'; // a Monday
  const start = localMidnight(date, tz);
  const steps = stepsInLocalDay(date, tz, stepMinutes);
  const { latitude, longitude } = site.site.location;
  const pv = pvForecastKw({ peakKwp: 75, tiltDeg: 15, azimuthDeg: 180, performanceRatio: 0.85, acLimitKw: 60 }, latitude, longitude, start, steps, stepMinutes);
  const hour = (t: number) => (t * stepMinutes) / 60;
  const loadKw = Array.from({ length: steps }, (_, t) => (hour(t) >= 8 && hour(t) < 19 ? 50 + 20 * Math.sin(((hour(t) - 8) / 11) * Math.PI) : 14 + 2 * Math.sin(t)));
  const p = problemFromSite(site, { start, steps, loadKw, pvKw: { pv }, socPct: { ess: 40 } });
  p.gensets = [{ id: 'genset', minKw: 12, maxKw: 40, startCost: 4, costPerKwh: 0.22, initiallyOn: false }];
  return p;
}

async function timeSolve(p: PlanProblem, integer: boolean): Promise<{ ms: number; cpuMs: number; ints: number; obj: number }> {
  // one unmeasured solve first: HiGHS' WebAssembly is compiled and tiered up on first use
  // (the app's worker warms up the same way when it starts)
  await solvePlan(p, { integer }, { timeLimitS: 120, mipGap: 1e-3 });
  const times: number[] = [];
  const cpu: number[] = [];
  let ints = 0;
  let obj = 0;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const plan = await solvePlan(p, { integer }, { timeLimitS: 120, mipGap: 1e-3 });
    const c = process.cpuUsage(c0);
    times.push(performance.now() - t0);
    cpu.push((c.user + c.system) / 1000);
    ints = plan.integerVariables;
    obj = plan.objectiveValue;
  }
  return { ms: percentile(times, 50), cpuMs: percentile(cpu, 50), ints, obj };
}

export const suite: BenchSuite = {
  id: 'optimiser',
  title: 'Optimiser: demo-site day-ahead solve time (HiGHS WASM)',
  async run(): Promise<BenchResult[]> {
    const out: BenchResult[] = [];
    const load = loadavg()[0] ?? 0;
    for (const [stepMinutes, target] of [
      [15, '< 1000 ms with EVs'],
      [5, '< 5000 ms'],
    ] as const) {
      const p = demoProblem(stepMinutes);
      const relaxed = await timeSolve(p, false);
      const mip = await timeSolve(p, true);
      out.push({
        name: `day-ahead ${p.steps} steps, EV + genset binaries (${mip.ints} integer variables)`,
        value: mip.ms,
        unit: 'ms',
        baselineName: 'same problem without binaries (LP relaxation)',
        baselineValue: relaxed.ms,
        better: 'lower-is-better',
        target,
        note: `CPU ${mip.cpuMs.toFixed(0)} ms (relaxation ${relaxed.cpuMs.toFixed(0)} ms); objective ${mip.obj.toFixed(2)} EUR (relaxation ${relaxed.obj.toFixed(2)}); mip gap 0.1 %; load average ${load.toFixed(1)} on ${cpus().length} cores`,
      });
    }
    return out;
  },
};
