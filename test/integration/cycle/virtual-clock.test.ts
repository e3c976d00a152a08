/**
 * The plant simulator on a virtual clock: its step timer and the real time it measures come
 * from the injected Scheduler, so ten simulated minutes pass without ten minutes of waiting,
 * and the devices' Modbus images follow (read here through the plant handle).
 *
 * Run: node --import tsx --test test/integration/cycle/virtual-clock.test.ts
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { VirtualScheduler } from '../../../core/common';
import { isModbusProfile, type ModbusProfile } from '../../../core/common/site';
import { loadSite } from '../../../core/config/load';
import { startSimulator } from '../../../drivers/sim/serve';

const ROOT = join(__dirname, '..', '..', '..');

describe('the simulator on a virtual clock', () => {
  it('steps the plant as the virtual clock moves, not as the wall clock does', async () => {
    const loaded = loadSite(join(ROOT, 'assets', 'sites', 'demo', 'site.yaml'), [join(ROOT, 'assets', 'profiles')]);
    const profiles = new Map<string, ModbusProfile>();
    for (const [id, p] of loaded.profiles) if (isModbusProfile(p)) profiles.set(id, p);
    const start = Date.UTC(2026, 0, 5, 11);
    const clock = new VirtualScheduler(start);
    const sim = await startSimulator({ site: loaded.site, profiles, ephemeralPorts: true, host: '127.0.0.1', startTime: start, scheduler: clock, stepMs: 1000 });
    try {
      const t0 = sim.get().simTime;
      const wall0 = Date.now();
      clock.advance(600_000);
      const moved = sim.get().simTime - t0;
      assert.ok(Math.abs(moved - 600_000) < 1000, `the plant moved ${moved} ms for 600 000 ms of virtual time`);
      assert.ok(Date.now() - wall0 < 600_000);
      const p = sim.plant() as { steps: number };
      assert.ok(p.steps >= 600, `${p.steps} steps`);
      await sim.set({ speed: 60 });
      const t1 = sim.get().simTime;
      clock.advance(10_000);
      assert.ok(Math.abs(sim.get().simTime - t1 - 600_000) < 60_000, 'speed 60: ten virtual seconds are ten simulated minutes');
    } finally {
      await sim.stop();
    }
    assert.equal(clock.pending(), 0, 'stopping the simulator cancels its timer');
  });
});
