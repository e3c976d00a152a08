/** Each role x each capability through real accounts, sign-in and the Authorizer; and every API method. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type Capability } from '../../../core/common/security';
import { METHOD_CAPABILITIES } from '../../../core/common/api/access';
import { Authorizer } from '../../../core/security';
import { ALL, securityStack } from './fixture';

/** users.01, written out by hand: the capabilities each default role must hold. */
const MATRIX: Record<string, Capability[]> = {
  administrator: ALL,
  operator: ['site.view', 'data.confidential', 'control.operate', 'control.setpoint', 'alarms.ack', 'users.manage', 'data.export', 'study.run'],
  'field-staff': ['site.view', 'control.operate', 'control.setpoint', 'alarms.ack', 'config.edit'],
  viewer: ['site.view'],
};

test('permission matrix: role x capability, allowed and refused, each refusal naming its rule', async (t) => {
  const S = await securityStack(['s1']);
  t.after(() => S.close());
  const az = new Authorizer(S.clock.now);
  let checked = 0;
  for (const [role, caps] of Object.entries(MATRIX)) {
    const { principal, token } = await S.user(`u-${role}`, [role], ['s1']);
    const session = S.auth.session(token);
    assert.deepEqual(session.capabilities, [...caps].sort(), `${role}: the session tells the UI what it may do`);
    for (const cap of ALL) {
      const d = az.check(principal, cap, { siteId: 's1' });
      const want = caps.includes(cap);
      assert.equal(d.allowed, want, `${role} x ${cap}`);
      if (!d.allowed) assert.equal(d.rule, 'role.missing-capability');
      checked++;
    }
    // and every API method, through the host's gate
    for (const [method, access] of Object.entries(METHOD_CAPABILITIES)) {
      const d = az.checkMethod(principal, method, { siteId: 's1' }, 's1');
      const want = access.access !== 'capability' || access.anyOf.some((c) => caps.includes(c));
      assert.equal(d.allowed, want, `${role} -> ${method}`);
    }
  }
  assert.equal(checked, 40);
});

test('a custom role grants exactly its capabilities', async (t) => {
  const S = await securityStack(['s1']);
  t.after(() => S.close());
  S.users.createRole(S.admin, { id: 'analyst', name: 'Analyst', capabilities: ['site.view', 'study.run', 'data.export'] });
  const { principal } = await S.user('ana', ['analyst'], ['s1']);
  const az = new Authorizer(S.clock.now);
  for (const cap of ALL) assert.equal(az.check(principal, cap, { siteId: 's1' }).allowed, ['site.view', 'study.run', 'data.export'].includes(cap), cap);
});

test('access periods: a guest is refused outside valid from/to', async (t) => {
  const S = await securityStack(['s1']);
  t.after(() => S.close());
  const now = S.clock.now();
  const v = await S.users.create(S.admin, { username: 'later', displayName: 'L', password: 'Blue-kettle-4821', roles: ['viewer'], sites: ['s1'], validFrom: now + 3600_000, validTo: now + 7200_000, mustChangePassword: false });
  await assert.rejects(S.auth.signIn('later', 'Blue-kettle-4821', 'ws'), (e: { details?: { rule?: string } }) => e.details?.rule === 'account.not-yet-valid');
  S.clock.advance(3600_000);
  const s = await S.auth.signIn('later', 'Blue-kettle-4821', 'ws');
  S.clock.advance(3600_000);
  assert.throws(() => S.auth.validate(s.token), (e: { details?: { rule?: string } }) => e.details?.rule === 'account.expired');
  assert.equal(S.users.get(S.admin, v.id).validTo, now + 7200_000);
});
