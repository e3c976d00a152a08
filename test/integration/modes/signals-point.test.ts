/**
 * Grid signals from a driver point (energy.11; issue #11 item 6), not only from a file: the demo
 * site in the host with the simulator over Modbus, its grid-signals controller mapping a device
 * channel as the TSO battery setpoint. The channel here is the PV inverter's active-power-limit
 * register (a real holding register of the simulated inverter, polled over Modbus TCP; a site
 * would map its TSO gateway's setpoint, e.g. the grid RTU's channels over IEC 104). The operator
 * writes 7 kW to it through the command pipeline; the device reports it; the cycle's grid-signals
 * controller asks the battery for 7 kW with the channel named as the source; the next plan holds
 * 7 kW as its target in the step now; and a mapped channel the site does not have is an alarm.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CommandResult, ControlStatus, ModeCommandResult, PlanRecord } from '../../../core/common';
import { loadSite } from '../../../core/config/load';
import { composeApp, findAppRoot, type App } from '../../../electron/compose';
import { bootstrapUsers, signedIn, type Bootstrapped } from '../../support/auth';
import { waitFor, type TestClient } from '../../support/ws-client';

const dir = mkdtempSync(join(tmpdir(), 'esm-sigpoint-'));
let app: App;
let users: Bootstrapped;
let op: TestClient;
let viewer: TestClient;

describe('grid signals from a device channel (demo site, simulator over Modbus)', () => {
  before(async () => {
    const root = findAppRoot();
    const site = join(dir, 'site.yaml');
    const yaml = readFileSync(join(root, 'assets', 'sites', 'demo', 'site.yaml'), 'utf8').replace(
      '    - { type: grid-signals, ess: ess }',
      '    - { type: grid-signals, ess: ess, points: { setpointKw: pv/ActivePowerLimit, exportMaxKw: pv/NoSuchChannel, source: TSO test channel } }',
    );
    assert.match(yaml, /setpointKw: pv\/ActivePowerLimit/);
    writeFileSync(site, yaml);
    app = await composeApp({ mode: 'browser', sitePath: site, ephemeralSimPorts: true, dataDir: join(dir, 'data'), web: { bind: '127.0.0.1', port: 0 }, planning: { startupDelayMs: 1000 } });
    users = await bootstrapUsers(app.host.url ?? '', app.host.setupToken);
    op = await signedIn(app.host.url ?? '', users.operator);
    viewer = await signedIn(app.host.url ?? '', users.viewer);
  });
  after(async () => {
    await op?.close();
    await viewer?.close();
    await users?.admin.close();
    await app?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a channel of an unknown asset is refused at load with file:line; one the site does not have is an alarm in words', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, readFileSync(join(dir, 'site.yaml'), 'utf8').replace('pv/NoSuchChannel', 'gateway/ExportLimit'));
    assert.throws(() => loadSite(bad, [join(findAppRoot(), 'assets', 'profiles')]), /bad\.yaml:\d+:\d+: control\.controllers\[1\]\.points\.exportMaxKw: unknown asset "gateway" in point "gateway\/ExportLimit"/);
    const a = await waitFor('signals.invalid', async () => app.host.svc.alarms.list({}).alarms.find((x) => x.id === 'signals.invalid' && x.active), 15_000);
    assert.match(String(a.value), /exportMaxKw: pv\/NoSuchChannel is not a point of any device/);
  });

  it('the operator writes 7 kW to the channel; the cycle and the next plan take it as the TSO setpoint', async () => {
    // plan following keeps no other writer on the battery's way; the dispatch does not touch the PV limit
    assert.ok((await op.call<ModeCommandResult>('modes.set', { mode: 'self-consumption', reason: 'test' })).ok);
    const w = await op.call<CommandResult>('command.execute', { siteId: app.host.siteId, target: 'pv/ActivePowerLimit', value: 7, unit: 'kW', reason: 'test', comment: 'TSO setpoint channel' });
    assert.equal(w.ok, true, JSON.stringify(w));
    const req = await waitFor(
      'the channel as the TSO setpoint in the cycle',
      async () => {
        const c = await viewer.call<ControlStatus>('control.status');
        const q = c.controllers.find((x) => x.id === 'grid-signals')?.requests.find((r) => r.target === 'ess/SetActivePower');
        return q?.value !== undefined && Math.abs(q.value - 7) < 0.01 ? q : undefined;
      },
      20_000,
    );
    assert.match(req.why, /TSO test channel/);
    assert.match(req.why, /TSO setpoint 7 kW/);
    // a changed channel value makes a new plan, with the setpoint as its target now
    const plan = await waitFor(
      'a plan holding the channel’s setpoint',
      async () => {
        const p = await viewer.call<PlanRecord | null>('plan.get', {});
        if (!p?.ok || !p.externalSignals || !/TSO battery setpoints/.test(p.externalSignals)) return undefined;
        const t = Math.floor((Date.now() - p.start) / (p.stepMinutes * 60_000));
        const kw = p.series?.storage.find((b) => b.id === 'ess')?.powerKw[t];
        return kw !== undefined && Math.abs(kw - 7) < 0.01 ? p : undefined;
      },
      90_000,
      500,
    );
    assert.match(plan.externalSignals ?? '', /held as targets/);
  });
});
