/**
 * A simulated day on one virtual clock: the demo site's plant physics (drivers/sim/model),
 * the Current Value Table, the control cycle (SoC protection + peak shaving) and the machine
 * lane writing into the plant — 86,400 one-second cycles with no timer of the wall clock.
 * The assertions are about behaviour, never about how long it took.
 *
 * Run: node --import tsx --test test/integration/cycle/day.test.ts
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DAY_S, PEAK_SHAVING, demo, runDay } from '../../support/sim-day';

const site = demo.site;
const LIMIT = site.site.pcc.contractedPowerKw; // 60 kW
const RESERVE = site.assets.find((a) => a.id === 'ess')?.limits?.socMinPct ?? 10;
/** MachineLane's default deadband, kW */
const DEADBAND = 0.05;
const CONTROLLERS = PEAK_SHAVING;

/** CPU of the day without controllers (plant + CVT), the same-run baseline for the log line */
let baselineCpuMs = 0;

/** the seconds (row indexes) of a day's column that pass a test */
function count(col: Float64Array, n: number, pass: (x: number) => boolean): number {
  let k = 0;
  for (let i = 0; i < n; i++) if (pass(col[i]!)) k++;
  return k;
}

describe('a simulated day on a virtual clock: plant + CVT + control cycle + machine lane', () => {
  it('without controllers the demo site exceeds its contracted power (the day has peaks to shave)', async () => {
    const { day, cpuMs } = await runDay({ controllers: null });
    baselineCpuMs = cpuMs;
    assert.equal(day.length, DAY_S);
    const over = count(day.pcc, day.length, (pcc) => pcc > LIMIT + 1);
    assert.ok(over > 600, `the uncontrolled site is above ${LIMIT} kW for ${over} s`);
  });

  it('with peak shaving the PCC stays under the contracted power while the SoC is above the reserve', async () => {
    const { day, audits, writes, cycles, wallMs, cpuMs } = await runDay({ controllers: CONTROLLERS });
    // reported, not asserted (tests never assert speed); the bench (npm run bench -- cycle) compares it with plant + CVT alone
    console.log(`a simulated day: ${cycles} cycles in ${Math.round(wallMs)} ms of wall time (${Math.round(cpuMs)} ms of CPU), ${writes} writes, ${audits.length} audit records; plant + CVT alone: ${Math.round(baselineCpuMs)} ms of CPU`);
    assert.equal(cycles, DAY_S);
    assert.equal(day.length, DAY_S);
    const n = day.length;
    // the battery did real work: it discharged into the peaks and recharged
    assert.ok(count(day.ess, n, (ess) => ess > 10) > 0, 'the battery discharged');
    assert.ok(count(day.ess, n, (ess) => ess < -5) > 0, 'the battery recharged');
    const peaks = count(day.net, n, (net) => net > LIMIT + 1);
    assert.ok(peaks > 600, `the site needs shaving for ${peaks} s`);

    // the controller acts on the previous second's measurement: a load step inside one second
    // (an EV starting at 22 kW) shows once at the PCC and is answered in the next cycle
    const breaches: string[] = [];
    for (let i = 1; i < n; i++) {
      const pcc = day.pcc[i]!;
      const net = day.net[i]!;
      const prevNet = day.net[i - 1]!;
      const canDischarge = day.soc[i - 1]! > RESERVE && day.maxDis[i - 1]! > net - LIMIT;
      if (!canDischarge || pcc <= LIMIT + 1e-6) continue;
      const step = net - prevNet;
      // above the limit by no more than the load moved since the last measurement, plus the
      // lane's deadband (a change under 0.05 kW is not written)
      if (pcc - LIMIT > Math.max(0, step) + DEADBAND + 1e-6) breaches.push(`${new Date(day.t[i]!).toISOString()}: PCC ${pcc.toFixed(2)} kW, load step ${step.toFixed(2)} kW, SoC ${day.soc[i]!.toFixed(1)} %`);
    }
    assert.deepEqual(breaches.slice(0, 5), [], `${breaches.length} seconds above the limit beyond the one-cycle lag`);

    // the SoC window held: never below the reserve by discharging
    let minSoc = Number.POSITIVE_INFINITY;
    for (let i = 0; i < n; i++) minSoc = Math.min(minSoc, day.soc[i]!);
    assert.ok(minSoc > RESERVE - 0.5, `SoC went down to ${minSoc.toFixed(2)} %`);

    // writes when the setpoint moves (and as keep-alive), audits only when the source or limit changes
    assert.ok(writes > 100 && writes < DAY_S, `${writes} writes`);
    assert.ok(audits.length >= 1 && audits.length < 200, `${audits.length} audit records for a day`);
    assert.ok(audits.every((a) => a.type === 'control.machine' && a.actor === 'system:control-cycle'));
  });
});
