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

/**
 * The day, one column per quantity and one row per simulated second (typed arrays: a day is
 * 86,400 rows, and 86,400 small objects kept alive would cost the run more than the cycle).
 */
export interface DayColumns {
  /** rows recorded (= the seconds run) */
  length: number;
  /** time, ms since epoch */
  t: Float64Array;
  /** PCC, kW, positive = import */
  pcc: Float64Array;
  /** battery SoC, % */
  soc: Float64Array;
  /** battery power, kW, positive = discharge */
  ess: Float64Array;
  /** what the BMS allows to discharge now, kW */
  maxDis: Float64Array;
  /** the PCC without the battery (load + EV − PV), kW */
  net: Float64Array;
}

export interface DayRun {
  /** every simulated second (empty with `record: false`) */
  day: DayColumns;
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

function columns(n: number): DayColumns {
  return { length: 0, t: new Float64Array(n), pcc: new Float64Array(n), soc: new Float64Array(n), ess: new Float64Array(n), maxDis: new Float64Array(n), net: new Float64Array(n) };
}

/**
 * How the harness reads a point from the plant, as a poll would: `plant.values()` (every
 * channel of every asset, built anew after each step), or for the cycle's points a direct read
 * of the same model output (checked against `values()` when the run starts).
 */
type PlantRead = (plant: Plant) => number | null;

function plantRead(plant: Plant, m: PointMeta): PlantRead {
  const viaValues: PlantRead = (p) => p.values()[m.assetId]?.[m.channel] ?? null;
  const b = plant.battery;
  let direct: PlantRead | undefined;
  if (m.assetId === plant.cfg.meter.id && m.channel === 'ActivePower') direct = (p) => p.meter.output.activePowerKw;
  else if (b && m.assetId === plant.cfg.ess?.id)
    direct = (
      {
        ActivePower: () => b.output.activePowerKw,
        Soc: () => b.output.socPct,
        MaxChargePower: () => b.output.maxChargeKw,
        MaxDischargePower: () => b.output.maxDischargeKw,
        SetActivePower: () => b.setpointKw,
        State: () => b.output.state,
      } as Record<string, PlantRead | undefined>
    )[m.channel];
  if (!direct) return viaValues;
  const a = direct(plant);
  const v = viaValues(plant);
  if (a !== v) throw new Error(`sim-day: ${m.id} reads ${String(a)} directly but ${String(v)} through plant.values()`);
  return direct;
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
  // (the CVT copies a sample's fields and keeps no sample, so the harness reuses its own)
  const GOOD = { level: 'good' as const };
  const samples: PointSample[] = metas.map((m) => ({ id: m.id, value: null, quality: GOOD, ts: 0 }));
  const reads = metas.map((m) => plantRead(plant, m));
  const publish = (): void => {
    const ts = clock.now();
    for (let i = 0; i < samples.length; i++) {
      const s = samples[i]!;
      s.value = reads[i]!(plant);
      s.ts = ts;
    }
    cvt.publish(samples);
  };
  publish();
  const record = o.record ?? true;
  const day = columns(record ? n : 0);
  const battery = plant.battery;
  clock.setInterval(() => {
    plant.step(1);
    publish();
    if (!record || day.length >= n) return;
    const i = day.length++;
    const grid = plant.meter.output.activePowerKw;
    const ess = battery?.output.activePowerKw ?? 0;
    day.t[i] = clock.now();
    day.pcc[i] = grid;
    day.soc[i] = battery?.output.socPct ?? 0;
    day.ess[i] = ess;
    day.maxDis[i] = battery?.output.maxDischargeKw ?? 0;
    day.net[i] = grid + ess;
  }, 1000);

  const audits: AuditEntryInput[] = [];
  let writes = 0;
  let cycles = 0;
  if (o.controllers) {
    // the assets as the host's model gives them (in service all day), built once
    const assets = new Map(site.assets.map((a) => [a.id, { id: a.id, nature: a.nature, state: 'in-service' as const, ...(a.limits ? { limits: a.limits } : {}), ...(a.rating ? { rating: a.rating } : {}) }]));
    const model: AssetModel = {
      asset: (_s, id) => assets.get(id),
      point: (_s, id) => cvt.meta(id),
      pcc: () => site.site.pcc,
    };
    const reader: PointReader = { get: (_s, id) => cvt.get(id) };
    // the machine lane writes into the plant, as the Modbus server's onWrite does: at once,
    // in this process, so the lane needs no promise or timer for it
    const writeNow = (_s: string, id: string, value: number | boolean): void => {
      const m = cvt.meta(id);
      if (!m) throw new Error(`sim-day: no point ${id}`);
      plant.write(m.assetId, m.channel, Number(value));
      writes++;
    };
    const writer: CommandWriter = {
      writeNow,
      write: async (s, id, value) => writeNow(s, id, value),
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
      // a write the lane could not complete at once settles here (none with writeNow)
      if (lane.busy) await lane.idle();
    }
    cycles = cycle.count;
    cycle.stop();
    cvt.stop();
    const cpu = process.cpuUsage(cpu0);
    return { day, audits, writes, cycles, wallMs: performance.now() - wall0, cpuMs: (cpu.user + cpu.system) / 1000, ...(o.timeCycle ? { cycleMs } : {}) };
  }
  clock.advance(n * 1000);
  cvt.stop();
  const cpu = process.cpuUsage(cpu0);
  return { day, audits, writes, cycles, wallMs: performance.now() - wall0, cpuMs: (cpu.user + cpu.system) / 1000 };
}
