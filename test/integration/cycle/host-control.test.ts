/**
 * The control cycle in the running host: the demo site with `control:` enabled (SoC
 * protection + peak shaving), the plant simulator over Modbus TCP on loopback, the real
 * bridges, the machine lane and the API's read-only `control.status`. An operator's setpoint
 * to the same point succeeds while the cycle writes, and the lane holds the point for them.
 *
 * Run: node --import tsx --test test/integration/cycle/host-control.test.ts
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ActiveCommand, CommandResult, ControlStatus, PointState, SimState } from '../../../core/common';
import { composeApp, findAppRoot, type App } from '../../../electron/compose';
import { bootstrapUsers, signedIn, type Bootstrapped } from '../../support/auth';
import { waitFor, type TestClient } from '../../support/ws-client';

const dir = mkdtempSync(join(tmpdir(), 'esm-control-'));
let app: App;
let users: Bootstrapped;
let op: TestClient;

/** the demo site's control section replaced by SoC protection + peak shaving, with a short operator hold */
function enableControl(yaml: string): string {
  const on = yaml.replace(/^control:\n[\s\S]*?\n(?=simulation:)/m, 'control:\n  enabled: true\n  periodMs: 1000\n  operatorHoldMs: 20000\n  controllers:\n    - { type: soc-protection, ess: ess }\n    - { type: peak-shaving, ess: ess, rechargeKw: 20 }\n\n');
  assert.notEqual(on, yaml, 'the demo site has a control section');
  assert.match(on, /operatorHoldMs: 20000/);
  return on;
}

describe('the control cycle in the host (demo site with peak shaving enabled)', () => {
  before(async () => {
    const root = findAppRoot();
    const site = join(dir, 'site.yaml');
    writeFileSync(site, enableControl(readFileSync(join(root, 'assets', 'sites', 'demo', 'site.yaml'), 'utf8')));
    app = await composeApp({ mode: 'browser', sitePath: site, ephemeralSimPorts: true, dataDir: join(dir, 'data'), web: { bind: '127.0.0.1', port: 0 } });
    users = await bootstrapUsers(app.host.url ?? '', app.host.setupToken);
    op = await signedIn(app.host.url ?? '', users.operator);
  });
  after(async () => {
    await op?.close();
    await users?.admin.close();
    await app?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('holds the PCC at the contracted power under a load step and shows the setpoint source', async () => {
    // 90 kW more building load: without the battery the PCC would be far above 60 kW
    await op.call<SimState>('sim.set', { loadStepKw: 90 });
    const status = await waitFor(
      'peak shaving to take the PCC to 60 kW',
      async () => {
        const s = await op.call<ControlStatus>('control.status');
        const [pcc] = await op.call<PointState[]>('points.read', { ids: ['pcc-meter/ActivePower'] });
        const sp = s.setpoints.find((x) => x.target === 'ess/SetActivePower');
        return sp?.source === 'peak-shaving' && sp.requested > 20 && typeof pcc?.value === 'number' && pcc.value <= 61.5 && sp.lane.readback === 'ok' ? s : undefined;
      },
      30_000,
    );
    assert.equal(status.enabled, true);
    assert.equal(status.running, true);
    assert.deepEqual(status.controllers.map((c) => [c.priority, c.id, c.label]), [[1, 'soc-protection', 'SoC protection'], [2, 'peak-shaving', 'Peak shaving']]);
    const sp = status.setpoints.find((x) => x.target === 'ess/SetActivePower');
    assert.match(sp?.why ?? '', /above the 60 kW limit: discharging/);
    assert.equal(sp?.lane.status === 'written' || sp?.lane.status === 'unchanged', true, JSON.stringify(sp));
    // "who drives the battery now" for the screens: the controller, by name
    const active = await op.call<ActiveCommand[]>('control.active');
    const a = active.find((x) => x.target === 'ess/SetActivePower');
    assert.equal(a?.source, 'controller');
    assert.equal(a?.actorName, 'Peak shaving');
    assert.equal(a?.unit, 'kW');
  });

  it('an operator setpoint succeeds while the cycle writes; the lane holds the point, then takes it back', async () => {
    // the extra load goes; a person asks for a modest discharge (within the contract)
    await op.call<SimState>('sim.set', { loadStepKw: 0 });
    await waitFor('the PCC back under the limit without the step', async () => {
      const [pcc] = await op.call<PointState[]>('points.read', { ids: ['pcc-meter/ActivePower'] });
      return typeof pcc?.value === 'number' && pcc.value < 50 ? pcc : undefined;
    }, 20_000);
    const r = await op.call<CommandResult>('command.execute', { siteId: 'demo', target: 'ess/SetActivePower', value: 5, unit: 'kW', reason: 'test', comment: 'manual while peak shaving' });
    assert.equal(r.ok, true, JSON.stringify(r));
    const held = await op.call<ControlStatus>('control.status');
    assert.equal(held.setpoints.find((x) => x.target === 'ess/SetActivePower')?.lane.status, 'held');
    const manual = (await op.call<ActiveCommand[]>('control.active')).find((x) => x.target === 'ess/SetActivePower');
    assert.equal(manual?.source, 'operator');
    const back = await waitFor(
      'the controllers to take the point back after the hold',
      async () => {
        const s = await op.call<ControlStatus>('control.status');
        const sp = s.setpoints.find((x) => x.target === 'ess/SetActivePower');
        return sp && sp.lane.status !== 'held' ? sp : undefined;
      },
      40_000,
    );
    assert.equal(back.source, 'peak-shaving');
    // the audit tells the story in a few records, not one a second
    const entries = await users.admin.call<Array<{ type: string; actor: string; after: { state?: string } | null }>>('audit.query', { type: 'control.machine', limit: 100 });
    const states = entries.map((e) => e.after?.state).reverse();
    assert.ok(states.includes('held'), JSON.stringify(states));
    assert.ok(entries.every((e) => e.actor === 'system:control-cycle'));
    assert.ok(entries.length < 20, `${entries.length} machine-lane audit records in about a minute of control`);
  });
});
