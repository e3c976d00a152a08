/**
 * The demo site's grid-connection RTU in the running application: the simulator serves it
 * over IEC 60870-5-104 on two front ends (a redundancy group), the app's 104 bridge reads it
 * (general interrogation at start, spontaneous values with time tags, quality) and commands
 * go through the real WebSocket API and the command pipeline: permission, validation against
 * the profile's states, audit, the select-before-operate breaker command with its field
 * stages (select, execute, termination) read back from the breaker position, and the export
 * limit set-point read back from its monitor object.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { DeviceStatus, PointState, SiteView } from '../../../core/common';
import type { CommandResult, SelectResult } from '../../../core/common/security';
import { composeApp, type App } from '../../../electron/compose';
import { bootstrapUsers, signedIn, type Bootstrapped } from '../../support/auth';
import { waitFor, type TestClient } from '../../support/ws-client';

async function command(op: TestClient, siteId: string, target: string, value: number): Promise<CommandResult | SelectResult> {
  const sel = await op.call<SelectResult>('command.select', { siteId, target, value, reason: 'test' });
  if (!sel.ok) return sel;
  return op.call<CommandResult>('command.execute', { siteId, target, value, reason: 'test', confirmToken: sel.token });
}

describe('the demo grid-connection RTU over IEC 104 in the application', () => {
  let app: App;
  let users: Bootstrapped;
  let op: TestClient;
  let viewer: TestClient;
  let site: SiteView;
  const dataDir = mkdtempSync(join(tmpdir(), 'esm-104-app-'));
  const read = async (id: string): Promise<PointState> => (await op.call<PointState[]>('points.read', { ids: [id] }))[0] as PointState;

  before(async () => {
    app = await composeApp({ mode: 'browser', ephemeralSimPorts: true, dataDir, web: { bind: '127.0.0.1', port: 0 } });
    users = await bootstrapUsers(app.host.url ?? '', app.host.setupToken);
    op = await signedIn(app.host.url ?? '', users.operator);
    viewer = await signedIn(app.host.url ?? '', users.viewer);
    site = await op.call<SiteView>('site.get');
    await op.call('auth.reauth', { password: users.operator.password });
  });
  after(async () => {
    await op?.close();
    await viewer?.close();
    await users?.admin.close();
    await app?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is online on its redundancy group, and its values are live with quality and source time', async () => {
    const rtu = await waitFor(
      'the RTU online',
      async () => {
        const d = (await op.call<DeviceStatus[]>('devices.list')).find((x) => x.id === 'grid-rtu');
        return d?.state === 'online' ? d : undefined;
      },
      20_000,
    );
    assert.equal(rtu.protocol, 'iec104');
    assert.match(rtu.address, /^127\.0\.0\.1:\d+ \| 127\.0\.0\.1:\d+ CA 1$/, 'both front ends of the group');
    const p = await waitFor('GridActivePower', async () => {
      const s = await read('pcc-meter/GridActivePower');
      return s.quality.level === 'good' && typeof s.value === 'number' ? s : undefined;
    });
    // the RTU's transducer and the Modbus meter see the same plant (each at its own moment:
    // wait for a moment when both are fresh and agree)
    await waitFor(
      'the RTU and the Modbus meter agreeing on the PCC power',
      async () => {
        const [rtu, meter] = await op.call<PointState[]>('points.read', { ids: ['pcc-meter/GridActivePower', 'pcc-meter/ActivePower'] });
        return typeof rtu?.value === 'number' && typeof meter?.value === 'number' && Math.abs(rtu.value - meter.value) < 3 ? true : undefined;
      },
      30_000,
    );
    const f = await read('pcc-meter/GridFrequency');
    assert.ok(typeof f.value === 'number' && Math.abs(f.value - 50) < 0.5, `frequency ${String(f.value)} Hz (normalised at 100 Hz full scale)`);
    const u = await read('pcc-meter/GridVoltage');
    assert.ok(typeof u.value === 'number' && u.value > 200 && u.value < 260, `voltage ${String(u.value)} V`);
    assert.equal((await read('pcc-meter/GridBreaker')).value, 2, 'the breaker is closed at start');
    // spontaneous values carry the RTU's CP56Time2a: the source time moves
    const t1 = p.ts;
    await waitFor('a spontaneous update', async () => ((await read('pcc-meter/GridActivePower')).ts > t1 ? true : undefined), 10_000);
  });

  it('commands through the pipeline: permission, states, SBO breaker with its field stages, set-point read back, audit', async () => {
    await assert.rejects(viewer.call('command.execute', { siteId: site.id, target: 'pcc-meter/GridBreakerCommand', value: 1, reason: 'test' }), /forbidden|not allowed|permission/i);
    const bad = await command(op, site.id, 'pcc-meter/GridBreakerCommand', 3);
    assert.ok(!bad.ok && bad.rule === 'value.not-a-state', JSON.stringify(bad));
    assert.equal((await read('pcc-meter/GridBreaker')).value, 2, 'nothing reached the RTU');

    const open = await command(op, site.id, 'pcc-meter/GridBreakerCommand', 1);
    assert.ok(open.ok && open.stage === 'done', JSON.stringify(open));
    assert.deepEqual(open.fieldStages?.map((s) => s.stage), ['selected', 'operated', 'terminated'], 'select, execute and termination of C_DC_NA_1');
    await waitFor('the breaker open', async () => ((await read('pcc-meter/GridBreaker')).value === 1 ? true : undefined), 10_000);
    const close = await command(op, site.id, 'pcc-meter/GridBreakerCommand', 2);
    assert.ok(close.ok, JSON.stringify(close));
    await waitFor('the breaker closed', async () => ((await read('pcc-meter/GridBreaker')).value === 2 ? true : undefined), 10_000);

    const limit = await command(op, site.id, 'pcc-meter/ExportLimit', 45.5);
    assert.ok(limit.ok && limit.stage === 'done', JSON.stringify(limit));
    assert.equal(limit.readback, 45.5, 'read back from IOA 4001');

    const audit = await users.admin.call<Array<{ type: string; target?: string; outcome: string }>>('audit.query', { type: 'command.' });
    const mine = audit.filter((e) => e.target === 'pcc-meter/GridBreakerCommand' || e.target === 'pcc-meter/ExportLimit');
    assert.ok(mine.some((e) => e.target === 'pcc-meter/GridBreakerCommand' && e.outcome === 'ok'), JSON.stringify(mine.slice(0, 5)));
    assert.ok(mine.some((e) => e.target === 'pcc-meter/ExportLimit' && e.outcome === 'ok'), JSON.stringify(mine.slice(0, 5)));
    const rtu = (await op.call<DeviceStatus[]>('devices.list')).find((x) => x.id === 'grid-rtu')!;
    assert.ok((rtu.stats?.ok ?? 0) > 3 && (rtu.stats?.bytesIn ?? 0) > 0, JSON.stringify(rtu.stats));
  });
});
