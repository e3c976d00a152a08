import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../common/api/contract';
import { openAppDb } from '../db';
import { AuditLog } from '../audit/log';
import { AuthService, hashToken } from './auth';
import { PasswordHasher, TEST_SCRYPT } from './password';
import { UserService } from './users';

const PW = 'Adm1n-passphrase!';

function setup(o: { setupToken?: string } = {}) {
  let t = Date.UTC(2025, 0, 1);
  const clock = { now: () => t, advance: (ms: number) => (t += ms) };
  const db = openAppDb(':memory:');
  const audit = new AuditLog(db, { now: clock.now });
  const auth = new AuthService(db, { audit, now: clock.now, hasher: new PasswordHasher(TEST_SCRYPT), idleLockMs: 60_000, sessionTtlMs: 3600_000, ...o });
  const users = new UserService(db, auth, audit);
  return { db, audit, auth, users, clock };
}

const rejectsWith = (rule: string) => (e: unknown) => e instanceof ApiError && e.details.rule === rule;

test('first start: setup creates the administrator once, then is refused', async () => {
  const { auth, audit } = setup();
  assert.equal(auth.status().setupRequired, true);
  await assert.rejects(auth.setupAdmin({ username: 'admin', displayName: 'Admin', password: 'short' }, 'ws1'), rejectsWith('password.policy'));
  const s = await auth.setupAdmin({ username: 'Admin', displayName: 'Site Admin', password: PW }, 'ws1');
  assert.equal(s.user, 'admin');
  assert.deepEqual(s.roles, ['administrator']);
  assert.equal(s.sites, 'all');
  assert.equal(auth.status().setupRequired, false);
  await assert.rejects(auth.setupAdmin({ username: 'evil', displayName: 'Evil', password: PW }, 'ws2'), rejectsWith('setup.done'));
  assert.ok(audit.query({ type: 'auth.setup' }).some((e) => e.outcome === 'refused' && e.actor === 'evil'));
});

test('setup requires the one-time token when the host sets one', async () => {
  const { auth } = setup({ setupToken: 'tok-123' });
  await assert.rejects(auth.setupAdmin({ username: 'admin', displayName: 'A', password: PW }, 'ws'), rejectsWith('setup.token'));
  await auth.setupAdmin({ username: 'admin', displayName: 'A', password: PW, setupToken: 'tok-123' }, 'ws');
});

test('sign-in: token stored only as its hash; wrong password and unknown user look alike', async (t) => {
  const { auth, db, audit } = setup();
  await auth.setupAdmin({ username: 'admin', displayName: 'A', password: PW }, 'ws');
  const s = await auth.signIn('ADMIN', PW, 'ws-7');
  assert.ok(s.token.length >= 43);
  const rows = db.prepare('SELECT token_hash FROM sessions').all() as { token_hash: string }[];
  assert.ok(rows.some((r) => r.token_hash === hashToken(s.token)));
  assert.ok(!JSON.stringify(db.prepare('SELECT * FROM sessions').all()).includes(s.token));
  const p = auth.validate(s.token);
  assert.equal(p.username, 'admin');
  assert.equal(p.workstation, 'ws-7');
  let e1: ApiError | undefined;
  let e2: ApiError | undefined;
  await auth.signIn('admin', 'nope', 'ws').catch((e: ApiError) => (e1 = e));
  await auth.signIn('ghost', 'nope', 'ws').catch((e: ApiError) => (e2 = e));
  assert.equal(e1?.message, e2?.message);
  assert.equal(e1?.details.rule, 'auth.bad-credentials');
  assert.equal(e2?.code, 'unauthenticated');
  const entries = audit.query({ type: 'auth.signin' });
  assert.equal(entries.filter((e) => e.outcome === 'refused').length, 2);
  assert.ok(entries.some((e) => e.outcome === 'ok' && e.workstation === 'ws-7'));
  t.diagnostic(`audit entries: ${entries.length}`);
});

test('lockout after 5 failures, doubling back-off, reset by success (injected clock, no sleeps)', async () => {
  const { auth, clock } = setup();
  await auth.setupAdmin({ username: 'admin', displayName: 'A', password: PW }, 'ws');
  for (let i = 0; i < 4; i++) await assert.rejects(auth.signIn('admin', 'bad', 'ws'), rejectsWith('auth.bad-credentials'));
  // 5th failure locks for 30 s
  await assert.rejects(auth.signIn('admin', 'bad', 'ws'), rejectsWith('auth.bad-credentials'));
  await assert.rejects(auth.signIn('admin', PW, 'ws'), rejectsWith('auth.locked-out'), 'even the right password is refused while locked');
  clock.advance(29_999);
  await assert.rejects(auth.signIn('admin', PW, 'ws'), rejectsWith('auth.locked-out'));
  clock.advance(1);
  // 6th failure: 60 s
  await assert.rejects(auth.signIn('admin', 'bad', 'ws'), rejectsWith('auth.bad-credentials'));
  clock.advance(59_999);
  await assert.rejects(auth.signIn('admin', PW, 'ws'), rejectsWith('auth.locked-out'));
  clock.advance(1);
  await auth.signIn('admin', PW, 'ws');
  // success cleared the count: four more failures do not lock
  for (let i = 0; i < 4; i++) await assert.rejects(auth.signIn('admin', 'bad', 'ws'), rejectsWith('auth.bad-credentials'));
  await auth.signIn('admin', PW, 'ws');
});

test('back-off is capped and unknown names are throttled the same way', async () => {
  const { auth, clock } = setup();
  for (let i = 0; i < 5; i++) await assert.rejects(auth.signIn('ghost', 'bad', 'ws'));
  await assert.rejects(auth.signIn('ghost', 'bad', 'ws'), rejectsWith('auth.locked-out'));
  for (let i = 0; i < 12; i++) {
    clock.advance(15 * 60_000);
    await assert.rejects(auth.signIn('ghost', 'bad', 'ws'), rejectsWith('auth.bad-credentials'));
  }
  clock.advance(15 * 60_000 - 1);
  await assert.rejects(auth.signIn('ghost', 'bad', 'ws'), rejectsWith('auth.locked-out'), 'cap is 15 min');
  clock.advance(1);
  await assert.rejects(auth.signIn('ghost', 'bad', 'ws'), rejectsWith('auth.bad-credentials'));
});

test('idle lock, re-authentication, absolute expiry and sign-out', async () => {
  const { auth, clock } = setup();
  const s = await auth.setupAdmin({ username: 'admin', displayName: 'A', password: PW }, 'ws');
  clock.advance(59_000);
  auth.validate(s.token); // activity postpones the lock
  clock.advance(59_000);
  auth.validate(s.token);
  clock.advance(60_000);
  assert.throws(() => auth.validate(s.token), rejectsWith('session.idle-locked'));
  await assert.rejects(auth.reauth(s.token, 'wrong'), rejectsWith('auth.bad-credentials'));
  await auth.reauth(s.token, PW);
  const p = auth.validate(s.token);
  assert.equal(p.reauthAt, clock.now());
  assert.equal(auth.recentlyAuthenticated(p), true);
  clock.advance(5 * 60_000 + 1);
  assert.equal(auth.recentlyAuthenticated(auth.validate(s.token, { allowLocked: true })), false);
  clock.advance(3600_000);
  assert.throws(() => auth.validate(s.token), rejectsWith('session.expired'));
  const s2 = await auth.signIn('admin', PW, 'ws');
  auth.signOut(s2.token);
  assert.throws(() => auth.validate(s2.token), rejectsWith('session.revoked'));
  assert.throws(() => auth.validate('x'.repeat(43)), rejectsWith('session.unknown'));
});

test('access period and disabling end sessions; password change revokes the others', async () => {
  const { auth, users, clock } = setup();
  const a = await auth.setupAdmin({ username: 'admin', displayName: 'A', password: PW }, 'ws');
  const admin = auth.validate(a.token);
  const until = clock.now() + 1800_000;
  const v = await users.create(admin, { username: 'guest1', displayName: 'G', password: 'Guest-pass-123', roles: ['viewer'], sites: ['s1'], validTo: until, mustChangePassword: false });
  const g = await auth.signIn('guest1', 'Guest-pass-123', 'ws');
  clock.advance(1800_000);
  assert.throws(() => auth.validate(g.token), rejectsWith('account.expired'));
  await assert.rejects(auth.signIn('guest1', 'Guest-pass-123', 'ws'), rejectsWith('account.expired'));
  users.update(admin, { userId: v.id, validTo: null });
  const g2 = await auth.signIn('guest1', 'Guest-pass-123', 'ws');
  const g3 = await auth.signIn('guest1', 'Guest-pass-123', 'ws2');
  await auth.changePassword(g2.token, 'Guest-pass-123', 'New-guest-pass-456');
  assert.throws(() => auth.validate(g3.token), rejectsWith('session.revoked'));
  auth.validate(g2.token);
  users.update(admin, { userId: v.id, disabled: true });
  assert.throws(() => auth.validate(g2.token), (e: unknown) => e instanceof ApiError && e.code === 'unauthenticated');
});

test('impersonation is recorded with both names and may look but not act', async () => {
  const { auth, users, audit } = setup();
  const a = await auth.setupAdmin({ username: 'admin', displayName: 'A', password: PW }, 'ws');
  const admin = auth.validate(a.token);
  const op = await users.create(admin, { username: 'op1', displayName: 'Op', password: 'Operator-pass-1', roles: ['operator'], sites: ['s1'], mustChangePassword: false });
  const s = auth.impersonate(admin, op.id, 'ticket 42: operator cannot see trends');
  assert.equal(s.impersonator, 'admin');
  const p = auth.validate(s.token);
  assert.equal(p.username, 'op1');
  assert.deepEqual(p.impersonator, { userId: admin.userId, username: 'admin' });
  const e = audit.query({ type: 'auth.impersonate' })[0]!;
  assert.equal(e.actor, 'op1');
  assert.equal(e.impersonator, 'admin');
  assert.equal(e.reason, 'ticket 42: operator cannot see trends');
  assert.throws(() => auth.impersonate(p, op.id, 'x'), (x: unknown) => x instanceof ApiError && x.code === 'forbidden');
  const opSession = await auth.signIn('op1', 'Operator-pass-1', 'ws');
  assert.throws(() => auth.impersonate(auth.validate(opSession.token), admin.userId, 'x'), rejectsWith('role.missing-capability'));
  auth.signOut(s.token);
  assert.equal(audit.query({ type: 'auth.impersonate.end' })[0]?.impersonator, 'admin');
});

test('a flood of guessed names keeps the back-off tables and the lockout list bounded', async () => {
  let t = Date.UTC(2025, 0, 1);
  const db = openAppDb(':memory:');
  const audit = new AuditLog(db, { now: () => t });
  const auth = new AuthService(db, {
    audit,
    now: () => t,
    hasher: new PasswordHasher(TEST_SCRYPT),
    lockout: { threshold: 1, maxTracked: 10, resetAfterMs: 60_000, baseMs: 30_000, maxMs: 60_000 },
  });
  const rows = (table: string) => (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
  for (let i = 0; i < 40; i++) {
    await assert.rejects(auth.signIn(`ghost${i}`, 'nope', `browser@10.0.0.${i % 7}`));
    t += 10;
  }
  assert.ok(rows('login_throttle_source') <= 10, `pairs kept: ${rows('login_throttle_source')}`);
  assert.ok(rows('login_throttle') <= 10, `names kept: ${rows('login_throttle')}`);
  // the newest guesses are the ones still locked and listed
  const listed = auth.lockouts();
  assert.ok(listed.length > 0 && listed.length <= 20);
  assert.ok(listed.some((l) => l.username === 'ghost39'));
  assert.ok(!listed.some((l) => l.username === 'ghost0'), 'the oldest row was pruned');
  // once the locks are over and the failures forgotten, one more failure prunes them all
  t += 10 * 60_000;
  await assert.rejects(auth.signIn('someone', 'nope', 'browser@10.0.0.1'));
  assert.equal(rows('login_throttle_source'), 1);
  assert.equal(rows('login_throttle'), 1);
});
