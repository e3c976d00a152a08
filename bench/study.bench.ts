/**
 * Study mode (issue #15): a year of the demo site at 15-minute steps in the study worker,
 * plan following with the optimiser in the loop (a day-ahead plan solved by HiGHS at each
 * local midnight: 365 solves), against the same year with the rule-based self-consumption
 * strategy (the same plant model and control cycle, no optimiser) in the same run; and the
 * ratio of simulated time to wall time (target: a year in well under a minute).
 */
import { join } from 'node:path';
import { loadSite } from '../core/config/load';
import type { StudySpec } from '../core/common/study';
import { StudyRunner } from '../core/study/runner';
import { specFromSite } from '../core/study/spec';
import type { BenchResult, BenchSuite } from './lib';

const ROOT = join(__dirname, '..');

async function timed(spec: StudySpec): Promise<{ wallMs: number; cpuMs: number; steps: number; plans: number }> {
  const runner = new StudyRunner();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await runner.start('bench', spec).done;
  const wallMs = performance.now() - t0;
  const c = process.cpuUsage(cpu0);
  if (!r) throw new Error('the study was cancelled');
  return { wallMs, cpuMs: (c.user + c.system) / 1000, steps: r.steps, plans: r.strategies[0]?.totals.plans ?? 0 };
}

export const suite: BenchSuite = {
  id: 'study',
  title: 'Study mode: a year at 15-minute steps with the optimiser in the loop',
  async run(): Promise<BenchResult[]> {
    const site = loadSite(join(ROOT, 'assets', 'sites', 'demo', 'site.yaml'), [join(ROOT, 'assets', 'profiles')]).site;
    const base = specFromSite(site, { start: '2025-01-01', days: 365 });
    const plan: StudySpec = { ...base, strategies: [{ id: 'plan', name: 'Day-ahead plan (cost)', mode: 'plan-following', objective: 'cost', degradationWeight: 1 }] };
    const rules: StudySpec = { ...base, strategies: [{ id: 'self', name: 'Self-consumption', mode: 'self-consumption', objective: 'cost', degradationWeight: 1 }] };
    const b = await timed(rules);
    const p = await timed(plan);
    const yearS = 365 * 86_400;
    const load = `load average ${(await import('node:os')).loadavg()[0]?.toFixed(1)} on ${(await import('node:os')).cpus().length} cores`;
    return [
      {
        name: `a year at 15 min, plan following (${p.plans} day-ahead solves), study worker, wall`,
        value: p.wallMs / 1000,
        unit: 's',
        baselineName: 'the same year, self-consumption rules (same plant model and cycle, no optimiser)',
        baselineValue: b.wallMs / 1000,
        better: 'lower-is-better',
        target: '< 60 s',
        met: p.wallMs < 60_000,
        note: `${p.steps} steps; CPU ${(p.cpuMs / 1000).toFixed(1)} s (rules: ${(b.cpuMs / 1000).toFixed(1)} s); ${load}`,
      },
      {
        name: 'simulated time / wall time, plan following',
        value: yearS / (p.wallMs / 1000),
        unit: 'x real time',
        baselineName: 'real time (the live site)',
        baselineValue: 1,
        better: 'higher-is-better',
        target: '> 525,600x (a year in under a minute)',
        met: yearS / (p.wallMs / 1000) > 525_600,
        note: `by CPU time: ${Math.round(yearS / (p.cpuMs / 1000)).toLocaleString('en-GB')}x`,
      },
    ];
  },
};
