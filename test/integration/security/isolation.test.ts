/** Sites as tenants (users.02): a user sees and commands only the sites granted to them. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../../core/common/api/contract';
import { Authorizer, siteScope } from '../../../core/security';
import { securityStack } from './fixture';

test('cross-site isolation: methods, commands, users, audit and secrets', async (t) => {
  const S = await securityStack(['s1', 's2']);
  t.after(() => S.close());
  const op1 = await S.user('op1', ['operator'], ['s1']);
  const op2 = await S.user('op2', ['operator'], ['s2']);
  const az = new Authorizer(S.clock.now);

  // every site-scoped method is refused for the other site
  for (const m of ['site.get', 'points.list', 'points.read', 'devices.list', 'sim.get']) {
    assert.equal(az.checkMethod(op1.principal, m, {}, 's1').allowed, true, m);
    const d = az.checkMethod(op1.principal, m, {}, 's2');
    assert.equal(d.allowed ? '' : d.rule, 'site.not-granted', m);
  }
  const d = az.checkMethod(op1.principal, 'command.execute', { siteId: 's2' });
  assert.equal(d.allowed ? '' : d.rule, 'site.not-granted');

  // commands: refused before anything about the other site is looked at
  const r = await S.commands.execute(op1.principal, { siteId: 's2', target: 'ess1/SetActivePower', value: 10 });
  assert.equal(r.ok ? '' : `${r.stage}/${r.rule}`, 'permission/site.not-granted');
  const r2 = await S.commands.execute(op1.principal, { siteId: 's2', target: 'nothing/Here', value: 10 });
  assert.equal(r2.ok ? '' : r2.rule, 'site.not-granted', 'an unknown point on a foreign site looks the same');
  assert.equal(S.sites.get('s2')!.bridge.writes.length, 0);
  const ok = await S.commands.execute(op2.principal, { siteId: 's2', target: 'ess1/SetActivePower', value: 10 });
  assert.equal(ok.ok, true, JSON.stringify(ok));
  assert.equal(S.sites.get('s1')!.bridge.writes.length, 0, 'the s2 command did not reach s1');

  // users: each operator sees only users of their sites; the other site's users do not exist for them
  await S.users.create(op1.principal, { username: 'guest-s1', displayName: 'G', password: 'Green-lamp-7733', roles: ['viewer'], sites: ['s1'] });
  const seen1 = S.users.list(op1.principal).map((u) => u.username);
  assert.ok(seen1.includes('guest-s1') && seen1.includes('op1'));
  assert.ok(!seen1.includes('op2') && !seen1.includes('admin'));
  assert.throws(() => S.users.get(op2.principal, op1.id), (e: unknown) => e instanceof ApiError && e.code === 'not-found');
  await assert.rejects(S.users.create(op1.principal, { username: 'g2', displayName: 'G', password: 'Green-lamp-7733', roles: ['viewer'], sites: ['s2'] }), (e: unknown) => e instanceof ApiError && e.details.rule === 'users.site-not-granted');

  // audit: op1 sees s1 entries and their own, never s2's command or op2's sign-in
  const scope1 = { sites: siteScope(op1.principal) as string[], self: op1.principal.username };
  const seen = S.audit.query({}, scope1);
  assert.ok(seen.length > 0);
  assert.ok(seen.every((e) => e.siteId === 's1' || (e.siteId === null && (e.actor === 'op1' || e.target === 'op1'))), JSON.stringify(seen.map((e) => [e.type, e.siteId, e.actor])));
  assert.ok(!seen.some((e) => e.actor === 'op2'));
  assert.equal(S.audit.query({ siteId: 's2' }, scope1).filter((e) => e.actor === 'op2').length, 0, 'a filter cannot widen the scope');
  assert.ok(!S.audit.exportCsv({}, scope1).includes('op2'));

  // secrets: metadata of the own site only
  await S.secrets.set('s1-modbus', 'pw1', { siteId: 's1', by: 'admin' });
  await S.secrets.set('s2-modbus', 'pw2', { siteId: 's2', by: 'admin' });
  assert.deepEqual(S.secrets.list(siteScope(op1.principal)).map((m) => m.id), ['s1-modbus']);

  // the administrator sees all
  assert.ok(S.users.list(S.admin).length >= 4);
  assert.equal(S.audit.verify().ok, true);
});
