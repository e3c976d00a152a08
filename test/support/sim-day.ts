/**
 * A simulated day on one virtual clock: the demo site's plant physics (drivers/sim/model),
 * the Current Value Table, the control cycle and the machine lane writing into the plant —
 * 86,400 one-second cycles with no timer of the wall clock. Shared by the day test
 * (test/integration/cycle/day.test.ts, which asserts behaviour) and the cycle bench
 * (bench/cycle.bench.ts, which measures its cost).
 */
import { join } from 'node:path';
import { VirtualScheduler, type AuditEntryInput, type ControllerConfig, type PointMeta, type PointSample } from '../../core/common';
import { loadSite } from '../../core/config/load';
import { CurrentValueTable } from '../../core/cvt/cvt';
import { ControlCycle, controllersFromConfig } from '../../core/cycle';
import { MachineLane, type AssetModel, type CommandWriter, type PointReader } from '../../core/control';
import { systemPrincipal } from '../../core/security/principal';
import { Plant } from '../../drivers/sim/model/plant';
import { plantConfigFromSite } from '../../drivers/sim/serve/mapping';

const ROOT = join(__dirname, '..', '..');
export const demo = loadSite(join(ROOT, 'assets', 'sites', 'demo', 'site.yaml'), [join(ROOT, 'assets', 'profiles')]);
// a Monday in January in Málaga: office load, two EV sessions a charger, little PCC relief from PV
export const DAY_START = Date.UTC(2026, 0, 4, 23); // 00:00 local (CET)
export const DAY_S = 86_400;

/** what the controllers read: the PCC and the battery (the CVT holds only these unless told otherwise) */
export const CYCLE_POINTS = ['pcc-meter/ActivePower', 'ess/ActivePower', 'ess/Soc', 'ess/MaxChargePower', 'ess/MaxDischargePower', 'ess/SetActivePower', 'ess/State'];

export const PEAK_SHAVING: ControllerConfig[] = [
  { type: 'soc-protection', ess: 'ess' },
  { type: 'peak-shaving', ess: 'ess', rechargeKw: 20 },
];

export interface Second {
  t: number;
  pcc: number;
  soc: number;
  ess: number;
  maxDis: number;
  /** the PCC without the battery (load + EV − PV) */
  net: number;
}

export interface DayRun {
  seconds: Second[];
  audits: AuditEntryInput[];
  writes: number;
  cycles: number;
  wallMs: number;
  cpuMs: number;
  /** wall time spent inside the cycle's passes (snapshot → controllers → merge → lane), ms; with `timeCycle` */
  cycleMs?: number;
}

export interface DayOptions {
  /** the controllers, highest priority first; null = no cycle (plant + CVT alone) */
  controllers: ControllerConfig[] | null;
  /** how many seconds (default a day) */
  seconds?: number;
  /** every point of the demo site in the CVT, as in the running host (default: only the cycle's) */
  allPoints?: boolean;
  /** keep the per-second record (default true) */
  record?: boolean;
  /** time each cycle's pass (the bench) */
  timeCycle?: boolean;
}

export async function runDay(o: DayOptions): Promise<DayRun> {
  const wall0 = performance.now();
  const cpu0 = process.cpuUsage();
  const site = demo.site;
  const n = o.seconds ?? DAY_S;
  const clock = new VirtualScheduler(DAY_START);
  const plant = new Plant({ ...plantConfigFromSite(site, 7).config, maxStepS: 1 }, DAY_START);
  const metas: PointMeta[] = o.allPoints ? demo.points : demo.points.filter((p) => CYCLE_POINTS.includes(p.id));
  // no screen listens here: the CVT pushes changes once a second instead of every 100 ms
  const cvt = new CurrentValueTable(metas, { scheduler: clock, defaultStaleMs: 3500, flushMs: 1000, staleCheckMs: 1000 });
  cvt.start();
  // the plant stands in for the bridges: every second it steps and publishes what a poll would
  const GOOD = { level: 'good' as const };
  const samples: PointSample[] = metas.map((m) => ({ id: m.id, value: null, quality: GOOD, ts: 0 }));
  const publish = (): void => {
    const v = plant.values();
    const ts = clock.now();
    for (let i = 0; i < metas.length; i++) {
      const m = metas[i]!;
      samples[i] = { id: m.id, value: v[m.assetId]?.[m.channel] ?? null, quality: GOOD, ts };
    }
    cvt.publish(samples);
  };
  publish();
  const seconds: Second[] = [];
  const record = o.record ?? true;
  clock.setInterval(() => {
    plant.step(1);
    publish();
    if (!record) return;
    const s = plant.summary();
    const b = plant.battery?.output;
    seconds.push({ t: clock.now(), pcc: s.gridKw, soc: s.socPct, ess: s.essKw, maxDis: b?.maxDischargeKw ?? 0, net: s.gridKw + s.essKw });
  }, 1000);

  const audits: AuditEntryInput[] = [];
  let writes = 0;
  let cycles = 0;
  if (o.controllers) {
    const assets = new Map(site.assets.map((a) => [a.id, a]));
    const model: AssetModel = {
      asset: (_s, id) => {
        const a = assets.get(id);
        return a ? { id: a.id, nature: a.nature, state: 'in-service', ...(a.limits ? { limits: a.limits } : {}), ...(a.rating ? { rating: a.rating } : {}) } : undefined;
      },
      point: (_s, id) => cvt.meta(id),
      pcc: () => site.site.pcc,
    };
    const reader: PointReader = { get: (_s, id) => cvt.get(id) };
    // the machine lane writes into the plant, as the Modbus server's onWrite does
    const writer: CommandWriter = {
      write: async (_s, id, value) => {
        const [assetId = '', channel = ''] = id.split('/');
        plant.write(assetId, channel, Number(value));
        writes++;
      },
      read: async (_s, id) => cvt.get(id)?.value ?? null,
    };
    const lane = new MachineLane({
      siteId: site.site.id,
      model,
      reader,
      writer,
      audit: { append: (e) => audits.push(e) },
      principal: systemPrincipal({ id: 'control-cycle', capabilities: ['site.view', 'control.setpoint'], sites: [site.site.id] }),
      scheduler: clock,
    });
    const cycle = new ControlCycle({ site, scheduler: clock, source: cvt, sink: lane, controllers: controllersFromConfig(o.controllers) });
    let cycleMs = 0;
    if (o.timeCycle)
      clock.setInterval(() => {
        const t0 = performance.now();
        cycle.runOnce();
        cycleMs += performance.now() - t0;
      }, 1000);
    else cycle.start();
    for (let s = 0; s < n; s++) {
      clock.advance(1000);
      // the lane's writes complete (the plant took them at once; their promises settle here)
      if (lane.busy) await lane.idle();
    }
    cycles = cycle.count;
    cycle.stop();
    cvt.stop();
    const cpu = process.cpuUsage(cpu0);
    return { seconds, audits, writes, cycles, wallMs: performance.now() - wall0, cpuMs: (cpu.user + cpu.system) / 1000, ...(o.timeCycle ? { cycleMs } : {}) };
  }
  clock.advance(n * 1000);
  cvt.stop();
  const cpu = process.cpuUsage(cpu0);
  return { seconds, audits, writes, cycles, wallMs: performance.now() - wall0, cpuMs: (cpu.user + cpu.system) / 1000 };
}
