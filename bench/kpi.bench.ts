/**
 * KPIs over a year of 1-minute data of the demo site (issue #14): the yearly statistics and
 * KPI set computed from scratch (a fresh KPI worker reads every local day's 15-minute rollups)
 * against the incremental daily update (the same worker after one more day was recorded: the new
 * day is read and added to its cached month; the other days and months come from the cache).
 * Both run in the KPI worker, off the main thread; the figure is the worker's own compute time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSite } from '../core/config/load';
import { localToUtc } from '../core/common/localtime';
import { Historian, type Sample } from '../core/historian/historian';
import { KpiService } from '../core/kpi/service';
import { kpiSpecOf } from '../core/kpi/spec';
import type { BenchResult, BenchSuite } from './lib';

const ROOT = join(__dirname, '..');
const GOOD = { level: 'good' } as const;
const TZ = 'Europe/Madrid';

/** a plausible minute of the demo site: office load, PV bell, two chargers, the battery shaving the midday peak */
function minute(t: number): Record<string, number> {
  const h = ((t / 3_600_000) % 24 + 25) % 24;
  const day = Math.floor(t / 86_400_000);
  const weekday = (day + 4) % 7 < 5;
  const pv = Math.max(0, 55 * Math.sin((Math.PI * (h - 7)) / 12)) * (0.7 + 0.3 * Math.sin(day));
  const load = (weekday ? 25 + 40 * Math.exp(-(((h - 12) / 3) ** 2)) : 15) + 3 * Math.sin(t / 97_000);
  const ev1 = weekday && h >= 8 && h < 11 ? 22 : 0;
  const ev2 = weekday && h >= 9 && h < 10.5 ? 11 : 0;
  const net = load + ev1 + ev2 - pv;
  const ess = net > 60 ? Math.min(100, net - 60) : net < 0 ? Math.max(-50, net) : h < 5 ? -15 : 0;
  const soc = 50 + 30 * Math.sin((Math.PI * (h - 3)) / 12);
  return { 'pcc-meter/ActivePower': net - ess, 'pv/ActivePower': pv, 'building/ActivePower': load, 'evse1/ActivePower': ev1, 'evse2/ActivePower': ev2, 'ess/ActivePower': ess, 'ess/Soc': soc, 'ess/State': 2, 'pcc-meter/VoltageL1': 230 };
}

function record(h: Historian, from: number, to: number): number {
  let n = 0;
  let batch: Sample[] = [];
  for (let t = from; t < to; t += 60_000) {
    for (const [id, value] of Object.entries(minute(t))) batch.push({ id, value, quality: GOOD, ts: t });
    if (batch.length >= 50_000) {
      h.record(batch);
      h.flush();
      n += batch.length;
      batch = [];
    }
  }
  h.record(batch);
  h.flush();
  return n + batch.length;
}

export const suite: BenchSuite = {
  id: 'kpi',
  title: 'KPIs: a year of 1-minute data, from scratch against the incremental daily update',
  async run(): Promise<BenchResult[]> {
    const loaded = loadSite(join(ROOT, 'assets', 'sites', 'demo', 'site.yaml'), [join(ROOT, 'assets', 'profiles')]);
    const spec = kpiSpecOf(loaded.site);
    const dir = mkdtempSync(join(tmpdir(), 'esm-bench-kpi-'));
    const start = localToUtc('2025-01-01', 0, TZ);
    const lastDay = localToUtc('2025-12-31', 0, TZ);
    const end = localToUtc('2026-01-01', 0, TZ);
    let clock = lastDay;
    const h = new Historian(join(dir, 'historian'), { config: { queryWorkers: 0, default: { mode: 'all', retentionDays: 4000 }, backup: { intervalHours: 0, keep: 1 } }, now: () => clock });
    await h.open();
    try {
      const samples = record(h, start, lastDay);
      const scratchMs: number[] = [];
      const incrMs: number[] = [];
      const wall: number[] = [];
      for (let run = 0; run < 3; run++) {
        // a fresh worker: nothing cached
        clock = lastDay + 10 * 60_000;
        const svc = new KpiService({ dbPath: h.dbPath, spec, now: () => clock });
        try {
          const t0 = performance.now();
          const a = await svc.summary({ from: '2025-01-01', to: '2025-12-31' });
          wall.push(performance.now() - t0);
          scratchMs.push(a.computed.ms);
          // one more day is recorded; the next summary after it ended reads it, the rest is cached
          if (run === 0) {
            clock = end + 10 * 60_000;
            record(h, lastDay, end);
          }
          clock = end + 10 * 60_000;
          await svc.invalidate('2025-12-31');
          const b = await svc.summary({ from: '2025-01-01', to: '2025-12-31' });
          incrMs.push(b.computed.ms);
          if (b.computed.daysRead > 2) throw new Error(`the daily update read ${b.computed.daysRead} days`);
        } finally {
          await svc.close();
        }
      }
      const med = (x: number[]) => x.slice().sort((p, q) => p - q)[Math.floor(x.length / 2)] as number;
      return [
        {
          name: 'yearly KPI set, incremental daily update (one new day read, added to its cached month)',
          value: med(incrMs),
          unit: 'ms',
          baselineName: 'the same yearly KPI set from scratch (365 local days read from the 15-min rollups)',
          baselineValue: med(scratchMs),
          better: 'lower-is-better',
          note: `${samples.toLocaleString('en-GB')} samples (9 points, 1 per minute, a year); KPI-worker compute time, median of 3; from scratch wall time incl. worker start ${Math.round(med(wall))} ms`,
        },
      ];
    } finally {
      await h.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
