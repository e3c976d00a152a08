/**
 * Issue #9 item 3: limits that follow the site. The demo site with the Ampere D3.1 scenario's
 * contract (8 kW; the office building draws ~15 kW at night and more by day): the PCC import
 * alarm's setpoint is `{ ref: contractedPowerKw }`, so it alarms above 8 kW, not at a literal
 * 60 kW; a run-time change of the contracted power moves it; the SoC-low alarm follows the
 * battery's reserve. Real simulator over Modbus TCP, real bridges, the WebSocket API.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AlarmDefinition, AlarmListRes, PointState, SiteView } from '../../../core/common';
import { composeApp, type App } from '../../../electron/compose';
import { bootstrapUsers, signedIn, type Bootstrapped } from '../../support/auth';
import { waitFor, type TestClient } from '../../support/ws-client';

const ROOT = join(__dirname, '..', '..', '..');

describe('alarm limits follow the site parameters (Ampere: 8 kW contracted)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'esm-limits-'));
  let app: App;
  let users: Bootstrapped;
  let op: TestClient;

  before(async () => {
    const demo = readFileSync(join(ROOT, 'assets', 'sites', 'demo', 'site.yaml'), 'utf8');
    // the Ampere contract; the import alarm's on-delay shortened for the test (its setpoint is untouched: a ref);
    // the control cycle off, so the battery stays idle and the PCC carries the building's load
    const site = demo
      .replace(/contractedPowerKw: 60\b/, 'contractedPowerKw: 8')
      .replace(/^control:\n {2}enabled: true/m, 'control:\n  enabled: false')
      .replace(/(id: pcc-meter\.import\.H[\s\S]*?onDelayMs: )60000/, '$12000');
    assert.notEqual(site, demo);
    assert.match(site, /^control:\n {2}enabled: false/m, 'the control cycle is off in this copy');
    writeFileSync(join(dir, 'site.yaml'), site);
    app = await composeApp({ mode: 'browser', sitePath: join(dir, 'site.yaml'), ephemeralSimPorts: true, dataDir: join(dir, 'data'), web: { bind: '127.0.0.1', port: 0 } });
    users = await bootstrapUsers(app.host.url ?? '', app.host.setupToken);
    op = await signedIn(app.host.url ?? '', users.operator);
  });
  after(async () => {
    await op?.close();
    await users?.admin.close();
    await app?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const definition = async (id: string): Promise<AlarmDefinition> => {
    const defs = await users.admin.call<AlarmDefinition[]>('alarms.definitions.list');
    const d = defs.find((x) => x.id === id);
    assert.ok(d, id);
    return d;
  };

  it('the PCC import alarm and the SoC-low alarm take their setpoints from the site', async () => {
    const pcc = await definition('pcc-meter.import.H');
    assert.equal(pcc.type === 'limit' && pcc.setpoint, 8);
    assert.equal(pcc.type === 'limit' && pcc.setpointRef, 'contractedPowerKw');
    const soc = await definition('ess.soc.L');
    assert.equal(soc.type === 'limit' && soc.setpoint, 10, 'the battery reserve (limits.socMinPct)');
  });

  it('the site imports ~15 kW against an 8 kW contract: the import alarm is active', async () => {
    // no PV, the battery idle: the PCC carries the building (and any EV) load
    await users.admin.call('sim.set', { pvFactor: 0 });
    const kw = await waitFor(
      'the PCC above 9 kW',
      async () => {
        const s = (await op.call<PointState[]>('points.read', { ids: ['pcc-meter/ActivePower'] }))[0];
        return s && s.quality.level === 'good' && typeof s.value === 'number' && s.value > 9 ? s.value : undefined;
      },
      30_000,
    );
    assert.ok(kw > 8);
    const a = await waitFor(
      'the import alarm',
      async () => (await op.call<AlarmListRes>('alarms.list', { view: 'live' })).alarms.find((x) => x.id === 'pcc-meter.import.H' && x.active),
      30_000,
    );
    assert.equal(a.priority, 'high');
  });

  it('a run-time change of the contracted power (through the command pipeline) moves the alarm limit', async () => {
    const site = await op.call<SiteView>('site.get');
    const r = await op.call<{ ok: boolean }>('site.parameters.set', { siteId: site.id, parameter: 'contractedPowerKw', value: 150, reason: 'test' });
    assert.equal(r.ok, true, JSON.stringify(r));
    await waitFor('the alarm setpoint at 150 kW', async () => {
      const d = await definition('pcc-meter.import.H');
      return d.type === 'limit' && d.setpoint === 150 ? true : undefined;
    });
    await waitFor(
      'the import alarm to clear',
      async () => ((await op.call<AlarmListRes>('alarms.list', { view: 'live' })).alarms.find((x) => x.id === 'pcc-meter.import.H')?.active ? undefined : true),
      30_000,
    );
  });
});
