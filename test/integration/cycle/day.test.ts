/**
 * A simulated day on one virtual clock: the demo site's plant physics (drivers/sim/model),
 * the Current Value Table, the control cycle (SoC protection + peak shaving) and the machine
 * lane writing into the plant — 86,400 one-second cycles with no timer of the wall clock.
 * The assertions are about behaviour, never about how long it took.
 *
 * Run: node --import tsx --test test/integration/cycle/day.test.ts
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { VirtualScheduler, type PointMeta } from '../../../core/common';
import { loadSite } from '../../../core/config/load';
import { CurrentValueTable } from '../../../core/cvt/cvt';
import { ControlCycle, controllersFromConfig } from '../../../core/cycle';
import { MachineLane, type AssetModel, type CommandWriter, type PointReader } from '../../../core/control';
import { systemPrincipal } from '../../../core/security/principal';
import type { AuditEntryInput, ControllerConfig } from '../../../core/common';
import { Plant } from '../../../drivers/sim/model/plant';
import { plantConfigFromSite } from '../../../drivers/sim/serve/mapping';

const ROOT = join(__dirname, '..', '..', '..');
const loaded = loadSite(join(ROOT, 'assets', 'sites', 'demo', 'site.yaml'), [join(ROOT, 'assets', 'profiles')]);
const site = loaded.site;
const LIMIT = site.site.pcc.contractedPowerKw; // 60 kW
const RESERVE = site.assets.find((a) => a.id === 'ess')?.limits?.socMinPct ?? 10;
// a Monday in January in Málaga: office load, two EV sessions a charger, little PCC relief from PV
const START = Date.UTC(2026, 0, 4, 23); // 00:00 local (CET)
const DAY_S = 86_400;
/** MachineLane's default deadband, kW */
const DEADBAND = 0.05;

/** what the controllers read: the PCC and the battery (the CVT holds only these here) */
const USED = ['pcc-meter/ActivePower', 'ess/ActivePower', 'ess/Soc', 'ess/MaxChargePower', 'ess/MaxDischargePower', 'ess/SetActivePower', 'ess/State'];

interface Second {
  t: number;
  pcc: number;
  soc: number;
  ess: number;
  maxDis: number;
  /** the PCC without the battery (load + EV − PV) */
  net: number;
}

async function runDay(controllers: ControllerConfig[] | null): Promise<{ seconds: Second[]; audits: AuditEntryInput[]; writes: number; cycles: number; wallMs: number; cpuMs: number }> {
  const wall0 = performance.now();
  const cpu0 = process.cpuUsage();
  const clock = new VirtualScheduler(START);
  const plant = new Plant({ ...plantConfigFromSite(site, 7).config, maxStepS: 1 }, START);
  const metas: PointMeta[] = loaded.points.filter((p) => USED.includes(p.id));
  // no screen listens here: the CVT pushes changes once a second instead of every 100 ms
  const cvt = new CurrentValueTable(metas, { scheduler: clock, defaultStaleMs: 3500, flushMs: 1000, staleCheckMs: 1000 });
  cvt.start();
  // the plant stands in for the bridges: every second it steps and publishes what a poll would
  const publish = (): void => {
    const v = plant.values();
    cvt.publish(metas.map((m) => ({ id: m.id, value: v[m.assetId]?.[m.channel] ?? null, quality: { level: 'good' as const }, ts: clock.now() })));
  };
  publish();
  const seconds: Second[] = [];
  clock.setInterval(() => {
    plant.step(1);
    publish();
    const s = plant.summary();
    const b = plant.battery?.output;
    seconds.push({ t: clock.now(), pcc: s.gridKw, soc: s.socPct, ess: s.essKw, maxDis: b?.maxDischargeKw ?? 0, net: s.gridKw + s.essKw });
  }, 1000);

  const audits: AuditEntryInput[] = [];
  let writes = 0;
  let cycles = 0;
  if (controllers) {
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
    const cycle = new ControlCycle({ site, scheduler: clock, source: cvt, sink: lane, controllers: controllersFromConfig(controllers) });
    cycle.start();
    for (let s = 0; s < DAY_S; s++) {
      clock.advance(1000);
      // the lane's writes complete (the plant took them at once; their promises settle here)
      if (lane.busy) await lane.idle();
    }
    cycles = cycle.count;
    cycle.stop();
  } else clock.advance(DAY_S * 1000);
  cvt.stop();
  const cpu = process.cpuUsage(cpu0);
  return { seconds, audits, writes, cycles, wallMs: performance.now() - wall0, cpuMs: (cpu.user + cpu.system) / 1000 };
}

const CONTROLLERS: ControllerConfig[] = [
  { type: 'soc-protection', ess: 'ess' },
  { type: 'peak-shaving', ess: 'ess', rechargeKw: 20 },
];

/** CPU of the day without controllers (plant + CVT), the same-run baseline for the log line */
let baselineCpuMs = 0;

describe('a simulated day on a virtual clock: plant + CVT + control cycle + machine lane', () => {
  it('without controllers the demo site exceeds its contracted power (the day has peaks to shave)', async () => {
    const { seconds, cpuMs } = await runDay(null);
    baselineCpuMs = cpuMs;
    assert.equal(seconds.length, DAY_S);
    const over = seconds.filter((s) => s.pcc > LIMIT + 1);
    assert.ok(over.length > 600, `the uncontrolled site is above ${LIMIT} kW for ${over.length} s`);
  });

  it('with peak shaving the PCC stays under the contracted power while the SoC is above the reserve', async () => {
    const { seconds, audits, writes, cycles, wallMs, cpuMs } = await runDay(CONTROLLERS);
    // reported, not asserted (tests never assert speed)
    console.log(`a simulated day: ${cycles} cycles in ${Math.round(wallMs)} ms of wall time (${Math.round(cpuMs)} ms of CPU), ${writes} writes, ${audits.length} audit records; plant + CVT alone: ${Math.round(baselineCpuMs)} ms of CPU`);
    assert.equal(cycles, DAY_S);
    assert.equal(seconds.length, DAY_S);
    // the battery did real work: it discharged into the peaks and recharged
    assert.ok(seconds.some((s) => s.ess > 10), 'the battery discharged');
    assert.ok(seconds.some((s) => s.ess < -5), 'the battery recharged');
    const peaks = seconds.filter((s) => s.net > LIMIT + 1);
    assert.ok(peaks.length > 600, `the site needs shaving for ${peaks.length} s`);

    // the controller acts on the previous second's measurement: a load step inside one second
    // (an EV starting at 22 kW) shows once at the PCC and is answered in the next cycle
    const breaches: string[] = [];
    for (let i = 1; i < seconds.length; i++) {
      const s = seconds[i]!;
      const prev = seconds[i - 1]!;
      const canDischarge = prev.soc > RESERVE && prev.maxDis > s.net - LIMIT;
      if (!canDischarge || s.pcc <= LIMIT + 1e-6) continue;
      const step = s.net - prev.net;
      // above the limit by no more than the load moved since the last measurement, plus the
      // lane's deadband (a change under 0.05 kW is not written)
      if (s.pcc - LIMIT > Math.max(0, step) + DEADBAND + 1e-6) breaches.push(`${new Date(s.t).toISOString()}: PCC ${s.pcc.toFixed(2)} kW, load step ${step.toFixed(2)} kW, SoC ${s.soc.toFixed(1)} %`);
    }
    assert.deepEqual(breaches.slice(0, 5), [], `${breaches.length} seconds above the limit beyond the one-cycle lag`);

    // the SoC window held: never below the reserve by discharging
    const minSoc = Math.min(...seconds.map((s) => s.soc));
    assert.ok(minSoc > RESERVE - 0.5, `SoC went down to ${minSoc.toFixed(2)} %`);

    // writes when the setpoint moves (and as keep-alive), audits only when the source or limit changes
    assert.ok(writes > 100 && writes < DAY_S, `${writes} writes`);
    assert.ok(audits.length >= 1 && audits.length < 200, `${audits.length} audit records for a day`);
    assert.ok(audits.every((a) => a.type === 'control.machine' && a.actor === 'system:control-cycle'));
  });
});
