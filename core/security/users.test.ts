import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../common/api/contract';
import { openAppDb } from '../db';
import { AuditLog } from '../audit/log';
import { AuthService } from './auth';
import { PasswordHasher, TEST_SCRYPT } from './password';
import { UserService } from './users';

const PW = 'Adm1n-passphrase!';
const rule = (r: string) => (e: unknown) => e instanceof ApiError && e.details.rule === r;

async function setup() {
  let t = Date.UTC(2025, 0, 1);
  const now = () => t;
  const db = openAppDb(':memory:');
  const audit = new AuditLog(db, { now });
  const auth = new AuthService(db, { audit, now, hasher: new PasswordHasher(TEST_SCRYPT) });
  const users = new UserService(db, auth, audit);
  const a = await auth.setupAdmin({ username: 'admin', displayName: 'Admin', password: PW }, 'ws');
  const admin = auth.validate(a.token);
  const opView = await users.create(admin, {
    username: 'op1', displayName: 'Operator One', password: 'Blue-kettle-4821', roles: ['operator'], sites: ['s1'], validTo: t + 30 * 86400_000, mustChangePassword: false,
  });
  const op = auth.validate((await auth.signIn('op1', 'Blue-kettle-4821', 'ws')).token);
  return { db, audit, auth, users, admin, op, opView, advance: (ms: number) => (t += ms), now };
}

test('an operator may create guests on their own sites, for no longer than their own period, never field staff (config.edit)', async () => {
  const { users, op, now, audit } = await setup();
  const g = await users.create(op, { username: 'guest1', displayName: 'Guest', password: 'Green-lamp-7733', roles: ['viewer'], sites: ['s1'], validTo: now() + 86400_000 });
  assert.equal(g.createdBy, op.userId);
  assert.equal(g.mustChangePassword, true);
  // field staff hold configuration edit, which an operator does not: no delegation beyond one's own rights
  await assert.rejects(users.create(op, { username: 'tech1', displayName: 'Tech', password: 'Red-anchor-5512', roles: ['field-staff'], sites: ['s1'], validTo: now() + 86400_000 }), rule('users.role-not-delegable'));
  await assert.rejects(users.create(op, { username: 'op2', displayName: 'O', password: 'Gold-river-9087', roles: ['operator'], sites: ['s1'], validTo: now() + 1 }), rule('users.role-not-delegable'));
  await assert.rejects(users.create(op, { username: 'adm2', displayName: 'A', password: 'Iron-cloud-3141', roles: ['administrator'], sites: ['s1'], validTo: now() + 1 }), rule('users.role-not-delegable'));
  await assert.rejects(users.create(op, { username: 'g2', displayName: 'G', password: 'Green-lamp-7733', roles: ['viewer'], sites: ['s2'], validTo: now() + 1 }), rule('users.site-not-granted'));
  await assert.rejects(users.create(op, { username: 'g3', displayName: 'G', password: 'Green-lamp-7733', roles: ['viewer'], sites: 'all', validTo: now() + 1 }), rule('users.site-not-granted'));
  await assert.rejects(users.create(op, { username: 'g4', displayName: 'G', password: 'Green-lamp-7733', roles: ['viewer'], sites: ['s1'] }), rule('users.period-beyond-own'));
  await assert.rejects(users.create(op, { username: 'g5', displayName: 'G', password: 'short', roles: ['viewer'], sites: ['s1'], validTo: now() + 1 }), rule('password.policy'));
  await assert.rejects(users.create(op, { username: 'GUEST1', displayName: 'G', password: 'Green-lamp-7733', roles: ['viewer'], sites: ['s1'], validTo: now() + 1 }), rule('users.exists'));
  const refused = audit.query({ type: 'user.create', outcome: 'refused' });
  assert.ok(refused.some((e) => e.rule === 'users.role-not-delegable' && e.actor === 'op1'));
  const created = audit.query({ type: 'user.create', outcome: 'ok' });
  const after = created.find((e) => e.target === 'guest1')!.after as Record<string, unknown>;
  assert.deepEqual(after.roles, ['viewer']);
  assert.ok(!JSON.stringify(created).includes('scrypt$'), 'no hash in the audit log');
});

test('an operator cannot touch operators or administrators, nor change themselves', async () => {
  const { users, op, admin, opView } = await setup();
  assert.throws(() => users.update(op, { userId: admin.userId, displayName: 'x' }), (e: unknown) => e instanceof ApiError && e.code === 'not-found');
  assert.throws(() => users.update(op, { userId: opView.id, roles: ['administrator'] }), rule('users.target-not-manageable'));
  await assert.rejects(users.setPassword(op, admin.userId, 'Whatever-pass-1'), (e: unknown) => e instanceof ApiError && e.code === 'not-found');
  assert.throws(() => users.delete(op, admin.userId), rule('role.missing-capability'));
  assert.throws(() => users.createRole(op, { id: 'x', name: 'X', capabilities: ['site.view'] }), rule('role.missing-capability'));
});

test('update records before/after; disable revokes; the last administrator is protected', async () => {
  const { users, admin, opView, audit, auth } = await setup();
  const s = await auth.signIn('op1', 'Blue-kettle-4821', 'ws');
  users.update(admin, { userId: opView.id, displayName: 'Op 1', sites: ['s1', 's2'] });
  const e = audit.query({ type: 'user.update' })[0]!;
  assert.deepEqual((e.before as { sites: string[] }).sites, ['s1']);
  assert.deepEqual((e.after as { sites: string[] }).sites, ['s1', 's2']);
  users.update(admin, { userId: opView.id, disabled: true });
  assert.throws(() => auth.validate(s.token), rule('session.revoked'));
  assert.throws(() => users.update(admin, { userId: admin.userId, disabled: true }), rule('users.self-modify'));
  assert.throws(() => users.delete(admin, admin.userId), rule('users.self-modify'));
  // a second admin can be demoted while the first remains
  const a2 = await users.create(admin, { username: 'admin2', displayName: 'A2', password: 'Iron-cloud-3141', roles: ['administrator'], sites: 'all' });
  users.update(admin, { userId: a2.id, roles: ['viewer'] });
  users.delete(admin, a2.id);
  assert.equal(audit.query({ type: 'user.delete' })[0]?.target, 'admin2');
});

test('custom roles: created, used, immutable built-ins, not deleted while in use', async () => {
  const { users, admin, op, now } = await setup();
  const r = users.createRole(admin, { id: 'analyst', name: 'Analyst', capabilities: ['site.view', 'study.run', 'data.export'], delegable: true });
  assert.equal(r.builtin, false);
  const u = await users.create(op, { username: 'ana', displayName: 'Ana', password: 'Silver-moth-2718', roles: ['analyst'], sites: ['s1'], validTo: now() + 1000 });
  assert.throws(() => users.updateRole(admin, { id: 'operator', name: 'Op', capabilities: ['system.administer'] }), rule('roles.builtin-immutable'));
  assert.throws(() => users.deleteRole(admin, 'analyst'), rule('roles.in-use'));
  users.updateRole(admin, { id: 'analyst', name: 'Analyst', capabilities: ['site.view'], delegable: true });
  assert.deepEqual(users.listRoles(admin).find((x) => x.id === 'analyst')?.capabilities, ['site.view']);
  users.delete(admin, u.id);
  users.deleteRole(admin, 'analyst');
  assert.equal(users.listRoles(admin).length, 4);
});

test('unlock clears a lockout', async () => {
  const { users, admin, auth, opView } = await setup();
  for (let i = 0; i < 5; i++) await assert.rejects(auth.signIn('op1', 'bad', 'ws'));
  assert.ok(users.get(admin, opView.id).lockedUntil !== null);
  assert.equal(users.unlock(admin, opView.id).lockedUntil, null);
  await auth.signIn('op1', 'Blue-kettle-4821', 'ws');
});
