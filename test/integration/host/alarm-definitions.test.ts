/**
 * Alarm definitions edited by an administrator (issue #4) through the real API: the edit changes
 * the running engine, is kept in the application database over the site file, and survives a
 * restart on the same data folder; an edit that no longer validates is skipped with a system
 * alarm, not a crash; operators may not edit; invalid definitions are refused with the path;
 * the effective definitions export as site-file YAML.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { parse } from 'yaml';
import type { AlarmDefinition, AlarmDefinitionOverrideInfo, AlarmDefinitionsExport, AlarmListRes, AuditEntry, SiteView } from '../../../core/common';
import { composeApp, type App } from '../../../electron/compose';
import { ADMIN, bootstrapUsers, signedIn, type Bootstrapped } from '../../support/auth';
import { ApiCallError, type TestClient } from '../../support/ws-client';

const dataDir = mkdtempSync(join(tmpdir(), 'esm-alarmdefs-'));
const start = (): Promise<App> => composeApp({ mode: 'browser', ephemeralSimPorts: true, dataDir, web: { bind: '127.0.0.1', port: 0 } });

describe('alarm definitions edited by an administrator persist over the site file', () => {
  let app: App | undefined;
  let users: Bootstrapped;
  let admin: TestClient;
  let operator: TestClient;
  let ess: string;
  let deletedId: string;
  const clients: TestClient[] = [];
  const addedId = (): string => `${ess}.soc.test-H`;

  before(async () => {
    app = await start();
    users = await bootstrapUsers(app.host.url ?? '', app.host.setupToken);
    admin = users.admin;
    clients.push(admin);
    operator = await signedIn(app.host.url ?? '', users.operator);
    clients.push(operator);
    const site = await admin.call<SiteView>('site.get');
    ess = site.assets.find((a) => a.nature === 'Ess')?.id ?? '';
    assert.ok(ess, 'the demo site has a battery');
  });
  after(async () => {
    for (const c of clients) await c.close().catch(() => undefined);
    await app?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('an administrator adds, changes and deletes definitions; the engine follows at once', async () => {
    const defs = await admin.call<AlarmDefinition[]>('alarms.definitions.list');
    const fault = defs.find((d) => d.type === 'state');
    assert.ok(fault, 'the site file has a state alarm');
    deletedId = fault.id;

    const added = await admin.call<AlarmDefinition>('alarms.definitions.upsert', {
      definition: { id: addedId(), type: 'limit', point: `${ess}/Soc`, level: 'H', setpoint: 150, deadband: 1, priority: 'low', class: 'process', message: 'test: SoC above 150 %' },
    });
    assert.equal(added.onDelayMs, 0, 'defaults filled in');
    const changed = await admin.call<AlarmDefinition>('alarms.definitions.upsert', {
      definition: { ...defs.find((d) => d.id === `${ess}.temperature.H`), setpoint: 41 },
    });
    assert.equal((changed as { setpoint?: number }).setpoint, 41);
    assert.deepEqual(await admin.call('alarms.definitions.delete', { id: deletedId }), { deleted: true });
    assert.deepEqual(await admin.call('alarms.definitions.delete', { id: 'no.such.alarm' }), { deleted: false });

    const now = await admin.call<AlarmDefinition[]>('alarms.definitions.list');
    assert.ok(now.some((d) => d.id === addedId()));
    assert.ok(!now.some((d) => d.id === deletedId));
    const info = await admin.call<AlarmDefinitionOverrideInfo[]>('alarms.definitions.overrides');
    assert.deepEqual(
      info.map((o) => [o.id, o.kind, o.updatedBy]).sort(),
      [
        [addedId(), 'added', ADMIN.username],
        [`${ess}.temperature.H`, 'changed', ADMIN.username],
        [deletedId, 'deleted', ADMIN.username],
      ].sort(),
    );
    const audit = await admin.call<AuditEntry[]>('audit.query', { type: 'config.alarmDefinition' });
    assert.ok(audit.some((r) => r.target === deletedId && r.after === null && r.before !== null), 'the deletion is audited with the before image');
    assert.ok(audit.some((r) => r.target === addedId() && r.before === null), 'the addition is audited');
  });

  it('an operator may not edit definitions; invalid ones are refused with the path', async () => {
    await assert.rejects(
      operator.call('alarms.definitions.upsert', { definition: { id: 'op.try', type: 'system', priority: 'low', message: 'x' } }),
      (e: unknown) => e instanceof ApiCallError && e.body.code === 'forbidden',
    );
    await assert.rejects(operator.call('alarms.definitions.delete', { id: deletedId }), (e: unknown) => e instanceof ApiCallError && e.body.code === 'forbidden');
    await assert.rejects(operator.call('alarms.definitions.export', {}), (e: unknown) => e instanceof ApiCallError && e.body.code === 'forbidden');
    // schema: the dispatcher names the field
    await assert.rejects(
      admin.call('alarms.definitions.upsert', { definition: { id: 'bad.one', type: 'limit', point: `${ess}/Soc`, level: 'H', setpoint: 'high', priority: 'low', message: 'x' } }),
      (e: unknown) => e instanceof ApiCallError && e.body.code === 'bad-request' && e.body.path === 'definition.setpoint',
    );
    // semantics: the engine names the field (unknown point)
    await assert.rejects(
      admin.call('alarms.definitions.upsert', { definition: { id: 'bad.two', type: 'limit', point: 'nowhere/Soc', level: 'H', setpoint: 1, priority: 'low', message: 'x' } }),
      (e: unknown) => e instanceof ApiCallError && e.body.code === 'bad-request' && e.body.path === 'point',
    );
    const v = await admin.call<{ ok: boolean; issues: Array<{ path: string }> }>('alarms.definitions.validate', {
      definition: { id: 'bad.three', type: 'expression', expr: `${ess}/Soc >`, priority: 'low', message: 'x' },
    });
    assert.equal(v.ok, false);
    assert.equal(v.issues[0]?.path, 'expr');
    const defs = await admin.call<AlarmDefinition[]>('alarms.definitions.list');
    assert.ok(!defs.some((d) => d.id.startsWith('bad.') || d.id === 'op.try'), 'nothing refused was kept');
    const info = await admin.call<AlarmDefinitionOverrideInfo[]>('alarms.definitions.overrides');
    assert.equal(info.length, 3, 'nothing refused was stored');
  });

  it('the edits survive a restart on the same data folder; a stale edit is skipped with a system alarm', async () => {
    for (const c of clients.splice(0)) await c.close();
    await app?.stop();
    app = undefined;
    // an edit whose point no longer exists (as if the site file had lost the asset)
    const db = new Database(join(dataDir, 'esm.sqlite'));
    db.prepare('INSERT INTO alarm_definition_overrides (id, definition_json, updated_at, updated_by) VALUES (?, ?, ?, ?)').run(
      'stale.edit',
      JSON.stringify({ id: 'stale.edit', type: 'limit', point: 'gone/Power', level: 'H', setpoint: 1, priority: 'low', message: 'stale' }),
      Date.now(),
      'admin',
    );
    db.close();

    app = await start();
    admin = await signedIn(app.host.url ?? '', ADMIN);
    clients.push(admin);
    const defs = await admin.call<AlarmDefinition[]>('alarms.definitions.list');
    const added = defs.find((d) => d.id === addedId());
    assert.ok(added, 'the added definition is back');
    assert.equal((added as { setpoint?: number }).setpoint, 150);
    assert.equal((defs.find((d) => d.id === `${ess}.temperature.H`) as { setpoint?: number }).setpoint, 41, 'the change is back');
    assert.ok(!defs.some((d) => d.id === deletedId), 'the deleted site-file definition stays deleted');
    assert.ok(!defs.some((d) => d.id === 'stale.edit'), 'the stale edit is not applied');
    const live = await admin.call<AlarmListRes>('alarms.list', { view: 'live' });
    const sys = live.alarms.find((a) => a.id === 'system.alarm-definition-edits');
    assert.ok(sys && sys.active, 'a system alarm tells that an edit was skipped');
    assert.match(String(sys.value), /stale\.edit: point: unknown point/);

    const exp = await admin.call<AlarmDefinitionsExport>('alarms.definitions.export', {});
    assert.match(exp.filename, /\.yaml$/);
    const doc = parse(exp.yaml) as { alarms: { definitions: Array<Record<string, unknown>> } };
    const ids = doc.alarms.definitions.map((d) => d.id);
    assert.equal(ids.length, defs.length);
    assert.ok(ids.includes(addedId()) && !ids.includes(deletedId));
    const h = doc.alarms.definitions.find((d) => d.id === `${ess}.temperature.H`);
    assert.equal(h?.setpoint, 41);
    assert.equal(h?.offDelayMs, undefined, 'defaults are left out');
    assert.match(exp.yaml, /^# ES Manager: the alarm definitions in effect/);
  });
});
