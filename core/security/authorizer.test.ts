import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, METHOD_NAMES } from '../common/api/contract';
import { METHOD_CAPABILITIES } from '../common/api/access';
import {
  BUILTIN_ROLES,
  CAPABILITIES,
  IMPERSONATION_DENIED,
  SECURITY_METHOD_NAMES,
  securityMethodArgSchemas,
  type Capability,
} from '../common/security';
import { Authorizer } from './authorizer';
import { systemPrincipal, type Principal } from './principal';

const NOW = Date.UTC(2025, 5, 1);

function user(roles: string[], o: Partial<Principal> = {}): Principal {
  const caps = new Set<Capability>();
  for (const r of roles) for (const c of BUILTIN_ROLES.find((x) => x.id === r)!.capabilities) caps.add(c);
  return {
    kind: 'user', userId: 'u1', username: 'u1', displayName: 'U', roles, capabilities: caps, sites: new Set(['s1']),
    validFrom: null, validTo: null, disabled: false, mustChangePassword: false, workstation: 'ws', sessionId: 'x', reauthAt: NOW,
    impersonator: null, ...o,
  };
}

/** The expected matrix, written out by hand (not derived from BUILTIN_ROLES). */
const EXPECTED: Record<string, Capability[]> = {
  administrator: [...CAPABILITIES],
  operator: ['site.view', 'data.confidential', 'control.operate', 'control.setpoint', 'alarms.ack', 'users.manage', 'data.export', 'study.run'],
  'field-staff': ['site.view', 'control.operate', 'control.setpoint', 'alarms.ack', 'config.edit'],
  viewer: ['site.view'],
};

test('permission matrix: each built-in role x each capability', () => {
  const az = new Authorizer(() => NOW);
  for (const [role, allowed] of Object.entries(EXPECTED)) {
    for (const cap of CAPABILITIES) {
      const d = az.check(user([role]), cap, { siteId: 's1' });
      if (allowed.includes(cap)) assert.deepEqual(d, { allowed: true }, `${role} should hold ${cap}`);
      else {
        assert.equal(d.allowed, false, `${role} must not hold ${cap}`);
        if (!d.allowed) {
          assert.equal(d.rule, 'role.missing-capability');
          assert.match(d.message, new RegExp(cap.replace('.', '\\.')));
        }
      }
    }
  }
});

test('refusals name their rule: site, period, disabled, password change, impersonation', () => {
  const az = new Authorizer(() => NOW);
  const op = user(['operator']);
  const rule = (p: Principal, c: Capability, siteId?: string) => {
    const d = az.check(p, c, siteId ? { siteId } : {});
    return d.allowed ? 'allowed' : d.rule;
  };
  assert.equal(rule(op, 'site.view', 's2'), 'site.not-granted');
  assert.equal(rule(user(['viewer'], { sites: 'all' }), 'site.view', 's2'), 'allowed');
  assert.equal(rule(user(['operator'], { validFrom: NOW + 1 }), 'site.view'), 'account.not-yet-valid');
  assert.equal(rule(user(['operator'], { validTo: NOW }), 'site.view'), 'account.expired');
  assert.equal(rule(user(['operator'], { validTo: NOW + 1 }), 'site.view'), 'allowed');
  assert.equal(rule(user(['operator'], { disabled: true }), 'site.view'), 'account.disabled');
  assert.equal(rule(user(['operator'], { mustChangePassword: true }), 'site.view'), 'account.must-change-password');
  const imp = user(['operator'], { impersonator: { userId: 'a', username: 'admin' } });
  for (const c of IMPERSONATION_DENIED) if (EXPECTED.operator!.includes(c)) assert.equal(rule(imp, c, 's1'), 'impersonation.read-only');
  assert.equal(rule(imp, 'site.view', 's1'), 'allowed');
  assert.throws(() => az.assert(op, 'config.edit'), (e: unknown) => e instanceof ApiError && e.code === 'forbidden' && e.details.rule === 'role.missing-capability');
});

test('system principal has its own permissions', () => {
  const az = new Authorizer(() => NOW);
  const opt = systemPrincipal({ id: 'optimiser', capabilities: ['site.view', 'control.setpoint'], sites: ['s1'] });
  assert.equal(az.check(opt, 'control.setpoint', { siteId: 's1' }).allowed, true);
  const d = az.check(opt, 'control.operate', { siteId: 's1' });
  assert.equal(d.allowed ? '' : d.rule, 'role.missing-capability');
  assert.match(d.allowed ? '' : d.message, /system principal "system:optimiser"/);
  assert.equal(az.check(opt, 'control.setpoint', { siteId: 's2' }).allowed, false);
});

test('every API method has an entry in METHOD_CAPABILITIES, and every entry is a method', () => {
  const methods = new Set<string>([...METHOD_NAMES, ...SECURITY_METHOD_NAMES]);
  for (const m of methods) assert.ok(Object.prototype.hasOwnProperty.call(METHOD_CAPABILITIES, m), `${m} lacks an entry`);
  for (const m of Object.keys(METHOD_CAPABILITIES)) assert.ok(methods.has(m), `${m} is not a method`);
  assert.equal(Object.keys(securityMethodArgSchemas).length, SECURITY_METHOD_NAMES.length);
  // only the sign-in screen's methods are public
  const pub = Object.entries(METHOD_CAPABILITIES).filter(([, a]) => a.access === 'public').map(([m]) => m).sort();
  assert.deepEqual(pub, ['auth.setup', 'auth.signIn', 'auth.status']);
});

test('checkMethod: public, session, capability with the site from the argument or the host', () => {
  const az = new Authorizer(() => NOW);
  assert.equal(az.checkMethod(null, 'auth.signIn', {}).allowed, true);
  const none = az.checkMethod(null, 'site.get', {}, 's1');
  assert.equal(none.allowed ? '' : none.rule, 'session.required');
  assert.throws(() => az.assertMethod(null, 'site.get', {}, 's1'), (e: unknown) => e instanceof ApiError && e.code === 'unauthenticated');
  const viewer = user(['viewer']);
  assert.equal(az.checkMethod(viewer, 'site.get', {}, 's1').allowed, true);
  assert.equal(az.checkMethod(viewer, 'site.get', {}, 's2').allowed, false);
  const cmd = az.checkMethod(viewer, 'command.execute', { siteId: 's1' });
  assert.equal(cmd.allowed ? '' : cmd.rule, 'role.missing-capability');
  const op = user(['operator']);
  assert.equal(az.checkMethod(op, 'command.execute', { siteId: 's1' }).allowed, true);
  const other = az.checkMethod(op, 'command.execute', { siteId: 's2' });
  assert.equal(other.allowed ? '' : other.rule, 'site.not-granted');
  const missing = az.checkMethod(op, 'command.execute', {});
  assert.equal(missing.allowed ? '' : missing.rule, 'site.missing');
  const unmapped = az.checkMethod(op, 'nope.nope', {});
  assert.equal(unmapped.allowed ? '' : unmapped.rule, 'method.unmapped');
});
