/**
 * A study never reaches a field device (issue #15): the demo site's simulator runs with its
 * devices on loopback and records every write into its plant, whatever protocol brings it;
 * a study of the same site (all strategies, the optimiser in the loop) runs to its end in the
 * study worker, and the simulator has recorded nothing. A Modbus write from this test first
 * proves the recorder sees writes.
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import ModbusRTU from 'modbus-serial';
import { isModbusTcpDevice } from '../../../core/common';
import type { StudyRunState } from '../../../core/common/study';
import { defaultProfileDirs, loadSite } from '../../../core/config/load';
import { StudyRunner } from '../../../core/study/runner';
import { specFromSite } from '../../../core/study/spec';
import { startSimulator, type SimWrite, type SimulatorHandle } from '../../../drivers/sim/serve';

const ROOT = join(__dirname, '..', '..', '..');

describe('a study beside the live plant', () => {
  let sim: SimulatorHandle;
  const modbus = new ModbusRTU();
  const writes: SimWrite[] = [];

  before(async () => {
    const loaded = loadSite(join(ROOT, 'assets', 'sites', 'demo', 'site.yaml'), defaultProfileDirs(ROOT));
    sim = await startSimulator({ site: loaded.site, profiles: loaded.profiles, ephemeralPorts: true, stepMs: 100 });
    sim.onWrite((w) => writes.push(w));
    const pcs = sim.site.devices.find((d) => d.id === 'pcs');
    assert.ok(pcs && isModbusTcpDevice(pcs));
    await modbus.connectTCP(pcs.connection.host, { port: pcs.connection.port });
    modbus.setID(pcs.connection.unitId);
    modbus.setTimeout(2000);
  });

  after(async () => {
    await new Promise<void>((r) => modbus.close(() => r()));
    await sim?.stop();
  });

  it('records a field write (the recorder works)', async () => {
    // holding register 100 of the PCS: Mode (0 = remote setpoint, what it already is)
    await modbus.writeRegister(100, 0);
    assert.deepEqual(writes, [{ asset: 'ess', channel: 'Mode', value: 0 }]);
    writes.length = 0;
  });

  it('runs a whole study of the same site without one write into the plant', async () => {
    const loaded = loadSite(join(ROOT, 'assets', 'sites', 'demo', 'site.yaml'), defaultProfileDirs(ROOT));
    const spec = specFromSite(loaded.site, { start: '2026-03-02', days: 3 });
    spec.strategies.push({ id: 'tariff', name: 'Tariff', mode: 'tariff', objective: 'cost', degradationWeight: 1 }, { id: 'peak', name: 'Peak shaving', mode: 'peak-shaving', objective: 'cost', degradationWeight: 1 });
    const setpointBefore = (sim.plant().assets as Record<string, Record<string, number>>).ess?.SetActivePower;
    const states: StudyRunState[] = [];
    const runner = new StudyRunner((s) => states.push(s));
    const run = runner.start('no-field', spec);
    const results = await run.done;
    assert.ok(results, 'the study finished');
    assert.equal(results.strategies.length, 4);
    // the study commanded its own battery all along...
    for (const st of results.strategies) assert.ok(st.totals.throughputKwh > 0, `${st.strategyId} moved its battery`);
    assert.ok(states.some((s) => s.state === 'running' && s.done > 0));
    assert.equal(states.at(-1)?.state, 'finished');
    // ...and the field saw none of it
    assert.deepEqual(writes, []);
    assert.equal((sim.plant().assets as Record<string, Record<string, number>>).ess?.SetActivePower, setpointBefore);
  });
});
