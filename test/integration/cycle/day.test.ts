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

describe('a simulated day on a virtual clock: plant + CVT + control cycle + machine lane', () => {
  it('without controllers the demo site exceeds its contracted power (the day has peaks to shave)', async () => {
    const { seconds, cpuMs } = await runDay({ controllers: null });
    baselineCpuMs = cpuMs;
    assert.equal(seconds.length, DAY_S);
    const over = seconds.filter((s) => s.pcc > LIMIT + 1);
    assert.ok(over.length > 600, `the uncontrolled site is above ${LIMIT} kW for ${over.length} s`);
  });

  it('with peak shaving the PCC stays under the contracted power while the SoC is above the reserve', async () => {
    const { seconds, audits, writes, cycles, wallMs, cpuMs } = await runDay({ controllers: CONTROLLERS });
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
