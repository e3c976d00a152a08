/**
 * Every role × every API method through the real WebSocket API, and the command pipeline
 * commanding the simulated battery over real Modbus: permission, limits, maintenance,
 * reason, select-before-operate, audit.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BUILTIN_ROLES, METHOD_CAPABILITIES, METHOD_NAMES, type AuditEntry, type CommandResult, type PointState, type SelectResult, type SiteView } from '../../../core/common';
import { composeApp, type App } from '../../../electron/compose';
import { bootstrapUsers, signedIn, type Bootstrapped } from '../../support/auth';
import { ApiCallError, waitFor, type TestClient } from '../../support/ws-client';

const FIELD = { username: 'field1', password: 'Copper-Valley-58!' };
const ROLE_USERS = ['administrator', 'operator', 'field-staff', 'viewer'] as const;

describe('permissions and commands through the real API', () => {
  let app: App;
  let users: Bootstrapped;
  let site: SiteView;
  const clients = new Map<string, TestClient>();
  const dataDir = mkdtempSync(join(tmpdir(), 'esm-perm-'));

  before(async () => {
    app = await composeApp({ mode: 'browser', ephemeralSimPorts: true, dataDir, web: { bind: '127.0.0.1', port: 0 } });
    const url = app.host.url ?? '';
    users = await bootstrapUsers(url, app.host.setupToken);
    site = await users.admin.call<SiteView>('site.get');
    await users.admin.call('users.create', { ...FIELD, displayName: 'Fiona Field', roles: ['field-staff'], sites: [site.id], mustChangePassword: false });
    clients.set('administrator', users.admin);
    clients.set('operator', await signedIn(url, users.operator));
    clients.set('field-staff', await signedIn(url, FIELD));
    clients.set('viewer', await signedIn(url, users.viewer));
  });
  after(async () => {
    for (const c of clients.values()) await c.close();
    await app?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('allows and refuses every method exactly as METHOD_CAPABILITIES and the roles say', async () => {
    const caps = new Map(BUILTIN_ROLES.map((r) => [r.id, new Set<string>(r.capabilities)]));
    const mismatches: string[] = [];
    let refusals = 0;
    for (const role of ROLE_USERS) {
      const c = clients.get(role);
      assert.ok(c);
      for (const method of METHOD_NAMES) {
        if (method === 'auth.signOut') continue; // would end the session used here; tested below
        const access = METHOD_CAPABILITIES[method];
        const arg = access.access === 'capability' && access.site === 'arg' ? { siteId: site.id } : {};
        const allowed = access.access !== 'capability' || access.anyOf.some((cap) => caps.get(role)?.has(cap));
        let code = 'ok';
        let rule: string | undefined;
        try {
          await c.call(method, arg);
        } catch (e) {
          assert.ok(e instanceof ApiCallError, `${role} ${method}: ${String(e)}`);
          code = e.body.code;
          rule = e.body.rule;
        }
        const refused = code === 'forbidden' || code === 'unauthenticated';
        if (refused) refusals++;
        if (allowed && refused) mismatches.push(`${role} ${method}: refused (${code} ${rule ?? ''}) but the role may`);
        if (!allowed && code !== 'forbidden') mismatches.push(`${role} ${method}: expected forbidden, got ${code}`);
        if (!allowed && !rule) mismatches.push(`${role} ${method}: a refusal without the rule that refused`);
      }
    }
    assert.deepEqual(mismatches, []);
    assert.ok(refusals > 40, `refusals: ${refusals}`);
    const refusedEntries = await users.admin.call<AuditEntry[]>('audit.query', { type: 'access.refused', limit: 1000 });
    assert.equal(refusedEntries.length, refusals, 'every refusal is in the audit log');
    assert.ok(refusedEntries.every((e) => e.rule && e.target), 'with the rule and the method');
  });

  it('lets an operator command the battery with a reason, read back from the device, and audits it', async () => {
    const op = clients.get('operator');
    assert.ok(op);
    const ess = site.assets.find((a) => a.nature === 'Ess');
    assert.ok(ess);
    const target = `${ess.id}/SetActivePower`;
    await waitFor('good battery values', async () => {
      const [s] = await op.call<PointState[]>('points.read', { ids: [`${ess.id}/Soc`] });
      return s?.quality.level === 'good' ? true : undefined;
    });

    const noReason = await op.call<CommandResult>('command.execute', { siteId: site.id, target, value: 20, unit: 'kW' });
    assert.equal(noReason.ok, false);
    assert.equal(!noReason.ok && noReason.stage, 'reason', JSON.stringify(noReason));

    const tooMuch = await op.call<CommandResult>('command.execute', { siteId: site.id, target, value: 450, unit: 'kW', reason: 'test' });
    assert.ok(!tooMuch.ok && ['validation', 'interlock'].includes(tooMuch.stage), JSON.stringify(tooMuch));

    const ok = await op.call<CommandResult>('command.execute', { siteId: site.id, target, value: 20, unit: 'kW', reason: 'test', comment: 'integration test' });
    if (!ok.ok) {
      const log = await users.admin.call<AuditEntry[]>('audit.query', { type: 'command.', limit: 20 });
      assert.fail(`${JSON.stringify(ok)}\naudit: ${JSON.stringify(log.map((e) => [e.seq, e.ts, e.actor, e.type, e.outcome, e.rule, e.after]))}`);
    }
    assert.equal(ok.readback, 20);
    const power = await waitFor('the battery to discharge about 20 kW', async () => {
      const [p] = await op.call<PointState[]>('points.read', { ids: [`${ess.id}/ActivePower`] });
      return typeof p?.value === 'number' && Math.abs(p.value - 20) < 2 ? p.value : undefined;
    }, 15_000);
    assert.ok(power > 0, 'positive = discharge');

    await op.call('alarms.setAssetMode', { assetId: ess.id, mode: 'maintenance', reason: 'inverter inspection' });
    const locked = await op.call<CommandResult>('command.execute', { siteId: site.id, target, value: 0, unit: 'kW', reason: 'test' });
    assert.ok(!locked.ok && locked.stage === 'asset-state', JSON.stringify(locked));
    await op.call('alarms.setAssetMode', { assetId: ess.id, mode: 'in-service' });

    const back = await op.call<CommandResult>('command.execute', { siteId: site.id, target, value: 0, unit: 'kW', reason: 'test' });
    assert.ok(back.ok, JSON.stringify(back));

    const entries = await users.admin.call<AuditEntry[]>('audit.query', { type: 'command.', limit: 100 });
    const result = entries.find((e) => e.type === 'command.result' && e.actor === 'operator1' && e.target === target);
    assert.ok(result, `audit: ${entries.map((e) => `${e.type}/${e.actor}/${e.outcome}`).join(', ')}`);
    assert.equal(result.reason, 'test');
    assert.ok(entries.some((e) => e.outcome === 'refused' && e.actor === 'operator1'), 'refusals are audited too');
    const verify = await users.admin.call<{ ok: boolean }>('audit.verify');
    assert.equal(verify.ok, true);
  });

  it('needs select-before-operate and a fresh password for an operating-mode change', async () => {
    const op = clients.get('operator');
    assert.ok(op);
    const pcsMode = (await op.call<{ id: string; channel: string }[]>('points.list')).find((p) => p.channel === 'Mode');
    assert.ok(pcsMode, 'the PCS exposes its operating mode');
    const direct = await op.call<CommandResult>('command.execute', { siteId: site.id, target: pcsMode.id, value: 1, reason: 'test' });
    assert.ok(!direct.ok && direct.stage === 'confirmation', JSON.stringify(direct));
    await op.call('auth.reauth', { password: users.operator.password });
    const sel = await op.call<SelectResult>('command.select', { siteId: site.id, target: pcsMode.id, value: 1, reason: 'test' });
    assert.ok(sel.ok, JSON.stringify(sel));
    const done = await op.call<CommandResult>('command.execute', { siteId: site.id, target: pcsMode.id, value: 1, reason: 'test', confirmToken: sel.token });
    assert.ok(done.ok, JSON.stringify(done));
    const reuse = await op.call<CommandResult>('command.execute', { siteId: site.id, target: pcsMode.id, value: 0, reason: 'test', confirmToken: sel.token });
    assert.equal(reuse.ok, false, 'a selection is used once');
  });

  it('shows a user granted another site nothing of this one (users.02)', async () => {
    const other = { username: 'tenant2', password: 'Basalt-Orchard-63!' };
    await users.admin.call('users.create', { ...other, displayName: 'Other tenant', roles: ['operator'], sites: ['site-b'], mustChangePassword: false });
    const c = await signedIn(app.host.url ?? '', other);
    try {
      for (const [method, arg] of [
        ['site.get', {}],
        ['points.list', {}],
        ['points.read', { ids: ['ess/Soc'] }],
        ['devices.list', {}],
        ['alarms.list', {}],
        ['history.query', { ids: ['ess/Soc'], from: 0, to: Date.now(), mode: 'raw' }],
        ['command.execute', { siteId: site.id, target: 'ess/SetActivePower', value: 0, reason: 'test' }],
      ] as const) {
        await assert.rejects(c.call(method, arg), (e: ApiCallError) => e.body.code === 'forbidden' && !!e.body.rule, `${method} must be refused`);
      }
      await assert.rejects(c.listen('points.changed', () => undefined), (e: ApiCallError) => e.body.code === 'forbidden');
      await assert.rejects(c.listen('alarms.changed', () => undefined), (e: ApiCallError) => e.body.code === 'forbidden');
    } finally {
      await c.close();
    }
  });

  it('lets an administrator see open sessions and close one', async () => {
    const list = await users.admin.call<Array<{ id: string; username: string; workstation: string; current: boolean }>>('sessions.list');
    const field = list.find((s) => s.username === 'field1');
    assert.ok(field, `sessions: ${list.map((s) => s.username).join(', ')}`);
    assert.ok(list.some((s) => s.username === 'admin' && s.current), 'the caller sees its own session marked');
    assert.ok(!('token' in field), 'never a token');
    await users.admin.call('sessions.revoke', { id: field.id });
    await assert.rejects(clients.get('field-staff')!.call('site.get'), (e: ApiCallError) => e.body.code === 'unauthenticated');
    const audit = await users.admin.call<AuditEntry[]>('audit.query', { type: 'auth.session.revoke' });
    assert.equal(audit[0]?.target, 'field1');
  });

  it('ends event delivery and calls when the user signs out', async () => {
    const v = clients.get('viewer');
    assert.ok(v);
    await v.call('auth.signOut');
    await assert.rejects(v.call('site.get'), (e: ApiCallError) => e.body.code === 'unauthenticated');
  });
});
